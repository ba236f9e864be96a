package sandbox

import (
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

var (
	testOrgOnce sync.Once
	testOrg     *org.Org
	testOrgErr  error
)

// newTestSandbox builds a sandbox seeded from examples/acme. The
// organization is resolved once per test binary; every sandbox has its
// own state.
func newTestSandbox(t testing.TB, opts Options) *Sandbox {
	t.Helper()
	testOrgOnce.Do(func() {
		cfg, err := config.Load(config.LoadOptions{Path: filepath.Join("..", "..", "examples", "acme")})
		if err != nil {
			testOrgErr = err
			return
		}
		o, diags := org.Resolve(cfg, org.Options{})
		if diags.HasErrors() {
			testOrgErr = errors.New(diags.Error())
			return
		}
		testOrg = o
	})
	if testOrgErr != nil {
		t.Fatalf("examples/acme: %v", testOrgErr)
	}
	s, err := New(testOrg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testClock is a settable clock for Options.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func oidcClient(s *Sandbox) *ssooidc.Client { return ssooidc.NewFromConfig(s.AWSConfig(nil)) }
func portalClient(s *Sandbox) *sso.Client   { return sso.NewFromConfig(s.AWSConfig(nil)) }

// browser is an HTTP client on the in-process sandbox that does not
// follow redirects, so tests can read Location.
func browser(s *Sandbox) *http.Client {
	return &http.Client{Transport: s.Transport(), CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

const acmeScope = "sso:account:access"

// registerDeviceClient registers a device-flow client as the AWS CLI does
// for an sso-session with registration scopes (none when scopes is nil).
func registerDeviceClient(t testing.TB, s *Sandbox, scopes []string) *ssooidc.RegisterClientOutput {
	t.Helper()
	reg, err := oidcClient(s).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("botocore-client-acme"), ClientType: aws.String("public"), Scopes: scopes,
	})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return reg
}

// deviceLogin signs user in with the device flow and returns the token.
func deviceLogin(t testing.TB, s *Sandbox, user string) (*ssooidc.RegisterClientOutput, *ssooidc.CreateTokenOutput) {
	t.Helper()
	c := oidcClient(s)
	reg := registerDeviceClient(t, s, []string{acmeScope})
	start, err := c.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(s.StartURL()),
	})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	if s.autoApprove == "" {
		if err := s.Approve(*start.UserCode, user); err != nil {
			t.Fatalf("Approve: %v", err)
		}
	}
	tok, err := c.CreateToken(t.Context(), &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(grantDevice), DeviceCode: start.DeviceCode,
	})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return reg, tok
}

func refreshInput(clientID, secret, refreshToken *string) *ssooidc.CreateTokenInput {
	return &ssooidc.CreateTokenInput{ClientId: clientID, ClientSecret: secret, GrantType: aws.String(grantRefresh), RefreshToken: refreshToken}
}
