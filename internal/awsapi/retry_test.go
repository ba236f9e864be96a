package awsapi_test

// The retry policy: the SDK's standard retryer decides what is retried
// (5xx, throttling codes, broken connections) and how long to wait
// (50 ms base with jitter; 1 s base for throttling), awsapi bounds the
// attempts and stops when the context ends.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// flaky answers the first len(fails) requests with those handlers and
// every later one with ok; it counts requests and keeps their bodies.
type flaky struct {
	fails []http.HandlerFunc
	ok    http.HandlerFunc
	n     atomic.Int32
	mu    sync.Mutex
	body  [][]byte
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.body = append(f.body, b)
	f.mu.Unlock()
	i := int(f.n.Add(1)) - 1
	if i < len(f.fails) {
		f.fails[i](w, r)
		return
	}
	f.ok(w, r)
}

func (f *flaky) client(t testing.TB, attempts int) *awsapi.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: srv.Client(), MaxAttempts: attempts}
}

func repeat(h http.HandlerFunc, n int) []http.HandlerFunc {
	out := make([]http.HandlerFunc, n)
	for i := range out {
		out[i] = h
	}
	return out
}

var (
	tokenOK    = answer(200, `{"accessToken":"aoa","tokenType":"Bearer","expiresIn":28800}`)
	callerOK   = answer(200, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	accountsOK = answer(200, `{"accountList":[{"accountId":"123456789012","accountName":"a"}]}`)
	status503  = answer(503, `<html>Service Unavailable</html>`)
)

func TestRetryServerErrorsThenSuccess(t *testing.T) {
	t.Parallel()
	f := &flaky{fails: repeat(status503, 2), ok: tokenOK}
	c := f.client(t, 3)
	in := &awsapi.CreateTokenInput{ClientID: "id", ClientSecret: "s", GrantType: "refresh_token", RefreshToken: "r"}
	out, err := c.CreateToken(t.Context(), in)
	if err != nil || out.AccessToken != "aoa" {
		t.Fatalf("%v %v", out, err)
	}
	if n := f.n.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	// Every attempt carries the whole body.
	for i, b := range f.body {
		if string(b) != string(f.body[0]) || len(b) == 0 {
			t.Errorf("attempt %d sent %q, the first %q", i+1, b, f.body[0])
		}
	}
}

func TestRetryStatusCodes(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fail     http.HandlerFunc
		attempts int
		want     int32 // requests
		code     string
	}{
		"500":                      {answer(500, ``), 3, 3, "HTTP500"},
		"502 html":                 {answer(502, `<html>Bad Gateway</html>`, "Content-Type", "text/html"), 3, 3, "HTTP502"},
		"503":                      {status503, 3, 3, "HTTP503"},
		"504":                      {answer(504, ``), 2, 2, "HTTP504"},
		"InternalServerException":  {answer(500, `{"error":"server_error"}`, "x-amzn-ErrorType", "InternalServerException"), 3, 3, "InternalServerException"},
		"RequestTimeoutException":  {answer(408, `{}`, "x-amzn-ErrorType", "RequestTimeoutException"), 2, 2, "RequestTimeoutException"},
		"default is 3 attempts":    {status503, 0, 3, "HTTP503"},
		"negative is 3 attempts":   {status503, -1, 3, "HTTP503"},
		"one attempt":              {status503, 1, 1, "HTTP503"},
		"400 InvalidRequest":       {answer(400, `{"error":"invalid_request"}`, "x-amzn-ErrorType", "InvalidRequestException"), 3, 1, "InvalidRequestException"},
		"400 bare":                 {answer(400, ``), 3, 1, "HTTP400"},
		"401 Unauthorized":         {answer(401, `{"message":"no"}`, "x-amzn-ErrorType", "UnauthorizedException"), 3, 1, "UnauthorizedException"},
		"403 Forbidden":            {answer(403, `{"message":"no"}`, "x-amzn-ErrorType", "ForbiddenException"), 3, 1, "ForbiddenException"},
		"404":                      {answer(404, ``), 3, 1, "HTTP404"},
		"AuthorizationPending":     {answer(400, `{"error":"authorization_pending"}`), 3, 1, "AuthorizationPendingException"},
		"SlowDown is for the poll": {answer(400, `{"error":"slow_down"}`, "x-amzn-ErrorType", "SlowDownException"), 3, 1, "SlowDownException"},
		"InvalidGrant":             {answer(400, `{"error":"invalid_grant"}`), 3, 1, "InvalidGrantException"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{fails: repeat(tc.fail, 10), ok: tokenOK}
			c := f.client(t, tc.attempts)
			_, err := c.CreateToken(t.Context(), &awsapi.CreateTokenInput{ClientID: "id", ClientSecret: "s", GrantType: "refresh_token", RefreshToken: "r"})
			if awsapi.Code(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
			if n := f.n.Load(); n != tc.want {
				t.Errorf("%d requests, want %d", n, tc.want)
			}
		})
	}
}

// Throttling answers are retried (with the SDK's 1 s throttling base, so
// one retry at most here).
func TestRetryThrottling(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fail http.HandlerFunc
		call func(context.Context, *awsapi.Client) error
	}{
		"ThrottlingException header": {answer(400, `{"message":"Rate exceeded"}`, "x-amzn-ErrorType", "ThrottlingException"), calls["ListAccounts"]},
		"TooManyRequestsException":   {answer(429, `{"message":"Rate exceeded"}`, "x-amzn-ErrorType", "TooManyRequestsException"), calls["ListAccounts"]},
		"429 without body":           {answer(429, ``), calls["GetRoleCredentials"]},
		"STS Throttling":             {answer(400, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>`), calls["GetCallerIdentity"]},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok := accountsOK
			if name == "429 without body" {
				ok = answer(200, `{"roleCredentials":{"accessKeyId":"ASIA","secretAccessKey":"s","sessionToken":"t","expiration":1}}`)
			}
			if name == "STS Throttling" {
				ok = callerOK
			}
			f := &flaky{fails: repeat(tc.fail, 1), ok: ok}
			if err := tc.call(t.Context(), f.client(t, 2)); err != nil {
				t.Fatal(err)
			}
			if n := f.n.Load(); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	t.Run("cancelled by the first answer", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		f := &flaky{ok: func(w http.ResponseWriter, r *http.Request) { cancel(); status503(w, r) }}
		start := time.Now()
		_, err := f.client(t, 10).GetCallerIdentity(ctx, testCreds)
		if err == nil {
			t.Fatal("no error")
		}
		if n := f.n.Load(); n != 1 {
			t.Errorf("%d requests after the context was cancelled, want 1", n)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("deadline while waiting to retry", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
		defer cancel()
		// Throttling waits up to 1 s, 2 s, 4 s ... between attempts.
		f := &flaky{ok: answer(400, `{}`, "x-amzn-ErrorType", "ThrottlingException")}
		start := time.Now()
		_, err := f.client(t, 10).ListAccounts(ctx, "tok")
		if err == nil {
			t.Fatal("no error")
		}
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Errorf("took %v after a 150 ms deadline", d)
		}
		if n := f.n.Load(); n < 1 || n > 4 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("cancelled before the call", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		f := &flaky{ok: tokenOK}
		_, err := f.client(t, 3).CreateToken(ctx, &awsapi.CreateTokenInput{})
		var oe *awsapi.OpError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &oe) || oe.Operation != "CreateToken" {
			t.Errorf("got %v", err)
		}
		if n := f.n.Load(); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("deadline during the request", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		release := make(chan struct{})
		defer close(release)
		f := &flaky{ok: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}}
		start := time.Now()
		_, err := f.client(t, 5).ListAccounts(ctx, "tok")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v", err)
		}
		if n := f.n.Load(); n != 1 {
			t.Errorf("%d requests", n)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
}

// failFirst fails the first n round trips as a broken connection would,
// then passes requests on.
type failFirst struct {
	n    atomic.Int32
	fail int32
	err  error
	next http.RoundTripper
}

func (f *failFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.n.Add(1) <= f.fail {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, f.err
	}
	return f.next.RoundTrip(req)
}

func TestRetryBrokenConnections(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(tokenOK)
	t.Cleanup(srv.Close)
	for name, tc := range map[string]struct {
		err   error
		retry bool
	}{
		"dial refused":     {&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, true},
		"connection reset": {&net.OpError{Op: "read", Net: "tcp", Err: errors.New("read: connection reset by peer")}, true},
		"unexpected":       {errors.New("tls: certificate is not trusted"), false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rt := &failFirst{fail: 1, err: tc.err, next: srv.Client().Transport}
			c := &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: &http.Client{Transport: rt}, MaxAttempts: 3}
			_, err := c.CreateToken(t.Context(), &awsapi.CreateTokenInput{ClientID: "id"})
			if tc.retry {
				if err != nil || rt.n.Load() != 2 {
					t.Errorf("%v after %d tries, want success after 2", err, rt.n.Load())
				}
				return
			}
			var oe *awsapi.OpError
			if !errors.As(err, &oe) || rt.n.Load() != 1 {
				t.Errorf("%v after %d tries, want an OpError after 1", err, rt.n.Load())
			}
		})
	}
}

// Concurrent calls on one client (run under -race).
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	f := &flaky{fails: repeat(status503, 5), ok: accountsOK}
	c := f.client(t, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.ListAccounts(t.Context(), "tok")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if awsapi.Code(err) != "HTTP503" {
				t.Errorf("got %v", err)
			}
		}
	}
	// 5 failures spread over 20 calls of 3 attempts each: at most 1 call fails.
	if failed > 1 || f.n.Load() != int32(25-failed) {
		t.Errorf("%d calls failed, %d requests", failed, f.n.Load())
	}
}
