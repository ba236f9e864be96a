package sandbox

// Throughput of the two calls sesame's own benchmarks lean on, measured
// with the real aws-sdk-go-v2 clients: GetCallerIdentity (SigV4 verified)
// and GetRoleCredentials (bearer token). "Loopback" benchmarks go through
// a real TCP listener (httptest.NewServer); "InProcess" ones use the
// sandbox's own transport (AWSConfig), without a socket. Each reports
// req/s; see docs/benchmarks.md ("Sandbox throughput") for the commands
// and recorded results.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// benchParallelism multiplies GOMAXPROCS for RunParallel: 8 × 2 cores =
// 16 concurrent clients, as `go run ./bench/sandbox -c 16`.
const benchParallelism = 8

const (
	benchAccount = "666666666666" // plat-dev
	benchRole    = "ReadOnlyAccess"
)

// benchConfig is an aws.Config for the sandbox at url (a loopback
// listener), or in process when url is empty. The loopback client keeps
// enough idle connections for every goroutine (the SDK default keeps 10
// per host, which would reconnect under 16 clients).
func benchConfig(s *Sandbox, url string, creds aws.CredentialsProvider) aws.Config {
	if url == "" {
		return s.AWSConfig(creds)
	}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	})
	return aws.Config{Region: s.Region(), BaseEndpoint: aws.String(url), HTTPClient: hc, Credentials: creds, RetryMaxAttempts: 1}
}

// benchSignIn signs alice in with the device flow, as the AWS CLI does,
// through cfg: the sandbox auto-approves, so one poll returns the token.
func benchSignIn(b *testing.B, s *Sandbox, cfg aws.Config) string {
	b.Helper()
	ctx := context.Background()
	oidc := ssooidc.NewFromConfig(cfg)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("sesame-bench"), ClientType: aws.String("public"), Scopes: []string{acmeScope},
	})
	if err != nil {
		b.Fatalf("RegisterClient: %v", err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(s.StartURL()),
	})
	if err != nil {
		b.Fatalf("StartDeviceAuthorization: %v", err)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(grantDevice), DeviceCode: dev.DeviceCode,
	})
	if err != nil {
		b.Fatalf("CreateToken: %v", err)
	}
	return aws.ToString(tok.AccessToken)
}

// benchRoleCredentials gets permission-set session credentials through
// the portal, as sesame does before it calls STS.
func benchRoleCredentials(b *testing.B, s *Sandbox, cfg aws.Config, token string) aws.Credentials {
	b.Helper()
	out, err := sso.NewFromConfig(cfg).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(token), AccountId: aws.String(benchAccount), RoleName: aws.String(benchRole),
	})
	if err != nil {
		b.Fatalf("GetRoleCredentials: %v", err)
	}
	rc := out.RoleCredentials
	return aws.Credentials{AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken: aws.ToString(rc.SessionToken)}
}

// benchTarget starts a sandbox and, for loopback, a listener for it.
func benchTarget(b *testing.B, loopback bool) (*Sandbox, string) {
	b.Helper()
	s := newTestSandbox(b, Options{AutoApprove: "alice"})
	if !loopback {
		return s, ""
	}
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	return s, srv.URL
}

func reportRate(b *testing.B) {
	if secs := b.Elapsed().Seconds(); secs > 0 {
		b.ReportMetric(float64(b.N)/secs, "req/s")
	}
}

func benchGetCallerIdentity(b *testing.B, loopback bool) {
	s, url := benchTarget(b, loopback)
	cfg := benchConfig(s, url, nil)
	creds := benchRoleCredentials(b, s, cfg, benchSignIn(b, s, cfg))
	client := sts.NewFromConfig(benchConfig(s, url, credentials.StaticCredentialsProvider{Value: creds}))
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				b.Errorf("GetCallerIdentity: %v", err)
				return
			}
			if aws.ToString(out.Account) != benchAccount {
				b.Errorf("GetCallerIdentity: account %s", aws.ToString(out.Account))
				return
			}
		}
	})
	reportRate(b)
}

func benchGetRoleCredentials(b *testing.B, loopback bool) {
	s, url := benchTarget(b, loopback)
	cfg := benchConfig(s, url, nil)
	token := benchSignIn(b, s, cfg)
	client := sso.NewFromConfig(cfg)
	in := &sso.GetRoleCredentialsInput{AccessToken: aws.String(token), AccountId: aws.String(benchAccount), RoleName: aws.String(benchRole)}
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			out, err := client.GetRoleCredentials(ctx, in)
			if err != nil {
				b.Errorf("GetRoleCredentials: %v", err)
				return
			}
			if out.RoleCredentials == nil || aws.ToString(out.RoleCredentials.SessionToken) == "" {
				b.Errorf("GetRoleCredentials: no credentials")
				return
			}
		}
	})
	reportRate(b)
}

// BenchmarkGetCallerIdentity: STS over a loopback TCP listener, signed
// with permission-set session credentials from GetRoleCredentials.
func BenchmarkGetCallerIdentity(b *testing.B) { benchGetCallerIdentity(b, true) }

// BenchmarkGetRoleCredentials: the SSO portal over a loopback TCP
// listener, with the bearer token of a device-flow sign-in.
func BenchmarkGetRoleCredentials(b *testing.B) { benchGetRoleCredentials(b, true) }

// BenchmarkGetCallerIdentityInProcess is BenchmarkGetCallerIdentity
// through Sandbox.AWSConfig: no socket, no HTTP parsing.
func BenchmarkGetCallerIdentityInProcess(b *testing.B) { benchGetCallerIdentity(b, false) }

// BenchmarkGetRoleCredentialsInProcess is BenchmarkGetRoleCredentials
// through Sandbox.AWSConfig.
func BenchmarkGetRoleCredentialsInProcess(b *testing.B) { benchGetRoleCredentials(b, false) }

// TestPersistSharedWrites checks the group commit of persist: under
// concurrent changing requests, the state file holds each request's
// change by the time its response arrives.
func TestPersistSharedWrites(t *testing.T) {
	dir := t.TempDir()
	s := newTestSandbox(t, Options{AutoApprove: "alice", StateDir: dir})
	_, tok := deviceLogin(t, s, "")
	p := portalClient(s)
	in := &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String(benchAccount), RoleName: aws.String(benchRole)}
	errs := make(chan error, 64)
	for range cap(errs) {
		go func() {
			out, err := p.GetRoleCredentials(t.Context(), in)
			if err == nil {
				akid := aws.ToString(out.RoleCredentials.AccessKeyId)
				if _, ok := newTestSandbox(t, Options{StateDir: dir}).lookupCredential(akid); !ok {
					err = errors.New(akid + " is not in the state file when its response arrives")
				}
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(newTestSandbox(t, Options{StateDir: dir}).st.Credentials); n != cap(errs) {
		t.Errorf("state file has %d credentials, want %d", n, cap(errs))
	}
}
