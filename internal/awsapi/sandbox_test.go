package awsapi_test

// These tests run the awsapi client against the in-process sandbox seeded
// from examples/acme, the same sandbox the SDK clients and the AWS CLI are
// checked against, and cross-check results with the SDK's own clients.

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

const (
	deviceGrant  = "urn:ietf:params:oauth:grant-type:device_code"
	refreshGrant = "refresh_token"
	acmeScope    = "sso:account:access"

	platDev   = "666666666666"
	platProd  = "888888888888"
	coreRoot  = "111111111111"
	terraform = "arn:aws:iam::666666666666:role/acme-plat-dev-terraform"
)

var (
	acmeOnce sync.Once
	acmeOrg  *org.Org
	acmeErr  error
)

// newSandbox builds an in-process sandbox seeded from examples/acme. The
// organization is resolved once per test binary; every sandbox has its own
// state.
func newSandbox(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	acmeOnce.Do(func() {
		cfg, err := config.Load(config.LoadOptions{Path: filepath.Join("..", "..", "examples", "acme")})
		if err != nil {
			acmeErr = err
			return
		}
		o, diags := org.Resolve(cfg, org.Options{})
		if diags.HasErrors() {
			acmeErr = errors.New(diags.Error())
			return
		}
		acmeOrg = o
	})
	if acmeErr != nil {
		t.Fatalf("examples/acme: %v", acmeErr)
	}
	s, err := sandbox.New(acmeOrg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// apiFor is an awsapi client on the in-process sandbox sb; each wrap, in
// order, wraps the sandbox transport.
func apiFor(sb *sandbox.Sandbox, wrap ...func(http.RoundTripper) http.RoundTripper) *awsapi.Client {
	rt := sb.Transport()
	for _, w := range wrap {
		rt = w(rt)
	}
	return &awsapi.Client{Region: "us-east-1", Endpoint: sandbox.InProcessURL, HTTP: &http.Client{Transport: rt}, MaxAttempts: 1}
}

// approve approves a device authorization through the sandbox's control
// API, as a script (or the person at the browser) would.
func approve(t testing.TB, sb *sandbox.Sandbox, userCode, user string) {
	t.Helper()
	q := url.Values{"user_code": {userCode}, "user": {user}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, sandbox.InProcessURL+"/_sandbox/approve?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: sb.Transport()}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approve %s for %s: %d %s", userCode, user, resp.StatusCode, body)
	}
}

// signIn signs user in with the device flow through awsapi.
func signIn(t testing.TB, sb *sandbox.Sandbox, c *awsapi.Client, user string) (*awsapi.RegisterClientOutput, *awsapi.CreateTokenOutput) {
	t.Helper()
	ctx := t.Context()
	reg, err := c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "sesame-test", ClientType: "public", Scopes: []string{acmeScope}})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	start, err := c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: sb.StartURL()})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	approve(t, sb, start.UserCode, user)
	tok, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: deviceGrant, DeviceCode: start.DeviceCode})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return reg, tok
}

// roleCreds returns a permission-set session of user through awsapi.
func roleCreds(t testing.TB, sb *sandbox.Sandbox, user, accountID, ps string) aws.Credentials {
	t.Helper()
	c := apiFor(sb)
	_, tok := signIn(t, sb, c, user)
	rc, err := c.GetRoleCredentials(t.Context(), tok.AccessToken, accountID, ps)
	if err != nil {
		t.Fatalf("GetRoleCredentials %s/%s for %s: %v", accountID, ps, user, err)
	}
	return aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken}
}

// apiError asserts err is an *awsapi.APIError with code and status.
func apiError(t testing.TB, err error, op, code string, status int) *awsapi.APIError {
	t.Helper()
	var ae *awsapi.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: got %v (%T), want an *awsapi.APIError %s", op, err, err, code)
	}
	if ae.Code != code || awsapi.Code(err) != code || ae.Status != status || ae.Operation != op {
		t.Fatalf("got %s %s (HTTP %d) [%v], want %s %s (HTTP %d)", ae.Operation, ae.Code, ae.Status, err, op, code, status)
	}
	if ae.RequestID == "" {
		t.Errorf("%s: no request id in %v", code, err)
	}
	// The SDK's view of the same error.
	var se smithy.APIError
	if !errors.As(err, &se) || se.ErrorCode() != code {
		t.Errorf("%v is not a smithy.APIError with code %s", err, code)
	}
	return ae
}

// recorder wraps a transport and keeps every request it forwards.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	query        url.Values
	header       http.Header
	body         []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.URL.Query(), req.Header.Clone(), body})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func TestSandboxDeviceCodeFlow(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()

	before := time.Now()
	reg, err := c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "sesame-test", ClientType: "public", Scopes: []string{acmeScope}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(reg.ClientID, "sbx") || reg.ClientSecret == "" {
		t.Errorf("registered %+v", reg)
	}
	if exp := reg.SecretExpiry(); exp.Location() != time.UTC || exp.Before(before.Add(89*24*time.Hour)) || exp.After(before.Add(91*24*time.Hour)) {
		t.Errorf("client secret expires %v, want in 90 days", exp)
	}
	if reg.ClientIDIssuedAt < before.Unix()-1 || reg.TokenEndpoint != sandbox.InProcessURL+"/token" || reg.AuthorizationEndpoint != sandbox.InProcessURL+"/authorize" {
		t.Errorf("registered %+v", reg)
	}

	start, err := c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: sb.StartURL()})
	if err != nil {
		t.Fatal(err)
	}
	if start.UserCode == "" || start.ExpiresIn != 600 || start.Interval != 1 ||
		start.VerificationURI != sandbox.InProcessURL+"/device" || !strings.Contains(start.VerificationURIComplete, url.QueryEscape(start.UserCode)) {
		t.Errorf("device authorization %+v", start)
	}

	poll := &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: deviceGrant, DeviceCode: start.DeviceCode}
	_, err = c.CreateToken(ctx, poll)
	ae := apiError(t, err, "CreateToken", "AuthorizationPendingException", 400)
	if ae.OAuth != "authorization_pending" || ae.Message == "" {
		t.Errorf("pending: %+v", ae)
	}
	if ae.ErrorFault() != smithy.FaultClient || ae.HTTPStatusCode() != 400 || ae.ErrorCode() != ae.Code || ae.ErrorMessage() != ae.Message {
		t.Errorf("smithy view of %+v", ae)
	}
	if !strings.HasPrefix(err.Error(), "CreateToken: AuthorizationPendingException (HTTP 400): ") || !strings.Contains(err.Error(), "(request id "+ae.RequestID+")") {
		t.Errorf("Error() = %q", err)
	}
	// Polling again at once is too fast: RFC 8628 slow_down.
	_, err = c.CreateToken(ctx, poll)
	if ae := apiError(t, err, "CreateToken", "SlowDownException", 400); ae.OAuth != "slow_down" {
		t.Errorf("slow down: %+v", ae)
	}

	approve(t, sb, start.UserCode, "alice")
	tok, err := c.CreateToken(ctx, poll)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "aoa") || tok.TokenType != "Bearer" || tok.ExpiresIn != 8*3600 || !strings.HasPrefix(tok.RefreshToken, "aor") {
		t.Errorf("token %+v", tok)
	}
	// A device code is exchanged once.
	_, err = c.CreateToken(ctx, poll)
	if ae := apiError(t, err, "CreateToken", "InvalidGrantException", 400); ae.OAuth != "invalid_grant" {
		t.Errorf("second exchange: %+v", ae)
	}
	// The token works with the SDK's portal client.
	out, err := sso.NewFromConfig(sb.AWSConfig(nil)).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken)})
	if err != nil || len(out.AccountList) == 0 {
		t.Errorf("SDK ListAccounts with the awsapi token: %v", err)
	}
	if got := sb.Stats(); got["RegisterClient"] != 1 || got["StartDeviceAuthorization"] != 1 || got["CreateToken"] != 4 {
		t.Errorf("sandbox saw %v", got)
	}
}

func TestSandboxOIDCErrors(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	reg, _ := signIn(t, sb, c, "bob")

	_, err := c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "x", ClientType: "confidential"})
	apiError(t, err, "RegisterClient", "InvalidClientMetadataException", 400)

	_, err = c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: "wrong", StartURL: sb.StartURL()})
	if ae := apiError(t, err, "StartDeviceAuthorization", "InvalidClientException", 401); ae.OAuth != "invalid_client" {
		t.Errorf("%+v", ae)
	}
	_, err = c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: "https://other.awsapps.com/start"})
	if ae := apiError(t, err, "StartDeviceAuthorization", "InvalidRequestException", 400); ae.OAuth != "invalid_request" {
		t.Errorf("%+v", ae)
	}
	_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: "password"})
	apiError(t, err, "CreateToken", "UnsupportedGrantTypeException", 400)
	_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: deviceGrant, DeviceCode: "nope"})
	apiError(t, err, "CreateToken", "InvalidGrantException", 400)
}

func TestSandboxRefreshTokenRotation(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	reg, first := signIn(t, sb, c, "alice")

	refresh := func(rt string) (*awsapi.CreateTokenOutput, error) {
		return c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: refreshGrant, RefreshToken: rt})
	}
	second, err := refresh(first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh did not rotate: %+v after %+v", second, first)
	}
	// The refresh token rotated: the old one is spent.
	_, err = refresh(first.RefreshToken)
	if ae := apiError(t, err, "CreateToken", "InvalidGrantException", 400); ae.OAuth != "invalid_grant" || !strings.Contains(ae.Message, "already used") {
		t.Errorf("old refresh token: %+v", ae)
	}
	// The new access token works with awsapi and the SDK alike.
	if _, err := c.ListAccounts(ctx, second.AccessToken); err != nil {
		t.Errorf("ListAccounts with the refreshed token: %v", err)
	}
	if _, err := sso.NewFromConfig(sb.AWSConfig(nil)).ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(second.AccessToken)}); err != nil {
		t.Errorf("SDK ListAccounts with the refreshed token: %v", err)
	}
	// A narrower scope is fine, one never granted is not.
	third, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: refreshGrant,
		RefreshToken: second.RefreshToken, Scope: []string{acmeScope}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: refreshGrant,
		RefreshToken: third.RefreshToken, Scope: []string{"codewhisperer:completions"}})
	apiError(t, err, "CreateToken", "InvalidScopeException", 400)

	// And an SDK-issued refresh token refreshes through awsapi.
	oidc := ssooidc.NewFromConfig(sb.AWSConfig(nil))
	sreg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("sdk"), ClientType: aws.String("public"), Scopes: []string{acmeScope}})
	if err != nil {
		t.Fatal(err)
	}
	sstart, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: sreg.ClientId, ClientSecret: sreg.ClientSecret, StartUrl: aws.String(sb.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	approve(t, sb, *sstart.UserCode, "carol")
	stok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: sreg.ClientId, ClientSecret: sreg.ClientSecret, GrantType: aws.String(deviceGrant), DeviceCode: sstart.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: *sreg.ClientId, ClientSecret: *sreg.ClientSecret, GrantType: refreshGrant, RefreshToken: *stok.RefreshToken}); err != nil {
		t.Errorf("refreshing an SDK token through awsapi: %v", err)
	}
}

func TestSandboxPortal(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	sdk := sso.NewFromConfig(sb.AWSConfig(nil))
	_, alice := signIn(t, sb, c, "alice")

	before := time.Now()
	rc, err := c.GetRoleCredentials(ctx, alice.AccessToken, platDev, "TerraformApplyAccess")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rc.AccessKeyID, "ASIA") || rc.SecretAccessKey == "" || rc.SessionToken == "" {
		t.Errorf("role credentials %+v", rc)
	}
	// TerraformApplyAccess lasts 4 h; the portal gives epoch milliseconds.
	exp := rc.Expires()
	if exp.Location() != time.UTC || !exp.After(time.Now()) || exp.Before(before.Add(4*time.Hour-time.Minute)) || exp.After(before.Add(4*time.Hour+time.Minute)) {
		t.Errorf("expires %v (%d ms), want in 4 h", exp, rc.Expiration)
	}
	if rc.Expiration < 1e12 {
		t.Errorf("expiration %d does not look like epoch milliseconds", rc.Expiration)
	}

	_, err = c.GetRoleCredentials(ctx, alice.AccessToken, platDev, "AdministratorAccess")
	apiError(t, err, "GetRoleCredentials", "ForbiddenException", 403)
	_, err = c.GetRoleCredentials(ctx, alice.AccessToken, platDev, "")
	apiError(t, err, "GetRoleCredentials", "InvalidRequestException", 400)
	_, err = c.GetRoleCredentials(ctx, "aoa-never-issued", platDev, "TerraformApplyAccess")
	apiError(t, err, "GetRoleCredentials", "UnauthorizedException", 401)

	// Accounts and roles as the sandbox assigns them (assignments.yaml),
	// and as the SDK lists them.
	wantAccounts := map[string][]string{
		"alice": {"core-audit", "core-auto", "core-network", "core-root", "plat-dev", "plat-prod", "plat-sandbox", "plat-staging"},
		"bob":   {"core-audit", "core-auto", "core-network", "core-root", "plat-dev", "plat-prod", "plat-sandbox", "plat-staging"},
		"dave":  {"core-root"},
	}
	wantRoles := map[string]map[string][]string{
		"alice": {platDev: {"ReadOnlyAccess", "TerraformApplyAccess", "TerraformPlanAccess"}, coreRoot: {"TerraformPlanAccess", "TerraformStateAccess"}},
		"bob":   {platDev: {"TerraformApplyAccess", "TerraformPlanAccess"}, platProd: {"ReadOnlyAccess", "TerraformPlanAccess"}, coreRoot: {"TerraformStateAccess"}},
		"dave":  {coreRoot: {"BillingAccess"}, platDev: nil},
	}
	for _, user := range []string{"alice", "bob", "dave"} {
		tok := alice.AccessToken
		if user != "alice" {
			_, t2 := signIn(t, sb, c, user)
			tok = t2.AccessToken
		}
		accounts, err := c.ListAccounts(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range accounts {
			names = append(names, a.AccountName)
			if a.AccountName == "plat-dev" && (a.AccountID != platDev || a.EmailAddress != "aws+plat-dev@acme.example") {
				t.Errorf("plat-dev listed as %+v", a)
			}
		}
		if !slices.Equal(names, wantAccounts[user]) {
			t.Errorf("%s: accounts %v, want %v", user, names, wantAccounts[user])
		}
		var sdkAccounts []awsapi.Account
		pages := sso.NewListAccountsPaginator(sdk, &sso.ListAccountsInput{AccessToken: aws.String(tok)})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range out.AccountList {
				sdkAccounts = append(sdkAccounts, awsapi.Account{AccountID: aws.ToString(a.AccountId), AccountName: aws.ToString(a.AccountName), EmailAddress: aws.ToString(a.EmailAddress)})
			}
		}
		if !slices.Equal(accounts, sdkAccounts) {
			t.Errorf("%s: awsapi lists %v, the SDK %v", user, accounts, sdkAccounts)
		}
		for _, a := range accounts {
			roles, err := c.ListAccountRoles(ctx, tok, a.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			sdkRoles, err := sdk.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: aws.String(tok), AccountId: aws.String(a.AccountID)})
			if err != nil {
				t.Fatal(err)
			}
			if len(roles) != len(sdkRoles.RoleList) || len(roles) == 0 {
				t.Errorf("%s in %s: awsapi %v, SDK %d roles", user, a.AccountName, roles, len(sdkRoles.RoleList))
				continue
			}
			for i, r := range roles {
				if r.AccountID != a.AccountID || r.RoleName != aws.ToString(sdkRoles.RoleList[i].RoleName) {
					t.Errorf("%s in %s: role %d is %+v, SDK %s", user, a.AccountName, i, r, aws.ToString(sdkRoles.RoleList[i].RoleName))
				}
			}
		}
		for account, want := range wantRoles[user] {
			roles, err := c.ListAccountRoles(ctx, tok, account)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range roles {
				got = append(got, r.RoleName)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s in %s: roles %v, want %v", user, account, got, want)
			}
		}
	}
	if roles, err := c.ListAccountRoles(ctx, alice.AccessToken, "999999999999"); err != nil || len(roles) != 0 {
		t.Errorf("roles in an unknown account: %v %v", roles, err)
	}
	_, err = c.ListAccountRoles(ctx, alice.AccessToken, "not-an-id")
	apiError(t, err, "ListAccountRoles", "InvalidRequestException", 400)
}

// limitPage rewrites the max_result awsapi asks for, so the sandbox's real
// pagination (opaque next tokens) is exercised with few items.
type limitPage struct {
	next http.RoundTripper
	size string
}

func (l limitPage) RoundTrip(req *http.Request) (*http.Response, error) {
	if q := req.URL.Query(); q.Has("max_result") {
		q.Set("max_result", l.size)
		u := *req.URL
		u.RawQuery = q.Encode()
		req = req.Clone(req.Context())
		req.URL = &u
	}
	return l.next.RoundTrip(req)
}

func TestSandboxPortalPagination(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	_, tok := signIn(t, sb, apiFor(sb), "alice")
	rec := &recorder{}
	c := apiFor(sb, func(rt http.RoundTripper) http.RoundTripper { return limitPage{rt, "3"} }, func(rt http.RoundTripper) http.RoundTripper {
		rec.next = rt
		return rec
	})
	accounts, err := c.ListAccounts(t.Context(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range accounts {
		names = append(names, a.AccountName)
	}
	want := []string{"core-audit", "core-auto", "core-network", "core-root", "plat-dev", "plat-prod", "plat-sandbox", "plat-staging"}
	if !slices.Equal(names, want) {
		t.Errorf("accounts %v, want %v", names, want)
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests for 8 accounts in pages of 3, want 3", len(reqs))
	}
	if reqs[0].query.Has("next_token") || reqs[1].query.Get("next_token") == "" || reqs[2].query.Get("next_token") == reqs[1].query.Get("next_token") {
		t.Errorf("next tokens %q %q %q", reqs[0].query.Get("next_token"), reqs[1].query.Get("next_token"), reqs[2].query.Get("next_token"))
	}
	for _, r := range reqs {
		if r.method != http.MethodGet || r.path != "/assignment/accounts" || r.query.Get("max_result") != "100" {
			t.Errorf("request %s %s ?%s", r.method, r.path, r.query.Encode())
		}
	}

	rec = &recorder{}
	c = apiFor(sb, func(rt http.RoundTripper) http.RoundTripper { return limitPage{rt, "1"} }, func(rt http.RoundTripper) http.RoundTripper {
		rec.next = rt
		return rec
	})
	roles, err := c.ListAccountRoles(t.Context(), tok.AccessToken, platDev)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 3 || roles[0].RoleName != "ReadOnlyAccess" || roles[2].RoleName != "TerraformPlanAccess" || len(rec.all()) != 3 {
		t.Errorf("roles %v in %d requests", roles, len(rec.all()))
	}
	for _, r := range rec.all() {
		if r.path != "/assignment/roles" || r.query.Get("account_id") != platDev {
			t.Errorf("request %s ?%s", r.path, r.query.Encode())
		}
	}
}

func TestSandboxLogout(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	reg, tok := signIn(t, sb, c, "carol")
	rc, err := c.GetRoleCredentials(ctx, tok.AccessToken, platDev, "AdministratorAccess")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(ctx, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRoleCredentials(ctx, tok.AccessToken, platDev, "AdministratorAccess")
	if ae := apiError(t, err, "GetRoleCredentials", "UnauthorizedException", 401); ae.Message == "" {
		t.Errorf("%+v", ae)
	}
	_, err = c.ListAccounts(ctx, tok.AccessToken)
	apiError(t, err, "ListAccounts", "UnauthorizedException", 401)
	_, err = c.ListAccountRoles(ctx, tok.AccessToken, platDev)
	apiError(t, err, "ListAccountRoles", "UnauthorizedException", 401)
	err = c.Logout(ctx, tok.AccessToken)
	apiError(t, err, "Logout", "UnauthorizedException", 401)
	// Logout also revoked the refresh token of the session.
	_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: refreshGrant, RefreshToken: tok.RefreshToken})
	apiError(t, err, "CreateToken", "InvalidGrantException", 400)
	// Role credentials already issued stay valid, as at AWS.
	if _, err := c.GetCallerIdentity(ctx, aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken}); err != nil {
		t.Errorf("issued credentials after logout: %v", err)
	}
	if got := sb.Stats()["Logout"]; got != 2 {
		t.Errorf("Logout served %d times, want 2", got)
	}
}

func TestSandboxGetCallerIdentity(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	creds := roleCreds(t, sb, "alice", platDev, "TerraformApplyAccess")
	who, err := apiFor(sb).GetCallerIdentity(t.Context(), creds)
	if err != nil {
		t.Fatal(err)
	}
	if who.Account != platDev || !strings.HasPrefix(who.Arn, "arn:aws:sts::666666666666:assumed-role/AWSReservedSSO_TerraformApplyAccess_") ||
		!strings.HasSuffix(who.Arn, "/alice") || !strings.HasPrefix(who.UserID, "AROA") || !strings.HasSuffix(who.UserID, ":alice") {
		t.Errorf("caller %+v", who)
	}
	sdk, err := sts.NewFromConfig(sb.AWSConfig(credentials.StaticCredentialsProvider{Value: creds})).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sdk.Arn) != who.Arn || aws.ToString(sdk.Account) != who.Account || aws.ToString(sdk.UserId) != who.UserID {
		t.Errorf("awsapi %+v, SDK %s %s %s", who, aws.ToString(sdk.Arn), aws.ToString(sdk.Account), aws.ToString(sdk.UserId))
	}
	// A client whose clock is off by more than 15 minutes signs requests
	// STS refuses.
	skewed := apiFor(sb)
	skewed.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	_, err = skewed.GetCallerIdentity(t.Context(), creds)
	if ae := apiError(t, err, "GetCallerIdentity", "SignatureDoesNotMatch", 403); !strings.Contains(ae.Message, "Signature expired") {
		t.Errorf("%+v", ae)
	}

	// Over a real socket the answer carries a Date header: the client
	// learns the server's time and signs again at once, as the SDK does.
	srv := httptest.NewServer(sb)
	defer srv.Close()
	var requests atomic.Int32
	counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requests.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	for _, off := range []time.Duration{-time.Hour, 40 * time.Minute} {
		requests.Store(0)
		skewed := &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: counting, MaxAttempts: 1,
			Now: func() time.Time { return time.Now().Add(off) }}
		got, err := skewed.GetCallerIdentity(t.Context(), creds)
		if err != nil || got.Arn != who.Arn {
			t.Errorf("clock off by %s: %v, %+v", off, err, got)
		}
		if n := requests.Load(); n != 2 {
			t.Errorf("clock off by %s: %d requests, want 2 (refused, then signed with the server's time)", off, n)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSandboxAssumeRole(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	rec := &recorder{}
	c := apiFor(sb, func(rt http.RoundTripper) http.RoundTripper { rec.next = rt; return rec })
	ctx := t.Context()
	creds := roleCreds(t, sb, "alice", platDev, "TerraformApplyAccess")

	before := time.Now()
	out, err := c.AssumeRole(ctx, creds, &awsapi.AssumeRoleInput{
		RoleARN: terraform, RoleSessionName: "alice", SourceIdentity: "alice", ExternalID: "acme-ci:1",
		Duration: 15 * time.Minute, Tags: map[string]string{"ticket": "SEC-1412", "change": "manual"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.AssumedRoleUser.Arn != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/alice" ||
		!strings.HasPrefix(out.AssumedRoleUser.AssumedRoleID, "AROA") || !strings.HasSuffix(out.AssumedRoleUser.AssumedRoleID, ":alice") ||
		out.SourceIdentity != "alice" {
		t.Errorf("assumed %+v", out)
	}
	cr := out.Credentials
	if !strings.HasPrefix(cr.AccessKeyID, "ASIA") || cr.SecretAccessKey == "" || cr.SessionToken == "" {
		t.Errorf("credentials %+v", cr)
	}
	if cr.Expiration.Location() != time.UTC || cr.Expiration.Before(before.Add(14*time.Minute)) || cr.Expiration.After(before.Add(16*time.Minute)) {
		t.Errorf("expires %v, want in 15 min", cr.Expiration)
	}
	// What went on the wire: the query protocol's form, signed.
	var form url.Values
	for _, r := range rec.all() {
		if r.path == "/" {
			form, _ = url.ParseQuery(string(r.body))
			if !strings.HasPrefix(r.header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+creds.AccessKeyID+"/") ||
				r.header.Get("X-Amz-Security-Token") != creds.SessionToken ||
				!strings.HasPrefix(r.header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				t.Errorf("headers %v", r.header)
			}
		}
	}
	want := url.Values{
		"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {terraform}, "RoleSessionName": {"alice"},
		"SourceIdentity": {"alice"}, "ExternalId": {"acme-ci:1"}, "DurationSeconds": {"900"},
		"Tags.member.1.Key": {"change"}, "Tags.member.1.Value": {"manual"}, "Tags.member.2.Key": {"ticket"}, "Tags.member.2.Value": {"SEC-1412"},
	}
	if form.Encode() != want.Encode() {
		t.Errorf("form\n%s\nwant\n%s", form.Encode(), want.Encode())
	}

	// The chained credentials are who STS says.
	chained := aws.Credentials{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}
	who, err := c.GetCallerIdentity(ctx, chained)
	if err != nil || who.Arn != out.AssumedRoleUser.Arn || who.Account != platDev {
		t.Errorf("whoami %+v %v", who, err)
	}
	// And the SDK agrees.
	sdkWho, err := sts.NewFromConfig(sb.AWSConfig(credentials.StaticCredentialsProvider{Value: chained})).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(sdkWho.Arn) != who.Arn {
		t.Errorf("SDK whoami %v %v", sdkWho, err)
	}

	// No duration: the role's default (1 h).
	out, err = c.AssumeRole(ctx, creds, &awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "alice-default"})
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(out.Credentials.Expiration); left < 59*time.Minute || left > 61*time.Minute {
		t.Errorf("default duration: expires in %v", left)
	}
	// Role chaining is limited to 1 h.
	_, err = c.AssumeRole(ctx, creds, &awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "alice", Duration: 2 * time.Hour})
	if ae := apiError(t, err, "AssumeRole", "ValidationError", 400); !strings.Contains(ae.Message, "1 hour session limit") {
		t.Errorf("%+v", ae)
	}
	// Tag keys are case-insensitive at STS: the tags arrive as tags.
	_, err = c.AssumeRole(ctx, creds, &awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "alice", Tags: map[string]string{"env": "a", "Env": "b"}})
	apiError(t, err, "AssumeRole", "InvalidParameterValue", 400)
	// The source identity of a session cannot change down the chain.
	_, err = c.AssumeRole(ctx, chained, &awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "again", SourceIdentity: "mallory"})
	apiError(t, err, "AssumeRole", "AccessDenied", 403)
	_, err = c.AssumeRole(ctx, creds, &awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "a b"})
	apiError(t, err, "AssumeRole", "ValidationError", 400)

	// The planner role of identities.yaml (core-root/planner) from
	// TerraformPlanAccess, with the SDK as a cross-check.
	plan := roleCreds(t, sb, "alice", coreRoot, "TerraformPlanAccess")
	planner := "arn:aws:iam::111111111111:role/acme-core-root-planner"
	got, err := c.AssumeRole(ctx, plan, &awsapi.AssumeRoleInput{RoleARN: planner, RoleSessionName: "alice", Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	sdkOut, err := sts.NewFromConfig(sb.AWSConfig(credentials.StaticCredentialsProvider{Value: plan})).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String(planner), RoleSessionName: aws.String("alice"), DurationSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatal(err)
	}
	if got.AssumedRoleUser.Arn != aws.ToString(sdkOut.AssumedRoleUser.Arn) || got.AssumedRoleUser.AssumedRoleID != aws.ToString(sdkOut.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("awsapi %+v, SDK %+v", got.AssumedRoleUser, sdkOut.AssumedRoleUser)
	}
	if d := got.Credentials.Expiration.Sub(aws.ToTime(sdkOut.Credentials.Expiration)); d < -5*time.Second || d > 5*time.Second {
		t.Errorf("awsapi expires %v, SDK %v", got.Credentials.Expiration, sdkOut.Credentials.Expiration)
	}
}

func TestSandboxAssumeRoleDenied(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	bob := roleCreds(t, sb, "bob", platDev, "TerraformPlanAccess")
	alice := roleCreds(t, sb, "alice", platDev, "TerraformApplyAccess")
	for name, tc := range map[string]struct {
		creds aws.Credentials
		role  string
	}{
		"trust names another permission set": {bob, terraform},
		"role does not exist":                {alice, "arn:aws:iam::666666666666:role/nope"},
		"role in another account":            {alice, "arn:aws:iam::888888888888:role/acme-plat-prod-terraform"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.AssumeRole(ctx, tc.creds, &awsapi.AssumeRoleInput{RoleARN: tc.role, RoleSessionName: "s1"})
			ae := apiError(t, err, "AssumeRole", "AccessDenied", 403)
			if !strings.Contains(ae.Message, "is not authorized to perform: sts:AssumeRole on resource: "+tc.role) || ae.ErrorFault() != smithy.FaultClient {
				t.Errorf("%+v", ae)
			}
			if !strings.Contains(err.Error(), "(request id "+ae.RequestID+")") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestSandboxSignatureErrors(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	good := roleCreds(t, sb, "alice", platDev, "TerraformApplyAccess")
	other := roleCreds(t, sb, "bob", platDev, "TerraformPlanAccess")
	for name, tc := range map[string]struct {
		creds aws.Credentials
		code  string
	}{
		"wrong secret":     {aws.Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: "x" + good.SecretAccessKey, SessionToken: good.SessionToken}, "SignatureDoesNotMatch"},
		"unknown key":      {aws.Credentials{AccessKeyID: "ASIAUNKNOWNUNKNOWN00", SecretAccessKey: "s3cr3t-unknown-key", SessionToken: "tok3n-unknown-key"}, "InvalidClientTokenId"},
		"missing token":    {aws.Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: good.SecretAccessKey}, "InvalidClientTokenId"},
		"token of another": {aws.Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: good.SecretAccessKey, SessionToken: other.SessionToken}, "InvalidClientTokenId"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.GetCallerIdentity(ctx, tc.creds)
			apiError(t, err, "GetCallerIdentity", tc.code, 403)
			noSecrets(t, err, tc.creds.SecretAccessKey, tc.creds.SessionToken)
			_, err = c.AssumeRole(ctx, tc.creds, &awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "alice"})
			apiError(t, err, "AssumeRole", tc.code, 403)
			noSecrets(t, err, tc.creds.SecretAccessKey, tc.creds.SessionToken)
		})
	}
	// Anonymous credentials sign nothing the sandbox accepts.
	_, err := c.GetCallerIdentity(ctx, aws.Credentials{})
	if awsapi.Code(err) == "" {
		t.Errorf("empty credentials: %v", err)
	}
	// A bogus web identity token: the unsigned call reaches STS and its
	// query-protocol error is read, without echoing the token.
	_, err = c.AssumeRoleWithWebIdentity(ctx, &awsapi.AssumeRoleWithWebIdentityInput{RoleARN: terraform, RoleSessionName: "gha", WebIdentityToken: "eyJhbGciOi.e30.sig"})
	if ae := apiError(t, err, "AssumeRoleWithWebIdentity", "InvalidIdentityToken", 400); ae.RequestID == "" {
		t.Errorf("no request id: %+v", ae)
	}
	noSecrets(t, err, "eyJhbGciOi.e30.sig")
}

// A GitHub Actions run of acme/infrastructure deploying to the apply
// environment assumes the terraform role with its ID token; a pull
// request run is refused by the same trust policy.
func TestSandboxAssumeRoleWithWebIdentity(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c := apiFor(sb)
	const terraform = "arn:aws:iam::666666666666:role/acme-plat-dev-terraform"
	apply := sandbox.GitHubRun{Repository: "acme/infrastructure", RepositoryID: "812345678", Environment: "apply",
		JobWorkflowRef: "acme/infrastructure/.github/workflows/apply.yaml@refs/heads/main", RunID: "77"}
	tok, err := sb.GitHubIDToken(apply, "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.AssumeRoleWithWebIdentity(t.Context(), &awsapi.AssumeRoleWithWebIdentityInput{
		RoleARN: terraform, RoleSessionName: "gha-77-1", WebIdentityToken: tok, Duration: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if out.AssumedRoleUser.Arn != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/gha-77-1" ||
		time.Until(out.Credentials.Expiration) > 16*time.Minute || time.Until(out.Credentials.Expiration) < 14*time.Minute {
		t.Errorf("AssumeRoleWithWebIdentity: %+v", out.AssumedRoleUser)
	}
	who, err := c.GetCallerIdentity(t.Context(), aws.Credentials{AccessKeyID: out.Credentials.AccessKeyID,
		SecretAccessKey: out.Credentials.SecretAccessKey, SessionToken: out.Credentials.SessionToken})
	if err != nil || who.Arn != out.AssumedRoleUser.Arn {
		t.Errorf("GetCallerIdentity: %+v, %v", who, err)
	}
	pr := sandbox.GitHubRun{Repository: "acme/infrastructure", RepositoryID: "812345678", EventName: "pull_request", Ref: "refs/pull/7/merge"}
	prTok, err := sb.GitHubIDToken(pr, "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AssumeRoleWithWebIdentity(t.Context(), &awsapi.AssumeRoleWithWebIdentityInput{RoleARN: terraform, RoleSessionName: "gha-8-1", WebIdentityToken: prTok})
	apiError(t, err, "AssumeRoleWithWebIdentity", "AccessDenied", 403)
	noSecrets(t, err, prTok)
}

// The sandbox's fault injection drives the retry policy with real answers.
func TestSandboxRetriesInjectedFaults(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c := apiFor(sb)
	_, tok := signIn(t, sb, c, "alice")
	creds := roleCreds(t, sb, "alice", platDev, "TerraformApplyAccess")
	err := sb.SetFaults(sandbox.FaultConfig{Operations: map[string]sandbox.OpFault{
		"ListAccounts":      {ErrorRate: 1, Error: "InternalServerException"}, // 500
		"GetCallerIdentity": {ErrorRate: 1, Error: "ServiceUnavailable"},      // 500
		"ListAccountRoles":  {ErrorRate: 1, Error: "ResourceNotFoundException"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c.MaxAttempts = 3
	before := sb.Stats()
	_, err = c.ListAccounts(t.Context(), tok.AccessToken)
	if ae := apiError(t, err, "ListAccounts", "InternalServerException", 500); ae.ErrorFault() != smithy.FaultServer {
		t.Errorf("%+v", ae)
	}
	_, err = c.GetCallerIdentity(t.Context(), creds)
	apiError(t, err, "GetCallerIdentity", "ServiceUnavailable", 500)
	_, err = c.ListAccountRoles(t.Context(), tok.AccessToken, platDev)
	apiError(t, err, "ListAccountRoles", "ResourceNotFoundException", 404)
	after := sb.Stats()
	for op, want := range map[string]int{"ListAccounts": 3, "GetCallerIdentity": 3, "ListAccountRoles": 1} {
		if got := after[op] - before[op]; got != want {
			t.Errorf("%s tried %d times, want %d", op, got, want)
		}
	}
}

// noSecrets fails if err's text contains any of the secrets.
func noSecrets(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q reveals the secret %q", err, s)
		}
	}
}
