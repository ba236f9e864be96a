package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// verifierChars are RFC 7636's unreserved characters.
const verifierChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

// newVerifier draws a 64-character PKCE code verifier (as the AWS CLI).
func newVerifier() string { return randomString(verifierChars, 64) }

// newState draws the OAuth state: 32 URL-safe characters, ~190 bits.
func newState() string {
	return randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 32)
}

// challenge is the S256 code challenge: BASE64URL(SHA256(verifier)), no "=".
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomString draws n characters uniformly from chars (len(chars) ≤ 256).
func randomString(chars string, n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	limit := 256 - 256%len(chars) // reject bytes that would bias the draw
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("crypto/rand failed: " + err.Error()) // cannot happen on supported systems
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, chars[int(b)%len(chars)])
			}
		}
	}
	return string(out)
}

// authorizeURL is the browser's way into the sign-in. Identity Center
// spells the scope parameter "scopes".
func authorizeURL(endpoint, clientID, redirect, state, verifier string, scopes []string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge":        {challenge(verifier)},
		"code_challenge_method": {"S256"},
		"scopes":                {strings.Join(scopes, " ")},
	}
	return endpoint + "?" + q.Encode()
}

// authorizeEndpoint is the registration's authorizationEndpoint, or the
// SSO OIDC endpoint's /authorize (a reused registration does not carry it).
func (p *Provider) authorizeEndpoint(ctx context.Context, reg *registration) (string, error) {
	if reg.AuthorizeEndpoint != "" {
		return reg.AuthorizeEndpoint, nil
	}
	return p.api.URL(awsapi.OIDC) + "/authorize", nil
}

// pkce runs the authorization code flow with PKCE. The loopback listener
// is bound before the browser opens (a browser that is quicker than the
// listener gets "connection refused").
func (p *Provider) pkce(ctx context.Context, prev *Session) (*Session, error) {
	reg, err := p.register(ctx, prev, FlowPKCE)
	if err != nil {
		return nil, err
	}
	endpoint, err := p.authorizeEndpoint(ctx, reg)
	if err != nil {
		return nil, err
	}
	state, verifier := newState(), newVerifier()
	cb, err := listenCallback(state)
	if err != nil {
		return nil, err
	}
	defer cb.close()
	u := authorizeURL(endpoint, reg.ClientID, cb.redirectURI, state, verifier, reg.Scopes)
	if err := p.o.OpenBrowser(u); err != nil {
		// The opener's error may quote the URL, and with it the state.
		return nil, fmt.Errorf("%w: %s", errNoBrowser, strings.ReplaceAll(err.Error(), u, "<authorize URL>"))
	}
	p.o.Notifier.Waiting("complete the sign-in in your browser")
	defer p.o.Notifier.Done()
	code, err := cb.wait(ctx)
	if err != nil {
		return nil, err
	}
	out, err := p.api.CreateToken(ctx, &awsapi.CreateTokenInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: grantCode, Code: code,
		RedirectURI: cb.redirectURI, CodeVerifier: verifier,
	})
	if err != nil {
		return nil, fmt.Errorf("exchange the authorization code: %w", err)
	}
	return reg.session(out, p.o.Now()), nil
}
