package sso

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestSecretsNeverLogged runs a PKCE sign-in, a refresh, a failed refresh
// and a logout with debug logging on, and looks for every secret in what
// a person or a log file could see.
func TestSecretsNeverLogged(t *testing.T) {
	var logBuf bytes.Buffer
	n := &recNotifier{}
	follow, urls := browser(t)
	o, rec, _ := pkceOptions(t, "alice", follow)
	o.Logger = baseOptions(newSandbox(t, nil, ""), nil, nil, &logBuf).Logger
	o.Notifier = n
	p := newProvider(t, o)
	var seen []string
	res, err := p.Login(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Session
	if _, err := p.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.Invalidate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	refreshed, _ := p.Cached(t.Context())
	if err := p.Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err = p.Token(t.Context())
	seen = append(seen, err.Error())

	au, _ := url.Parse(urls()[0])
	var tokenReq struct{ CodeVerifier, Code string }
	_ = json.Unmarshal([]byte(rec.bodies["/token"][0]), &tokenReq)
	secrets := map[string]string{
		"state": au.Query().Get("state"), "verifier": tokenReq.CodeVerifier, "code": tokenReq.Code,
		"client secret": s.ClientSecret, "access token": s.AccessToken, "refresh token": s.RefreshToken,
		"refreshed access token": refreshed.AccessToken, "rotated refresh token": refreshed.RefreshToken,
	}
	out := logBuf.String() + n.text() + strings.Join(seen, "\n")
	if !strings.Contains(logBuf.String(), "refreshing the sso token") {
		t.Fatalf("debug log is missing breadcrumbs:\n%s", logBuf.String())
	}
	for name, v := range secrets {
		if len(v) < 8 {
			t.Fatalf("%s %q not captured", name, v)
		}
		if strings.Contains(out, v) {
			t.Errorf("the %s appears in logs or messages", name)
		}
	}
}
