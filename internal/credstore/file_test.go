package credstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fastKDF keeps tests quick; one test checks the real defaults.
func fastKDF() kdfParams { return kdfParams{Alg: algArgon2id, Time: 1, MemoryKiB: 64, Threads: 1} }

func constPass(p string) func() (string, error) { return func() (string, error) { return p, nil } }

func newTestFile(t *testing.T, dir string, pass func() (string, error)) *FileStore {
	t.Helper()
	s, err := NewFile(dir, pass)
	if err != nil {
		t.Fatal(err)
	}
	s.newKDF = fastKDF()
	return s
}

func TestFileContract(t *testing.T) {
	testStoreContract(t, func(t *testing.T) Store {
		return newTestFile(t, filepath.Join(t.TempDir(), "store"), constPass("correct horse"))
	})
}

func TestFileContractWithCachedKey(t *testing.T) {
	testStoreContract(t, func(t *testing.T) Store {
		dir := filepath.Join(t.TempDir(), "store")
		first := newTestFile(t, dir, constPass("correct horse"))
		if err := first.Unlock(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, err := NewFileWithKey(dir, first.UnlockKey())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestFilePermissionsAndNoPlaintextOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sesame", "store")
	s := newTestFile(t, dir, constPass("correct horse"))
	mustSet(t, s, "plat-prod/AdministratorAccess", []byte("AKIAEXAMPLESECRETVALUE"))

	for _, d := range []string{dir, filepath.Dir(dir)} {
		if m := modeOf(t, d); m != 0o700 {
			t.Errorf("%s mode %v, want 0700", d, m)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		if m := modeOf(t, p); m != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), m)
		}
		data, _ := os.ReadFile(p)
		for _, plain := range []string{"AKIAEXAMPLESECRETVALUE", "plat-prod", "AdministratorAccess", "correct horse"} {
			if bytes.Contains(data, []byte(plain)) {
				t.Errorf("%s contains %q in plain text", e.Name(), plain)
			}
		}
	}
}

func modeOf(t *testing.T, p string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestFileHeaderRecordsDefaultKDF(t *testing.T) {
	dir := t.TempDir()
	s, err := NewFile(dir, constPass("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, headerName))
	if err != nil {
		t.Fatal(err)
	}
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	want := defaultKDF()
	if h.KDF.Alg != "argon2id" || h.KDF.Time != want.Time || h.KDF.MemoryKiB != want.MemoryKiB ||
		h.KDF.Threads != want.Threads || len(h.KDF.Salt) != saltLen {
		t.Errorf("header kdf = %+v, want %+v with a %d-byte salt", h.KDF, want, saltLen)
	}
}

func TestFileDerivesOncePerStoreAndPromptsOnlyWhenNeeded(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	pass := func() (string, error) { calls.Add(1); return "correct horse", nil }
	s := newTestFile(t, dir, pass)

	// Reading a store that does not exist yet finds nothing without asking.
	if _, err := s.Get(context.Background(), "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on a new store: %v", err)
	}
	if keys := mustKeys(t, s, ""); len(keys) != 0 || calls.Load() != 0 {
		t.Fatalf("reading an absent store asked for the passphrase %d times", calls.Load())
	}
	for range 5 {
		mustSet(t, s, "k", []byte("v"))
		mustGet(t, s, "k", []byte("v"))
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("passphrase asked %d times by one store, want 1", n)
	}

	// Another process (another FileStore) unlocks once too, and reads it.
	other := newTestFile(t, dir, pass)
	mustGet(t, other, "k", []byte("v"))
	mustGet(t, other, "k", []byte("v"))
	if n := calls.Load(); n != 2 {
		t.Errorf("passphrase asked %d times by two stores, want 2", n)
	}
}

func TestFileWrongPassphraseIsNotCorruption(t *testing.T) {
	dir := t.TempDir()
	mustSet(t, newTestFile(t, dir, constPass("correct horse")), "k", []byte("v"))

	_, err := newTestFile(t, dir, constPass("battery staple")).Get(context.Background(), "k")
	if !errors.Is(err, ErrBadPassphrase) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v; want ErrBadPassphrase only", err)
	}
	if !strings.Contains(err.Error(), EnvPassphrase) {
		t.Errorf("error %q does not say where the passphrase comes from", err)
	}
}

func TestFileRefusesEmptyOrMissingPassphrase(t *testing.T) {
	for name, pass := range map[string]func() (string, error){
		"empty": constPass(""),
		"nil":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			err := newTestFile(t, t.TempDir(), pass).Set(context.Background(), "k", []byte("v"))
			if err == nil || !strings.Contains(err.Error(), EnvPassphrase) {
				t.Fatalf("err = %v; want a refusal naming %s", err, EnvPassphrase)
			}
		})
	}
}

func TestFileCachedKey(t *testing.T) {
	dir := t.TempDir()
	s := newTestFile(t, dir, constPass("correct horse"))
	if s.UnlockKey() != nil {
		t.Fatal("UnlockKey before unlocking is not nil")
	}
	mustSet(t, s, "k", []byte("v"))
	key := s.UnlockKey()
	if len(key) != 32 {
		t.Fatalf("UnlockKey is %d bytes", len(key))
	}

	fast, err := NewFileWithKey(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, fast, "k", []byte("v"))

	wrong := bytes.Clone(key)
	wrong[0] ^= 1
	stale, _ := NewFileWithKey(dir, wrong)
	if _, err := stale.Get(context.Background(), "k"); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("wrong cached key: err = %v, want ErrBadPassphrase", err)
	}
	gone, _ := NewFileWithKey(t.TempDir(), key)
	if err := gone.Set(context.Background(), "k", []byte("v")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("cached key for a missing store: err = %v, want ErrBadPassphrase", err)
	}
	if _, err := NewFileWithKey(dir, key[:16]); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

func TestFileCorruptEntriesAreMissesWithAWarning(t *testing.T) {
	dir := t.TempDir()
	s := newTestFile(t, dir, constPass("correct horse"))
	mustSet(t, s, "a", []byte("value a"))
	mustSet(t, s, "b", []byte("value b"))
	mustSet(t, s, "c", []byte("value c"))
	keys, _ := s.unlocked(context.Background(), false)
	pa, pb, pc := filepath.Join(dir, keys.fileName("a")), filepath.Join(dir, keys.fileName("b")), filepath.Join(dir, keys.fileName("c"))

	flipByte(t, pa)                      // tampered ciphertext
	copyFile(t, pc, pb)                  // c's entry copied over b's
	os.WriteFile(pc, []byte("{"), 0o600) // truncated

	for _, k := range []string{"a", "b", "c"} {
		_, err := s.Get(context.Background(), k)
		if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%s) err = %v; want ErrCorrupt and ErrNotFound", k, err)
			continue
		}
		if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "treating it as missing") {
			t.Errorf("Get(%s) error %q does not name the file and say it is treated as missing", k, err)
		}
	}
	mustSet(t, s, "d", []byte("fine"))
	got, err := s.Keys(context.Background(), "")
	if !errors.Is(err, ErrCorrupt) || len(got) != 1 || got[0] != "d" {
		t.Errorf("Keys = %v, %v; want [d] and ErrCorrupt", got, err)
	}
	mustSet(t, s, "a", []byte("rewritten")) // a write heals the entry
	mustGet(t, s, "a", []byte("rewritten"))
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-20] ^= 0x40 // inside the ciphertext
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFileDamagedHeader(t *testing.T) {
	dir := t.TempDir()
	mustSet(t, newTestFile(t, dir, constPass("correct horse")), "k", []byte("v"))
	hp := filepath.Join(dir, headerName)
	var h header
	data, _ := os.ReadFile(hp)
	json.Unmarshal(data, &h)
	h.WrappedKey.Ciphertext[0] ^= 1
	data, _ = json.Marshal(h)
	os.WriteFile(hp, data, 0o600)

	_, err := newTestFile(t, dir, constPass("correct horse")).Get(context.Background(), "k")
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrBadPassphrase) || errors.Is(err, ErrNotFound) {
		t.Fatalf("damaged header: err = %v; want ErrCorrupt, not a passphrase error or a miss", err)
	}

	os.WriteFile(hp, []byte("not json"), 0o600)
	if _, err := newTestFile(t, dir, constPass("correct horse")).Get(context.Background(), "k"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage header: err = %v, want ErrCorrupt", err)
	}
}

// Processes that create a new store at the same moment must agree on one
// data key, or some of them would write entries nobody else can read.
func TestFileConcurrentCreationAgreesOnOneKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := newTestFile(t, dir, constPass("correct horse"))
			if err := s.Set(context.Background(), string(rune('a'+i)), []byte{byte(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s := newTestFile(t, dir, constPass("correct horse"))
	if got := mustKeys(t, s, ""); len(got) != 8 {
		t.Fatalf("after concurrent creation a fresh store reads %v, want 8 keys", got)
	}
}

func TestFileLargeValue(t *testing.T) {
	s := newTestFile(t, t.TempDir(), constPass("correct horse"))
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB
	mustSet(t, s, "big", big)
	mustGet(t, s, "big", big)
}
