package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// oidcCall sends body to an SSO OIDC path without an SDK.
func oidcCall(s *Sandbox, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// checkOIDCError asserts an AWS-shaped SSO OIDC error: a 4xx with the
// error type header and {error, error_description}.
func checkOIDCError(t *testing.T, name string, rec *httptest.ResponseRecorder, wantType string) {
	t.Helper()
	var body map[string]any
	err := json.Unmarshal(rec.Body.Bytes(), &body)
	typ := rec.Header().Get("x-amzn-ErrorType")
	if rec.Code < 400 || rec.Code >= 500 || err != nil || typ == "" || body["error"] == "" || body["error_description"] == "" {
		t.Errorf("%s: %d %s %s, want an AWS-shaped 4xx", name, rec.Code, typ, rec.Body)
	}
	if wantType != "" && typ != wantType {
		t.Errorf("%s: error type %s, want %s (%s)", name, typ, wantType, rec.Body)
	}
}

func TestMalformedOIDCBodies(t *testing.T) {
	s := newTestSandbox(t, Options{})
	reg := registerDeviceClient(t, s, []string{acmeScope})
	cred := `"clientId":"` + *reg.ClientId + `","clientSecret":"` + *reg.ClientSecret + `"`
	huge := []byte(`{"clientName":"` + strings.Repeat("a", maxBody+10) + `","clientType":"public"}`)
	const ir = "InvalidRequestException"
	for _, tc := range []struct {
		name, path, ctype, body, want string
	}{
		{"empty", "/client/register", "application/json", "", ir},
		{"truncated", "/client/register", "application/json", `{"clientName":`, ir},
		{"not JSON", "/token", "application/json", `clientId=a&clientSecret=b`, ir},
		{"array", "/device_authorization", "application/json", `[]`, ir},
		{"string", "/token", "application/json", `"x"`, ir},
		{"null", "/client/register", "application/json", `null`, ir},
		{"wrong type", "/client/register", "application/json", `{"clientName":1,"clientType":"public"}`, ir},
		{"scopes not a list", "/client/register", "application/json", `{"clientName":"a","clientType":"public","scopes":"x"}`, ir},
		{"unknown field", "/client/register", "application/json", `{"clientName":"a","clientType":"public","clientname":"b"}`, ir},
		{"duplicate member", "/client/register", "application/json", `{"clientName":"a","clientType":"public","clientName":"b"}`, ir},
		{"trailing data", "/client/register", "application/json", `{"clientName":"a","clientType":"public"} {}`, ir},
		{"missing clientType", "/client/register", "application/json", `{"clientName":"a"}`, ir},
		{"confidential", "/client/register", "application/json", `{"clientName":"a","clientType":"confidential"}`, "InvalidClientMetadataException"},
		{"bad grant", "/client/register", "application/json", `{"clientName":"a","clientType":"public","grantTypes":["password"]}`, "InvalidClientMetadataException"},
		{"http redirect", "/client/register", "application/json", `{"clientName":"a","clientType":"public","grantTypes":["authorization_code"],"redirectUris":["http://evil.example/cb"]}`, "InvalidRedirectUriException"},
		{"code grant without redirect", "/client/register", "application/json", `{"clientName":"a","clientType":"public","grantTypes":["authorization_code"]}`, ir},
		{"blank scope", "/client/register", "application/json", `{"clientName":"a","clientType":"public","scopes":[""]}`, "InvalidScopeException"},
		{"form encoded", "/token", "application/x-www-form-urlencoded", `grant_type=refresh_token`, ir},
		{"xml", "/client/register", "text/xml", `<a/>`, ir},
		{"bad content type", "/client/register", "\x00;;", `{}`, ir},
		{"huge", "/client/register", "application/json", string(huge), ir},
		{"missing startUrl", "/device_authorization", "application/json", `{` + cred + `}`, ir},
		{"missing grantType", "/token", "application/json", `{` + cred + `}`, ir},
		{"unknown client", "/device_authorization", "", `{"clientId":"x","clientSecret":"y","startUrl":"https://acme.awsapps.com/start"}`, "InvalidClientException"},
		{"device grant without code", "/token", "application/json", `{` + cred + `,"grantType":"` + grantDevice + `"}`, ir},
		{"unknown device code", "/token", "application/json", `{` + cred + `,"grantType":"` + grantDevice + `","deviceCode":"x"}`, "InvalidGrantException"},
		{"code grant for device client", "/token", "application/json", `{` + cred + `,"grantType":"authorization_code","code":"x"}`, "UnauthorizedClientException"},
		{"unknown grant", "/token", "application/json", `{` + cred + `,"grantType":"client_credentials"}`, "UnsupportedGrantTypeException"},
		{"deep nesting", "/token", "application/json", strings.Repeat("[", 100000), ir},
	} {
		checkOIDCError(t, tc.name, oidcCall(s, tc.path, tc.ctype, []byte(tc.body)), tc.want)
	}
	rec := oidcCall(s, "/client/register", "application/json", huge)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d, want 413", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/token", nil))
	checkOIDCError(t, "GET /token", rec, "UnknownOperationException")
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %d, want 405", rec.Code)
	}
	if rec = oidcCall(s, "/client/register", "application/json; charset=utf-8", []byte(`{"clientName":"a","clientType":"public","entitledApplicationArn":"arn:aws:sso::123456789012:application/x"}`)); rec.Code != 200 {
		t.Errorf("a valid registration with charset and every member: %d %s", rec.Code, rec.Body)
	}
}

// fuzzSandbox has a client, an approved device code, an authorization code
// and a refresh token with well-known values, so fuzzed bodies can reach
// every grant.
func fuzzSandbox(t testing.TB) *Sandbox {
	s := newTestSandbox(t, Options{})
	far := time.Now().Add(time.Hour)
	s.st.Clients["fz-client"] = &client{ID: "fz-client", Secret: "fz-secret", Name: "fuzz", Type: "public", Scopes: []string{acmeScope},
		GrantTypes: []string{grantDevice, grantCode, grantRefresh}, RedirectURIs: []string{"http://127.0.0.1/cb"}, ExpiresAt: far}
	s.st.Devices["fz-device"] = &deviceAuth{DeviceCode: "fz-device", UserCode: "BBBB-CCCC", ClientID: "fz-client",
		Scopes: []string{acmeScope}, ExpiresAt: far, Interval: time.Second, ApprovedBy: "alice"}
	s.st.Codes["fz-code"] = &authCode{Code: "fz-code", ClientID: "fz-client", RedirectURI: "http://127.0.0.1:1/cb",
		Challenge: challengeFor(testVerifier), ChallengeMeth: "S256", User: "bob", ExpiresAt: far}
	s.st.Refresh["fz-refresh"] = &refreshTok{User: "carol", ClientID: "fz-client", Scopes: []string{acmeScope}, ExpiresAt: far}
	return s
}

func FuzzOIDCDecoders(f *testing.F) {
	cred := `"clientId":"fz-client","clientSecret":"fz-secret"`
	for _, seed := range []struct {
		path uint8
		body string
	}{
		{0, `{"clientName":"a","clientType":"public","scopes":["sso:account:access"]}`},
		{0, `{"clientName":"a","clientType":"public","grantTypes":["authorization_code","refresh_token"],"redirectUris":["http://127.0.0.1/oauth/callback"],"issuerUrl":"https://acme.awsapps.com/start"}`},
		{1, `{` + cred + `,"startUrl":"https://acme.awsapps.com/start"}`},
		{2, `{` + cred + `,"grantType":"` + grantDevice + `","deviceCode":"fz-device"}`},
		{2, `{` + cred + `,"grantType":"authorization_code","code":"fz-code","redirectUri":"http://127.0.0.1:1/cb","codeVerifier":"` + testVerifier + `"}`},
		{2, `{` + cred + `,"grantType":"refresh_token","refreshToken":"fz-refresh","scope":["sso:account:access"]}`},
		{2, `{"clientId":null,"scope":[1,{}],"x":1e999}`},
		{1, "\xff\xfe{"},
	} {
		f.Add(seed.path, []byte(seed.body))
	}
	paths := []string{"/client/register", "/device_authorization", "/token"}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		s := fuzzSandbox(t)
		path := paths[int(which)%len(paths)]
		rec := oidcCall(s, path, "application/json", body)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: the response is not JSON: %s", path, body, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("x-amzn-ErrorType") == "" {
			t.Fatalf("%s %q: %d without x-amzn-ErrorType", path, body, rec.Code)
		}
	})
}
