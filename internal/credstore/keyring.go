package credstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/keyring"
)

// DefaultKeyringTimeout bounds every OS keyring call. A Secret Service
// daemon waiting on an unlock prompt that nobody can see, or a Keychain
// dialog on a locked screen, would otherwise block sesame for ever.
const DefaultKeyringTimeout = 3 * time.Second

// DefaultKeyringBackends lists the OS keyrings sesame uses, in order of
// preference; the first that opens wins. 99designs' own encrypted-file
// backend is left out on purpose: FileStore replaces it. keyctl keeps
// secrets in the Linux kernel until reboot; it is the fallback on Linux
// machines without a Secret Service.
func DefaultKeyringBackends() []keyring.BackendType {
	return []keyring.BackendType{
		keyring.WinCredBackend,
		keyring.KeychainBackend,
		keyring.SecretServiceBackend,
		keyring.KeyCtlBackend,
		keyring.PassBackend,
	}
}

// KeyringConfig configures NewKeyring. The zero value means sesame's
// defaults.
type KeyringConfig struct {
	// ServiceName is the Keychain service, keyctl keyring and item
	// namespace; default "sesame".
	ServiceName string
	// Backends to try in order; default DefaultKeyringBackends().
	Backends []keyring.BackendType
	// Timeout for each call, opening included; default
	// DefaultKeyringTimeout.
	Timeout time.Duration
	// Collection is the Secret Service collection; default "login", the
	// one the desktop unlocks at sign-in. A collection that does not exist
	// would have to be created through a password prompt.
	Collection string
	// KeyctlScope is the kernel keyring that holds sesame's keyring:
	// "user" (default: shared by the user's sessions) or "session".
	KeyctlScope string
	// PassDir and PassCmd configure the pass backend (defaults: pass's own).
	PassDir, PassCmd string

	// Keyring, when set, is used instead of opening one of Backends, and
	// BackendName is what errors call it. Tests inject fakes here.
	Keyring     keyring.Keyring
	BackendName string
}

// KeyringStore is a Store in the OS keyring. Every call runs in its own
// goroutine and is abandoned after the timeout with ErrUnavailable. A
// backend that never answers keeps that one goroutine (and, for Secret
// Service, its D-Bus call) alive until the process exits: Go cannot cancel
// a blocked cgo or D-Bus call. Calls are serialised, so a hung backend
// costs one goroutine, not one per call, and later calls fail after their
// timeout while waiting their turn.
type KeyringStore struct {
	cfg  KeyringConfig
	turn chan struct{} // one token: the backend is used by one call at a time

	kr      keyring.Keyring // only touched while holding the turn token
	backend atomic.Pointer[string]
}

// NewKeyring returns a store in the OS keyring. It does not touch the
// keyring yet: the backend is opened by the first call, under its timeout.
func NewKeyring(cfg KeyringConfig) (*KeyringStore, error) {
	if cfg.ServiceName == "" {
		cfg.ServiceName = "sesame"
	}
	if cfg.Backends == nil {
		cfg.Backends = DefaultKeyringBackends()
	}
	if slices.Contains(cfg.Backends, keyring.FileBackend) {
		return nil, errors.New("keyring: the keyring file backend is not supported; use the file store (" + EnvStore + "=file)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultKeyringTimeout
	}
	if cfg.Collection == "" {
		cfg.Collection = "login"
	}
	if cfg.KeyctlScope == "" {
		cfg.KeyctlScope = "user"
	}
	s := &KeyringStore{cfg: cfg, turn: make(chan struct{}, 1)}
	if cfg.Keyring != nil {
		name := cfg.BackendName
		if name == "" {
			name = "injected"
		}
		s.kr = cfg.Keyring
		s.backend.Store(&name)
	}
	return s, nil
}

// Name implements Store.
func (s *KeyringStore) Name() string { return BackendKeyring }

// item names are namespaced, because some backends (Secret Service's
// login collection) are shared with every other application.
func (s *KeyringStore) item(key string) string { return s.cfg.ServiceName + ":" + key }

// Get implements Store.
func (s *KeyringStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(BackendKeyring, key); err != nil {
		return nil, err
	}
	var value []byte
	err := s.call(ctx, "get "+key, func(kr keyring.Keyring) error {
		it, err := kr.Get(s.item(key))
		value = it.Data
		return err
	})
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil, notFound(BackendKeyring, key)
	}
	return value, err
}

// Set implements Store.
func (s *KeyringStore) Set(ctx context.Context, key string, value []byte) error {
	if err := checkValue(BackendKeyring, key, value); err != nil {
		return err
	}
	data := append([]byte{}, value...)
	return s.call(ctx, "set "+key, func(kr keyring.Keyring) error {
		return kr.Set(keyring.Item{Key: s.item(key), Data: data, Label: s.item(key),
			Description: "sesame credential"})
	})
}

// Delete implements Store.
func (s *KeyringStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(BackendKeyring, key); err != nil {
		return err
	}
	err := s.call(ctx, "delete "+key, func(kr keyring.Keyring) error { return kr.Remove(s.item(key)) })
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil
	}
	return err
}

// Keys implements Store.
func (s *KeyringStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	var all []string
	err := s.call(ctx, "list keys", func(kr keyring.Keyring) (err error) {
		all, err = kr.Keys()
		return err
	})
	if err != nil {
		return nil, err
	}
	keys := []string{}
	for _, k := range all {
		if k, ok := strings.CutPrefix(k, s.item("")); ok && strings.HasPrefix(k, prefix) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}
