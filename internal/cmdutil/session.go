package cmdutil

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cli/browser"

	"github.com/sesame-cli/sesame/internal/auth"
	"github.com/sesame-cli/sesame/internal/auth/sso"
	"github.com/sesame-cli/sesame/internal/auth/webidentity"
	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/keycache"
	"github.com/sesame-cli/sesame/internal/lock"
	"github.com/sesame-cli/sesame/internal/org"
)

// Session is what the credential commands share: the organization for
// the selected profiles, the credential store, one Identity Center token
// provider per Identity Center provider, and the identity resolver.
type Session struct {
	Org      *org.Org
	Store    credstore.Store
	Resolver *auth.Resolver
	CacheDir string

	f           *Factory
	interactive bool
	loginOpts   LoginOptions
	endpoint    string
	mu          sync.Mutex
	tokens      map[string]*sso.Provider
	logger      *slog.Logger
	// http sends AWS calls; nil means awsapi's default. Set when
	// AWS_CA_BUNDLE names extra certificates to trust.
	http *http.Client
}

// LoginOptions are the sign-in choices of `sesame login`.
type LoginOptions struct {
	DeviceCode bool
	NoBrowser  bool
}

// SessionOptions tune NewSession for a command.
type SessionOptions struct {
	// Interactive allows opening a browser or prompting. Commands whose
	// output another program reads (credential-process) pass false.
	Interactive bool
	Login       LoginOptions
	// EndpointURL sends every AWS call to this endpoint (sesame demo's
	// in-process sandbox); empty uses the standard SDK settings.
	EndpointURL string
}

// CacheDir is where sesame keeps locks and the file credential store:
// SESAME_CACHE_DIR, else $XDG_CACHE_HOME/sesame, else ~/.cache/sesame.
func (f *Factory) CacheDir() (string, error) {
	if d := f.Getenv("SESAME_CACHE_DIR"); d != "" {
		return d, nil
	}
	if d := f.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "sesame"), nil
	}
	home := f.Getenv("HOME")
	if home == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory: set SESAME_CACHE_DIR (%w)", err)
		}
		return filepath.Join(d, "sesame"), nil
	}
	return filepath.Join(home, ".cache", "sesame"), nil
}

// NewSession resolves the organization and opens the credential store the
// profile (or SESAME_CREDENTIAL_STORE) names.
func (f *Factory) NewSession(ctx context.Context, so SessionOptions) (*Session, error) {
	o, err := f.Org()
	if err != nil {
		return nil, err
	}
	dir, err := f.CacheDir()
	if err != nil {
		return nil, err
	}
	backend := f.Getenv(credstore.EnvStore)
	if backend == "" {
		backend = o.Profile.CredentialStore
	}
	var prompt func(string) (string, error)
	if so.Interactive && !f.Globals.NoInput && f.IO.CanPrompt() {
		prompt = f.IO.ReadSecret
	}
	store, err := openStore(ctx, f.keyCache(), credstore.Options{Backend: backend, Dir: StoreDir(dir), Getenv: f.Getenv, Prompt: prompt})
	if err != nil {
		return nil, WithExitCode(err, ExitCredStoreFailed)
	}
	s := &Session{Org: o, Store: store, CacheDir: dir, f: f, tokens: map[string]*sso.Provider{}, loginOpts: so.Login, endpoint: so.EndpointURL,
		interactive: so.Interactive && !f.Globals.NoInput && f.IO.CanPrompt() && o.Profile.Login != "never",
		logger:      f.Logger()}
	if bundle := f.Getenv("AWS_CA_BUNDLE"); bundle != "" {
		if s.http, err = awsapi.HTTPClientWithCABundle(bundle); err != nil {
			return nil, err
		}
	}
	var cache auth.Cache = &auth.StoreCache{Store: store, IsNotFound: isNotFound,
		Warn: func(msg string) { fmt.Fprintln(f.IO.ErrOut, "warning: "+msg) }}
	locker := s.fileLocker()
	if store.Name() == credstore.BackendMemory {
		cache, locker = &auth.MemoryCache{}, auth.LocalLocker()
	}
	s.Resolver = auth.NewResolver(auth.Options{
		Org: o, Tokens: s.tokenSource, API: s.api, WebIdentity: s.webIdentity, Cache: cache, Lock: locker,
		RefreshBefore: o.Profile.RefreshBefore.D(),
		Trace:         func(format string, args ...any) { s.logger.Debug(fmt.Sprintf(format, args...)) },
		OnWait: func(identity string) {
			fmt.Fprintf(f.IO.ErrOut, "waiting for another sesame process to fetch %s\n", identity)
		},
	})
	return s, nil
}

// fileKeyTTL is how long the file store's unwrapped key stays in the
// kernel keyring after the passphrase was last entered.
const fileKeyTTL = 12 * time.Hour

// openStore opens the credential store. For the file store it first looks
// for the unwrapped data key in the kernel keyring, so only the first
// process after a sign-in (or after the key times out) pays for the
// passphrase KDF; the files on disk stay encrypted either way.
func openStore(ctx context.Context, kc keyCache, o credstore.Options) (credstore.Store, error) {
	if o.Backend != credstore.BackendFile {
		return credstore.Open(ctx, o)
	}
	desc := "sesame:file-store:" + hashDir(o.Dir)
	if key, ok := kc.Get(desc); ok {
		if fs, err := credstore.NewFileWithKey(o.Dir, key); err == nil {
			if err := fs.Unlock(ctx); err == nil {
				return fs, nil
			}
		}
		kc.Delete(desc) // stale: the store was recreated
	}
	st, err := credstore.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	fs, ok := st.(*credstore.FileStore)
	if !ok {
		return st, nil
	}
	if err := fs.Unlock(ctx); err != nil {
		return nil, err
	}
	_ = kc.Put(desc, fs.UnlockKey(), kc.ttl)
	return fs, nil
}

// keyCache is the kernel key cache with the lifetime to give new keys.
type keyCache struct {
	keycache.Cache
	ttl time.Duration
}

// keyCache honours SESAME_KEYCACHE_TTL: a duration (default 12h), or 0 /
// off to never park the file store's key.
func (f *Factory) keyCache() keyCache {
	v := f.Getenv("SESAME_KEYCACHE_TTL")
	switch v {
	case "":
		return keyCache{keycache.System(), fileKeyTTL}
	case "0", "off":
		return keyCache{keycache.None{}, 0}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return keyCache{keycache.None{}, 0}
	}
	return keyCache{keycache.System(), d}
}

// FastStore opens, without prompting and without a KDF, the store the
// credential-process fast path reads for backend: the file store itself
// (its key parked in the kernel keyring), or for the OS keyring the hot
// copy (see HotStore). ok is false when that is not possible.
func (f *Factory) FastStore(ctx context.Context, backend, cacheDir string) (credstore.Store, bool) {
	var dir, desc string
	switch backend {
	case credstore.BackendFile:
		dir = StoreDir(cacheDir)
		desc = "sesame:file-store:" + hashDir(dir)
	case credstore.BackendKeyring:
		dir = HotDir(cacheDir)
		desc = "sesame:hot-cache:" + hashDir(dir)
	default:
		return nil, false
	}
	key, ok := f.keyCache().Get(desc)
	if !ok {
		return nil, false
	}
	fs, err := credstore.NewFileWithKey(dir, key)
	if err != nil {
		return nil, false
	}
	return fs, true
}

// HotDir holds the hot copy of cached credentials for the keyring backend.
func HotDir(cacheDir string) string { return filepath.Join(cacheDir, "hot") }

// HotStore returns the hot copy of the cache for the OS keyring backend:
// an encrypted file store whose random key lives only in the kernel
// keyring. Reading a secret from the OS keyring costs a D-Bus round trip
// (milliseconds) per process; the hot copy lets credential-process skip it.
// When the kernel key is gone (expired, reboot) the copy is unreadable and
// is recreated with a new key.
func (f *Factory) HotStore(ctx context.Context, cacheDir string) (credstore.Store, error) {
	kc := f.keyCache()
	if kc.ttl == 0 {
		return nil, errors.New("key cache off")
	}
	if st, ok := f.FastStore(ctx, credstore.BackendKeyring, cacheDir); ok {
		if fs := st.(*credstore.FileStore); fs.Unlock(ctx) == nil {
			return fs, nil
		}
	}
	dir := HotDir(cacheDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	fs, err := credstore.NewFile(dir, func() (string, error) { return hex.EncodeToString(secret), nil })
	if err != nil {
		return nil, err
	}
	if err := fs.Unlock(ctx); err != nil {
		return nil, err
	}
	if err := kc.Put("sesame:hot-cache:"+hashDir(dir), fs.UnlockKey(), kc.ttl); err != nil {
		return nil, err
	}
	return fs, nil
}

// StoreDir is the file store's directory under the cache directory.
func StoreDir(cacheDir string) string { return filepath.Join(cacheDir, "store") }

func hashDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	h := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(h[:12])
}

func isNotFound(err error) bool { return errors.Is(err, credstore.ErrNotFound) }

// fileLocker locks names under the cache directory, across processes.
func (s *Session) fileLocker() auth.Locker {
	return func(ctx context.Context, name string, onWait func()) (func() error, error) {
		l := &lock.Lock{OnWait: onWait}
		return l.Acquire(ctx, filepath.Join(s.CacheDir, "locks", safeName(name)))
	}
}

func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}

// api is the AWS client for calls made for provider p in region: the
// standard endpoint settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) apply; a provider's endpoint_url
// and an explicit endpoint (the demo's sandbox) win over them. No ambient
// credentials, profiles or shared files are ever used.
func (s *Session) api(p *org.Provider, region string) *awsapi.Client {
	c := &awsapi.Client{Region: region, Getenv: s.f.Getenv, MaxAttempts: 3, UserAgent: "sesame/" + s.f.Version, HTTP: s.http}
	if p != nil && p.EndpointURL != "" {
		c.Endpoint = p.EndpointURL
	}
	if s.endpoint != "" {
		c.Endpoint = s.endpoint
	}
	return c
}

// HTTPClient is the client for other calls to AWS (the console's
// federation endpoint): nil, or one that trusts AWS_CA_BUNDLE.
func (s *Session) HTTPClient() *http.Client { return s.http }

// API is the AWS client for calls made with an identity's credentials.
func (s *Session) API(id *org.Identity) *awsapi.Client {
	var p *org.Provider
	if id != nil && len(id.Chain) > 0 {
		p, _ = s.Org.Provider(id.Chain[0])
	}
	return s.api(p, s.Region(id))
}

// Tokens returns the token provider of an Identity Center provider.
func (s *Session) Tokens(p *org.Provider) (*sso.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[p.Name]; ok {
		return t, nil
	}
	if p.Kind != org.KindIdentityCenter {
		return nil, fmt.Errorf("provider %s is %s, not an Identity Center provider", p.Name, p.Kind)
	}
	flow := sso.FlowAuto
	if s.loginOpts.DeviceCode || s.loginOpts.NoBrowser {
		flow = sso.FlowDeviceCode
	}
	policy := sso.LoginAuto
	if s.Org.Profile.Login == "never" {
		policy = sso.LoginNever
	}
	t, err := sso.New(sso.Options{
		StartURL: p.StartURL, Region: p.Region, Scopes: p.Scopes, API: s.api(p, p.Region),
		Store: s.Store, IsNotFound: isNotFound,
		Locker: func(ctx context.Context, name string) (func() error, error) {
			return s.fileLocker()(ctx, name, func() {})
		},
		Notifier: newNotifier(s.f.IO), Logger: s.logger, Getenv: s.f.Getenv,
		OpenBrowser: func(url string) error {
			if s.loginOpts.NoBrowser {
				return errors.New("--no-browser")
			}
			browser.Stdout, browser.Stderr = s.f.IO.ErrOut, s.f.IO.ErrOut
			return browser.OpenURL(url)
		},
		Flow: flow, NoBrowser: s.loginOpts.NoBrowser,
		Login: policy, Interactive: s.interactive,
	})
	if err != nil {
		return nil, err
	}
	s.tokens[p.Name] = t
	return t, nil
}

func (s *Session) tokenSource(p *org.Provider) (auth.TokenSource, error) { return s.Tokens(p) }

// webIdentity returns the token source of a machine provider.
func (s *Session) webIdentity(p *org.Provider) (webidentity.Source, error) {
	switch p.Kind {
	case org.KindGitHubOIDC:
		return webidentity.GitHub{Audience: p.Audience, Getenv: s.f.Getenv}, nil
	case org.KindOIDCTokenFile:
		return webidentity.File{Path: expandPath(p.TokenFile, s.f.Getenv)}, nil
	}
	return nil, fmt.Errorf("provider %s is %s, not a web identity provider", p.Name, p.Kind)
}

// expandPath expands $VAR, ${VAR} and a leading ~/ in a configured path.
func expandPath(p string, getenv func(string) string) string {
	p = os.Expand(p, getenv)
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home := getenv("HOME"); home != "" {
			p = filepath.Join(home, rest)
		}
	}
	return p
}

// Identity picks the identity to use: --identity / SESAME_IDENTITY, else
// the profile's default.
func (s *Session) Identity() (*org.Identity, error) {
	name := s.f.Globals.Identity
	if name == "" {
		for _, id := range s.Org.Identities {
			if id.Default {
				name = id.Name
			}
		}
	}
	if name == "" {
		return nil, WithHint(errors.New("no identity selected"),
			"pass --identity NAME (or set SESAME_IDENTITY), or set default_identity in the profile; 'sesame identities' lists them")
	}
	id, ok := s.Org.Identity(name)
	if !ok {
		return nil, WithHint(fmt.Errorf("unknown identity %q", name), "'sesame identities' lists the identities of the profile")
	}
	return id, nil
}

// Retrieve returns credentials for an identity.
func (s *Session) Retrieve(ctx context.Context, id *org.Identity) (auth.Credentials, error) {
	c, err := s.Resolver.Retrieve(ctx, id.Name)
	if err != nil {
		return c, classifyAuthError(err)
	}
	return c, nil
}

// Region is the region commands run with: the identity's, the profile's,
// then Identity Center's.
func (s *Session) Region(id *org.Identity) string { return s.Org.Region(id, "") }

// classifyAuthError attaches exit codes to the typed errors of sign-in
// and credential retrieval.
func classifyAuthError(err error) error {
	switch {
	case errors.Is(err, sso.ErrLoginRequired), errors.Is(err, webidentity.ErrNoToken):
		return WithExitCode(err, ExitAuthRequired)
	case errors.Is(err, auth.ErrAccessDenied):
		return WithExitCode(err, ExitAccessDenied)
	case errors.Is(err, credstore.ErrUnavailable):
		return WithExitCode(err, ExitCredStoreFailed)
	}
	return err
}

// Logger is the debug logger: to stderr with --debug, else discarded.
func (f *Factory) Logger() *slog.Logger {
	if f.Globals == nil || !f.Globals.Debug {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

// SelectedIdentity opens a session and picks the identity to act as.
func (f *Factory) SelectedIdentity(ctx context.Context, so SessionOptions) (*Session, *org.Identity, error) {
	s, err := f.NewSession(ctx, so)
	if err != nil {
		return nil, nil, err
	}
	id, err := s.Identity()
	if err != nil {
		return nil, nil, err
	}
	return s, id, nil
}

// SelectedCredentials opens a session, picks the identity and retrieves its
// credentials: what exec, env and credential-process all start with.
func (f *Factory) SelectedCredentials(ctx context.Context, so SessionOptions) (*Session, *org.Identity, auth.Credentials, error) {
	s, id, err := f.SelectedIdentity(ctx, so)
	if err != nil {
		return nil, nil, auth.Credentials{}, err
	}
	c, err := s.Retrieve(ctx, id)
	return s, id, c, err
}
