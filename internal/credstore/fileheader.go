package credstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sesame-cli/sesame/internal/lock"
)

// headerName is the file that describes a file store: the KDF parameters,
// a passphrase verifier and the wrapped data key. It holds no secret that
// is usable without the passphrase.
const headerName = "store.json"

type header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	KDF     kdfParams `json:"kdf"`
	// Verifier is HMAC(KEK, labelVerifier). It tells a wrong passphrase
	// (verifier mismatch) apart from a damaged header (verifier matches,
	// but the wrapped key does not open).
	Verifier []byte `json:"verifier"`
	// WrappedKey is the data key sealed under the KEK.
	WrappedKey sealed `json:"wrapped_key"`
	// KeyCheck is HMAC(data key, labelKeyCheck): NewFileWithKey checks a
	// cached key against it without any KDF.
	KeyCheck []byte `json:"key_check"`
}

func (s *FileStore) headerPath() string { return filepath.Join(s.dir, headerName) }

// readHeader returns (nil, nil) when the store does not exist yet.
func (s *FileStore) readHeader() (*header, error) {
	data, err := os.ReadFile(s.headerPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("file: read %s: %w", s.headerPath(), err)
	}
	var h header
	if err := json.Unmarshal(data, &h); err != nil || h.Format != headerFormat {
		return nil, s.badHeader("not a sesame store header")
	}
	if h.Version != formatV1 {
		return nil, s.badHeader(fmt.Sprintf("format version %d is not supported by this sesame", h.Version))
	}
	if err := h.KDF.validate(); err != nil {
		return nil, s.badHeader(err.Error())
	}
	return &h, nil
}

func (s *FileStore) badHeader(why string) error {
	return fmt.Errorf("file: store header %s is unusable (%s): %w; move the directory %s aside "+
		"to start a new store (you will need to sign in again)", s.headerPath(), why, ErrCorrupt, s.dir)
}

// unlockLocked loads the store's keys, creating the store first if it is
// missing and create is set; otherwise a missing store leaves s.keys nil.
// s.mu is held.
func (s *FileStore) unlockLocked(ctx context.Context, create bool) error {
	if s.keys != nil {
		return nil
	}
	h, err := s.readHeader()
	if err != nil {
		return err
	}
	if s.fixedKey != nil {
		return s.unlockWithKey(h)
	}
	if h == nil {
		if !create {
			return nil
		}
		if h, err = s.create(ctx); err != nil {
			return err
		}
		if s.keys != nil {
			return nil
		}
	}
	pass, err := s.getPassphrase()
	if err != nil {
		return err
	}
	kek := h.KDF.deriveKEK(pass)
	if !hmac.Equal(mac(kek, labelVerifier), h.Verifier) {
		return fmt.Errorf("file: store %s: %w (check %s)", s.dir, ErrBadPassphrase, EnvPassphrase)
	}
	dataKey, err := open(kek, h.WrappedKey, []byte(labelWrap))
	if err != nil || len(dataKey) != keyLen || !hmac.Equal(mac(dataKey, labelKeyCheck), h.KeyCheck) {
		return s.badHeader("the passphrase is right but the wrapped key does not open")
	}
	s.keys, err = deriveStoreKeys(dataKey)
	return err
}

func (s *FileStore) unlockWithKey(h *header) error {
	if h == nil || !hmac.Equal(mac(s.fixedKey, labelKeyCheck), h.KeyCheck) {
		return fmt.Errorf("file: store %s: the cached unlock key does not open it: %w", s.dir, ErrBadPassphrase)
	}
	keys, err := deriveStoreKeys(s.fixedKey)
	if err != nil {
		return err
	}
	s.keys = keys
	return nil
}

func (s *FileStore) getPassphrase() (string, error) {
	if s.passphrase == nil {
		return "", fmt.Errorf("file: no passphrase source: set %s", EnvPassphrase)
	}
	pass, err := s.passphrase()
	if err != nil {
		return "", fmt.Errorf("file: read passphrase: %w", err)
	}
	if pass == "" {
		return "", fmt.Errorf("file: an empty passphrase is not allowed: set %s or type one at the prompt", EnvPassphrase)
	}
	return pass, nil
}

// create makes a new store under the store's lock, so two processes that
// start at once agree on one data key. If another process won the race,
// create returns its header with s.keys still nil and the caller unlocks it
// as usual; otherwise s.keys is set.
func (s *FileStore) create(ctx context.Context) (*header, error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("file: create %s: %w", s.dir, err)
	}
	// A store directory must be private even if someone made it before us.
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("file: chmod %s: %w", s.dir, err)
	}
	release, err := (&lock.Lock{}).Acquire(ctx, s.headerPath())
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	defer release()
	if h, err := s.readHeader(); err != nil || h != nil {
		return h, err
	}

	pass, err := s.getPassphrase()
	if err != nil {
		return nil, err
	}
	params := s.newKDF
	params.Salt = make([]byte, saltLen)
	rand.Read(params.Salt)
	dataKey := make([]byte, keyLen)
	rand.Read(dataKey)

	kek := params.deriveKEK(pass)
	wrapped, err := seal(kek, dataKey, []byte(labelWrap))
	if err != nil {
		return nil, err
	}
	h := &header{Format: headerFormat, Version: formatV1, KDF: params,
		Verifier: mac(kek, labelVerifier), WrappedKey: wrapped, KeyCheck: mac(dataKey, labelKeyCheck)}
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := lock.WriteFileAtomic(s.headerPath(), append(data, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	s.keys, err = deriveStoreKeys(dataKey)
	return h, err
}
