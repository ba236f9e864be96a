package credstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/keyring"
)

// call runs fn against the backend, opening it first if needed, and gives
// up after the configured timeout. Errors other than "not found" and the
// caller's own cancellation become ErrUnavailable: whatever went wrong, the
// keyring did not do its job and the user needs the alternatives.
func (s *KeyringStore) call(ctx context.Context, op string, fn func(keyring.Keyring) error) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return s.giveUp(parent, op)
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-s.turn }()
		if s.kr == nil {
			if err := s.open(); err != nil {
				done <- err
				return
			}
		}
		done <- fn(s.kr)
	}()

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		return s.giveUp(parent, op)
	}
	switch {
	case err == nil, errors.Is(err, keyring.ErrKeyNotFound), errors.Is(err, ErrUnavailable):
		return err
	}
	return unavailable(s.describe(), op+" failed"+backendHint(err), err)
}

func (s *KeyringStore) giveUp(parent context.Context, op string) error {
	if err := parent.Err(); err != nil {
		return fmt.Errorf("keyring: %s: %w", op, err)
	}
	return unavailable(s.describe(), fmt.Sprintf("%s: no answer within %v (the keyring may be locked, "+
		"waiting for a prompt nobody can see, or not running)", op, s.cfg.Timeout), nil)
}

// describe names the store in messages: "keyring (secret-service)".
func (s *KeyringStore) describe() string {
	if b := s.Backend(); b != "" {
		return "keyring (" + b + ")"
	}
	return "keyring"
}

// open tries the configured backends in order. Called holding the turn.
func (s *KeyringStore) open() error {
	var errs []error
	for _, b := range s.cfg.Backends {
		kr, err := keyring.Open(keyring.Config{
			AllowedBackends:         []keyring.BackendType{b},
			ServiceName:             s.cfg.ServiceName,
			LibSecretCollectionName: s.cfg.Collection,
			KeyCtlScope:             s.cfg.KeyctlScope,
			PassDir:                 s.cfg.PassDir,
			PassCmd:                 s.cfg.PassCmd,
			PassPrefix:              s.cfg.ServiceName,
			WinCredPrefix:           s.cfg.ServiceName,
		})
		if err == nil {
			name := string(b)
			s.kr = kr
			s.backend.Store(&name)
			return nil
		}
		if !errors.Is(err, keyring.ErrNoAvailImpl) {
			errs = append(errs, fmt.Errorf("%s: %w", b, err))
		}
	}
	what := fmt.Sprintf("no OS keyring could be opened (tried %v)", s.cfg.Backends)
	return unavailable("keyring", what, errors.Join(errs...))
}

// Backend is the OS keyring in use ("secret-service", "keyctl", ...), or
// "" until a call has opened one. For --debug breadcrumbs.
func (s *KeyringStore) Backend() string {
	if b := s.backend.Load(); b != nil {
		return *b
	}
	return ""
}
