package sso

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Action is what Login did.
type Action string

const (
	ActionValid     Action = "valid"     // the session was fresh: nothing done
	ActionRefreshed Action = "refreshed" // renewed with the refresh token
	ActionSignedIn  Action = "signed-in" // a sign-in flow ran
)

// LoginResult is the session after Login and how it came about.
type LoginResult struct {
	Session *Session
	Action  Action
	Flow    Flow // the flow that ran, when Action is ActionSignedIn
}

// Login signs in to the session with the method of opts (see ChooseFlow).
func Login(ctx context.Context, opts Options, force bool) (LoginResult, error) {
	p, err := New(opts)
	if err != nil {
		return LoginResult{}, err
	}
	return p.Login(ctx, force)
}

// Login makes sure the session is signed in. A fresh session is left as
// it is and one that can be refreshed is refreshed, unless force asks
// for a new sign-in. It runs under the session's lock, so concurrent
// sign-ins to one session (from any process) run one after the other and
// the later ones find the session fresh.
func (p *Provider) Login(ctx context.Context, force bool) (LoginResult, error) {
	release, err := p.lock(ctx)
	if err != nil {
		return LoginResult{}, err
	}
	defer func() { _ = release() }()
	s, err := p.load(ctx)
	if err != nil {
		return LoginResult{}, err
	}
	now := p.o.Now()
	if !force {
		if s.fresh(now, p.o.RefreshBefore) {
			p.remember(s)
			return LoginResult{Session: s, Action: ActionValid}, nil
		}
		if s.canRefresh(now) {
			ns, err := p.refreshLocked(ctx, s)
			if err == nil {
				return LoginResult{Session: ns, Action: ActionRefreshed}, nil
			}
			p.o.Logger.Debug("sso refresh failed; signing in", "error", err)
		}
	}
	ns, flow, err := p.signInLocked(ctx, s)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Session: ns, Action: ActionSignedIn, Flow: flow}, nil
}

// ChooseFlow is the sign-in rule. FlowDeviceCode when asked for
// (--device-code), when nothing should be opened (--no-browser), over SSH
// (SSH_CONNECTION or SSH_TTY set: a browser here could not reach our
// loopback listener there), on a Unix other than macOS without a display
// (DISPLAY and WAYLAND_DISPLAY empty), or without a browser opener.
// Otherwise FlowPKCE; Login still falls back to the device code when the
// browser fails to open.
func ChooseFlow(o Options) Flow {
	getenv := o.Getenv
	switch {
	case o.Flow != FlowAuto:
		return o.Flow
	case o.NoBrowser || o.OpenBrowser == nil:
		return FlowDeviceCode
	case getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "":
		return FlowDeviceCode
	case needsDisplay(o.GOOS) && getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "":
		return FlowDeviceCode
	}
	return FlowPKCE
}

// needsDisplay: Unix desktops where a browser needs X11 or Wayland.
func needsDisplay(goos string) bool {
	return slices.Contains([]string{"linux", "freebsd", "openbsd", "netbsd", "dragonfly", "solaris", "illumos"}, goos)
}

// errNoBrowser: the browser did not open, so PKCE cannot work here.
var errNoBrowser = errors.New("the browser could not be opened")

// signInLocked runs a sign-in flow and stores its session; the caller
// holds the lock. prev is the stored session, for its registration.
func (p *Provider) signInLocked(ctx context.Context, prev *Session) (*Session, Flow, error) {
	ctx, cancel := context.WithTimeout(ctx, p.o.LoginTimeout)
	defer cancel()
	flow := ChooseFlow(p.o)
	var s *Session
	var err error
	if flow == FlowPKCE {
		s, err = p.pkce(ctx, prev)
		if errors.Is(err, errNoBrowser) {
			p.o.Logger.Debug("browser did not open; using the device code", "error", err)
			flow = FlowDeviceCode
		}
	}
	if flow == FlowDeviceCode {
		// Asked for the device code where a browser would work: open the
		// verification page for the person, as the AWS CLI does.
		auto := p.o
		auto.Flow = FlowAuto
		s, err = p.device(ctx, prev, p.o.Flow == FlowDeviceCode && ChooseFlow(auto) == FlowPKCE)
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("sign-in to %s timed out after %s: %w", p.o.StartURL, p.o.LoginTimeout, err)
		}
		return nil, flow, err
	}
	if err := p.save(ctx, s); err != nil {
		return nil, flow, err
	}
	p.o.Logger.Debug("signed in to IAM Identity Center", "startUrl", p.o.StartURL, "flow", flow, "expiresAt", s.ExpiresAt)
	return s, flow, nil
}
