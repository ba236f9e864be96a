package sandbox

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// SSO OIDC grant types, as RegisterClient and CreateToken spell them.
const (
	grantDevice  = "urn:ietf:params:oauth:grant-type:device_code"
	grantCode    = "authorization_code"
	grantRefresh = "refresh_token"
)

const (
	clientLifetime   = 90 * 24 * time.Hour // RegisterClient's clientSecretExpiresAt
	deviceLifetime   = 600 * time.Second
	deviceInterval   = time.Second
	slowDownStep     = 5 * time.Second // RFC 8628 §3.5
	codeLifetime     = 5 * time.Minute
	authorizeTimeout = 10 * time.Minute // how long a sign-in page waits for the user
)

type registerIn struct {
	ClientName   string   `json:"clientName"`
	ClientType   string   `json:"clientType"`
	Scopes       []string `json:"scopes"`
	RedirectURIs []string `json:"redirectUris"`
	GrantTypes   []string `json:"grantTypes"`
	IssuerURL    string   `json:"issuerUrl"`
	// Accepted and ignored: the sandbox has no applications.
	EntitledApplicationARN string `json:"entitledApplicationArn"`
}

type registerOut struct {
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	ClientIDIssuedAt      int64  `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"`
	AuthorizationEndpoint string `json:"authorizationEndpoint"`
	TokenEndpoint         string `json:"tokenEndpoint"`
}

// locked runs f holding s.mu. The deferred unlock keeps the sandbox
// usable should f panic (the dispatcher answers that request with a 500).
func (s *Sandbox) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func errOIDC(code, oauth, format string, args ...any) *apiError {
	return &apiError{Status: 400, Code: code, OAuth: oauth, Message: fmt.Sprintf(format, args...)}
}

func errInvalidClient(msg string) *apiError {
	return &apiError{Status: 401, Code: "InvalidClientException", OAuth: "invalid_client", Message: msg}
}

func (s *Sandbox) registerClient(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	var in registerIn
	if e := decodeBody(r, &in); e != nil {
		return e
	}
	if e := required(protoOIDC, "clientName", in.ClientName, "clientType", in.ClientType); e != nil {
		return e
	}
	if in.ClientType != "public" {
		return errOIDC("InvalidClientMetadataException", "invalid_client_metadata", "clientType must be \"public\", not %q", in.ClientType)
	}
	for _, g := range in.GrantTypes {
		if g != grantDevice && g != grantCode && g != grantRefresh {
			return errOIDC("InvalidClientMetadataException", "invalid_client_metadata",
				"grantTypes: %q is not one of %s, %s, %s", g, grantCode, grantRefresh, grantDevice)
		}
	}
	for _, sc := range in.Scopes {
		if strings.TrimSpace(sc) == "" || strings.ContainsAny(sc, " \t\r\n") {
			return errOIDC("InvalidScopeException", "invalid_scope", "scopes: %q is not a valid scope", sc)
		}
	}
	for _, u := range in.RedirectURIs {
		if !validRedirect(u) {
			return errOIDC("InvalidRedirectUriException", "invalid_redirect_uri",
				"redirectUris: %q must be an https URL or an http loopback URL (127.0.0.1, localhost, [::1])", u)
		}
	}
	if slices.Contains(in.GrantTypes, grantCode) && len(in.RedirectURIs) == 0 {
		return errBadRequest(protoOIDC, "redirectUris is required with the authorization_code grant")
	}
	if in.IssuerURL != "" {
		if u, err := url.Parse(in.IssuerURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return errBadRequest(protoOIDC, fmt.Sprintf("issuerUrl %q is not an absolute URL", in.IssuerURL))
		}
	}
	c := &client{
		ID: "sbx" + randomToken("", 24), Secret: randomToken("", 48), Name: in.ClientName, Type: in.ClientType,
		Scopes: in.Scopes, GrantTypes: in.GrantTypes, RedirectURIs: in.RedirectURIs,
	}
	s.locked(func() {
		now := s.now()
		s.pruneLocked(now)
		c.IssuedAt, c.ExpiresAt = now.UTC().Truncate(time.Second), now.Add(clientLifetime).UTC().Truncate(time.Second)
		s.st.Clients[c.ID] = c
		s.markDirty()
	})
	base := baseURL(r)
	writeJSON(w, http.StatusOK, registerOut{
		ClientID: c.ID, ClientSecret: c.Secret, ClientIDIssuedAt: c.IssuedAt.Unix(), ClientSecretExpiresAt: c.ExpiresAt.Unix(),
		AuthorizationEndpoint: base + "/authorize", TokenEndpoint: base + "/token",
	})
	return nil
}

// allows says whether the client may use a grant. A client registered
// without grantTypes (the device flow of older CLIs) gets the device code
// and refresh grants, never the authorization code: that needs redirectUris.
func (c *client) allows(grant string) bool {
	if len(c.GrantTypes) == 0 {
		return grant == grantDevice || grant == grantRefresh
	}
	return slices.Contains(c.GrantTypes, grant)
}

// clientLocked authenticates a client. The caller holds s.mu.
func (s *Sandbox) clientLocked(id, secret string, now time.Time) (*client, *apiError) {
	c, ok := s.st.Clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil, errInvalidClient("unknown clientId or wrong clientSecret; register the client again")
	}
	if !now.Before(c.ExpiresAt) {
		return nil, errInvalidClient("the client registration expired at " + c.ExpiresAt.Format(time.RFC3339) + "; register again")
	}
	return c, nil
}

type startDeviceIn struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	StartURL     string `json:"startUrl"`
}

type startDeviceOut struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int64  `json:"expiresIn"`
	Interval                int64  `json:"interval"`
}

func (s *Sandbox) startDeviceAuthorization(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	var in startDeviceIn
	if e := decodeBody(r, &in); e != nil {
		return e
	}
	if e := required(protoOIDC, "clientId", in.ClientID, "clientSecret", in.ClientSecret, "startUrl", in.StartURL); e != nil {
		return e
	}
	var d *deviceAuth
	var e *apiError
	s.locked(func() { d, e = s.startDeviceLocked(&in) })
	if e != nil {
		return e
	}
	verify := baseURL(r) + "/device"
	writeJSON(w, http.StatusOK, startDeviceOut{
		DeviceCode: d.DeviceCode, UserCode: d.UserCode, VerificationURI: verify,
		VerificationURIComplete: verify + "?user_code=" + url.QueryEscape(d.UserCode),
		ExpiresIn:               int64(deviceLifetime / time.Second), Interval: int64(deviceInterval / time.Second),
	})
	return nil
}

func (s *Sandbox) startDeviceLocked(in *startDeviceIn) (*deviceAuth, *apiError) {
	now := s.now()
	c, e := s.clientLocked(in.ClientID, in.ClientSecret, now)
	if e != nil {
		return nil, e
	}
	if !c.allows(grantDevice) {
		return nil, errOIDC("UnauthorizedClientException", "unauthorized_client", "the client was registered without the device_code grant")
	}
	if normStartURL(in.StartURL) != normStartURL(s.seed.startURL) {
		return nil, errBadRequest(protoOIDC, fmt.Sprintf("startUrl %q is not this Identity Center's start URL (%s)", in.StartURL, s.seed.startURL))
	}
	s.pruneLocked(now)
	d := &deviceAuth{
		DeviceCode: randomToken("", 48), UserCode: s.freshUserCodeLocked(), ClientID: c.ID, Scopes: c.Scopes,
		ExpiresAt: now.Add(deviceLifetime), Interval: deviceInterval, ApprovedBy: s.autoApprove,
	}
	s.st.Devices[d.DeviceCode] = d
	s.markDirty()
	return d, nil
}

// normStartURL compares start URLs the way people write them: AWS
// accepts ".../start", ".../start/" and the console's ".../start/#/".
func normStartURL(u string) string {
	u = strings.TrimSuffix(strings.TrimSpace(u), "#/")
	return strings.ToLower(strings.TrimRight(u, "/"))
}

// freshUserCodeLocked draws a user code no live authorization uses.
func (s *Sandbox) freshUserCodeLocked() string {
	for {
		c := newUserCode()
		if s.deviceByUserCodeLocked(c) == nil {
			return c
		}
	}
}

// deviceByUserCodeLocked finds a device authorization by the code the
// person types: case and the dash do not matter.
func (s *Sandbox) deviceByUserCodeLocked(code string) *deviceAuth {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	if code == "" {
		return nil
	}
	for _, d := range s.st.Devices {
		if strings.ReplaceAll(d.UserCode, "-", "") == code {
			return d
		}
	}
	return nil
}

// Approve signs user in for the device authorization with userCode, as
// the person at the browser would.
func (s *Sandbox) Approve(userCode, user string) error {
	if _, ok := s.seed.users[user]; !ok {
		return fmt.Errorf("unknown sandbox user %q (defined: %s)", user, strings.Join(s.seed.userNames, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.pendingDeviceLocked(userCode)
	if err != nil {
		return err
	}
	d.ApprovedBy = user
	s.markDirty()
	return nil
}

// deny refuses the device authorization with userCode; the client's next
// CreateToken gets AccessDeniedException.
func (s *Sandbox) deny(userCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.pendingDeviceLocked(userCode)
	if err != nil {
		return err
	}
	d.Denied = true
	s.markDirty()
	return nil
}

func (s *Sandbox) pendingDeviceLocked(userCode string) (*deviceAuth, error) {
	d := s.deviceByUserCodeLocked(userCode)
	switch {
	case d == nil:
		return nil, fmt.Errorf("no device authorization has the code %q", userCode)
	case !s.now().Before(d.ExpiresAt):
		return nil, fmt.Errorf("the code %s expired; start the sign-in again", d.UserCode)
	case d.Used || d.Denied || d.ApprovedBy != "":
		return nil, fmt.Errorf("the code %s was already approved or denied", d.UserCode)
	}
	return d, nil
}

// pruneLocked forgets what expired more than an hour ago, so a sandbox
// that runs for days (and its state file) stays small. The hour keeps
// late polls answered with ExpiredTokenException rather than
// InvalidGrantException. Issued AWS credentials are left alone.
func (s *Sandbox) pruneLocked(now time.Time) {
	cut := now.Add(-time.Hour)
	deleteBefore(s.st.Clients, cut, func(c *client) time.Time { return c.ExpiresAt })
	deleteBefore(s.st.Devices, cut, func(d *deviceAuth) time.Time { return d.ExpiresAt })
	deleteBefore(s.st.Codes, cut, func(c *authCode) time.Time { return c.ExpiresAt })
	deleteBefore(s.st.Tokens, cut, func(t *accessToken) time.Time { return t.ExpiresAt })
	deleteBefore(s.st.Refresh, cut, func(t *refreshTok) time.Time { return t.ExpiresAt })
}

func deleteBefore[T any](m map[string]T, cut time.Time, exp func(T) time.Time) {
	for k, v := range m {
		if exp(v).Before(cut) {
			delete(m, k)
		}
	}
}
