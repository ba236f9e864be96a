package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// RegisterClientInput registers a public OIDC client (SSO OIDC
// RegisterClient). Redirect URIs, grant types and issuer URL are needed
// for the authorization-code flow.
type RegisterClientInput struct {
	ClientName   string   `json:"clientName"`
	ClientType   string   `json:"clientType"`
	Scopes       []string `json:"scopes,omitempty"`
	RedirectURIs []string `json:"redirectUris,omitempty"`
	GrantTypes   []string `json:"grantTypes,omitempty"`
	IssuerURL    string   `json:"issuerUrl,omitempty"`
}

// RegisterClientOutput is a registered client.
type RegisterClientOutput struct {
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	ClientIDIssuedAt      int64  `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"` // epoch seconds
	AuthorizationEndpoint string `json:"authorizationEndpoint"`
	TokenEndpoint         string `json:"tokenEndpoint"`
}

// SecretExpiry is when the client registration ends.
func (o *RegisterClientOutput) SecretExpiry() time.Time {
	return time.Unix(o.ClientSecretExpiresAt, 0).UTC()
}

// RegisterClient calls SSO OIDC RegisterClient.
func (c *Client) RegisterClient(ctx context.Context, in *RegisterClientInput) (*RegisterClientOutput, error) {
	out := &RegisterClientOutput{}
	if err := c.oidc(ctx, "RegisterClient", "/client/register", in, out); err != nil {
		return nil, err
	}
	if out.ClientID == "" || out.ClientSecret == "" {
		return nil, fmt.Errorf("RegisterClient: the answer has no client id or secret")
	}
	return out, nil
}

// StartDeviceAuthorizationInput starts a device-code sign-in.
type StartDeviceAuthorizationInput struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	StartURL     string `json:"startUrl"`
}

// StartDeviceAuthorizationOutput is what the user must confirm.
type StartDeviceAuthorizationOutput struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int32  `json:"expiresIn"` // seconds
	Interval                int32  `json:"interval"`  // seconds between polls
}

// StartDeviceAuthorization calls SSO OIDC StartDeviceAuthorization.
func (c *Client) StartDeviceAuthorization(ctx context.Context, in *StartDeviceAuthorizationInput) (*StartDeviceAuthorizationOutput, error) {
	out := &StartDeviceAuthorizationOutput{}
	if err := c.oidc(ctx, "StartDeviceAuthorization", "/device_authorization", in, out); err != nil {
		return nil, err
	}
	if out.DeviceCode == "" {
		return nil, fmt.Errorf("StartDeviceAuthorization: the answer has no device code")
	}
	return out, nil
}

// CreateTokenInput asks for a token with one of the grants: device code,
// authorization code (+ PKCE verifier and redirect URI) or refresh token.
type CreateTokenInput struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	GrantType    string   `json:"grantType"`
	DeviceCode   string   `json:"deviceCode,omitempty"`
	Code         string   `json:"code,omitempty"`
	RefreshToken string   `json:"refreshToken,omitempty"`
	Scope        []string `json:"scope,omitempty"`
	RedirectURI  string   `json:"redirectUri,omitempty"`
	CodeVerifier string   `json:"codeVerifier,omitempty"`
}

// CreateTokenOutput is an Identity Center access token.
type CreateTokenOutput struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int32  `json:"expiresIn"` // seconds
	RefreshToken string `json:"refreshToken"`
	IDToken      string `json:"idToken"`
}

// CreateToken calls SSO OIDC CreateToken.
func (c *Client) CreateToken(ctx context.Context, in *CreateTokenInput) (*CreateTokenOutput, error) {
	out := &CreateTokenOutput{}
	if err := c.oidc(ctx, "CreateToken", "/token", in, out); err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, fmt.Errorf("CreateToken: the answer has no access token")
	}
	return out, nil
}

func (c *Client) oidc(ctx context.Context, op, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.do(ctx, &request{service: OIDC, operation: op, method: "POST", path: path, body: body,
		header: map[string]string{"Content-Type": "application/json"}, parseErr: restJSONError})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%s: malformed answer: %w", op, err)
	}
	return nil
}
