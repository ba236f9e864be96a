package sandbox

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

func TestDeviceFlow(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	c, ctx := oidcClient(s), t.Context()
	reg := registerDeviceClient(t, s, []string{acmeScope})
	if got := reg.ClientSecretExpiresAt - reg.ClientIdIssuedAt; got != 90*24*3600 {
		t.Errorf("registration lasts %d s, want 90 days", got)
	}
	if *reg.TokenEndpoint != InProcessURL+"/token" || *reg.AuthorizationEndpoint != InProcessURL+"/authorize" {
		t.Errorf("endpoints %s %s", *reg.TokenEndpoint, *reg.AuthorizationEndpoint)
	}
	start, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(s.StartURL() + "/#/"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if start.ExpiresIn != 600 || start.Interval != 1 || *start.VerificationUri != InProcessURL+"/device" ||
		*start.VerificationUriComplete != InProcessURL+"/device?user_code="+*start.UserCode {
		t.Errorf("unexpected start response %+v", start)
	}
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(grantDevice), DeviceCode: start.DeviceCode}
	var pending *types.AuthorizationPendingException
	if _, err := c.CreateToken(ctx, in); !errors.As(err, &pending) {
		t.Fatalf("first poll: %v, want AuthorizationPendingException", err)
	}
	if err := s.Approve(*start.UserCode, "mallory"); err == nil || !strings.Contains(err.Error(), "alice") {
		t.Errorf("unknown user: %v, want an error naming the defined users", err)
	}
	if err := s.Approve("ZZZZ-ZZZZ", "alice"); err == nil {
		t.Error("unknown code approved")
	}
	// People type codes in lower case and without the dash.
	if err := s.Approve(strings.ToLower(strings.ReplaceAll(*start.UserCode, "-", "")), "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.Approve(*start.UserCode, "alice"); err == nil {
		t.Error("a code was approved twice")
	}
	clk.Advance(time.Second)
	tok, err := c.CreateToken(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if *tok.TokenType != "Bearer" || tok.ExpiresIn != 28800 || tok.RefreshToken == nil || tok.IdToken != nil {
		t.Errorf("token response %+v", tok)
	}
	var invalid *types.InvalidGrantException
	if _, err := c.CreateToken(ctx, in); !errors.As(err, &invalid) {
		t.Errorf("second exchange: %v, want InvalidGrantException", err)
	}
	out, err := portalClient(s).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || len(out.AccountList) == 0 {
		t.Errorf("ListAccounts with the new token: %v", err)
	}
}

func TestDeviceAuthorizationRejects(t *testing.T) {
	s := newTestSandbox(t, Options{})
	c := oidcClient(s)
	reg := registerDeviceClient(t, s, nil)
	for _, tc := range []struct {
		secret, startURL, code string
	}{
		{"wrong", s.StartURL(), "InvalidClientException"},
		{*reg.ClientSecret, "https://other.awsapps.com/start", "InvalidRequestException"},
	} {
		_, err := c.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
			ClientId: reg.ClientId, ClientSecret: aws.String(tc.secret), StartUrl: aws.String(tc.startURL)})
		if got := errorCode(err); got != tc.code {
			t.Errorf("secret %q start URL %s: %v, want %s", tc.secret, tc.startURL, err, tc.code)
		}
	}
}

func startDevice(t *testing.T, s *Sandbox, reg *ssooidc.RegisterClientOutput) (*ssooidc.StartDeviceAuthorizationOutput, *ssooidc.CreateTokenInput) {
	t.Helper()
	start, err := oidcClient(s).StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(s.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	return start, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(grantDevice), DeviceCode: start.DeviceCode}
}

func TestDeviceSlowDown(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	c := oidcClient(s)
	start, in := startDevice(t, s, registerDeviceClient(t, s, []string{acmeScope}))
	poll := func(want string) {
		t.Helper()
		if _, err := c.CreateToken(t.Context(), in); errorCode(err) != want {
			t.Fatalf("poll: %v, want %s", err, want)
		}
	}
	poll("AuthorizationPendingException")
	var slow *types.SlowDownException
	if _, err := c.CreateToken(t.Context(), in); !errors.As(err, &slow) {
		t.Fatalf("immediate second poll: %v, want SlowDownException", err)
	}
	// The interval is now 6 s: a poll a second later is still too fast,
	// and raises it to 11 s.
	clk.Advance(time.Second)
	poll("SlowDownException")
	clk.Advance(10 * time.Second)
	poll("SlowDownException")
	clk.Advance(16 * time.Second)
	poll("AuthorizationPendingException")
	// Once approved the token comes at once, whatever the pace.
	if err := s.Approve(*start.UserCode, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateToken(t.Context(), in); err != nil {
		t.Fatalf("approved poll: %v", err)
	}
}

func TestDeviceExpiry(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	start, in := startDevice(t, s, registerDeviceClient(t, s, []string{acmeScope}))
	clk.Advance(601 * time.Second)
	var expired *types.ExpiredTokenException
	if _, err := oidcClient(s).CreateToken(t.Context(), in); !errors.As(err, &expired) {
		t.Fatalf("poll after 10 min: %v, want ExpiredTokenException", err)
	}
	if err := s.Approve(*start.UserCode, "alice"); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Approve after expiry: %v", err)
	}
}

func TestLegacyRegistrationHasNoRefreshToken(t *testing.T) {
	s := newTestSandbox(t, Options{})
	start, in := startDevice(t, s, registerDeviceClient(t, s, nil))
	if err := s.Approve(*start.UserCode, "dave"); err != nil {
		t.Fatal(err)
	}
	tok, err := oidcClient(s).CreateToken(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != nil || tok.ExpiresIn != 28800 {
		t.Errorf("scope-less registration: refresh %v, expiresIn %d; want none and 8 h", tok.RefreshToken, tok.ExpiresIn)
	}
}

func TestRefreshRotation(t *testing.T) {
	s := newTestSandbox(t, Options{})
	c, ctx := oidcClient(s), t.Context()
	reg, tok := deviceLogin(t, s, "alice")
	refresh := func(rt string, scope ...string) (*ssooidc.CreateTokenOutput, error) {
		return c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(grantRefresh), RefreshToken: aws.String(rt), Scope: scope})
	}
	tok2, err := refresh(*tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.RefreshToken == nil || *tok2.RefreshToken == *tok.RefreshToken || *tok2.AccessToken == *tok.AccessToken {
		t.Fatalf("refresh did not rotate: %+v", tok2)
	}
	var invalid *types.InvalidGrantException
	if _, err := refresh(*tok.RefreshToken); !errors.As(err, &invalid) {
		t.Errorf("reusing a rotated refresh token: %v, want InvalidGrantException", err)
	}
	if _, err := refresh(*tok2.RefreshToken, "codewhisperer:completions"); errorCode(err) != "InvalidScopeException" {
		t.Errorf("widening the scope: %v, want InvalidScopeException", err)
	}
	if _, err := refresh(*tok2.RefreshToken, acmeScope); err != nil {
		t.Errorf("the newest refresh token: %v", err)
	}
	_, err = c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: aws.String("nope"),
		GrantType: aws.String(grantRefresh), RefreshToken: tok2.RefreshToken})
	var badClient *types.InvalidClientException
	if !errors.As(err, &badClient) {
		t.Errorf("wrong client secret: %v, want InvalidClientException", err)
	}
	_, err = c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("password")})
	var unsupported *types.UnsupportedGrantTypeException
	if !errors.As(err, &unsupported) {
		t.Errorf("password grant: %v, want UnsupportedGrantTypeException", err)
	}
}

func TestAutoApprove(t *testing.T) {
	s := newTestSandbox(t, Options{AutoApprove: "carol"})
	_, tok := deviceLogin(t, s, "")
	out, err := portalClient(s).ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AccountList) != 8 { // Managers reach every account
		t.Errorf("carol sees %d accounts, want 8", len(out.AccountList))
	}
	// The verification page, should the program open it, says so.
	start, _ := startDevice(t, s, registerDeviceClient(t, s, []string{acmeScope}))
	if resp, body := get(t, s, "/device", url.Values{"user_code": {*start.UserCode}}); resp.StatusCode != 200 || !strings.Contains(body, "approved for carol") {
		t.Errorf("device page under auto-approve: %d\n%s", resp.StatusCode, body)
	}
	if _, err := New(testOrg, Options{AutoApprove: "mallory"}); err == nil {
		t.Error("auto-approve accepted an unknown user")
	}
}

func TestLifetimeFaults(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	if err := s.SetFaults(FaultConfig{Lifetimes: Lifetimes{AccessToken: Duration(30 * time.Second),
		RefreshToken: Duration(time.Minute), RoleCredentials: Duration(15 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	reg, tok := deviceLogin(t, s, "alice")
	if tok.ExpiresIn != 30 {
		t.Errorf("expiresIn %d, want 30", tok.ExpiresIn)
	}
	p, ctx := portalClient(s), t.Context()
	rc, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
		AccountId: aws.String("666666666666"), RoleName: aws.String("TerraformApplyAccess")})
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(15 * time.Minute).UnixMilli(); rc.RoleCredentials.Expiration != want {
		t.Errorf("role credentials expire at %d, want %d", rc.RoleCredentials.Expiration, want)
	}
	clk.Advance(31 * time.Second)
	if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); errorCode(err) != "UnauthorizedException" {
		t.Errorf("expired access token: %v, want UnauthorizedException", err)
	}
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(grantRefresh), RefreshToken: tok.RefreshToken}
	tok2, err := oidcClient(s).CreateToken(ctx, in)
	if err != nil {
		t.Fatalf("refresh within the session: %v", err)
	}
	// Rotation does not stretch the session: it ends a minute after sign-in.
	clk.Advance(30 * time.Second)
	in.RefreshToken = tok2.RefreshToken
	if _, err := oidcClient(s).CreateToken(ctx, in); errorCode(err) != "InvalidGrantException" {
		t.Errorf("refresh after the session: %v, want InvalidGrantException", err)
	}
}
