package webidentity

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestGitHubToken(t *testing.T) {
	var gotAuth, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotQuery = r.Header.Get("Authorization"), r.URL.RawQuery
		_, _ = w.Write([]byte(`{"count":1,"value":"eyJ.payload.sig"}`))
	}))
	defer srv.Close()
	for _, tc := range []struct{ url, wantQuery string }{
		{srv.URL + "/token?api-version=2.0", "api-version=2.0&audience=sts.amazonaws.com"},
		{srv.URL + "/token", "audience=sts.amazonaws.com"},
	} {
		g := GitHub{Audience: "sts.amazonaws.com", Getenv: env(EnvRequestURL, tc.url, EnvRequestToken, "req-secret")}
		tok, err := g.Token(t.Context())
		if err != nil || tok != "eyJ.payload.sig" {
			t.Fatalf("Token() = %q, %v", tok, err)
		}
		if gotAuth != "Bearer req-secret" || gotQuery != tc.wantQuery {
			t.Errorf("request: Authorization %q, query %q; want query %q", gotAuth, gotQuery, tc.wantQuery)
		}
	}
}

func TestGitHubTokenErrors(t *testing.T) {
	status := http.StatusOK
	body := `{"value":""}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	ok := env(EnvRequestURL, srv.URL+"?x=1", EnvRequestToken, "req-secret")

	_, err := GitHub{Getenv: env()}.Token(t.Context())
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("no env: %v", err)
	}
	for _, tc := range []struct {
		status int
		body   string
		want   string
	}{
		{http.StatusOK, `{"value":""}`, "no token"},
		{http.StatusOK, `<html>`, "no token"},
		{http.StatusForbidden, `{"message":"nope"}`, "HTTP 403"},
	} {
		status, body = tc.status, tc.body
		_, err := GitHub{Getenv: ok}.Token(t.Context())
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "req-secret") {
			t.Errorf("HTTP %d %s: %v (want %q, and no request token)", tc.status, tc.body, err, tc.want)
		}
	}
	// A dead endpoint: the error names the failure, never the bearer.
	dead := env(EnvRequestURL, "http://127.0.0.1:1/req-secret?x=1", EnvRequestToken, "req-secret")
	if _, err := (GitHub{Getenv: dead}).Token(t.Context()); err == nil || strings.Contains(err.Error(), "req-secret") {
		t.Errorf("dead endpoint: %v", err)
	}
}

func TestGitHubSessionName(t *testing.T) {
	if got := (GitHub{Getenv: env("GITHUB_RUN_ID", "991", "GITHUB_RUN_ATTEMPT", "2")}).SessionName(); got != "gha-991-2" {
		t.Errorf("SessionName = %q", got)
	}
	if got := (GitHub{Getenv: env("GITHUB_RUN_ID", "991")}).SessionName(); got != "gha-991-1" {
		t.Errorf("SessionName = %q", got)
	}
	if got := (GitHub{Getenv: env()}).SessionName(); got != "" {
		t.Errorf("SessionName outside Actions = %q", got)
	}
}

func TestFileToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	if _, err := (File{Path: path}).Token(t.Context()); !errors.Is(err, ErrNoToken) {
		t.Errorf("missing file: %v", err)
	}
	for content, want := range map[string]string{"eyJ.a.b\n": "eyJ.a.b", "  eyJ.c.d  ": "eyJ.c.d"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := (File{Path: path}).Token(t.Context()); err != nil || got != want {
			t.Errorf("Token() = %q, %v; want %q", got, err, want)
		}
	}
	if err := os.WriteFile(path, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (File{Path: path}).Token(t.Context()); !errors.Is(err, ErrNoToken) {
		t.Errorf("empty file: %v", err)
	}
	if err := os.WriteFile(path, make([]byte, maxToken+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (File{Path: path}).Token(t.Context()); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("huge file: %v", err)
	}
}
