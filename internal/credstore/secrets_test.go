package credstore

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No secret may reach an error string: errors end up in terminals, CI logs
// and bug reports.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error %q contains the secret %q", msg, s)
		}
	}
}

const (
	secretValue = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	goodPass    = "correct horse battery staple"
	badPass     = "Tr0ub4dor&3-wrong"
)

func TestSecretsNeverInFileStoreErrors(t *testing.T) {
	dir := t.TempDir()
	s := newTestFile(t, dir, constPass(goodPass))
	mustSet(t, s, "role/plat-prod", []byte(secretValue))

	_, err := newTestFile(t, dir, constPass(badPass)).Get(context.Background(), "role/plat-prod")
	assertNoSecret(t, err, goodPass, badPass, secretValue)

	keys, _ := s.unlocked(context.Background(), false)
	path := filepath.Join(dir, keys.fileName("role/plat-prod"))
	onDisk, _ := os.ReadFile(path)
	flipByte(t, path)
	_, err = s.Get(context.Background(), "role/plat-prod")
	assertNoSecret(t, err, secretValue, string(onDisk), base64.StdEncoding.EncodeToString(keys.data))

	// A file whose content looks like a secret must not be quoted either.
	os.WriteFile(path, []byte(secretValue), 0o600)
	_, err = s.Get(context.Background(), "role/plat-prod")
	assertNoSecret(t, err, secretValue, secretValue[:8])
	_, err = s.Keys(context.Background(), "")
	assertNoSecret(t, err, secretValue, secretValue[:8])

	hp := filepath.Join(dir, headerName)
	os.WriteFile(hp, []byte(secretValue), 0o600)
	_, err = newTestFile(t, dir, constPass(goodPass)).Get(context.Background(), "role/plat-prod")
	assertNoSecret(t, err, secretValue, secretValue[:8], goodPass)
}

func TestSecretsNeverInKeyringErrors(t *testing.T) {
	s, _ := NewKeyring(KeyringConfig{Keyring: &fakeKeyring{fail: errors.New("dbus: no reply")}})
	err := s.Set(context.Background(), "role/plat-prod", []byte(secretValue))
	assertNoSecret(t, err, secretValue)
}

func TestSecretsNeverInMemoryErrors(t *testing.T) {
	err := NewMemory().Set(context.Background(), "", []byte(secretValue))
	assertNoSecret(t, err, secretValue)
}
