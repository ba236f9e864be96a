//go:build linux

package e2e

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sesame serve, as a user runs it: it prints the two variables, serves
// the selected identity at / and any identity of the profile at
// /identities/NAME to the real SDK, refuses other tokens, and stops
// cleanly on Ctrl-C.
func TestServe(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t, sb)
	e.login(t)
	p := e.start(t, nil, "serve", "--identity", "plat-dev/TerraformPlanAccess")

	exports := regexp.MustCompile(`export AWS_CONTAINER_CREDENTIALS_FULL_URI='(http://127\.0\.0\.1:\d+/)'\s+export AWS_CONTAINER_AUTHORIZATION_TOKEN='([^']+)'`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil; {
		if m = exports.FindStringSubmatch(p.stdout.String()); m != nil {
			break
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("sesame serve printed no exports:\n%s", p.wait())
		}
		time.Sleep(20 * time.Millisecond)
	}
	base, token := m[1], m[2]

	whoami := func(path, tok string) (string, error) {
		provider := endpointcreds.New(base+strings.TrimPrefix(path, "/"), func(o *endpointcreds.Options) { o.AuthorizationToken = tok })
		client := sts.NewFromConfig(aws.Config{Region: sb.info.Region, Credentials: aws.NewCredentialsCache(provider),
			BaseEndpoint: aws.String(sb.info.Endpoint), RetryMaxAttempts: 1})
		out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Arn), nil
	}
	if arn, err := whoami("/", token); err != nil || !strings.Contains(arn, "assumed-role/AWSReservedSSO_TerraformPlanAccess_") {
		t.Errorf("/: %q, %v", arn, err)
	}
	if arn, err := whoami("/identities/plat-dev%2Fterraform", token); err != nil || !strings.HasSuffix(arn, "assumed-role/acme-plat-dev-terraform/alice") {
		t.Errorf("/identities/plat-dev%%2Fterraform: %q, %v", arn, err)
	}
	if _, err := whoami("/", "not-the-token"); err == nil {
		t.Error("a wrong token got credentials")
	}
	if resp, err := http.Get(base); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("no token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, base+"identities/no%2Fsuch", nil)
	req.Header.Set("Authorization", token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown identity: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := p.wait()
	if r.Code != 0 || !strings.Contains(r.Stderr, "stopped") {
		t.Errorf("after Ctrl-C: %s", r)
	}
	if strings.Contains(r.Stderr, token) {
		t.Error("the token was printed on stderr")
	}
	if _, err := http.Get(base); err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("the endpoint still answers after sesame serve stopped: %v", err)
	}
}
