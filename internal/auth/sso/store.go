package sso

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// waitNotice is how long a lock may take before the person is told that
// another process is signing in. A refresh holds the lock for one round
// trip; only a sign-in holds it long enough to be worth a message.
const waitNotice = 300 * time.Millisecond

// WaitingMessage is what Notifier.Waiting gets while another sesame
// process signs in to the same session.
const WaitingMessage = "waiting for another sesame process to finish signing in"

// load reads the session; nil when there is none. A record that does not
// decode (or belongs to another session) is a miss, with a warning.
func (p *Provider) load(ctx context.Context) (*Session, error) {
	b, err := p.o.Store.Get(ctx, p.key)
	if err != nil {
		if p.o.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read the sign-in session from the credential store: %w", err)
	}
	var s Session
	if err := json.Unmarshal(b, &s); err != nil || s.Version != sessionVersion ||
		normStartURL(s.StartURL) != normStartURL(p.o.StartURL) || s.Region != p.o.Region {
		p.o.Logger.Warn("ignoring an unreadable sign-in session in the credential store", "key", p.key)
		return nil, nil
	}
	return &s, nil
}

func (p *Provider) save(ctx context.Context, s *Session) error {
	s.Version, s.StartURL, s.Region = sessionVersion, p.o.StartURL, p.o.Region
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode the sign-in session: %w", err)
	}
	if err := p.o.Store.Set(ctx, p.key, b); err != nil {
		return fmt.Errorf("save the sign-in session in the credential store: %w", err)
	}
	p.remember(s)
	return nil
}

func (p *Provider) remember(s *Session) {
	p.mu.Lock()
	p.memo = s
	p.mu.Unlock()
}

func (p *Provider) remembered() *Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.memo
}

// lock takes the session's lock. If another process holds it for longer
// than waitNotice, the person is told (once) that we wait for it.
func (p *Provider) lock(ctx context.Context) (release func() error, err error) {
	type result struct {
		release func() error
		err     error
	}
	done := make(chan result, 1)
	go func() {
		r, err := p.locker(ctx, p.key)
		done <- result{r, err}
	}()
	t := time.NewTimer(waitNotice)
	defer t.Stop()
	var r result
	select {
	case r = <-done:
	case <-t.C:
		p.o.Logger.Debug("sso session locked by another process; waiting", "key", p.key)
		p.o.Notifier.Waiting(WaitingMessage)
		r = <-done
		p.o.Notifier.Done()
	}
	if r.err != nil {
		return nil, fmt.Errorf("lock the sign-in session: %w", r.err)
	}
	return r.release, nil
}

// localLocker serialises callers of one Provider when no Locker is given.
func (p *Provider) localLocker(ctx context.Context, _ string) (func() error, error) {
	select {
	case p.sem <- struct{}{}:
		return func() error { <-p.sem; return nil }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
