package credstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

// fakeKeyring is an in-memory keyring.Keyring. It is not safe for
// concurrent use on purpose: KeyringStore must serialise calls (99designs'
// Secret Service backend is not safe either), and -race checks it does.
type fakeKeyring struct {
	items map[string][]byte
	fail  error // returned by every call when set
}

func (f *fakeKeyring) Get(key string) (keyring.Item, error) {
	if f.fail != nil {
		return keyring.Item{}, f.fail
	}
	v, ok := f.items[key]
	if !ok {
		return keyring.Item{}, keyring.ErrKeyNotFound
	}
	return keyring.Item{Key: key, Data: slices.Clone(v)}, nil
}

func (f *fakeKeyring) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, keyring.ErrMetadataNotSupported
}

func (f *fakeKeyring) Set(it keyring.Item) error {
	if f.fail != nil {
		return f.fail
	}
	f.items[it.Key] = slices.Clone(it.Data)
	return nil
}

func (f *fakeKeyring) Remove(key string) error {
	if f.fail != nil {
		return f.fail
	}
	if _, ok := f.items[key]; !ok {
		return keyring.ErrKeyNotFound
	}
	delete(f.items, key)
	return nil
}

func (f *fakeKeyring) Keys() ([]string, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	keys := []string{"other-app-item"} // shared collections hold other apps' items
	for k := range f.items {
		keys = append(keys, k)
	}
	return keys, nil
}

func TestKeyringContractWithFakeBackend(t *testing.T) {
	testStoreContract(t, func(t *testing.T) Store {
		s, err := NewKeyring(KeyringConfig{Keyring: &fakeKeyring{items: map[string][]byte{}}, BackendName: "fake"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// hangingKeyring never answers, like a Secret Service waiting on an unlock
// prompt that no one can see.
type hangingKeyring struct {
	entered atomic.Int32
	release chan struct{}
}

func (h *hangingKeyring) block() { h.entered.Add(1); <-h.release }
func (h *hangingKeyring) Get(string) (keyring.Item, error) {
	h.block()
	return keyring.Item{}, nil
}
func (h *hangingKeyring) GetMetadata(string) (keyring.Metadata, error) {
	h.block()
	return keyring.Metadata{}, nil
}
func (h *hangingKeyring) Set(keyring.Item) error  { h.block(); return nil }
func (h *hangingKeyring) Remove(string) error     { h.block(); return nil }
func (h *hangingKeyring) Keys() ([]string, error) { h.block(); return nil, nil }

func TestKeyringThatHangsFailsWithAlternatives(t *testing.T) {
	hung := &hangingKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(hung.release) }) // lets the abandoned goroutine end
	s, err := NewKeyring(KeyringConfig{Keyring: hung, BackendName: "secret-service", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	start := time.Now()
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				_, errs[i] = s.Get(context.Background(), "sso/acme")
			} else {
				errs[i] = s.Set(context.Background(), "sso/acme", []byte("v"))
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("calls returned after %v; want about the 100ms timeout", d)
	}
	for _, err := range errs {
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		msg := err.Error()
		for _, want := range []string{"secret-service", "no answer within 100ms",
			"SESAME_CREDENTIAL_STORE=file", "SESAME_FILE_PASSPHRASE", "SESAME_CREDENTIAL_STORE=memory"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not mention %q", msg, want)
			}
		}
	}
	if n := hung.entered.Load(); n != 1 {
		t.Errorf("%d calls reached the hung backend, want 1 (calls must queue, not pile up)", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("cancelled caller: err = %v, want context.Canceled", err)
	}
}

func TestKeyringBackendErrorsAreUnavailable(t *testing.T) {
	boom := errors.New("org.freedesktop.DBus.Error.ServiceUnknown")
	s, _ := NewKeyring(KeyringConfig{Keyring: &fakeKeyring{fail: boom}, BackendName: "secret-service"})
	err := s.Set(context.Background(), "k", []byte("v"))
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, boom) || !strings.Contains(err.Error(), EnvStore+"=file") {
		t.Fatalf("err = %v; want ErrUnavailable wrapping the backend error, with the alternatives", err)
	}
}

func TestKeyringNoBackendAvailable(t *testing.T) {
	s, err := NewKeyring(KeyringConfig{Backends: []keyring.BackendType{"no-such-backend"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(context.Background(), "k")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), EnvStore+"=memory") {
		t.Fatalf("err = %v; want ErrUnavailable naming the alternatives", err)
	}
}

func TestKeyringRefusesItsFileBackend(t *testing.T) {
	if _, err := NewKeyring(KeyringConfig{Backends: []keyring.BackendType{keyring.FileBackend}}); err == nil {
		t.Fatal("the 99designs file backend was accepted")
	}
}

// TestKeyringSecretServiceContract runs the contract against a real Secret
// Service. It needs a session bus with an unlocked "login" collection;
// test/secret-service.sh provides one with gnome-keyring under
// dbus-run-session. Skipped unless SESAME_TEST_SECRET_SERVICE=1, and
// failing, not skipping, when that is set but the service cannot be used.
func TestKeyringSecretServiceContract(t *testing.T) {
	if os.Getenv("SESAME_TEST_SECRET_SERVICE") != "1" {
		t.Skip("set SESAME_TEST_SECRET_SERVICE=1 (see test/secret-service.sh)")
	}
	testStoreContract(t, func(t *testing.T) Store {
		return newRealKeyring(t, keyring.SecretServiceBackend)
	})
}

// newRealKeyring opens an isolated store in a real backend: a random
// service name namespaces its items, and cleanup deletes them.
// afterCleanup runs after the items are deleted.
func newRealKeyring(t *testing.T, backend keyring.BackendType, afterCleanup ...func(*KeyringStore)) *KeyringStore {
	t.Helper()
	s, err := NewKeyring(KeyringConfig{
		ServiceName: "sesame-test-" + randomHex(6),
		Backends:    []keyring.BackendType{backend},
		Timeout:     10 * time.Second, // CI machines are slow, not hung
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Keys(context.Background(), ""); err != nil {
		t.Fatalf("%s backend unusable: %v", backend, err)
	}
	if got := s.Backend(); got != string(backend) {
		t.Fatalf("opened backend %q, want %q", got, backend)
	}
	t.Cleanup(func() {
		keys, err := s.Keys(context.Background(), "")
		if err != nil {
			t.Errorf("cleanup: %v", err)
		}
		for _, k := range keys {
			s.Delete(context.Background(), k)
		}
		for _, f := range afterCleanup {
			f(s)
		}
	})
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
