package sso

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// SecretStore keeps the session (it holds tokens and the client secret).
// Get reports a missing key with an error for which IsNotFound is true.
type SecretStore interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
}

// Locker takes a cross-process lock called name, waiting for it as long as
// ctx allows. The returned release frees it.
type Locker func(ctx context.Context, name string) (release func() error, err error)

// Notifier shows a person what a sign-in waits for. The CLI draws it as a
// spinner on stderr; it must be safe to call from any goroutine.
type Notifier interface {
	// ShowCode asks the person to open uri and confirm code (device flow).
	ShowCode(uri, code string)
	// Waiting says what is being waited for.
	Waiting(msg string)
	// Done ends what ShowCode or Waiting started.
	Done()
}

// Flow is a way to sign in.
type Flow string

const (
	// FlowAuto picks PKCE or the device code by the rule in ChooseFlow.
	FlowAuto Flow = ""
	// FlowPKCE is the authorization code with PKCE and a loopback redirect.
	FlowPKCE Flow = "pkce"
	// FlowDeviceCode is the device authorization grant (RFC 8628).
	FlowDeviceCode Flow = "device-code"
)

// LoginPolicy says whether Token may start a sign-in by itself.
type LoginPolicy string

const (
	// LoginAuto signs in from Token when Options.Interactive is set.
	LoginAuto LoginPolicy = ""
	// LoginNever never signs in from Token (profiles for CI).
	LoginNever LoginPolicy = "never"
)

// DefaultScopes are the registration scopes: with scopes Identity Center
// issues a refresh token, without them an 8 h token that cannot be renewed.
var DefaultScopes = []string{"sso:account:access"}

// Defaults of the Options durations.
const (
	DefaultLoginTimeout  = 10 * time.Minute
	DefaultRefreshBefore = 10 * time.Minute
)

// Options configure a Provider.
type Options struct {
	StartURL string // Identity Center start URL (required)
	Region   string // Identity Center region (required)
	Scopes   []string
	// API calls SSO OIDC and the SSO portal; its Region is replaced by
	// Region. Tests point its Endpoint at the sandbox. nil: AWS itself.
	API *awsapi.Client

	Store      SecretStore                                // required
	IsNotFound func(error) bool                           // required: is this Store.Get error "absent"?
	Locker     Locker                                     // default: a lock inside this Provider only
	Notifier   Notifier                                   // default: silent
	Logger     *slog.Logger                               // debug breadcrumbs; never secrets
	Now        func() time.Time                           // default time.Now
	Sleep      func(context.Context, time.Duration) error // device-flow polling
	Getenv     func(string) string                        // default os.Getenv
	GOOS       string                                     // default runtime.GOOS
	// OpenBrowser opens url for the person; default: none (device code).
	OpenBrowser func(url string) error

	Flow      Flow // --device-code sets FlowDeviceCode
	NoBrowser bool // print the URL and code, open nothing (device code)
	// ClientName is RegisterClient's clientName; default "sesame".
	ClientName    string
	LoginTimeout  time.Duration // whole sign-in; default 10 min
	RefreshBefore time.Duration // renew this long before expiry; default 10 min

	// Login and Interactive decide whether Token may sign in when the
	// session cannot be refreshed; otherwise it returns ErrLoginRequired.
	// Interactive means a person can answer (a TTY and no --no-input).
	Login       LoginPolicy
	Interactive bool
}

func (o *Options) setDefaults() error {
	switch {
	case o.StartURL == "" || o.Region == "":
		return errors.New("sso: the Identity Center start URL and region are required")
	case o.Store == nil || o.IsNotFound == nil:
		return errors.New("sso: a secret store and its IsNotFound are required")
	}
	if len(o.Scopes) == 0 {
		o.Scopes = DefaultScopes
	}
	if o.Notifier == nil {
		o.Notifier = silent{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.GOOS == "" {
		o.GOOS = runtime.GOOS
	}
	if o.ClientName == "" {
		o.ClientName = "sesame"
	}
	if o.LoginTimeout <= 0 {
		o.LoginTimeout = DefaultLoginTimeout
	}
	if o.RefreshBefore <= 0 {
		o.RefreshBefore = DefaultRefreshBefore
	}
	return nil
}

type silent struct{}

func (silent) ShowCode(string, string) {}
func (silent) Waiting(string)          {}
func (silent) Done()                   {}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
