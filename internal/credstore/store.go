// Package credstore keeps sesame's secrets: Identity Center tokens and role
// credentials. It hides three backends behind one Store interface so the
// rest of sesame never cares where a secret lives:
//
//   - keyring: the OS keyring through github.com/99designs/keyring (macOS
//     Keychain, Secret Service, Windows Credential Manager, pass, keyctl),
//     every call bounded by a timeout so a locked or absent keyring fails
//     with ErrUnavailable instead of hanging;
//   - file: an encrypted directory (AES-256-GCM under a data key wrapped with
//     an argon2id passphrase key) for machines without a usable keyring;
//   - memory: a map, for tests and for CI jobs that must not persist secrets.
//
// The backends share one behavioural contract, checked by one test suite run
// against each of them. Nothing here prints or reads the environment; Open
// takes Getenv and Prompt from the caller. docs/credential-stores.md explains
// the file format and the choices behind it.
package credstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Store holds secrets under string keys. Implementations are safe for
// concurrent use by goroutines; Get returns a copy the caller may modify.
type Store interface {
	// Get returns the value for key, or an error matching ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key, replacing any previous value. Empty keys
	// and empty values are errors.
	Set(ctx context.Context, key string, value []byte) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Keys lists the stored keys that start with prefix, sorted.
	Keys(ctx context.Context, prefix string) ([]string, error)
	// Name is the backend: "keyring", "file" or "memory".
	Name() string
}

// Backend names, as used by SESAME_CREDENTIAL_STORE and profiles.
const (
	BackendKeyring = "keyring"
	BackendFile    = "file"
	BackendMemory  = "memory"
)

// Environment variables the CLI reads (through Options.Getenv).
const (
	EnvStore      = "SESAME_CREDENTIAL_STORE"
	EnvPassphrase = "SESAME_FILE_PASSPHRASE"
)

var (
	// ErrNotFound means the key holds no value. A corrupt file entry also
	// matches it, because it is treated as missing.
	ErrNotFound = errors.New("credential not found")

	// ErrUnavailable means the backend cannot be used right now: the OS
	// keyring is absent, locked, waiting for a prompt nobody answers, or
	// did not answer in time. The message names the alternatives.
	ErrUnavailable = errors.New("credential store unavailable")

	// ErrCorrupt marks a file entry that cannot be decrypted or parsed. It
	// always comes together with ErrNotFound: callers may warn and go on as
	// if the entry were missing.
	ErrCorrupt = errors.New("credential entry corrupt")

	// ErrBadPassphrase means the file store's passphrase, or a cached
	// unlock key, does not open the store.
	ErrBadPassphrase = errors.New("wrong passphrase for the credential file store")
)

// alternatives is the remediation every ErrUnavailable carries.
const alternatives = "use another store: " + EnvStore + "=file (with the passphrase in " +
	EnvPassphrase + " or typed at the prompt), or " + EnvStore + "=memory (nothing kept after the process exits)"

func unavailable(backend, what string, cause error) error {
	if cause != nil {
		return fmt.Errorf("%w: %s: %s: %w; %s", ErrUnavailable, backend, what, cause, alternatives)
	}
	return fmt.Errorf("%w: %s: %s; %s", ErrUnavailable, backend, what, alternatives)
}

func notFound(backend, key string) error {
	return fmt.Errorf("%s: %q: %w", backend, key, ErrNotFound)
}

func checkKey(backend, key string) error {
	if key == "" {
		return fmt.Errorf("%s: empty key", backend)
	}
	return nil
}

// checkValue refuses empty values everywhere, because the kernel keyring
// cannot store one and no credential is empty: the contract stays the same
// for every backend.
func checkValue(backend, key string, value []byte) error {
	if err := checkKey(backend, key); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("%s: empty value for %q", backend, key)
	}
	return nil
}

// ResolveBackend applies sesame's precedence for choosing a backend:
// SESAME_CREDENTIAL_STORE, then the profile's or config's choice, then the
// OS keyring.
func ResolveBackend(getenv func(string) string, configured string) string {
	if getenv != nil {
		if v := strings.TrimSpace(getenv(EnvStore)); v != "" {
			return v
		}
	}
	if configured != "" {
		return configured
	}
	return BackendKeyring
}
