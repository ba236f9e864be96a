package sso

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// Provider hands out the access token of one Identity Center session. It
// is safe for concurrent use; every Provider for the same session, in any
// process, shares the stored session and its lock.
type Provider struct {
	o      Options
	key    string
	api    *awsapi.Client // SSO OIDC and the SSO portal, in the session's region
	locker Locker
	sem    chan struct{}

	mu     sync.Mutex
	memo   *Session
	handed string // the access token Token returned last
}

// New checks opts and builds a Provider. Nothing is read or sent yet.
func New(opts Options) (*Provider, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	api := awsapi.Client{}
	if opts.API != nil {
		api = *opts.API
	}
	api.Region = opts.Region
	p := &Provider{o: opts, key: Key(opts.StartURL, opts.Region), sem: make(chan struct{}, 1), api: &api}
	p.locker = opts.Locker
	if p.locker == nil {
		p.locker = p.localLocker
	}
	return p, nil
}

// Key is the session's secret-store key, also the name of its lock.
func (p *Provider) Key() string { return p.key }

// Cached returns the stored session without any network call; nil when
// nobody is signed in.
func (p *Provider) Cached(ctx context.Context) (*Session, error) {
	s, err := p.load(ctx)
	if err != nil {
		return nil, err
	}
	p.remember(s)
	return s, nil
}

// Token returns an access token with more than RefreshBefore left. A
// fresh stored token costs no network call. Otherwise, under the
// session's lock, it re-reads the session (another process may have just
// renewed it), renews it with the refresh token, or (if allowed) signs in.
// When it may not sign in it returns a *LoginRequiredError.
func (p *Provider) Token(ctx context.Context) (string, error) {
	now := p.o.Now()
	if s := p.remembered(); s.fresh(now, p.o.RefreshBefore) {
		return p.hand(s), nil
	}
	s, err := p.load(ctx)
	if err != nil {
		return "", err
	}
	if s.fresh(now, p.o.RefreshBefore) {
		p.remember(s)
		p.o.Logger.Debug("sso token cached", "startUrl", p.o.StartURL, "expiresIn", s.ExpiresAt.Sub(now).Round(time.Second))
		return p.hand(s), nil
	}
	release, err := p.lock(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = release() }()
	s, err = p.renewLocked(ctx)
	if err != nil {
		return "", err
	}
	return p.hand(s), nil
}

// hand records s as the session whose token Token returns.
func (p *Provider) hand(s *Session) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.memo, p.handed = s, s.AccessToken
	return s.AccessToken
}

// renewLocked makes the session fresh; the caller holds the lock.
func (p *Provider) renewLocked(ctx context.Context) (*Session, error) {
	s, err := p.load(ctx)
	if err != nil {
		return nil, err
	}
	now := p.o.Now()
	if s.fresh(now, p.o.RefreshBefore) {
		p.o.Logger.Debug("sso token renewed by another process", "startUrl", p.o.StartURL)
		p.remember(s)
		return s, nil
	}
	var refreshErr error
	if s.canRefresh(now) {
		ns, err := p.refreshLocked(ctx, s)
		if err == nil {
			return ns, nil
		}
		if !sessionDead(err) {
			if s.Valid(now) { // still usable: renew on a later call
				p.o.Logger.Warn("sso token refresh failed; using the current token", "error", err)
				p.remember(s)
				return s, nil
			}
			return nil, fmt.Errorf("refresh the IAM Identity Center token: %w", err)
		}
		refreshErr = err
		// The refresh token is spent or revoked: forget it (keeping the
		// client registration for the next sign-in), so other processes
		// waiting on this lock do not spend a call on it too.
		dead := *s
		dead.RefreshToken = ""
		if p.save(ctx, &dead) == nil {
			s = &dead
		}
	} else if s.Valid(now) { // not refreshable, but not expired either
		p.remember(s)
		return s, nil
	}
	if !p.mayLogin() {
		return nil, &LoginRequiredError{StartURL: p.o.StartURL, Region: p.o.Region, Expired: s != nil, Err: refreshErr}
	}
	p.o.Logger.Debug("sso session cannot be renewed; signing in", "startUrl", p.o.StartURL)
	ns, _, err := p.signInLocked(ctx, s)
	return ns, err
}

func (p *Provider) mayLogin() bool { return p.o.Login != LoginNever && p.o.Interactive }

// Invalidate forgets the token Token last returned, after the portal
// rejected it (HTTP 401), so the next Token renews it; the caller then
// retries once. It matches auth.TokenSource. A stored token that another
// process has already replaced is left alone.
func (p *Provider) Invalidate(ctx context.Context) error {
	p.mu.Lock()
	bad := p.handed
	p.memo, p.handed = nil, ""
	p.mu.Unlock()
	if bad == "" {
		return nil
	}
	release, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = release() }()
	s, err := p.load(ctx)
	if err != nil || s == nil || s.AccessToken != bad {
		return err
	}
	p.o.Logger.Debug("sso token rejected by the portal; dropping it", "startUrl", p.o.StartURL)
	s.AccessToken, s.ExpiresAt = "", p.o.Now()
	return p.save(ctx, s)
}

// Logout revokes the session at the portal (POST /logout) and deletes it
// locally. The local copy goes even when the portal cannot be reached;
// the error then says so.
func (p *Provider) Logout(ctx context.Context) error {
	release, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = release() }()
	s, err := p.load(ctx)
	if err != nil {
		return err
	}
	var revokeErr error
	if s.Valid(p.o.Now()) {
		revokeErr = p.api.Logout(ctx, s.AccessToken)
		if awsapi.Code(revokeErr) == "UnauthorizedException" {
			revokeErr = nil // already revoked or expired there
		}
	}
	p.remember(nil)
	if err := p.o.Store.Delete(ctx, p.key); err != nil && !p.o.IsNotFound(err) {
		return fmt.Errorf("delete the sign-in session from the credential store: %w", err)
	}
	if revokeErr != nil {
		return fmt.Errorf("signed out locally, but the portal did not revoke the session: %w", revokeErr)
	}
	return nil
}
