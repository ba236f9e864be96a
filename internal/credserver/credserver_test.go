package credserver_test

// These tests drive the server with the Go SDK's own client of the ECS
// container-credential protocol (endpointcreds, wrapped in the SDK's
// credentials cache as config.LoadDefaultConfig does) and with plain HTTP
// requests for what the SDK does not show (headers, exact bodies).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/credserver"
)

// Secrets that must only ever travel in a 200 answer.
const (
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
	testSession = "IQoJb3JpZ2luX2VjSESSIONTOKEN"
	testAccount = "666666666666"
)

// credsFor are the credentials the test sources hand out for identity;
// the key names the identity so a client can tell whose it got.
func credsFor(identity string, expires time.Time) credserver.Credentials {
	return credserver.Credentials{
		AccessKeyID:     "ASIA" + strings.ToUpper(strings.NewReplacer("/", "_", " ", "_").Replace(identity)),
		SecretAccessKey: testSecret,
		SessionToken:    testSession,
		Expiration:      expires,
		AccountID:       testAccount,
	}
}

// start serves a new credserver.Server for src on 127.0.0.1 until the test
// ends, and checks that Serve then returns nil. tweak runs before Serve.
func start(t *testing.T, src credserver.Source, tweak ...func(*credserver.Server)) (*credserver.Server, string) {
	t.Helper()
	srv, err := credserver.New(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tweak {
		f(srv)
	}
	l, err := credserver.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Serve did not return within 5s of cancel")
		}
	})
	return srv, "http://" + l.Addr().String()
}

// provider is the SDK's container-credential client for url, sending
// token as AWS_CONTAINER_AUTHORIZATION_TOKEN would, with no retries so
// errors come back at once.
func provider(url, token string) *endpointcreds.Provider {
	return endpointcreds.New(url, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		o.Retryer = aws.NopRetryer{}
	})
}

// response is one raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends method url with the Authorization header auth (none if "").
func do(t *testing.T, method, url, auth string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// errorBody decodes an error answer and checks its form.
func errorBody(t *testing.T, r response) (code, message string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		// The SDK parses {"code","message"} only under exactly this type.
		t.Errorf("error answer Content-Type %q, want application/json", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("error answer Cache-Control %q, want no-store", cc)
	}
	var e map[string]string
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if len(e) != 2 || e["code"] == "" || e["message"] == "" {
		t.Errorf("error body %q, want exactly {code, message}", r.body)
	}
	return e["code"], e["message"]
}

// sdkError takes apart an error of the endpointcreds provider: the HTTP
// status and the {"code","message"} the SDK parsed.
func sdkError(t *testing.T, err error) (status int, code, message string) {
	t.Helper()
	if err == nil {
		t.Fatal("Retrieve succeeded, want an error")
	}
	var hs interface{ HTTPStatusCode() int }
	if !errors.As(err, &hs) {
		t.Fatalf("%v (%T) carries no HTTP status", err, err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%v (%T) is not a smithy.APIError", err, err)
	}
	return hs.HTTPStatusCode(), ae.ErrorCode(), ae.ErrorMessage()
}

func TestSDKRoundTrip(t *testing.T) {
	t.Parallel()
	// A zone other than UTC: the wire form is RFC 3339 in UTC.
	expires := time.Now().Add(47 * time.Minute).Truncate(time.Second).In(time.FixedZone("CEST", 2*3600))
	var mu sync.Mutex
	var seen []string
	srv, base := start(t, func(ctx context.Context, identity string) (credserver.Credentials, error) {
		mu.Lock()
		seen = append(seen, identity)
		mu.Unlock()
		return credsFor(identity, expires), nil
	})

	for _, tc := range []struct {
		name, identity string
		bearer         bool
	}{
		{"default identity", "", false},
		{"default identity, Bearer form", "", true},
		{"plain name", "plat-dev", false},
		{"name with a slash", "plat-dev/terraform", false},
		{"name with a slash, Bearer form", "plat-dev/terraform", true},
		{"name with a space and a percent sign", "core root/50%", false},
		{"non-ASCII name", "prod/déploiement", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			tok := srv.Token()
			if tc.bearer {
				tok = "Bearer " + tok
			}
			got, err := provider(base+credserver.Path(tc.identity), tok).Retrieve(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want := credsFor(tc.identity, expires)
			if got.AccessKeyID != want.AccessKeyID || got.SecretAccessKey != testSecret || got.SessionToken != testSession ||
				got.AccountID != testAccount || !got.CanExpire || !got.Expires.Equal(expires) || got.Source != endpointcreds.ProviderName {
				t.Errorf("got %+v, want %+v", got, want)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || seen[0] != tc.identity {
				t.Errorf("the source was asked for %q, want [%q]", seen, tc.identity)
			}
		})
	}
}

// TestPath pins the URL paths clients are given.
func TestPath(t *testing.T) {
	t.Parallel()
	for identity, want := range map[string]string{
		"":                   "/",
		"plat-dev":           "/identities/plat-dev",
		"plat-dev/terraform": "/identities/plat-dev%2Fterraform",
		"a b%":               "/identities/a%20b%25",
	} {
		if got := credserver.Path(identity); got != want {
			t.Errorf("Path(%q) = %q, want %q", identity, got, want)
		}
	}
}

func TestSDKErrors(t *testing.T) {
	t.Parallel()
	errSignIn := errors.New("the Identity Center session ended; run sesame login")
	src := func(ctx context.Context, identity string) (credserver.Credentials, error) {
		switch identity {
		case "ghost":
			return credserver.Credentials{}, fmt.Errorf("identity %q: %w", identity, credserver.ErrUnknownIdentity)
		case "expired":
			return credserver.Credentials{}, fmt.Errorf("plat-dev/TerraformApplyAccess: %w", errSignIn)
		case "broken":
			return credserver.Credentials{}, errors.New("GetRoleCredentials: connection refused")
		}
		return credsFor(identity, time.Now().Add(time.Hour)), nil
	}
	classify := func(err error) (int, string) {
		switch {
		case errors.Is(err, errSignIn):
			return http.StatusUnauthorized, "SignInRequired"
		case errors.Is(err, credserver.ErrUnknownIdentity):
			return http.StatusNotFound, "NoSuchIdentity"
		}
		return http.StatusServiceUnavailable, "Unavailable"
	}
	plain, plainURL := start(t, src)
	classified, classifiedURL := start(t, src, func(s *credserver.Server) { s.Classify = classify })

	for _, tc := range []struct {
		name       string
		classify   bool
		path       string
		token      func(tok string) string
		wantStatus int
		wantCode   string
		wantMsg    string // substring
	}{
		{"no token", false, "/", func(string) string { return "" }, 403, "AccessDenied", "invalid authorization token"},
		{"wrong token", false, "/", func(string) string { return "not-the-token" }, 403, "AccessDenied", "invalid authorization token"},
		{"wrong Bearer token", false, "/", func(string) string { return "Bearer not-the-token" }, 403, "AccessDenied", ""},
		{"token cut short", false, "/", func(tok string) string { return tok[:len(tok)-1] }, 403, "AccessDenied", ""},
		{"token with a suffix", false, "/", func(tok string) string { return tok + "x" }, 403, "AccessDenied", ""},
		{"token under another scheme", false, "/", func(tok string) string { return "Basic " + tok }, 403, "AccessDenied", ""},
		{"Bearer without a space", false, "/", func(tok string) string { return "Bearer" + tok }, 403, "AccessDenied", ""},
		{"token twice", false, "/", func(tok string) string { return "Bearer Bearer " + tok }, 403, "AccessDenied", ""},
		{"wrong token on an identity", false, credserver.Path("plat-dev/terraform"), func(string) string { return "nope" }, 403, "AccessDenied", ""},
		{"unknown identity", false, credserver.Path("ghost"), nil, 404, "NotFound", `identity "ghost": unknown identity`},
		{"source error", false, credserver.Path("broken"), nil, 500, "CredentialsUnavailable", "GetRoleCredentials: connection refused"},
		{"sign-in error", false, credserver.Path("expired"), nil, 500, "CredentialsUnavailable", "run sesame login"},
		{"unknown path", false, "/latest/meta-data/", nil, 404, "NotFound", ""},
		{"identities without a name", false, "/identities/", nil, 404, "NotFound", "no identity named"},
		{"classified: sign-in error", true, credserver.Path("expired"), nil, 401, "SignInRequired", "run sesame login"},
		{"classified: unknown identity", true, credserver.Path("ghost"), nil, 404, "NoSuchIdentity", "unknown identity"},
		{"classified: source error", true, credserver.Path("broken"), nil, 503, "Unavailable", "connection refused"},
		{"classified: token still checked first", true, credserver.Path("expired"), func(string) string { return "" }, 403, "AccessDenied", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, base := plain, plainURL
			if tc.classify {
				srv, base = classified, classifiedURL
			}
			tok := srv.Token()
			if tc.token != nil {
				tok = tc.token(tok)
			}
			_, err := provider(base+tc.path, tok).Retrieve(t.Context())
			status, code, msg := sdkError(t, err)
			if status != tc.wantStatus || code != tc.wantCode || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("got %d %s %q, want %d %s with %q\n(%v)", status, code, msg, tc.wantStatus, tc.wantCode, tc.wantMsg, err)
			}
			// The same request, raw: the body is exactly {code, message}.
			r := do(t, http.MethodGet, base+tc.path, tok)
			if c, m := errorBody(t, r); r.status != tc.wantStatus || c != tc.wantCode || m != msg {
				t.Errorf("raw: %d %s, want %d {%s, %q}", r.status, r.body, tc.wantStatus, tc.wantCode, msg)
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	expires := time.Date(2031, 5, 4, 3, 2, 1, 999_000_000, time.FixedZone("EST", -5*3600))
	srv, base := start(t, func(ctx context.Context, identity string) (credserver.Credentials, error) {
		calls.Add(1)
		c := credsFor(identity, expires)
		if identity == "no-account" {
			c.AccountID = ""
		}
		return c, nil
	})
	tok := srv.Token()

	t.Run("200 answer", func(t *testing.T) {
		r := do(t, http.MethodGet, base+"/", tok)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"AccessKeyId": "ASIA", "SecretAccessKey": testSecret, "Token": testSession,
			"Expiration": "2031-05-04T08:02:01Z", "AccountId": testAccount}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("body %s\nwant %v", r.body, want)
		}
	})
	t.Run("no AccountId when unknown", func(t *testing.T) {
		r := do(t, http.MethodGet, base+credserver.Path("no-account"), tok)
		if r.status != 200 || strings.Contains(r.body, "AccountId") {
			t.Errorf("%d %s", r.status, r.body)
		}
	})

	before := calls.Load()
	for _, tc := range []struct {
		name, method, path string
		auth               bool
		wantStatus         int
		wantCode           string
	}{
		{"POST", http.MethodPost, "/", true, 405, "MethodNotAllowed"},
		{"PUT", http.MethodPut, "/", true, 405, "MethodNotAllowed"},
		{"DELETE on an identity", http.MethodDelete, credserver.Path("plat-dev"), true, 405, "MethodNotAllowed"},
		{"POST without a token", http.MethodPost, "/", false, 405, "MethodNotAllowed"},
		{"unknown path", http.MethodGet, "/credentials", true, 404, "NotFound"},
		{"identities without a slash", http.MethodGet, "/identities", true, 404, "NotFound"},
		{"identities without a name", http.MethodGet, "/identities/", true, 404, "NotFound"},
		{"unknown path without a token", http.MethodGet, "/credentials", false, 403, "AccessDenied"},
		{"no token", http.MethodGet, "/", false, 403, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := ""
			if tc.auth {
				auth = tok
			}
			r := do(t, tc.method, base+tc.path, auth)
			if code, _ := errorBody(t, r); r.status != tc.wantStatus || code != tc.wantCode {
				t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, r.status, r.body, tc.wantStatus, tc.wantCode)
			}
			if allow := r.header.Get("Allow"); (tc.wantStatus == 405) != (allow == http.MethodGet) {
				t.Errorf("Allow: %q", allow)
			}
		})
	}
	if n := calls.Load() - before; n != 0 {
		t.Errorf("refused requests reached the source %d times", n)
	}
}

// TestTokens checks New's tokens: random, and in aws-vault's form (30
// random bytes, base64url without padding), which is a legal header value.
func TestTokens(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 20 {
		s, err := credserver.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		tok := s.Token()
		if len(tok) != 40 || strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("token %q: want 40 base64url characters", tok)
		}
		if seen[tok] {
			t.Errorf("token %q handed out twice", tok)
		}
		seen[tok] = true
	}
}

// TestRefresh checks what users rely on: an SDK client refetches
// credentials before they expire, so a long child process keeps working.
// config.LoadDefaultConfig wraps the container provider in a
// CredentialsCache with a 5-minute expiry window (aws-sdk-go-v2/config
// resolveHTTPCredProvider); the window is what matters, so it is tested
// both ways.
func TestRefresh(t *testing.T) {
	t.Parallel()
	const sdkWindow = 5 * time.Minute // config's window for this provider

	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		window   time.Duration
		wantHits int64 // for 3 Retrieve calls in a row
	}{
		{"2-minute credentials, SDK window: fetched every time", 2 * time.Minute, sdkWindow, 3},
		{"5-minute credentials, SDK window: fetched every time", 5 * time.Minute, sdkWindow, 3},
		{"1-hour credentials, SDK window: fetched once", time.Hour, sdkWindow, 1},
		{"12-hour credentials, SDK window: fetched once", 12 * time.Hour, sdkWindow, 1},
		{"2-minute credentials, no window: cached until they expire", 2 * time.Minute, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			srv, base := start(t, func(ctx context.Context, identity string) (credserver.Credentials, error) {
				n := hits.Add(1)
				c := credsFor(identity, time.Now().Add(tc.lifetime))
				c.AccessKeyID += fmt.Sprint(n)
				return c, nil
			})
			cache := aws.NewCredentialsCache(endpointcreds.New(base+"/", func(o *endpointcreds.Options) {
				o.AuthorizationToken = srv.Token()
			}), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = tc.window })
			var last string
			for i := range 3 {
				c, err := cache.Retrieve(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("ASIA%d", min(int64(i)+1, tc.wantHits)); c.AccessKeyID != want {
					t.Errorf("call %d: key %s, want %s", i+1, c.AccessKeyID, want)
				}
				last = c.AccessKeyID
			}
			if n := hits.Load(); n != tc.wantHits {
				t.Errorf("3 Retrieve calls reached the server %d times (last key %s), want %d", n, last, tc.wantHits)
			}
		})
	}

	// Credentials that outlive the window by 2 s are cached, then fetched
	// again once the window is reached: the client moves on to fresh
	// credentials on its own.
	t.Run("refetched when the window is reached", func(t *testing.T) {
		t.Parallel()
		var hits atomic.Int64
		srv, base := start(t, func(ctx context.Context, identity string) (credserver.Credentials, error) {
			n := hits.Add(1)
			c := credsFor(identity, time.Now().Add(sdkWindow+2*time.Second))
			c.AccessKeyID += fmt.Sprint(n)
			return c, nil
		})
		cache := aws.NewCredentialsCache(endpointcreds.New(base+"/", func(o *endpointcreds.Options) {
			o.AuthorizationToken = srv.Token()
		}), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = sdkWindow })
		first, err := cache.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if again, err := cache.Retrieve(t.Context()); err != nil || again.AccessKeyID != first.AccessKeyID || hits.Load() != 1 {
			t.Fatalf("second call: %v %v, %d requests; want the cached %s", again.AccessKeyID, err, hits.Load(), first.AccessKeyID)
		}
		deadline := time.Now().Add(4 * time.Second)
		for {
			c, err := cache.Retrieve(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != first.AccessKeyID {
				if c.AccessKeyID != "ASIA2" || hits.Load() != 2 {
					t.Errorf("after the window: key %s, %d requests; want ASIA2 after 2", c.AccessKeyID, hits.Load())
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("still %s after %s; the cache never came back", c.AccessKeyID, 4*time.Second)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func hasIPv6Loopback() bool {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func TestListen(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.com:0", "localhost:0", ":0", "[::]:0", "[2001:db8::1]:0", "10.0.0.1:8080"} {
		t.Run("refuses "+addr, func(t *testing.T) {
			l, err := credserver.Listen(addr)
			if err == nil {
				l.Close()
				t.Fatalf("Listen(%q) = %s, want an error", addr, l.Addr())
			}
			if !strings.Contains(err.Error(), "loopback") {
				t.Errorf("Listen(%q): %v; want it to say loopback only", addr, err)
			}
		})
	}
	t.Run("refuses an address without a port", func(t *testing.T) {
		if l, err := credserver.Listen("127.0.0.1"); err == nil {
			l.Close()
			t.Fatal("Listen(127.0.0.1) succeeded")
		}
	})
	for _, tc := range []struct{ addr, wantIP string }{
		{"127.0.0.1:0", "127.0.0.1"},
		{"", "127.0.0.1"},
		{"[::1]:0", "::1"},
	} {
		t.Run(fmt.Sprintf("accepts %q", tc.addr), func(t *testing.T) {
			if tc.wantIP == "::1" && !hasIPv6Loopback() {
				t.Skip("no IPv6 loopback on this machine")
			}
			l, err := credserver.Listen(tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			a := l.Addr().(*net.TCPAddr)
			if a.IP.String() != tc.wantIP || a.Port == 0 {
				t.Errorf("listening on %s, want %s and a port", a, tc.wantIP)
			}
		})
	}
	t.Run("serves on [::1]", func(t *testing.T) {
		if !hasIPv6Loopback() {
			t.Skip("no IPv6 loopback on this machine")
		}
		srv, err := credserver.New(func(ctx context.Context, identity string) (credserver.Credentials, error) {
			return credsFor(identity, time.Now().Add(time.Hour)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		l, err := credserver.Listen("[::1]:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, l) }()
		c, err := provider("http://"+l.Addr().String()+"/", srv.Token()).Retrieve(t.Context())
		if err != nil || c.SecretAccessKey != testSecret {
			t.Errorf("%+v %v", c, err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func TestServeStops(t *testing.T) {
	t.Parallel()
	src := func(ctx context.Context, identity string) (credserver.Credentials, error) {
		return credsFor(identity, time.Now().Add(time.Hour)), nil
	}
	srv, err := credserver.New(src)
	if err != nil {
		t.Fatal(err)
	}
	l, err := credserver.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()

	// A keep-alive connection stays open in the SDK's HTTP client.
	p := provider(url, srv.Token())
	if _, err := p.Retrieve(t.Context()); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after cancel, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve still running 3s after cancel")
	}
	if _, err := p.Retrieve(t.Context()); err == nil {
		t.Error("the server still answers after Serve returned")
	}

	t.Run("context done before Serve", func(t *testing.T) {
		l, err := credserver.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, l) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Serve returned %v, want nil", err)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("Serve with a done context did not return")
		}
		if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
			c.Close()
			t.Error("the listener is still open after Serve returned")
		}
	})
}

// TestTimeout: a source that takes longer than Timeout gets the client an
// error answer in about Timeout, whether it honours its context or not.
func TestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name string
		src  func(release <-chan struct{}) credserver.Source
	}{
		{"source honours its context", func(<-chan struct{}) credserver.Source {
			return func(ctx context.Context, identity string) (credserver.Credentials, error) {
				<-ctx.Done()
				return credserver.Credentials{}, fmt.Errorf("renew %s: %w", identity, ctx.Err())
			}
		}},
		{"source ignores its context", func(release <-chan struct{}) credserver.Source {
			return func(ctx context.Context, identity string) (credserver.Credentials, error) {
				<-release // a lock held elsewhere, say
				return credsFor(identity, time.Now().Add(time.Hour)), nil
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			srv, base := start(t, tc.src(release), func(s *credserver.Server) { s.Timeout = timeout })
			t.Cleanup(func() { close(release) }) // runs before the server stops
			// The client waits at most 3 s, more than SDKs do.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			began := time.Now()
			_, err := provider(base+credserver.Path("plat-dev"), srv.Token()).Retrieve(ctx)
			elapsed := time.Since(began)
			if ctx.Err() != nil {
				t.Fatalf("no answer within %s with Timeout %s: %v", 3*time.Second, timeout, err)
			}
			status, code, msg := sdkError(t, err)
			if status < 500 || code == "" || msg == "" {
				t.Errorf("got %d %s %q, want a 5xx error answer", status, code, msg)
			}
			if elapsed > 2*time.Second {
				t.Errorf("answered after %s with Timeout %s", elapsed, timeout)
			}
			t.Logf("%d %s %q in %s", status, code, msg, elapsed.Round(time.Millisecond))
		})
	}
}

// TestSecretsStayOut collects every kind of error answer and checks none
// carries the server's token, or the credentials a source returned along
// with an error.
func TestSecretsStayOut(t *testing.T) {
	t.Parallel()
	src := func(ctx context.Context, identity string) (credserver.Credentials, error) {
		// Credentials and an error at once: the credentials must not
		// leak into the error answer.
		c := credsFor(identity, time.Now().Add(time.Hour))
		switch identity {
		case "ghost":
			return c, credserver.ErrUnknownIdentity
		case "broken":
			return c, errors.New("renewal failed")
		}
		return c, nil
	}
	plain, plainURL := start(t, src)
	classified, classifiedURL := start(t, src, func(s *credserver.Server) {
		s.Classify = func(error) (int, string) { return http.StatusBadGateway, "Upstream" }
	})
	for _, s := range []struct {
		srv  *credserver.Server
		base string
	}{{plain, plainURL}, {classified, classifiedURL}} {
		tok := s.srv.Token()
		for _, req := range []struct{ method, path, auth string }{
			{http.MethodGet, "/", ""},
			{http.MethodGet, "/", "wrong"},
			{http.MethodGet, "/", "Bearer " + tok[:20]},
			{http.MethodGet, "/", tok + tok},
			{http.MethodPost, "/", tok},
			{http.MethodPost, "/", "Bearer " + tok},
			{http.MethodGet, "/nope", tok},
			{http.MethodGet, "/identities/", tok},
			{http.MethodGet, credserver.Path("ghost"), tok},
			{http.MethodGet, credserver.Path("ghost"), "Bearer " + tok},
			{http.MethodGet, credserver.Path("broken"), tok},
		} {
			r := do(t, req.method, s.base+req.path, req.auth)
			if r.status == http.StatusOK {
				t.Errorf("%s %s: 200, want an error", req.method, req.path)
				continue
			}
			for name, secret := range map[string]string{"token": tok, "token prefix": tok[:20], "secret access key": testSecret, "session token": testSession} {
				if strings.Contains(r.body, secret) {
					t.Errorf("%s %s (%d): the %s is in the error body %s", req.method, req.path, r.status, name, r.body)
				}
				for k, vs := range r.header {
					if strings.Contains(strings.Join(vs, " "), secret) {
						t.Errorf("%s %s: the %s is in header %s", req.method, req.path, name, k)
					}
				}
			}
		}
	}
}

// TestConcurrent runs 50 clients at once (run it with -race): each gets
// its own identity's credentials or, with a wrong token, a 403.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv, base := start(t, func(ctx context.Context, identity string) (credserver.Credentials, error) {
		calls.Add(1)
		time.Sleep(time.Millisecond) // overlap the requests
		return credsFor(identity, time.Now().Add(time.Hour)), nil
	})
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			identity := fmt.Sprintf("acct%d/role%d", i%7, i)
			tok := srv.Token()
			switch i % 5 {
			case 1:
				tok = "Bearer " + tok
			case 4:
				tok = "wrong"
			}
			c, err := provider(base+credserver.Path(identity), tok).Retrieve(context.Background())
			if i%5 == 4 {
				var hs interface{ HTTPStatusCode() int }
				if !errors.As(err, &hs) || hs.HTTPStatusCode() != http.StatusForbidden {
					errs <- fmt.Errorf("client %d with a wrong token: %v, want 403", i, err)
				}
				return
			}
			if err != nil {
				errs <- fmt.Errorf("client %d: %v", i, err)
			} else if want := credsFor(identity, time.Time{}).AccessKeyID; c.AccessKeyID != want {
				errs <- fmt.Errorf("client %d got %s, want %s", i, c.AccessKeyID, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := calls.Load(); got != n-n/5 {
		t.Errorf("source called %d times, want %d", got, n-n/5)
	}
}

// TestSourcePanics: a panicking source costs its client the connection,
// as any panicking handler does, and the server goes on serving.
func TestSourcePanics(t *testing.T) {
	t.Parallel()
	srv, base := start(t, func(ctx context.Context, identity string) (credserver.Credentials, error) {
		if identity == "bad" {
			panic(http.ErrAbortHandler) // the panic net/http recovers without a log line
		}
		return credsFor(identity, time.Now().Add(time.Hour)), nil
	})
	if _, err := provider(base+credserver.Path("bad"), srv.Token()).Retrieve(t.Context()); err == nil {
		t.Fatal("a panicking source produced credentials")
	}
	if c, err := provider(base+credserver.Path("good"), srv.Token()).Retrieve(t.Context()); err != nil || c.AccessKeyID != "ASIAGOOD" {
		t.Fatalf("after a panic: %+v %v", c, err)
	}
}
