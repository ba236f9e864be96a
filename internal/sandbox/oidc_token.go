package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"math"
	"net/http"
	"slices"
	"time"
)

const (
	accessTokenLifetime  = 8 * time.Hour // expiresIn 28800, as Identity Center
	refreshTokenLifetime = 7 * 24 * time.Hour
)

type createTokenIn struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	GrantType    string   `json:"grantType"`
	DeviceCode   string   `json:"deviceCode"`
	Code         string   `json:"code"`
	RefreshToken string   `json:"refreshToken"`
	Scope        []string `json:"scope"`
	RedirectURI  string   `json:"redirectUri"`
	CodeVerifier string   `json:"codeVerifier"`
}

type createTokenOut struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int64  `json:"expiresIn"`
	RefreshToken string `json:"refreshToken,omitempty"`
}

// grant is who a successful grant signs in, and until when the sign-in
// session may be refreshed.
type grant struct {
	user       string
	scopes     []string
	sessionEnd time.Time
}

func (s *Sandbox) createToken(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	var in createTokenIn
	if e := decodeBody(r, &in); e != nil {
		return e
	}
	if e := required(protoOIDC, "clientId", in.ClientID, "clientSecret", in.ClientSecret, "grantType", in.GrantType); e != nil {
		return e
	}
	if in.GrantType != grantDevice && in.GrantType != grantCode && in.GrantType != grantRefresh {
		return errOIDC("UnsupportedGrantTypeException", "unsupported_grant_type", "grantType %q is not supported", in.GrantType)
	}
	accessTTL := s.lifetime("access_token", accessTokenLifetime)
	refreshTTL := s.lifetime("refresh_token", refreshTokenLifetime)
	var out *createTokenOut
	var e *apiError
	s.locked(func() { out, e = s.createTokenLocked(&in, accessTTL, refreshTTL) })
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Sandbox) createTokenLocked(in *createTokenIn, accessTTL, refreshTTL time.Duration) (*createTokenOut, *apiError) {
	now := s.now()
	c, e := s.clientLocked(in.ClientID, in.ClientSecret, now)
	if e != nil {
		return nil, e
	}
	if !c.allows(in.GrantType) {
		return nil, errOIDC("UnauthorizedClientException", "unauthorized_client", "the client was not registered for the %s grant", in.GrantType)
	}
	// Every attempt can change state: a poll moves LastPoll, a failed code
	// exchange burns the code.
	s.markDirty()
	var g grant
	switch in.GrantType {
	case grantDevice:
		g, e = s.deviceGrantLocked(c, in, now)
	case grantCode:
		g, e = s.codeGrantLocked(c, in, now)
	default:
		g, e = s.refreshGrantLocked(c, in, now)
	}
	if e != nil {
		return nil, e
	}
	at := &accessToken{User: g.user, ClientID: c.ID, Scopes: g.scopes, ExpiresAt: now.Add(accessTTL)}
	out := &createTokenOut{AccessToken: randomToken("aoa", 96), TokenType: "Bearer", ExpiresIn: int64(math.Ceil(accessTTL.Seconds()))}
	// Identity Center only issues refresh tokens to clients registered
	// with scopes; a legacy scope-less registration gets an 8 h token and
	// has to sign in again.
	if len(g.scopes) > 0 && c.allows(grantRefresh) {
		if g.sessionEnd.IsZero() {
			g.sessionEnd = now.Add(refreshTTL)
		}
		out.RefreshToken = randomToken("aor", 96)
		at.Refresh = out.RefreshToken
		s.st.Refresh[out.RefreshToken] = &refreshTok{User: g.user, ClientID: c.ID, Scopes: g.scopes, ExpiresAt: g.sessionEnd}
	}
	s.st.Tokens[out.AccessToken] = at
	return out, nil
}

// deviceGrantLocked answers a device-code poll (RFC 8628 §3.4–3.5).
func (s *Sandbox) deviceGrantLocked(c *client, in *createTokenIn, now time.Time) (grant, *apiError) {
	if in.DeviceCode == "" {
		return grant{}, errBadRequest(protoOIDC, "deviceCode is required with the device_code grant")
	}
	d, ok := s.st.Devices[in.DeviceCode]
	switch {
	case !ok || d.ClientID != c.ID:
		return grant{}, errOIDC("InvalidGrantException", "invalid_grant", "unknown device code")
	case d.Used:
		return grant{}, errOIDC("InvalidGrantException", "invalid_grant", "the device code was already exchanged for a token")
	case !now.Before(d.ExpiresAt):
		return grant{}, errOIDC("ExpiredTokenException", "expired_token", "the device code expired; start the sign-in again")
	case d.Denied:
		return grant{}, &apiError{Status: 400, Code: "AccessDeniedException", OAuth: "access_denied", Message: "the user denied the sign-in"}
	case d.ApprovedBy != "":
		d.Used = true
		return grant{user: d.ApprovedBy, scopes: d.Scopes}, nil
	}
	// Still pending. Polling faster than the interval earns slow_down, and
	// the interval grows by 5 s for this and every later poll (RFC 8628
	// §3.5). An approved code is handed out at once, whatever the pace.
	if !d.LastPoll.IsZero() && now.Sub(d.LastPoll) < d.Interval {
		d.Interval += slowDownStep
		d.LastPoll = now
		return grant{}, errOIDC("SlowDownException", "slow_down", "polling too fast; wait %d s between polls", int(d.Interval/time.Second))
	}
	d.LastPoll = now
	return grant{}, errOIDC("AuthorizationPendingException", "authorization_pending", "%s", "the user has not approved the sign-in yet")
}

// codeGrantLocked exchanges an authorization code (RFC 6749 §4.1.3) with
// PKCE (RFC 7636). A code is burnt by its first exchange, good or bad.
func (s *Sandbox) codeGrantLocked(c *client, in *createTokenIn, now time.Time) (grant, *apiError) {
	if e := required(protoOIDC, "code", in.Code, "redirectUri", in.RedirectURI, "codeVerifier", in.CodeVerifier); e != nil {
		return grant{}, e
	}
	ac, ok := s.st.Codes[in.Code]
	bad := func(msg string) (grant, *apiError) {
		return grant{}, errOIDC("InvalidGrantException", "invalid_grant", "%s", msg)
	}
	switch {
	case !ok || ac.User == "": // a pending /authorize request is no code
		return bad("unknown authorization code")
	case ac.Used:
		return bad("the authorization code was already used")
	}
	ac.Used = true
	switch {
	case ac.ClientID != c.ID:
		return bad("the authorization code was issued to another client")
	case !now.Before(ac.ExpiresAt):
		return bad("the authorization code expired")
	case in.RedirectURI != ac.RedirectURI:
		return bad("redirectUri differs from the redirect_uri given to /authorize")
	case !pkceMatches(in.CodeVerifier, ac.Challenge):
		return bad("codeVerifier does not match the code_challenge (S256)")
	}
	return grant{user: ac.User, scopes: ac.Scopes}, nil
}

// pkceMatches checks S256: BASE64URL-NOPAD(SHA256(verifier)) == challenge.
func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// refreshGrantLocked rotates a refresh token: the one presented stops
// working and a new one is returned with the access token. The sign-in
// session does not grow: the new refresh token expires with the old one.
func (s *Sandbox) refreshGrantLocked(c *client, in *createTokenIn, now time.Time) (grant, *apiError) {
	if in.RefreshToken == "" {
		return grant{}, errBadRequest(protoOIDC, "refreshToken is required with the refresh_token grant")
	}
	rt, ok := s.st.Refresh[in.RefreshToken]
	switch {
	case !ok || rt.ClientID != c.ID:
		return grant{}, errOIDC("InvalidGrantException", "invalid_grant", "unknown refresh token")
	case rt.Rotated:
		return grant{}, errOIDC("InvalidGrantException", "invalid_grant", "the refresh token was already used; refresh tokens rotate, use the one the last CreateToken returned")
	case !now.Before(rt.ExpiresAt):
		return grant{}, errOIDC("InvalidGrantException", "invalid_grant", "the refresh token expired; sign in again")
	}
	scopes := rt.Scopes
	if len(in.Scope) > 0 {
		for _, sc := range in.Scope {
			if !slices.Contains(rt.Scopes, sc) {
				return grant{}, errOIDC("InvalidScopeException", "invalid_scope", "scope %q was not granted to this session", sc)
			}
		}
		scopes = in.Scope
	}
	rt.Rotated = true
	return grant{user: rt.User, scopes: scopes, sessionEnd: rt.ExpiresAt}, nil
}
