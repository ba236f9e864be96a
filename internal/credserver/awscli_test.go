package credserver_test

// The AWS CLI v1 (botocore) against the server: the peer is an external
// program, so the test runs only with SESAME_INTEGRATION=1, as in
// test/integration; with it set, a missing CLI is a failure, not a skip.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credserver"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
	"github.com/sesame-cli/sesame/test/testproc"
)

const (
	integrationGate = "SESAME_INTEGRATION"
	platDev         = "666666666666"
	applyPS         = "TerraformApplyAccess"
)

// requireIntegration skips unless SESAME_INTEGRATION is true; a value
// that is not a boolean fails.
func requireIntegration(t *testing.T) {
	t.Helper()
	v := os.Getenv(integrationGate)
	if v == "" {
		t.Skipf("integration test with the AWS CLI v1: set %s=1 to run it (.ci/run does)", integrationGate)
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		t.Fatalf("%s=%q: want 1 (run) or 0 (skip)", integrationGate, v)
	}
	if !on {
		t.Skipf("%s=%s", integrationGate, v)
	}
}

// findAWSCLIv1 finds the pyenv AWS CLI v1 as test/integration does.
func findAWSCLIv1(t *testing.T) (bin, version string) {
	t.Helper()
	bin, version, err := testproc.FindAWSCLIv1()
	if err != nil {
		t.Fatal(err)
	}
	return bin, version
}

// acmeSandbox serves a sandbox seeded from examples/acme, alice
// auto-approved, on httptest until the test ends.
func acmeSandbox(t *testing.T) string {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Path: filepath.Join("..", "..", "examples", "acme")})
	if err != nil {
		t.Fatal(err)
	}
	o, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		t.Fatalf("examples/acme: %v", diags)
	}
	sb, err := sandbox.New(o, sandbox.Options{AutoApprove: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return srv.URL
}

// aliceSource signs alice in once (device flow, auto-approved) and hands
// out a fresh TerraformApplyAccess session in plat-dev for the identity
// "plat-dev/TerraformApplyAccess"; other names are unknown.
func aliceSource(t *testing.T, sandboxURL string) (credserver.Source, *atomic.Int64) {
	c := &awsapi.Client{Region: "us-east-1", Endpoint: sandboxURL, MaxAttempts: 1}
	var (
		once  sync.Once
		token string
		fail  error
		calls atomic.Int64
	)
	signIn := func(ctx context.Context) (string, error) {
		once.Do(func() {
			reg, err := c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "credserver-test", ClientType: "public", Scopes: []string{"sso:account:access"}})
			if err != nil {
				fail = err
				return
			}
			start, err := c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://acme.awsapps.com/start"})
			if err != nil {
				fail = err
				return
			}
			tok, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret,
				GrantType: "urn:ietf:params:oauth:grant-type:device_code", DeviceCode: start.DeviceCode})
			if err != nil {
				fail = err
				return
			}
			token = tok.AccessToken
		})
		return token, fail
	}
	return func(ctx context.Context, identity string) (credserver.Credentials, error) {
		calls.Add(1)
		if identity != "plat-dev/"+applyPS {
			return credserver.Credentials{}, fmt.Errorf("%q: %w", identity, credserver.ErrUnknownIdentity)
		}
		tok, err := signIn(ctx)
		if err != nil {
			return credserver.Credentials{}, err
		}
		rc, err := c.GetRoleCredentials(ctx, tok, platDev, applyPS)
		if err != nil {
			return credserver.Credentials{}, err
		}
		return credserver.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken,
			Expiration: rc.Expires(), AccountID: platDev}, nil
	}, &calls
}

// TestAWSCLIv1 runs `aws sts get-caller-identity` (AWS CLI v1, botocore)
// with nothing but AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN to find credentials, STS being the
// sandbox: botocore accepts the server's answers and the role session's
// signature verifies.
func TestAWSCLIv1(t *testing.T) {
	requireIntegration(t)
	t.Parallel()
	aws, version := findAWSCLIv1(t)
	t.Logf("peer: %s (%s)", version, aws)

	sandboxURL := acmeSandbox(t)
	src, calls := aliceSource(t, sandboxURL)
	srv, base := start(t, src)

	run := func(t *testing.T, uri, token string) (stdout, stderr string, code int) {
		t.Helper()
		home := t.TempDir()
		env := []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + home,
			"LANG=C.UTF-8",
			"AWS_DEFAULT_REGION=us-east-1",
			"AWS_MAX_ATTEMPTS=1",
			"AWS_EC2_METADATA_DISABLED=true",
			"AWS_PAGER=",
			"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
			"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
			"AWS_ENDPOINT_URL=" + sandboxURL,
			"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + uri,
			"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + token,
		}
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, aws, "sts", "get-caller-identity", "--output", "json")
		cmd.Env = env
		cmd.WaitDelay = 5 * time.Second
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		began := time.Now()
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case ctx.Err() != nil:
			t.Fatalf("aws sts get-caller-identity: timed out\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		t.Logf("aws sts get-caller-identity: exit %d in %s", code, time.Since(began).Round(time.Millisecond))
		return out.String(), errb.String(), code
	}

	identityURL := base + credserver.Path("plat-dev/"+applyPS)
	for _, tc := range []struct {
		name, uri, token string
		wantArn          string // "" for a failure
		wantErr          string
	}{
		{"verbatim token", identityURL, srv.Token(), "arn:aws:sts::666666666666:assumed-role/AWSReservedSSO_TerraformApplyAccess_", ""},
		{"Bearer token", identityURL, "Bearer " + srv.Token(), "arn:aws:sts::666666666666:assumed-role/AWSReservedSSO_TerraformApplyAccess_", ""},
		// botocore retries a non-200 answer (3 attempts, 1 s apart), then
		// reports the error.
		{"wrong token", identityURL, "wrong", "", `Received non 200 response 403 from container metadata: {"code":"AccessDenied"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := run(t, tc.uri, tc.token)
			if tc.wantArn == "" {
				if code == 0 || !strings.Contains(stderr, tc.wantErr) {
					t.Errorf("exit %d, want a failure mentioning %q\nstdout:\n%s\nstderr:\n%s", code, tc.wantErr, stdout, stderr)
				}
				if strings.Contains(stderr, srv.Token()) {
					t.Errorf("the server's token is in the CLI's error output")
				}
				t.Logf("stderr: %s", strings.TrimSpace(stderr))
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			var who struct{ UserId, Account, Arn string }
			if err := json.Unmarshal([]byte(stdout), &who); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, stdout)
			}
			if who.Account != platDev || !strings.HasPrefix(who.Arn, tc.wantArn) || !strings.HasSuffix(who.Arn, "/alice") {
				t.Errorf("caller identity %+v; want account %s, Arn %s…/alice", who, platDev, tc.wantArn)
			}
			t.Logf("%s", who.Arn)
		})
	}
	t.Cleanup(func() {
		// Two successful runs, each one request (the wrong token never
		// reaches the source).
		if n := calls.Load(); n != 2 {
			t.Errorf("the source was asked %d times, want 2", n)
		}
	})
}
