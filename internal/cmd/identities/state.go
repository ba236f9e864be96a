package identities

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-cli/sesame/internal/auth/sso"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/org"
)

// Cache states of an identity, as the STATE column and the JSON "state"
// field show them.
const (
	StateValid       = "valid"         // cached credentials that still work
	StateExpired     = "expired"       // cached credentials past their expiry
	StateNotCached   = "not cached"    // nothing cached; the session can get some
	StateNotSignedIn = "not signed in" // nothing usable cached, and no Identity Center session
	StateUnknown     = "unknown"       // the credential store could not be read
)

// cacheState is what the credential store says about one identity.
type cacheState struct {
	State     string    `json:"state"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// sessionState is what the store says about one Identity Center session.
type sessionState struct {
	Provider *org.Provider
	// SignedIn: the access token works, or the refresh token can renew it
	// without a browser.
	SignedIn  bool
	ExpiresAt time.Time
}

// states reads the cache state of every identity and of the Identity
// Center sessions they come from. It only reads the credential store:
// no network call, no prompt. When the store cannot be opened or read,
// the states are unknown and warn is told once.
func states(ctx context.Context, s *cmdutil.Session, ids []*org.Identity, now time.Time, warn func(string)) ([]cacheState, []sessionState) {
	out := make([]cacheState, len(ids))
	warned := false
	fail := func(err error) {
		if !warned {
			warned = true
			warn(fmt.Sprintf("cannot read the credential store (%v); STATE shows %s", err, StateUnknown))
		}
	}
	sessions := map[string]*sessionState{}
	var order []*sessionState
	session := func(id *org.Identity) *sessionState {
		if len(id.Chain) == 0 {
			return nil
		}
		p, ok := s.Org.Provider(id.Chain[0])
		if !ok || p.Kind != org.KindIdentityCenter {
			return nil
		}
		if st, ok := sessions[p.Name]; ok {
			return st
		}
		st := &sessionState{Provider: p}
		sessions[p.Name] = st
		order = append(order, st)
		t, err := s.Tokens(p)
		var sess *sso.Session
		if err == nil {
			sess, err = t.Cached(ctx)
		}
		if err != nil {
			fail(err)
			return st
		}
		st.SignedIn = signedIn(sess, now)
		if sess != nil {
			st.ExpiresAt = sess.ExpiresAt
		}
		return st
	}
	for i, id := range ids {
		if _, err := s.Resolver.CacheKey(id.Name); err != nil {
			// A chain sesame cannot follow (yet) has no cache entry.
			out[i] = cacheState{State: StateUnknown}
			continue
		}
		sess := session(id)
		c, ok, err := s.Resolver.Cached(ctx, id.Name)
		switch {
		case err != nil:
			fail(err)
			out[i] = cacheState{State: StateUnknown}
		case ok && (c.Expiration.IsZero() || now.Before(c.Expiration)):
			out[i] = cacheState{State: StateValid, ExpiresAt: c.Expiration}
		case warned:
			out[i] = cacheState{State: StateUnknown}
		case sess != nil && !sess.SignedIn:
			out[i] = cacheState{State: StateNotSignedIn}
		case ok:
			out[i] = cacheState{State: StateExpired, ExpiresAt: c.Expiration}
		default:
			out[i] = cacheState{State: StateNotCached}
		}
	}
	list := make([]sessionState, len(order))
	for i, st := range order {
		list[i] = *st
	}
	return out, list
}

// signedIn says whether a stored session can hand out a token without a
// sign-in: its access token works, or its refresh token and client
// registration can renew it (the refresh token's own expiry is known only
// to Identity Center).
func signedIn(sess *sso.Session, now time.Time) bool {
	if sess == nil {
		return false
	}
	if sess.Valid(now) {
		return true
	}
	return sess.RefreshToken != "" && sess.ClientID != "" && now.Before(sess.RegistrationExpiresAt)
}

// label is the STATE column: the state, with the time for valid
// credentials ("valid until 15:04").
func (c cacheState) label(now time.Time) string {
	if c.State != StateValid || c.ExpiresAt.IsZero() {
		return c.State
	}
	return c.State + " until " + clock(c.ExpiresAt, now)
}

// clock shows t as a time of day, with the date when it is not today.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}
