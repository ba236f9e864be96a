// Command sandbox is a load generator for the sesame sandbox: it signs a
// sandbox user in (device flow), then calls one operation from -c
// concurrent workers for -d with the real aws-sdk-go-v2 clients, and
// prints requests/s, latency percentiles and errors.
//
//	# against a running `sesame sandbox` (a separate process)
//	go run ./bench/sandbox -addr http://127.0.0.1:4566 -op GetCallerIdentity -c 16 -d 10s
//	# or against a sandbox this process starts on a loopback port
//	go run ./bench/sandbox -op GetRoleCredentials -c 16 -d 10s
//
// GetCallerIdentity is signed (SigV4) with permission-set session
// credentials from GetRoleCredentials; GetRoleCredentials sends the
// bearer token. A sandbox started without --auto-approve is approved
// through /_sandbox/approve.
//
// For other load tools (wrk, hey), -print-token prints the access token
// and -print-presigned a presigned GetCallerIdentity URL (SigV4 in the
// query; the sandbox verifies it on every request and accepts it for
// the 15 minutes of allowed clock skew):
//
//	TOKEN=$(go run ./bench/sandbox -addr URL -print-token)
//	wrk -t2 -c16 -d10s -H "x-amz-sso_bearer_token: $TOKEN" \
//	    "URL/federation/credentials?account_id=666666666666&role_name=ReadOnlyAccess"
//	wrk -t2 -c16 -d10s "$(go run ./bench/sandbox -addr URL -print-presigned)"
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

type options struct {
	op, addr, configDir, user, account, role, region, startURL string
	conc                                                       int
	dur, warmup                                                time.Duration
	printToken, printPresigned, jsonOut                        bool
}

func main() {
	var o options
	flag.StringVar(&o.op, "op", "GetCallerIdentity", "operation: GetCallerIdentity or GetRoleCredentials")
	flag.IntVar(&o.conc, "c", 16, "concurrent workers (each with its own keep-alive connection)")
	flag.DurationVar(&o.dur, "d", 10*time.Second, "how long to measure")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "load before measuring, not counted")
	flag.StringVar(&o.addr, "addr", "", "sandbox base URL; empty starts one in this process on 127.0.0.1")
	flag.StringVar(&o.configDir, "config", "examples/acme", "configuration for the sandbox this process starts (without -addr)")
	flag.StringVar(&o.user, "user", "alice", "sandbox user to sign in as")
	flag.StringVar(&o.account, "account", "666666666666", "account id for GetRoleCredentials")
	flag.StringVar(&o.role, "role", "ReadOnlyAccess", "permission set for GetRoleCredentials")
	flag.StringVar(&o.region, "region", "", "region (default: from /_sandbox/info)")
	flag.BoolVar(&o.printToken, "print-token", false, "sign in, print the access token and exit")
	flag.BoolVar(&o.printPresigned, "print-presigned", false, "sign in, print a presigned GetCallerIdentity URL and exit")
	flag.BoolVar(&o.jsonOut, "json", false, "print the result as JSON")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.op != "GetCallerIdentity" && o.op != "GetRoleCredentials" {
		return fmt.Errorf("-op %q: want GetCallerIdentity or GetRoleCredentials", o.op)
	}
	if o.conc < 1 {
		return errors.New("-c must be at least 1")
	}
	ctx := context.Background()
	target := "separate process"
	if o.addr == "" {
		url, stop, err := startSandbox(o)
		if err != nil {
			return err
		}
		defer stop()
		o.addr, target = url, "this process"
	}
	info, err := sandboxInfo(o.addr)
	if err != nil {
		return err
	}
	if o.region == "" {
		o.region = info.Region
	}
	o.startURL = info.StartURL

	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		// One idle connection per worker: the SDK default (10 per host)
		// would make workers beyond 10 reconnect on every call.
		t.MaxIdleConns, t.MaxIdleConnsPerHost = o.conc+8, o.conc+8
	})
	cfg := aws.Config{Region: o.region, BaseEndpoint: aws.String(o.addr), HTTPClient: hc, RetryMaxAttempts: 1}
	token, err := signIn(ctx, cfg, o)
	if err != nil {
		return err
	}
	if o.printToken {
		fmt.Println(token)
		return nil
	}
	if o.printPresigned {
		o.op = "GetCallerIdentity"
	}
	portal := sso.NewFromConfig(cfg)
	rcIn := &sso.GetRoleCredentialsInput{AccessToken: aws.String(token), AccountId: aws.String(o.account), RoleName: aws.String(o.role)}
	var call func(context.Context) error
	switch o.op {
	case "GetRoleCredentials":
		call = func(ctx context.Context) error {
			_, err := portal.GetRoleCredentials(ctx, rcIn)
			return err
		}
	case "GetCallerIdentity":
		out, err := portal.GetRoleCredentials(ctx, rcIn)
		if err != nil {
			return fmt.Errorf("GetRoleCredentials: %w", err)
		}
		rc := out.RoleCredentials
		scfg := cfg.Copy()
		scfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))
		client := sts.NewFromConfig(scfg)
		if o.printPresigned {
			return printPresigned(ctx, client)
		}
		call = func(ctx context.Context) error {
			_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}
	}
	if err := call(ctx); err != nil {
		return fmt.Errorf("%s: %w", o.op, err)
	}
	if o.warmup > 0 {
		load(ctx, o.conc, o.warmup, call)
	}
	res := load(ctx, o.conc, o.dur, call)
	res.Op, res.Concurrency, res.Target, res.GOMAXPROCS = o.op, o.conc, target, runtime.GOMAXPROCS(0)
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Printf("%s against %s (sandbox in %s), %d workers, %s\n", res.Op, o.addr, res.Target, res.Concurrency, res.Elapsed)
	fmt.Printf("  requests  %d ok, %d errors\n", res.OK, res.Errors)
	fmt.Printf("  rate      %.0f req/s\n", res.RPS)
	fmt.Printf("  latency   p50 %s  p90 %s  p99 %s  max %s\n", res.P50, res.P90, res.P99, res.Max)
	if res.FirstError != "" {
		fmt.Printf("  first error: %s\n", res.FirstError)
	}
	return nil
}

type result struct {
	Op          string  `json:"op"`
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	Elapsed     string  `json:"elapsed"`
	OK          int     `json:"ok"`
	Errors      int     `json:"errors"`
	RPS         float64 `json:"req_per_s"`
	P50         string  `json:"p50"`
	P90         string  `json:"p90"`
	P99         string  `json:"p99"`
	Max         string  `json:"max"`
	FirstError  string  `json:"first_error,omitempty"`
}

// load runs call from conc workers for d and measures every call.
func load(ctx context.Context, conc int, d time.Duration, call func(context.Context) error) result {
	type worker struct {
		lat    []time.Duration
		errors int
		first  error
	}
	ws := make([]worker, conc)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range ws {
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			w.lat = make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				err := call(ctx)
				lat := time.Since(t0)
				if err != nil {
					w.errors++
					if w.first == nil {
						w.first = err
					}
					continue
				}
				w.lat = append(w.lat, lat)
			}
		}(&ws[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	var res result
	for _, w := range ws {
		all = append(all, w.lat...)
		res.Errors += w.errors
		if w.first != nil && res.FirstError == "" {
			res.FirstError = w.first.Error()
		}
	}
	slices.Sort(all)
	pct := func(p float64) string {
		if len(all) == 0 {
			return "-"
		}
		return all[min(len(all)-1, int(p*float64(len(all))))].Round(time.Microsecond).String()
	}
	res.OK = len(all)
	res.Elapsed = elapsed.Round(time.Millisecond).String()
	res.RPS = float64(res.OK) / elapsed.Seconds()
	res.P50, res.P90, res.P99 = pct(0.50), pct(0.90), pct(0.99)
	if len(all) > 0 {
		res.Max = all[len(all)-1].Round(time.Microsecond).String()
	}
	return res
}

// startSandbox serves a sandbox of the configuration on a loopback port
// of this process, auto-approving o.user.
func startSandbox(o options) (string, func(), error) {
	cfg, err := config.Load(config.LoadOptions{Path: o.configDir})
	if err != nil {
		return "", nil, err
	}
	resolved, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		return "", nil, errors.New(diags.Error())
	}
	sb, err := sandbox.New(resolved, sandbox.Options{AutoApprove: o.user})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func sandboxInfo(addr string) (*sandbox.Info, error) {
	resp, err := http.Get(addr + "/_sandbox/info")
	if err != nil {
		return nil, fmt.Errorf("is a sandbox running at %s? %w", addr, err)
	}
	defer resp.Body.Close()
	var info sandbox.Info
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/_sandbox/info: %s", addr, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return nil, fmt.Errorf("%s/_sandbox/info: %w", addr, err)
	}
	return &info, nil
}

// signIn runs the device flow for o.user. When the sandbox does not
// auto-approve, the first poll is pending and the code is approved
// through the control API.
func signIn(ctx context.Context, cfg aws.Config, o options) (string, error) {
	oidc := ssooidc.NewFromConfig(cfg)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("sesame-bench"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
	})
	if err != nil {
		return "", fmt.Errorf("RegisterClient: %w", err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(o.startURL),
	})
	if err != nil {
		return "", fmt.Errorf("StartDeviceAuthorization: %w", err)
	}
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode}
	tok, err := oidc.CreateToken(ctx, in)
	var pending *ssooidctypes.AuthorizationPendingException
	if errors.As(err, &pending) {
		q := url.Values{"user_code": {aws.ToString(dev.UserCode)}, "user": {o.user}}
		resp, err := http.Post(o.addr+"/_sandbox/approve?"+q.Encode(), "", nil)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("/_sandbox/approve: %s", resp.Status)
		}
		time.Sleep(time.Duration(dev.Interval) * time.Second) // the device interval: polling sooner earns slow_down
		tok, err = oidc.CreateToken(ctx, in)
	}
	if err != nil {
		return "", fmt.Errorf("CreateToken: %w", err)
	}
	return aws.ToString(tok.AccessToken), nil
}

// printPresigned prints a presigned GetCallerIdentity URL. The SDK signs
// only the host header for it, which every HTTP client sends.
func printPresigned(ctx context.Context, client *sts.Client) error {
	req, err := sts.NewPresignClient(client).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return err
	}
	for k := range req.SignedHeader {
		if !strings.EqualFold(k, "host") {
			return fmt.Errorf("the presigned URL also needs the %s header", k)
		}
	}
	fmt.Println(req.URL)
	return nil
}
