package sso

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	sum := sha256.Sum256([]byte("https://acme.awsapps.com/start|us-east-1"))
	want := "sso/" + hex.EncodeToString(sum[:])
	for _, u := range []string{"https://acme.awsapps.com/start", "https://acme.awsapps.com/start/", "https://acme.awsapps.com/start/#/"} {
		if got := Key(u, "us-east-1"); got != want {
			t.Errorf("Key(%q) = %s, want %s", u, got, want)
		}
	}
	if Key("https://acme.awsapps.com/start", "eu-west-1") == want {
		t.Error("the region is not part of the key")
	}
}

func TestRegistrationReuse(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	scopes := []string{"sso:account:access"}
	pkce := &Session{ClientID: "c", ClientSecret: "s", RegistrationExpiresAt: now.Add(24 * time.Hour), Scopes: scopes,
		GrantTypes: []string{grantCode, grantRefresh}}
	dev := &Session{ClientID: "c", ClientSecret: "s", RegistrationExpiresAt: now.Add(24 * time.Hour), Scopes: scopes}
	soon := *pkce
	soon.RegistrationExpiresAt = now.Add(14 * time.Minute)
	for _, tc := range []struct {
		name   string
		s      *Session
		flow   Flow
		scopes []string
		want   bool
	}{
		{"pkce for pkce", pkce, FlowPKCE, scopes, true},
		{"device for device", dev, FlowDeviceCode, scopes, true},
		{"device never for pkce", dev, FlowPKCE, scopes, false},
		{"pkce never for device", pkce, FlowDeviceCode, scopes, false},
		{"expires within 15 min", &soon, FlowPKCE, scopes, false},
		{"other scopes", pkce, FlowPKCE, []string{"sso:account:access", "codewhisperer:completions"}, false},
		{"none", nil, FlowPKCE, scopes, false},
	} {
		if got := tc.s.reusableFor(tc.flow, tc.scopes, now); got != tc.want {
			t.Errorf("%s: reusable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSessionNeverPrintsSecrets(t *testing.T) {
	s := Session{StartURL: "https://acme.awsapps.com/start", Region: "us-east-1", AccessToken: "AT-secret",
		RefreshToken: "RT-secret", ClientSecret: "CS-secret", ExpiresAt: time.Now()}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "session", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v %#v", s, &s), logBuf.String()} {
		if strings.Contains(out, "-secret") {
			t.Errorf("secret printed: %s", out)
		}
	}
	// The JSON in the secret store does keep them, with RFC 3339 times.
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `"refreshToken":"RT-secret"`) || !strings.Contains(string(b), `"expiresAt":"20`) {
		t.Errorf("stored form %s", b)
	}
}

func TestFreshness(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	eight := &Session{AccessToken: "t", IssuedAt: now, ExpiresAt: now.Add(8 * time.Hour)}
	short := &Session{AccessToken: "t", IssuedAt: now, ExpiresAt: now.Add(2 * time.Minute)}
	for _, tc := range []struct {
		name string
		s    *Session
		at   time.Duration
		want bool
	}{
		{"8 h token, 7 h left", eight, time.Hour, true},
		{"8 h token, 11 min left", eight, 8*time.Hour - 11*time.Minute, true},
		{"8 h token, 9 min left", eight, 8*time.Hour - 9*time.Minute, false},
		{"2 min token at 50 s", short, 50 * time.Second, true},
		{"2 min token at 70 s", short, 70 * time.Second, false},
		{"expired", eight, 9 * time.Hour, false},
		{"none", nil, 0, false},
	} {
		if got := tc.s.fresh(now.Add(tc.at), 10*time.Minute); got != tc.want {
			t.Errorf("%s: fresh = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestChooseFlow(t *testing.T) {
	opener := func(string) error { return nil }
	for _, tc := range []struct {
		name string
		o    Options
		want Flow
	}{
		{"desktop linux", Options{OpenBrowser: opener, GOOS: "linux", Getenv: env("DISPLAY", ":0")}, FlowPKCE},
		{"wayland", Options{OpenBrowser: opener, GOOS: "linux", Getenv: env("WAYLAND_DISPLAY", "wayland-0")}, FlowPKCE},
		{"macOS needs no DISPLAY", Options{OpenBrowser: opener, GOOS: "darwin", Getenv: env()}, FlowPKCE},
		{"windows", Options{OpenBrowser: opener, GOOS: "windows", Getenv: env()}, FlowPKCE},
		{"--device-code", Options{OpenBrowser: opener, GOOS: "darwin", Getenv: env(), Flow: FlowDeviceCode}, FlowDeviceCode},
		{"--no-browser", Options{OpenBrowser: opener, GOOS: "darwin", Getenv: env(), NoBrowser: true}, FlowDeviceCode},
		{"ssh connection", Options{OpenBrowser: opener, GOOS: "darwin", Getenv: env("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")}, FlowDeviceCode},
		{"ssh tty", Options{OpenBrowser: opener, GOOS: "linux", Getenv: env("DISPLAY", ":0", "SSH_TTY", "/dev/pts/1")}, FlowDeviceCode},
		{"headless linux", Options{OpenBrowser: opener, GOOS: "linux", Getenv: env()}, FlowDeviceCode},
		{"no opener", Options{GOOS: "darwin", Getenv: env()}, FlowDeviceCode},
	} {
		if got := ChooseFlow(tc.o); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNewRequires(t *testing.T) {
	for _, o := range []Options{
		{Region: "us-east-1", Store: newMemStore(), IsNotFound: isNotFound},
		{StartURL: "https://x.awsapps.com/start", Store: newMemStore(), IsNotFound: isNotFound},
		{StartURL: "https://x.awsapps.com/start", Region: "us-east-1", IsNotFound: isNotFound},
		{StartURL: "https://x.awsapps.com/start", Region: "us-east-1", Store: newMemStore()},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted incomplete options", o)
		}
	}
}
