package credstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestResolveBackendPrecedence(t *testing.T) {
	tests := []struct {
		env, configured, want string
	}{
		{"", "", BackendKeyring},
		{"", "file", "file"},
		{"memory", "file", "memory"},
		{" memory ", "", "memory"},
	}
	for _, tt := range tests {
		got := ResolveBackend(env(map[string]string{EnvStore: tt.env}), tt.configured)
		if got != tt.want {
			t.Errorf("ResolveBackend(env %q, configured %q) = %q, want %q", tt.env, tt.configured, got, tt.want)
		}
	}
	if got := ResolveBackend(nil, ""); got != BackendKeyring {
		t.Errorf("ResolveBackend(nil) = %q", got)
	}
}

func TestOpenChoosesBackend(t *testing.T) {
	ctx := context.Background()
	for backend, want := range map[string]string{"": "keyring", "keyring": "keyring", "KEYRING": "keyring",
		"memory": "memory", "file": "file"} {
		s, err := Open(ctx, Options{Backend: backend, Dir: t.TempDir()})
		if err != nil {
			t.Fatalf("Open(%q): %v", backend, err)
		}
		if s.Name() != want {
			t.Errorf("Open(%q).Name() = %q, want %q", backend, s.Name(), want)
		}
	}
	_, err := Open(ctx, Options{Backend: "vault"})
	if err == nil || !strings.Contains(err.Error(), `"vault"`) || !strings.Contains(err.Error(), "memory") {
		t.Errorf("Open(vault) err = %v; want one naming the bad value and the valid ones", err)
	}
	if _, err := Open(ctx, Options{Backend: "file"}); err == nil {
		t.Error("file store without a directory was accepted")
	}
}

func TestOpenPassesTheTimeoutToTheKeyring(t *testing.T) {
	s, err := Open(context.Background(), Options{Timeout: 42 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.(*KeyringStore).cfg.Timeout; got != 42*time.Millisecond {
		t.Errorf("timeout = %v", got)
	}
}

// openFile opens a file store through Open with the test KDF.
func openFile(t *testing.T, dir string, opts Options) *FileStore {
	t.Helper()
	opts.Backend, opts.Dir = BackendFile, dir
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	fs := s.(*FileStore)
	fs.newKDF = fastKDF()
	return fs
}

func TestOpenFilePassphraseSources(t *testing.T) {
	dir := t.TempDir()
	var prompted []string
	prompt := func(p string) (string, error) { prompted = append(prompted, p); return "from prompt", nil }

	// The environment wins over the prompt.
	s := openFile(t, dir, Options{Getenv: env(map[string]string{EnvPassphrase: "from env"}), Prompt: prompt})
	mustSet(t, s, "k", []byte("v"))
	if len(prompted) != 0 {
		t.Fatalf("prompted although %s was set", EnvPassphrase)
	}

	// Without it the prompt is asked, once; here it gives another passphrase.
	s = openFile(t, dir, Options{Getenv: env(nil), Prompt: prompt})
	if _, err := s.Get(context.Background(), "k"); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("err = %v, want ErrBadPassphrase", err)
	}
	if len(prompted) != 1 || prompted[0] != PassphrasePrompt {
		t.Errorf("prompts = %q", prompted)
	}

	// No environment and nobody to ask: say what to set.
	s = openFile(t, dir, Options{})
	_, err := s.Get(context.Background(), "k")
	if err == nil || !strings.Contains(err.Error(), "set "+EnvPassphrase) {
		t.Errorf("err = %v; want advice to set %s", err, EnvPassphrase)
	}

	// An empty answer at the prompt is refused.
	s = openFile(t, t.TempDir(), Options{Prompt: func(string) (string, error) { return "", nil }})
	if err := s.Set(context.Background(), "k", []byte("v")); err == nil || !strings.Contains(err.Error(), "empty passphrase") {
		t.Errorf("err = %v; want an empty-passphrase refusal", err)
	}
}
