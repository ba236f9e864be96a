package sso

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

const (
	defaultPollInterval = 5 * time.Second // RFC 8628 §3.2
	slowDownStep        = 5 * time.Second // RFC 8628 §3.5
)

// device runs the device authorization flow: the person opens a URL on
// any device and confirms a code, while we poll CreateToken. open says
// whether to also open the verification page in a browser here.
func (p *Provider) device(ctx context.Context, prev *Session, open bool) (*Session, error) {
	reg, start, err := p.startDevice(ctx, prev)
	if err != nil {
		return nil, err
	}
	in := &awsapi.CreateTokenInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantDevice, DeviceCode: start.DeviceCode,
	}
	interval := time.Duration(start.Interval) * time.Second
	if interval <= 0 {
		interval = defaultPollInterval
	}
	deadline := p.o.Now().Add(time.Duration(start.ExpiresIn) * time.Second)
	// One attempt before showing the code: an already approved sign-in
	// (a sandbox with auto-approve) needs nobody.
	out, err := p.api.CreateToken(ctx, in)
	if err == nil {
		return reg.session(out, p.o.Now()), nil
	}
	if !retryable(err) {
		return nil, deviceError(err)
	}
	uri := start.VerificationURIComplete
	if uri == "" {
		uri = start.VerificationURI
	}
	p.o.Notifier.ShowCode(uri, start.UserCode)
	defer p.o.Notifier.Done()
	if open {
		if oerr := p.o.OpenBrowser(uri); oerr != nil {
			p.o.Logger.Debug("could not open the verification page", "error", oerr)
		}
	}
	for {
		if awsapi.Code(err) == codeSlowDown {
			interval += slowDownStep
		} else if !retryable(err) {
			return nil, deviceError(err)
		}
		if start.ExpiresIn > 0 && !p.o.Now().Before(deadline) {
			return nil, errors.New("the device code expired before the sign-in was approved; run the sign-in again")
		}
		if err := p.o.Sleep(ctx, interval); err != nil {
			return nil, fmt.Errorf("waiting for the sign-in to be approved: %w", err)
		}
		if out, err = p.api.CreateToken(ctx, in); err == nil {
			return reg.session(out, p.o.Now()), nil
		}
	}
}

// startDevice registers (or reuses) a device-code client and starts an
// authorization. A reused registration Identity Center no longer knows is
// replaced once.
func (p *Provider) startDevice(ctx context.Context, prev *Session) (*registration, *awsapi.StartDeviceAuthorizationOutput, error) {
	for attempt := 0; ; attempt++ {
		reg, err := p.register(ctx, prev, FlowDeviceCode)
		if err != nil {
			return nil, nil, err
		}
		start, err := p.api.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{
			ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: p.o.StartURL,
		})
		if awsapi.Code(err) == codeInvalidClient && reg.reused && attempt == 0 {
			prev = nil // the reused registration is gone: register anew
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("start the device sign-in: %w", err)
		}
		return reg, start, nil
	}
}

// retryable: the sign-in is not approved yet; poll again.
func retryable(err error) bool {
	code := awsapi.Code(err)
	return code == codeSlowDown || code == codePending
}

func deviceError(err error) error {
	switch awsapi.Code(err) {
	case codeExpiredToken:
		return fmt.Errorf("the device code expired before the sign-in was approved; run the sign-in again: %w", err)
	case codeAccessDenied:
		return fmt.Errorf("the sign-in was denied: %w", err)
	}
	return fmt.Errorf("waiting for the sign-in to be approved: %w", err)
}
