package sso

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifierAndChallenge(t *testing.T) {
	// RFC 7636 appendix B.
	if got := challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("challenge = %s", got)
	}
	seen := map[string]bool{}
	for range 200 {
		v := newVerifier()
		if len(v) != 64 || strings.Trim(v, verifierChars) != "" {
			t.Fatalf("verifier %q: want 64 chars from [A-Za-z0-9-._~]", v)
		}
		s := newState()
		if seen[v] || seen[s] {
			t.Fatal("a verifier or state repeated")
		}
		seen[v], seen[s] = true, true
	}
}

// recorder keeps the JSON bodies the sandbox received, by path.
type recorder struct {
	h      http.Handler
	mu     sync.Mutex
	bodies map[string][]string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		r.mu.Lock()
		if r.bodies == nil {
			r.bodies = map[string][]string{}
		}
		r.bodies[req.URL.Path] = append(r.bodies[req.URL.Path], string(b))
		r.mu.Unlock()
	}
	r.h.ServeHTTP(w, req)
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, v := range r.bodies {
		b.WriteString(strings.Join(v, "\n"))
	}
	return b.String()
}

func pkceOptions(t *testing.T, autoApprove string, open func(string) error) (Options, *recorder, func() map[string]int) {
	s := newSandbox(t, nil, autoApprove)
	rec := &recorder{h: s}
	cfg, _ := serve(t, rec)
	o := Options{StartURL: s.StartURL(), Region: s.Region(), API: cfg, Store: newMemStore(), IsNotFound: isNotFound,
		OpenBrowser: open, GOOS: "linux", Getenv: env("DISPLAY", ":0")}
	return o, rec, s.Stats
}

func TestPKCELogin(t *testing.T) {
	var redirect string
	follow, urls := browser(t)
	open := func(u string) error {
		q, _ := url.Parse(u)
		redirect = q.Query().Get("redirect_uri")
		ru, _ := url.Parse(redirect)
		// The listener is bound before the browser is opened.
		c, err := net.DialTimeout("tcp", ru.Host, time.Second)
		if err != nil {
			t.Errorf("listener not bound when the browser opens: %v", err)
		} else {
			c.Close()
		}
		return follow(u)
	}
	o, rec, stats := pkceOptions(t, "alice", open)
	p := newProvider(t, o)
	res, err := p.Login(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionSignedIn || res.Flow != FlowPKCE || !res.Session.Valid(time.Now()) || res.Session.RefreshToken == "" {
		t.Fatalf("result %+v", res)
	}
	u, _ := url.Parse(urls()[0])
	q := u.Query()
	if u.Path != "/authorize" || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		len(q.Get("code_challenge")) != 43 || q.Get("scopes") != "sso:account:access" || q.Get("client_id") == "" || len(q.Get("state")) < 32 {
		t.Errorf("authorize URL %s", u)
	}
	if !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, "/oauth/callback") {
		t.Errorf("redirect_uri %q", redirect)
	}
	reg := rec.bodies["/client/register"][0]
	for _, want := range []string{`"grantTypes":["authorization_code","refresh_token"]`, `"redirectUris":["http://127.0.0.1/oauth/callback"]`,
		`"issuerUrl":"` + o.StartURL + `"`, `"scopes":["sso:account:access"]`, `"clientType":"public"`} {
		if !strings.Contains(reg, want) {
			t.Errorf("RegisterClient body %s lacks %s", reg, want)
		}
	}
	if tok := rec.bodies["/token"][0]; !strings.Contains(tok, `"redirectUri":"`+redirect+`"`) || !strings.Contains(tok, `"grantType":"authorization_code"`) {
		t.Errorf("CreateToken body %s", tok)
	}
	// A second sign-in (forced) reuses the registration; a third, not
	// forced, finds the session valid and calls nothing.
	if res, err = p.Login(t.Context(), true); err != nil || res.Action != ActionSignedIn {
		t.Fatalf("forced login: %v %+v", err, res)
	}
	before := stats()
	if res, err = p.Login(t.Context(), false); err != nil || res.Action != ActionValid {
		t.Fatalf("login on a valid session: %v %+v", err, res)
	}
	if d := delta(before, stats()); len(d) != 0 {
		t.Errorf("login on a valid session called %v", d)
	}
	if n := stats()["RegisterClient"]; n != 1 {
		t.Errorf("RegisterClient called %d times, want 1 (registration reused)", n)
	}
}

// callbackGet sends what a (possibly hostile) page could make the browser send.
func callbackGet(t *testing.T, raw string, host string) int {
	req, _ := http.NewRequest(http.MethodGet, raw, nil)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", raw, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestPKCERejectsWrongState(t *testing.T) {
	follow, _ := browser(t)
	var codes []int
	open := func(u string) error {
		q, _ := url.Parse(u)
		cb := q.Query().Get("redirect_uri")
		ru, _ := url.Parse(cb)
		codes = append(codes,
			callbackGet(t, cb+"?code=forged&state=wrong", ""),
			callbackGet(t, cb+"?error=access_denied&state=wrong", ""),
			callbackGet(t, cb+"?code=forged", ""),
			callbackGet(t, cb+"?code=forged&state="+q.Query().Get("state"), "localhost"+ru.Port()),
			callbackGet(t, "http://"+ru.Host+"/other?code=x&state="+q.Query().Get("state"), ""),
		)
		return follow(u) // then the real answer arrives
	}
	o, rec, stats := pkceOptions(t, "alice", open)
	res, err := newProvider(t, o).Login(t.Context(), false)
	if err != nil {
		t.Fatalf("login after forged callbacks: %v", err)
	}
	if want := []int{400, 400, 400, 400, 404}; !equalInts(codes, want) {
		t.Errorf("forged callbacks answered %v, want %v", codes, want)
	}
	if res.Action != ActionSignedIn || stats()["CreateToken"] != 1 || strings.Contains(rec.all(), "forged") {
		t.Errorf("a forged code reached CreateToken: %+v %v", res, stats())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPKCEErrorCallback(t *testing.T) {
	open := func(u string) error {
		q, _ := url.Parse(u)
		go callbackGet(t, q.Query().Get("redirect_uri")+"?error=access_denied&error_description=the+user+denied&state="+q.Query().Get("state"), "")
		return nil
	}
	o, _, stats := pkceOptions(t, "", open)
	p := newProvider(t, o)
	_, err := p.Login(t.Context(), false)
	var ae *AuthorizeError
	if !errors.As(err, &ae) || !ae.IsAccessDenied() || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("err = %v, want the access_denied AuthorizeError", err)
	}
	if s, _ := p.Cached(t.Context()); s != nil || stats()["CreateToken"] != 0 {
		t.Errorf("a refused sign-in stored %v / called CreateToken", s)
	}
}

func TestPKCETimeout(t *testing.T) {
	o, _, _ := pkceOptions(t, "", func(string) error { return nil }) // nobody signs in
	o.LoginTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := newProvider(t, o).Login(t.Context(), false)
	if err == nil || !strings.Contains(err.Error(), "timed out after 200ms") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the timeout was not honoured")
	}
}

func TestPKCEFallsBackToDeviceCode(t *testing.T) {
	var logBuf bytes.Buffer
	var leaked string
	open := func(u string) error {
		leaked = u
		return errors.New("xdg-open " + u + ": no method available")
	}
	o, _, stats := pkceOptions(t, "alice", open)
	o.Logger = baseOptions(newSandbox(t, nil, ""), nil, nil, &logBuf).Logger
	res, err := newProvider(t, o).Login(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Flow != FlowDeviceCode || stats()["StartDeviceAuthorization"] != 1 || stats()["RegisterClient"] != 2 {
		t.Errorf("fallback: flow %s, calls %v", res.Flow, stats())
	}
	state, _ := url.ParseQuery(strings.SplitN(leaked, "?", 2)[1])
	if strings.Contains(logBuf.String(), state.Get("state")) || !strings.Contains(logBuf.String(), "<authorize URL>") {
		t.Errorf("log leaks the state or lost the reason:\n%s", logBuf.String())
	}
}
