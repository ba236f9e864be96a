package sso

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

var (
	acmeOnce sync.Once
	acmeOrg  *org.Org
	acmeErr  error
)

// newSandbox builds a sandbox seeded from examples/acme on clk.
func newSandbox(t testing.TB, clk *clock, autoApprove string) *sandbox.Sandbox {
	t.Helper()
	acmeOnce.Do(func() {
		cfg, err := config.Load(config.LoadOptions{Path: filepath.Join("..", "..", "..", "examples", "acme")})
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
	opts := sandbox.Options{AutoApprove: autoApprove}
	if clk != nil {
		opts.Now = clk.Now
	}
	s, err := sandbox.New(acmeOrg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve runs s on a real loopback port (the PKCE flow needs a browser
// that can follow the redirect to our listener) and returns its config.
func serve(t testing.TB, s http.Handler) (*awsapi.Client, *httptest.Server) {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: srv.Client(), MaxAttempts: 1}, srv
}

// clock is a settable clock shared by the sandbox and the provider.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Sleep advances the clock instead of waiting.
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

var errNotFound = errors.New("not found")

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }

// memStore is an in-memory SecretStore.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemStore() *memStore { return &memStore{m: map[string][]byte{}} }

func (s *memStore) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	if !ok {
		return nil, errNotFound
	}
	return bytes.Clone(v), nil
}

func (s *memStore) Set(_ context.Context, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = bytes.Clone(v)
	return nil
}

func (s *memStore) Delete(_ context.Context, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; !ok {
		return errNotFound
	}
	delete(s.m, k)
	return nil
}

// memLocker is a Locker shared by providers in one test, like file locks
// shared by processes.
type memLocker struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

func (l *memLocker) Lock(ctx context.Context, name string) (func() error, error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
	}
	ch, ok := l.locks[name]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[name] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() error { <-ch; return nil }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// recNotifier records what a person would have seen.
type recNotifier struct {
	mu     sync.Mutex
	codes  []string // "uri code"
	waits  []string
	dones  int
	onCode func(uri, code string)
}

func (n *recNotifier) ShowCode(uri, code string) {
	n.mu.Lock()
	n.codes = append(n.codes, uri+" "+code)
	f := n.onCode
	n.mu.Unlock()
	if f != nil {
		f(uri, code)
	}
}

func (n *recNotifier) Waiting(msg string) {
	n.mu.Lock()
	n.waits = append(n.waits, msg)
	n.mu.Unlock()
}

func (n *recNotifier) Done() {
	n.mu.Lock()
	n.dones++
	n.mu.Unlock()
}

func (n *recNotifier) count(msg string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, w := range n.waits {
		if w == msg {
			c++
		}
	}
	return c
}

func (n *recNotifier) text() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.codes, "\n") + "\n" + strings.Join(n.waits, "\n")
}

// env is a fake environment.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// browser returns an opener that follows the authorize URL the way a
// browser would (redirects included) and the URLs it was given.
func browser(t testing.TB) (func(string) error, func() []string) {
	var mu sync.Mutex
	var urls []string
	open := func(u string) error {
		mu.Lock()
		urls = append(urls, u)
		mu.Unlock()
		go func() {
			resp, err := http.Get(u)
			if err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	return open, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), urls...) }
}

// baseOptions are options on the in-process sandbox with the device code.
func baseOptions(s *sandbox.Sandbox, clk *clock, store SecretStore, log *bytes.Buffer) Options {
	o := Options{
		StartURL: s.StartURL(), Region: s.Region(), API: s.API(),
		Store: store, IsNotFound: isNotFound, Flow: FlowDeviceCode, Getenv: env(), GOOS: "linux",
	}
	if clk != nil {
		o.Now, o.Sleep = clk.Now, clk.Sleep
	}
	if log != nil {
		o.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return o
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func newProvider(t testing.TB, o Options) *Provider {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// delta is how the sandbox's call counts moved since before.
func delta(before, after map[string]int) map[string]int {
	d := map[string]int{}
	for k, v := range after {
		if v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}
