package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sdkWhoami is a program scripts run as a child of `sesame exec --server`:
// the real aws-sdk-go-v2 reads the container credential endpoint from
// AWS_CONTAINER_CREDENTIALS_FULL_URI / AWS_CONTAINER_AUTHORIZATION_TOKEN,
// caches and renews credentials as any AWS tool would, and asks STS (at
// AWS_ENDPOINT_URL) who they belong to. `sdk-whoami N PAUSE` does it N
// times, PAUSE apart, and reports how many distinct access keys it got.
func sdkWhoami() int {
	n, pause := 1, time.Duration(0)
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		pause, _ = time.ParseDuration(os.Args[2])
	}
	uri := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if uri == "" {
		fmt.Fprintln(os.Stderr, "sdk-whoami: AWS_CONTAINER_CREDENTIALS_FULL_URI is not set")
		return 2
	}
	provider := endpointcreds.New(uri, func(o *endpointcreds.Options) {
		o.AuthorizationToken = os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	})
	// The SDK's config loader wraps the container provider in a cache
	// that renews 5 minutes before expiry; do the same.
	cache := aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 5 * time.Minute })
	cfg := aws.Config{Region: os.Getenv("AWS_REGION"), Credentials: cache,
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL")), RetryMaxAttempts: 1}
	client := sts.NewFromConfig(cfg)
	keys := map[string]bool{}
	for i := range n {
		if i > 0 {
			time.Sleep(pause)
		}
		out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdk-whoami:", err)
			return 1
		}
		c, err := cfg.Credentials.Retrieve(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdk-whoami:", err)
			return 1
		}
		keys[c.AccessKeyID] = true
		fmt.Println(aws.ToString(out.Arn))
	}
	fmt.Printf("distinct keys: %d\n", len(keys))
	return 0
}
