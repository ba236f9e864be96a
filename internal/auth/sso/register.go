package sso

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// redirectURI is what a PKCE client registers: loopback without a port,
// as the AWS CLI does. Identity Center (RFC 8252 §7.3) then accepts the
// same URI with whatever port the listener got.
const (
	callbackPath = "/oauth/callback"
	redirectURI  = "http://127.0.0.1" + callbackPath
)

// registration is an OIDC client ready to start a sign-in.
type registration struct {
	ClientID, ClientSecret string
	ExpiresAt              time.Time
	Scopes, GrantTypes     []string
	AuthorizeEndpoint      string // from RegisterClient; empty when reused
	reused                 bool
}

// register reuses prev's registration when it suits flow, or registers a
// new public client.
func (p *Provider) register(ctx context.Context, prev *Session, flow Flow) (*registration, error) {
	if prev.reusableFor(flow, p.o.Scopes, p.o.Now()) {
		p.o.Logger.Debug("reusing the sso client registration", "flow", flow, "expiresAt", prev.RegistrationExpiresAt)
		return &registration{ClientID: prev.ClientID, ClientSecret: prev.ClientSecret, ExpiresAt: prev.RegistrationExpiresAt,
			Scopes: prev.Scopes, GrantTypes: prev.GrantTypes, reused: true}, nil
	}
	in := &awsapi.RegisterClientInput{ClientName: p.o.ClientName, ClientType: "public", Scopes: slices.Clone(p.o.Scopes)}
	if flow == FlowPKCE {
		in.GrantTypes = []string{grantCode, grantRefresh}
		in.RedirectURIs = []string{redirectURI}
		in.IssuerURL = p.o.StartURL
	}
	out, err := p.api.RegisterClient(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("register with IAM Identity Center: %w", err)
	}
	p.o.Logger.Debug("registered an sso client", "flow", flow)
	return &registration{
		ClientID: out.ClientID, ClientSecret: out.ClientSecret,
		ExpiresAt: out.SecretExpiry(), Scopes: in.Scopes, GrantTypes: in.GrantTypes,
		AuthorizeEndpoint: out.AuthorizationEndpoint,
	}, nil
}

// session is a signed-in session for this registration and token.
func (r *registration) session(out *awsapi.CreateTokenOutput, now time.Time) *Session {
	s := &Session{
		ClientID: r.ClientID, ClientSecret: r.ClientSecret, RegistrationExpiresAt: r.ExpiresAt,
		Scopes: r.Scopes, GrantTypes: r.GrantTypes,
	}
	s.applyToken(out, now)
	return s
}
