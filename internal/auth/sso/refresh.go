package sso

import (
	"context"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// SSO OIDC grant types as RegisterClient and CreateToken spell them.
const (
	grantCode    = "authorization_code"
	grantRefresh = "refresh_token"
	grantDevice  = "urn:ietf:params:oauth:grant-type:device_code"
)

// refreshLocked renews s with its refresh token and stores the result
// before the lock is released. Identity Center rotates refresh tokens:
// the one sent stops working, so the new one must reach the store before
// any other process looks (the caller holds the session's lock, and
// re-read s under it).
func (p *Provider) refreshLocked(ctx context.Context, s *Session) (*Session, error) {
	p.o.Logger.Debug("refreshing the sso token", "startUrl", p.o.StartURL, "expiresAt", s.ExpiresAt)
	out, err := p.api.CreateToken(ctx, &awsapi.CreateTokenInput{
		ClientID: s.ClientID, ClientSecret: s.ClientSecret, GrantType: grantRefresh, RefreshToken: s.RefreshToken,
	})
	if err != nil {
		return nil, err
	}
	ns := *s
	ns.applyToken(out, p.o.Now())
	if out.RefreshToken == "" {
		// Not rotated: the old refresh token still works (botocore keeps
		// it too); dropping it would cost a sign-in.
		ns.RefreshToken = s.RefreshToken
	}
	if err := p.save(ctx, &ns); err != nil {
		return nil, err
	}
	return &ns, nil
}

// applyToken takes a CreateToken answer into the session.
func (s *Session) applyToken(out *awsapi.CreateTokenOutput, now time.Time) {
	s.AccessToken = out.AccessToken
	s.RefreshToken = out.RefreshToken
	expiresIn := time.Duration(out.ExpiresIn) * time.Second
	if expiresIn <= 0 {
		expiresIn = time.Hour
	}
	s.IssuedAt, s.ExpiresAt = now.UTC(), now.Add(expiresIn).UTC()
}
