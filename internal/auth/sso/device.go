package sso

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
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
	in := &ssooidc.CreateTokenInput{
		ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
		GrantType: aws.String(grantDevice), DeviceCode: start.DeviceCode,
	}
	interval := time.Duration(start.Interval) * time.Second
	if interval <= 0 {
		interval = defaultPollInterval
	}
	deadline := p.o.Now().Add(time.Duration(start.ExpiresIn) * time.Second)
	// One attempt before showing the code: an already approved sign-in
	// (a sandbox with auto-approve) needs nobody.
	out, err := p.oidc.CreateToken(ctx, in)
	if err == nil {
		return reg.session(out, p.o.Now()), nil
	}
	if !retryable(err) {
		return nil, deviceError(err)
	}
	uri := aws.ToString(start.VerificationUriComplete)
	if uri == "" {
		uri = aws.ToString(start.VerificationUri)
	}
	p.o.Notifier.ShowCode(uri, aws.ToString(start.UserCode))
	defer p.o.Notifier.Done()
	if open {
		if oerr := p.o.OpenBrowser(uri); oerr != nil {
			p.o.Logger.Debug("could not open the verification page", "error", oerr)
		}
	}
	for {
		var slow *types.SlowDownException
		if errors.As(err, &slow) {
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
		if out, err = p.oidc.CreateToken(ctx, in); err == nil {
			return reg.session(out, p.o.Now()), nil
		}
	}
}

// startDevice registers (or reuses) a device-code client and starts an
// authorization. A reused registration Identity Center no longer knows is
// replaced once.
func (p *Provider) startDevice(ctx context.Context, prev *Session) (*registration, *ssooidc.StartDeviceAuthorizationOutput, error) {
	for attempt := 0; ; attempt++ {
		reg, err := p.register(ctx, prev, FlowDeviceCode)
		if err != nil {
			return nil, nil, err
		}
		start, err := p.oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret), StartUrl: aws.String(p.o.StartURL),
		})
		var invalid *types.InvalidClientException
		if errors.As(err, &invalid) && reg.reused && attempt == 0 {
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
	var slow *types.SlowDownException
	var pending *types.AuthorizationPendingException
	return errors.As(err, &slow) || errors.As(err, &pending)
}

func deviceError(err error) error {
	var expired *types.ExpiredTokenException
	var denied *types.AccessDeniedException
	switch {
	case errors.As(err, &expired):
		return fmt.Errorf("the device code expired before the sign-in was approved; run the sign-in again: %w", err)
	case errors.As(err, &denied):
		return fmt.Errorf("the sign-in was denied: %w", err)
	}
	return fmt.Errorf("waiting for the sign-in to be approved: %w", err)
}
