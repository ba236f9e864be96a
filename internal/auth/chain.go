package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/auth/webidentity"
	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options wire a Resolver to the world.
type Options struct {
	Org *org.Org
	// Tokens returns the token source of an Identity Center provider.
	Tokens func(p *org.Provider) (TokenSource, error)
	// API returns the AWS client (region, endpoints, HTTP client) for
	// calls made for provider p in region.
	API   func(p *org.Provider, region string) *awsapi.Client
	Cache Cache
	Lock  Locker
	Now   func() time.Time
	// RefreshBefore renews credentials this long before they expire.
	RefreshBefore time.Duration
	// Trace receives one line per decision (debug output); secrets never.
	Trace func(format string, args ...any)
	// WebIdentity returns the token source of a machine provider
	// (github/oidc, oidc/token-file).
	WebIdentity func(p *org.Provider) (webidentity.Source, error)
	// OnWait is told when another process is fetching the same step.
	OnWait func(identity string)
}

// Resolver retrieves credentials for identities. It is safe for
// concurrent use; steps are memoized for the life of the process.
type Resolver struct {
	o    Options
	mu   sync.Mutex
	memo map[string]Credentials
}

// NewResolver returns a resolver.
func NewResolver(o Options) *Resolver {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Trace == nil {
		o.Trace = func(string, ...any) {}
	}
	if o.OnWait == nil {
		o.OnWait = func(string) {}
	}
	return &Resolver{o: o, memo: map[string]Credentials{}}
}

// step is one hop of a chain.
type step struct {
	key      string // cache key
	identity string // for messages
	parent   *step
	fetch    func(ctx context.Context, parent Credentials) (Credentials, error)
}

// Retrieve returns credentials for the identity named name.
func (r *Resolver) Retrieve(ctx context.Context, name string) (Credentials, error) {
	id, ok := r.o.Org.Identity(name)
	if !ok {
		return Credentials{}, unknownIdentity(r.o.Org, name)
	}
	st, err := r.plan(id, 0)
	if err != nil {
		return Credentials{}, err
	}
	return r.retrieve(ctx, st)
}

func unknownIdentity(o *org.Org, name string) error {
	var names []string
	for _, id := range o.Identities {
		names = append(names, id.Name)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("unknown identity %q", name)
	if len(names) > 0 && len(names) <= 8 {
		msg += "; the profile shows: " + strings.Join(names, ", ")
	}
	return errors.New(msg)
}

// CacheKey is the cache key of an identity's last step (for status
// displays).
func (r *Resolver) CacheKey(name string) (string, error) {
	id, ok := r.o.Org.Identity(name)
	if !ok {
		return "", unknownIdentity(r.o.Org, name)
	}
	st, err := r.plan(id, 0)
	if err != nil {
		return "", err
	}
	return st.key, nil
}

// Cached returns the cached credentials of an identity without any
// network call; ok is false when none are cached.
func (r *Resolver) Cached(ctx context.Context, name string) (Credentials, bool, error) {
	key, err := r.CacheKey(name)
	if err != nil {
		return Credentials{}, false, err
	}
	return r.o.Cache.Get(ctx, key)
}

func (r *Resolver) plan(id *org.Identity, depth int) (*step, error) {
	if depth > 16 {
		return nil, fmt.Errorf("identity %s: chain is too long", id.Name)
	}
	if id.ViaIdentity != "" {
		parentID, ok := r.o.Org.Identity(id.ViaIdentity)
		if !ok {
			return nil, fmt.Errorf("identity %s: comes via unknown identity %s", id.Name, id.ViaIdentity)
		}
		parent, err := r.plan(parentID, depth+1)
		if err != nil {
			return nil, err
		}
		return r.assumeRoleStep(id, parent), nil
	}
	p, ok := r.o.Org.Provider(id.ViaProvider)
	if !ok {
		return nil, fmt.Errorf("identity %s: unknown provider %s", id.Name, id.ViaProvider)
	}
	switch {
	case p.Kind == org.KindIdentityCenter && id.Kind == org.KindPermissionSet:
		return r.permissionSetStep(id, p), nil
	case (p.Kind == org.KindGitHubOIDC || p.Kind == org.KindOIDCTokenFile) && id.Kind == org.KindAssumeRole && r.o.WebIdentity != nil:
		return r.webIdentityStep(id, p)
	default:
		return nil, fmt.Errorf("identity %s: %w yet: credentials from a %s provider (%s) for a %s identity", id.Name, ErrUnsupported, p.Kind, p.Name, id.Kind)
	}
}

func hashKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

// retrieve returns a step's credentials: from this process's memo, from
// the cache, or fetched, in that order. Fetching happens under a
// cross-process lock and re-checks the cache first, so when many
// processes need the same step at once only one calls AWS.
func (r *Resolver) retrieve(ctx context.Context, st *step) (Credentials, error) {
	now := r.o.Now()
	r.mu.Lock()
	c, ok := r.memo[st.key]
	r.mu.Unlock()
	if ok && c.ValidFor(now, r.o.RefreshBefore) {
		return c, nil
	}
	if c, ok := r.cached(ctx, st, now, true); ok {
		return c, nil
	}
	var parent Credentials
	if st.parent != nil {
		var err error
		if parent, err = r.retrieve(ctx, st.parent); err != nil {
			return Credentials{}, err
		}
	}
	release, err := r.o.Lock(ctx, st.key, func() { r.o.OnWait(st.identity) })
	if err != nil {
		return Credentials{}, fmt.Errorf("identity %s: %w", st.identity, err)
	}
	defer release()
	if c, ok := r.cached(ctx, st, r.o.Now(), false); ok {
		r.o.Trace("%s: fetched by another process meanwhile", st.identity)
		return c, nil
	}
	c, err = st.fetch(ctx, parent)
	if err != nil {
		return Credentials{}, err
	}
	r.o.Trace("%s: fetched, expires in %s", st.identity, until(r.o.Now(), c.Expiration))
	if err := r.o.Cache.Put(ctx, st.key, c); err != nil {
		r.o.Trace("%s: could not cache credentials: %v", st.identity, err)
	}
	r.remember(st.key, c)
	return c, nil
}

// cached looks st up in the cache; trace says whether to explain a miss
// (the re-check under the lock stays quiet).
func (r *Resolver) cached(ctx context.Context, st *step, now time.Time, trace bool) (Credentials, bool) {
	c, ok, err := r.o.Cache.Get(ctx, st.key)
	switch {
	case !trace && (err != nil || !ok || !c.ValidFor(now, r.o.RefreshBefore)):
		return Credentials{}, false
	case err != nil:
		r.o.Trace("%s: cache unreadable (%v); fetching", st.identity, err)
		return Credentials{}, false
	case !ok:
		r.o.Trace("%s: not cached", st.identity)
		return Credentials{}, false
	case !c.ValidFor(now, r.o.RefreshBefore):
		r.o.Trace("%s: cached, but expires in %s (renewing %s before expiry)", st.identity, until(now, c.Expiration), r.o.RefreshBefore)
		return Credentials{}, false
	}
	r.o.Trace("%s: cached, expires in %s", st.identity, until(now, c.Expiration))
	r.remember(st.key, c)
	return c, true
}

func (r *Resolver) remember(key string, c Credentials) {
	r.mu.Lock()
	r.memo[key] = c
	r.mu.Unlock()
}

func until(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Sub(now).Round(time.Second).String()
}

// Compiled on first use, not at start-up (credential-process).
var sessionNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\w+=,.@-]`) })

// SessionName makes s a valid role session name (2–64 of [\w+=,.@-]).
func SessionName(s string) string {
	s = sessionNameRe().ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	for len(s) < 2 {
		s += "-"
	}
	return s
}
