package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

const callback = "http://127.0.0.1:43210/oauth/callback"

// registerPKCE registers a client as the AWS CLI ≥ 2.22 does: the
// redirect URI has no port.
func registerPKCE(t *testing.T, s *Sandbox) *ssooidc.RegisterClientOutput {
	t.Helper()
	reg, err := oidcClient(s).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("botocore-client-acme"), ClientType: aws.String("public"), Scopes: []string{acmeScope},
		GrantTypes: []string{grantCode, grantRefresh}, RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl: aws.String(s.StartURL()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

const testVerifier = "Zx9-._~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

func challengeFor(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeQuery(reg *ssooidc.RegisterClientOutput, state string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {*reg.ClientId}, "redirect_uri": {callback},
		"state": {state}, "code_challenge": {challengeFor(testVerifier)}, "code_challenge_method": {"S256"}, "scopes": {acmeScope}}
}

func get(t *testing.T, s *Sandbox, path string, q url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := browser(s).Get(InProcessURL + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func post(t *testing.T, s *Sandbox, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, InProcessURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := browser(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

var requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// authorizeAs walks the authorization page and returns the redirect.
func authorizeAs(t *testing.T, s *Sandbox, reg *ssooidc.RegisterClientOutput, action, user string) *url.URL {
	t.Helper()
	resp, body := get(t, s, "/authorize", authorizeQuery(reg, "st-123"))
	m := requestIDRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `id="user-alice"`) {
		t.Fatalf("authorize page: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, s, "/authorize", url.Values{"request_id": {m[1]}, "user": {user}, "action": {action}})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize POST: %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Host != "127.0.0.1:43210" || loc.Path != "/oauth/callback" || loc.Query().Get("state") != "st-123" {
		t.Fatalf("redirect to %q", resp.Header.Get("Location"))
	}
	return loc
}

func TestPKCE(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	reg := registerPKCE(t, s)
	code := authorizeAs(t, s, reg, "approve", "alice").Query().Get("code")
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(grantCode),
		Code: aws.String(code), RedirectUri: aws.String(callback), CodeVerifier: aws.String(testVerifier)}
	tok, err := oidcClient(s).CreateToken(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == nil || tok.ExpiresIn != 28800 {
		t.Errorf("token %+v", tok)
	}
	if _, err := oidcClient(s).CreateToken(t.Context(), in); errorCode(err) != "InvalidGrantException" {
		t.Errorf("code reuse: %v, want InvalidGrantException", err)
	}
	// A code expires after 5 minutes; a redirect URI must match exactly.
	for _, tc := range []struct {
		name    string
		wait    time.Duration
		mutate  func(*ssooidc.CreateTokenInput)
		wantErr string
	}{
		{"expired", 6 * time.Minute, func(*ssooidc.CreateTokenInput) {}, "InvalidGrantException"},
		{"other port", 0, func(in *ssooidc.CreateTokenInput) { in.RedirectUri = aws.String("http://127.0.0.1:1/oauth/callback") }, "InvalidGrantException"},
		{"short verifier", 0, func(in *ssooidc.CreateTokenInput) { in.CodeVerifier = aws.String("short") }, "InvalidGrantException"},
	} {
		in := *in
		in.Code = aws.String(authorizeAs(t, s, reg, "approve", "alice").Query().Get("code"))
		tc.mutate(&in)
		clk.Advance(tc.wait)
		if _, err := oidcClient(s).CreateToken(t.Context(), &in); errorCode(err) != tc.wantErr {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.wantErr)
		}
	}
}

func TestPKCEBadVerifier(t *testing.T) {
	s := newTestSandbox(t, Options{})
	reg := registerPKCE(t, s)
	code := authorizeAs(t, s, reg, "approve", "bob").Query().Get("code")
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(grantCode),
		Code: aws.String(code), RedirectUri: aws.String(callback), CodeVerifier: aws.String(strings.Repeat("x", 64))}
	var invalid *types.InvalidGrantException
	if _, err := oidcClient(s).CreateToken(t.Context(), in); !errors.As(err, &invalid) {
		t.Fatalf("bad verifier: %v, want InvalidGrantException", err)
	}
	// A failed exchange burns the code.
	in.CodeVerifier = aws.String(testVerifier)
	if _, err := oidcClient(s).CreateToken(t.Context(), in); !errors.As(err, &invalid) {
		t.Errorf("code after a failed exchange: %v, want InvalidGrantException", err)
	}
}

func TestPKCEDeny(t *testing.T) {
	s := newTestSandbox(t, Options{})
	loc := authorizeAs(t, s, registerPKCE(t, s), "deny", "")
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
		t.Errorf("deny redirected to %s", loc)
	}
}

func TestPKCEAutoApprove(t *testing.T) {
	s := newTestSandbox(t, Options{AutoApprove: "dave"})
	reg := registerPKCE(t, s)
	resp, _ := get(t, s, "/authorize", authorizeQuery(reg, "st-9"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st-9" {
		t.Fatalf("auto-approve: %d %s", resp.StatusCode, loc)
	}
	_, err := oidcClient(s).CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(grantCode), Code: aws.String(loc.Query().Get("code")), RedirectUri: aws.String(callback),
		CodeVerifier: aws.String(testVerifier)})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuthorizeBadRequests(t *testing.T) {
	s := newTestSandbox(t, Options{})
	reg := registerPKCE(t, s)
	device := registerDeviceClient(t, s, []string{acmeScope})
	set := func(k, v string) func(url.Values) { return func(q url.Values) { q.Set(k, v) } }
	for _, tc := range []struct {
		name     string
		mutate   func(url.Values)
		status   int
		redirErr string // the error= of the redirect, for 302
	}{
		{"no client", func(q url.Values) { q.Del("client_id") }, 400, ""},
		{"unknown client", set("client_id", "nope"), 400, ""},
		{"device client", set("client_id", *device.ClientId), 400, ""},
		{"no redirect", func(q url.Values) { q.Del("redirect_uri") }, 400, ""},
		{"other path", set("redirect_uri", "http://127.0.0.1:43210/elsewhere"), 400, ""},
		{"not loopback", set("redirect_uri", "http://evil.example:43210/oauth/callback"), 400, ""},
		{"localhost is another host", set("redirect_uri", "http://localhost:43210/oauth/callback"), 400, ""},
		{"garbage redirect", set("redirect_uri", "http://127.0.0.1:x/%zz"), 400, ""},
		{"plain method", set("code_challenge_method", "plain"), 302, "invalid_request"},
		{"no challenge", func(q url.Values) { q.Del("code_challenge") }, 302, "invalid_request"},
		{"token response", set("response_type", "token"), 302, "unsupported_response_type"},
		{"unregistered scope", set("scopes", "sso:account:access codewhisperer:completions"), 302, "invalid_scope"},
	} {
		q := authorizeQuery(reg, "st")
		tc.mutate(q)
		resp, body := get(t, s, "/authorize", q)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d\n%s", tc.name, resp.StatusCode, tc.status, body)
			continue
		}
		if tc.status == 302 {
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if loc.Host != "127.0.0.1:43210" || loc.Query().Get("error") != tc.redirErr || loc.Query().Get("state") != "st" {
				t.Errorf("%s: redirect %s, want error=%s", tc.name, loc, tc.redirErr)
			}
		} else if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, `id="error"`) {
			t.Errorf("%s: not an HTML error page: %s\n%s", tc.name, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
		status int
	}{
		{"unknown request", url.Values{"request_id": {"req-nope"}, "user": {"alice"}, "action": {"approve"}}, nil, 400},
		{"cross-site post", url.Values{"request_id": {"x"}, "action": {"approve"}}, []string{"Sec-Fetch-Site", "cross-site"}, 403},
	} {
		if resp, body := post(t, s, "/authorize", tc.form, tc.header...); resp.StatusCode != tc.status || !strings.Contains(body, `id="error"`) {
			t.Errorf("%s: %d, want %d\n%s", tc.name, resp.StatusCode, tc.status, body)
		}
	}
	// An unknown user keeps the request open for another try.
	_, body := get(t, s, "/authorize", authorizeQuery(reg, "st"))
	id := requestIDRe.FindStringSubmatch(body)[1]
	if resp, _ := post(t, s, "/authorize", url.Values{"request_id": {id}, "user": {"<mallory>"}, "action": {"approve"}}); resp.StatusCode != 400 {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	if resp, _ := post(t, s, "/authorize", url.Values{"request_id": {id}, "user": {"carol"}, "action": {"approve"}}); resp.StatusCode != 302 {
		t.Errorf("retry with a known user: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPut, InProcessURL+"/authorize", nil)
	if resp, err := browser(s).Do(req); err != nil || resp.StatusCode != 405 {
		t.Errorf("PUT /authorize: %v %v", resp, err)
	}
}

func TestDevicePages(t *testing.T) {
	s := newTestSandbox(t, Options{})
	resp, body := get(t, s, "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Alice Devops") || !strings.Contains(body, s.StartURL()) {
		t.Errorf("home: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := get(t, s, "/device", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="user_code"`) {
		t.Errorf("device code entry: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := get(t, s, "/device", url.Values{"user_code": {"<script>"}}); resp.StatusCode != 400 || strings.Contains(body, "<script>") {
		t.Errorf("unknown code: %d\n%s", resp.StatusCode, body)
	}
	// Deny one authorization, approve another as bob.
	reg := registerDeviceClient(t, s, []string{acmeScope})
	for _, tc := range []struct{ action, user, want string }{{"deny", "", "AccessDeniedException"}, {"approve", "bob", ""}} {
		start, in := startDevice(t, s, reg)
		resp, body := get(t, s, "/device", url.Values{"user_code": {*start.UserCode}})
		if resp.StatusCode != 200 || !strings.Contains(body, *start.UserCode) || !strings.Contains(body, `data-testid="approve"`) ||
			resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("device page: %d\n%s", resp.StatusCode, body)
		}
		form := url.Values{"user_code": {*start.UserCode}, "user": {tc.user}, "action": {tc.action}}
		if resp, _ := post(t, s, "/device", form, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 {
			t.Errorf("cross-site post: %d", resp.StatusCode)
		}
		resp, body = post(t, s, "/device", form, "Sec-Fetch-Site", "same-origin")
		if resp.StatusCode != 200 || !strings.Contains(body, "You can close this window") {
			t.Fatalf("%s: %d\n%s", tc.action, resp.StatusCode, body)
		}
		if _, err := oidcClient(s).CreateToken(t.Context(), in); errorCode(err) != tc.want {
			t.Errorf("%s: CreateToken %v, want %q", tc.action, err, tc.want)
		}
		if resp, _ := post(t, s, "/device", form); resp.StatusCode != 400 {
			t.Errorf("%s twice: %d", tc.action, resp.StatusCode)
		}
	}
}
