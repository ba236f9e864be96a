package credstore

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Options choose and configure a store for Open.
type Options struct {
	// Backend is "keyring", "file" or "memory"; empty means "keyring". The
	// caller applies sesame's precedence first (ResolveBackend:
	// SESAME_CREDENTIAL_STORE, then the profile, then the default).
	Backend string
	// Dir is the file store's directory; required for "file".
	Dir string
	// Getenv reads SESAME_FILE_PASSPHRASE; nil reads nothing.
	Getenv func(string) string
	// Prompt asks the user for the file store's passphrase when the
	// environment has none; nil (no terminal, --no-input) makes a missing
	// passphrase an error that says to set SESAME_FILE_PASSPHRASE.
	Prompt func(prompt string) (string, error)
	// Timeout bounds each OS keyring call; zero means
	// DefaultKeyringTimeout.
	Timeout time.Duration
}

// PassphrasePrompt is the text Open's file store shows when it prompts.
const PassphrasePrompt = "Passphrase for the sesame credential file store: "

// Open returns the store Options ask for. It does no I/O: stores open the
// keyring or derive the file key at their first call, so a command that
// never needs a secret never waits for a keyring or asks for a passphrase.
func Open(ctx context.Context, opts Options) (Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	backend := strings.ToLower(strings.TrimSpace(opts.Backend))
	switch backend {
	case "", BackendKeyring:
		return NewKeyring(KeyringConfig{Timeout: opts.Timeout})
	case BackendFile:
		return NewFile(opts.Dir, passphraseSource(opts.Getenv, opts.Prompt))
	case BackendMemory:
		return NewMemory(), nil
	}
	return nil, fmt.Errorf("unknown credential store %q (from %s or the profile): want %s, %s or %s",
		opts.Backend, EnvStore, BackendKeyring, BackendFile, BackendMemory)
}

// passphraseSource reads SESAME_FILE_PASSPHRASE, else prompts. An empty
// answer is passed on so the store can refuse it with its own message.
func passphraseSource(getenv func(string) string, prompt func(string) (string, error)) func() (string, error) {
	return func() (string, error) {
		if getenv != nil {
			if p := getenv(EnvPassphrase); p != "" {
				return p, nil
			}
		}
		if prompt == nil {
			return "", fmt.Errorf("no passphrase for the credential file store and no terminal to ask: set %s", EnvPassphrase)
		}
		return prompt(PassphrasePrompt)
	}
}
