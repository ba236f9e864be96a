package credstore

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/99designs/keyring"
	"golang.org/x/sys/unix"
)

// keyctl works in any Linux process without a daemon, so this runs by
// default; it skips only where the kernel keyring is blocked (some seccomp
// profiles refuse the keyctl syscalls).
func TestKeyringKeyctlContract(t *testing.T) {
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false); err != nil {
		t.Skipf("kernel keyring not usable here: %v", err)
	}
	// Non-root users get 20000 bytes for all their keys by default, less
	// than the contract's large value: keyctl cannot be a full credential
	// store for them (docs/credential-stores.md), and the test says so.
	if quota := keyctlQuota(t); quota < 64<<10 {
		t.Skipf("kernel keyring quota for this user is %d bytes, too small for the contract", quota)
	}
	testStoreContract(t, func(t *testing.T) Store {
		return newRealKeyring(t, keyring.KeyCtlBackend, unlinkKeyctlKeyring(t))
	})
}

func keyctlQuota(t *testing.T) int {
	name := "/proc/sys/kernel/keys/maxbytes"
	if os.Geteuid() == 0 {
		name = "/proc/sys/kernel/keys/root_maxbytes"
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skipf("cannot read the kernel keyring quota: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Skipf("cannot parse %s: %v", name, err)
	}
	return n
}

func TestKeyringKeyctlQuotaErrorExplains(t *testing.T) {
	err := unavailable("keyring (keyctl)", "set k failed"+backendHint(syscall.EDQUOT), syscall.EDQUOT)
	if !strings.Contains(err.Error(), "kernel.keys.maxbytes") || !strings.Contains(err.Error(), EnvStore+"=file") {
		t.Errorf("quota error %q does not explain itself", err)
	}
}

// unlinkKeyctlKeyring removes the named keyring the backend created in the
// user keyring, so test runs leave nothing behind. t may be nil.
func unlinkKeyctlKeyring(t *testing.T) func(*KeyringStore) {
	return func(s *KeyringStore) {
		name := s.cfg.ServiceName
		id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "keyring", name, 0)
		if err != nil {
			return
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil && t != nil {
			t.Logf("unlink keyctl keyring %s: %v", name, err)
		}
	}
}

func TestKeyringKeyctlIsTheLinuxFallback(t *testing.T) {
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false); err != nil {
		t.Skipf("kernel keyring not usable here: %v", err)
	}
	s, err := NewKeyring(KeyringConfig{ServiceName: "sesame-test-" + randomHex(6)})
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "k", []byte("v"))
	t.Cleanup(func() { s.Delete(context.Background(), "k"); unlinkKeyctlKeyring(t)(s) })
	if got := s.Backend(); got != string(keyring.KeyCtlBackend) && got != string(keyring.SecretServiceBackend) {
		t.Errorf("default backends on Linux opened %q, want keyctl (or secret-service on a desktop)", got)
	}
}

// BenchmarkGetKeyring measures Get on keyctl and, with
// SESAME_TEST_SECRET_SERVICE=1, on Secret Service.
func BenchmarkGetKeyring(b *testing.B) {
	ctx := context.Background()
	backends := []keyring.BackendType{keyring.KeyCtlBackend}
	if os.Getenv("SESAME_TEST_SECRET_SERVICE") == "1" {
		backends = append(backends, keyring.SecretServiceBackend)
	}
	for _, backend := range backends {
		cfg := KeyringConfig{ServiceName: "sesame-bench-" + randomHex(4), Backends: []keyring.BackendType{backend}}
		s, _ := NewKeyring(cfg)
		if err := s.Set(ctx, "k", benchValue()); err != nil {
			b.Logf("%s unavailable: %v", backend, err)
			continue
		}
		b.Run(string(backend)+"-warm", func(b *testing.B) { benchGet(b, func() Store { return s }) })
		b.Run(string(backend)+"-cold", func(b *testing.B) {
			benchGet(b, func() Store { s, _ := NewKeyring(cfg); return s })
		})
		s.Delete(ctx, "k")
		if backend == keyring.KeyCtlBackend {
			unlinkKeyctlKeyring(nil)(s)
		}
	}
}
