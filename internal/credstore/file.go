package credstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/sesame-cli/sesame/internal/lock"
)

// FileStore keeps each secret in its own encrypted file under one
// directory: <dir>/<HMAC(key)>.entry, 0600 in a 0700 directory, replaced
// atomically. See docs/credential-stores.md for the format.
//
// The passphrase is asked for and the key derived at most once per
// FileStore, at the first operation that needs them, so a process that
// never touches a secret never prompts.
type FileStore struct {
	dir        string
	passphrase func() (string, error)
	newKDF     kdfParams // parameters for a store this process creates
	fixedKey   []byte    // from NewFileWithKey

	mu   sync.Mutex
	keys *storeKeys // nil until unlocked
}

// NewFile returns the encrypted file store in dir. passphrase is called
// once, when the store is first used; an empty passphrase is refused. The
// directory and its header are created by the first use if missing.
func NewFile(dir string, passphrase func() (string, error)) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("file: no directory given for the credential file store")
	}
	return &FileStore{dir: dir, passphrase: passphrase, newKDF: defaultKDF()}, nil
}

// NewFileWithKey opens an existing store with its unwrapped data key, as
// returned by UnlockKey, skipping the passphrase and the KDF. A key that
// does not belong to the store fails with ErrBadPassphrase at first use;
// the caller should then drop its cached key and fall back to NewFile.
func NewFileWithKey(dir string, key []byte) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("file: no directory given for the credential file store")
	}
	if len(key) != keyLen {
		return nil, fmt.Errorf("file: unlock key must be %d bytes, got %d", keyLen, len(key))
	}
	return &FileStore{dir: dir, fixedKey: append([]byte{}, key...), newKDF: defaultKDF()}, nil
}

// Name implements Store.
func (s *FileStore) Name() string { return BackendFile }

// Dir is the store's directory.
func (s *FileStore) Dir() string { return s.dir }

// Unlock derives the keys now (asking for the passphrase if needed)
// instead of at the first operation; it creates the store if missing.
func (s *FileStore) Unlock(ctx context.Context) error {
	_, err := s.unlocked(ctx, true)
	return err
}

// UnlockKey returns a copy of the store's unwrapped 32-byte data key, or
// nil if the store is not unlocked yet. Whoever holds it can read every
// entry: keep it only somewhere as private as the passphrase (the kernel
// keyring of the user, with a timeout) and hand it to NewFileWithKey.
func (s *FileStore) UnlockKey() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		return nil
	}
	return append([]byte{}, s.keys.data...)
}

// unlocked returns the store's keys. Readers pass create=false: reading a
// store that does not exist yet finds nothing (nil keys) without prompting
// for a passphrase; the first Set creates it.
func (s *FileStore) unlocked(ctx context.Context, create bool) (*storeKeys, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unlockLocked(ctx, create); err != nil {
		return nil, err
	}
	return s.keys, nil
}

// Get implements Store. A damaged or tampered entry yields an error that
// matches both ErrCorrupt and ErrNotFound.
func (s *FileStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(BackendFile, key); err != nil {
		return nil, err
	}
	keys, err := s.unlocked(ctx, false)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, notFound(BackendFile, key)
	}
	name := keys.fileName(key)
	gotKey, value, err := s.readEntry(keys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(BackendFile, key)
	}
	if err != nil {
		return nil, err
	}
	if gotKey != key {
		return nil, s.corrupt(name, "it belongs to another key")
	}
	return value, nil
}

func (s *FileStore) readEntry(keys *storeKeys, name string) (key string, value []byte, err error) {
	data, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return "", nil, err // fs.ErrNotExist passes through
	}
	key, value, err = keys.openEntry(name, data)
	if err != nil {
		return "", nil, s.corrupt(name, err.Error())
	}
	return key, value, nil
}

// corrupt names the file and the reason, never its content.
func (s *FileStore) corrupt(name, why string) error {
	return fmt.Errorf("file: entry %s is corrupt or was tampered with (%s); treating it as missing: %w",
		filepath.Join(s.dir, name), why, errors.Join(ErrCorrupt, ErrNotFound))
}

// Set implements Store. Each write replaces the entry's file atomically;
// concurrent Sets of one key leave one of the values, never a mix.
func (s *FileStore) Set(ctx context.Context, key string, value []byte) error {
	if err := checkValue(BackendFile, key, value); err != nil {
		return err
	}
	keys, err := s.unlocked(ctx, true)
	if err != nil {
		return err
	}
	name := keys.fileName(key)
	data, err := keys.sealEntry(name, key, value)
	if err != nil {
		return fmt.Errorf("file: encrypt %q: %w", key, err)
	}
	if err := lock.WriteFileAtomic(filepath.Join(s.dir, name), data, 0o600); err != nil {
		return fmt.Errorf("file: store %q: %w", key, err)
	}
	return nil
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(BackendFile, key); err != nil {
		return err
	}
	keys, err := s.unlocked(ctx, false)
	if err != nil || keys == nil {
		return err
	}
	err = os.Remove(filepath.Join(s.dir, keys.fileName(key)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("file: delete %q: %w", key, err)
	}
	return nil
}

// Keys implements Store. It decrypts every entry to learn its name. Entries
// that cannot be read are left out and reported together in an error that
// matches ErrCorrupt, returned alongside the keys that could be read.
func (s *FileStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	keys, err := s.unlocked(ctx, false)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		return []string{}, nil
	}
	dirents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("file: list %s: %w", s.dir, err)
	}
	out := []string{}
	var bad []error
	for _, de := range dirents {
		name := de.Name()
		if !isEntryName(name) || !de.Type().IsRegular() {
			continue
		}
		key, _, err := s.readEntry(keys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted since ReadDir
		}
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if keys.fileName(key) != name {
			bad = append(bad, s.corrupt(name, "it belongs to another key"))
			continue
		}
		if strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out, errors.Join(bad...)
}

// isEntryName matches the 64-hex-digit file names Set writes.
func isEntryName(name string) bool {
	hexPart, ok := strings.CutSuffix(name, entryExt)
	if !ok || len(hexPart) != 64 {
		return false
	}
	for _, c := range hexPart {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
