package sso

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Session is what one sign-in to an Identity Center session leaves in the
// secret store: the access token, the refresh token that renews it, and
// the OIDC client registration both belong to (reused for later sign-ins).
type Session struct {
	Version      int       `json:"version"`
	StartURL     string    `json:"startUrl"`
	Region       string    `json:"region"`
	AccessToken  string    `json:"accessToken,omitempty"`
	IssuedAt     time.Time `json:"issuedAt,omitzero"`
	ExpiresAt    time.Time `json:"expiresAt,omitzero"`
	RefreshToken string    `json:"refreshToken,omitempty"`

	ClientID              string    `json:"clientId,omitempty"`
	ClientSecret          string    `json:"clientSecret,omitempty"`
	RegistrationExpiresAt time.Time `json:"registrationExpiresAt,omitzero"`
	// Scopes and GrantTypes are those of the registration. GrantTypes is
	// empty for a device-code registration, as the AWS CLI registers it.
	Scopes     []string `json:"scopes,omitempty"`
	GrantTypes []string `json:"grantTypes,omitempty"`
}

const sessionVersion = 1

// registrationMargin: a registration this close to expiry is not reused
// (the AWS CLI's rule), so a sign-in never starts with a dying client.
const registrationMargin = 15 * time.Minute

// Key is the secret-store key of the session for startURL and region:
// "sso/" and the hex SHA-256 of "<startURL>|<region>". The start URL is
// taken as people write it: a trailing "/" or "/#/" does not matter.
func Key(startURL, region string) string {
	sum := sha256.Sum256([]byte(normStartURL(startURL) + "|" + region))
	return "sso/" + hex.EncodeToString(sum[:])
}

func normStartURL(u string) string {
	return strings.TrimRight(strings.TrimSuffix(strings.TrimSpace(u), "#/"), "/")
}

// Valid says whether the access token works at now.
func (s *Session) Valid(now time.Time) bool {
	return s != nil && s.AccessToken != "" && now.Before(s.ExpiresAt)
}

// fresh says whether the token has more than before left: it is handed
// out without any network call. A token issued for less than twice
// before (a sandbox with shortened lifetimes) is renewed at half its
// life instead, so it is not refreshed on every call.
func (s *Session) fresh(now time.Time, before time.Duration) bool {
	if !s.Valid(now) {
		return false
	}
	if life := s.ExpiresAt.Sub(s.IssuedAt); !s.IssuedAt.IsZero() && life < 2*before {
		before = life / 2
	}
	return s.ExpiresAt.Sub(now) > before
}

// canRefresh says whether a refresh_token grant may work.
func (s *Session) canRefresh(now time.Time) bool {
	return s != nil && s.RefreshToken != "" && s.ClientID != "" && s.ClientSecret != "" &&
		now.Before(s.RegistrationExpiresAt)
}

// reusableFor says whether the registration can start a sign-in with flow
// and scopes: unexpired for 15 more minutes, the same scopes, and made for
// that flow (a device-code registration is never used for PKCE, nor the
// reverse).
func (s *Session) reusableFor(flow Flow, scopes []string, now time.Time) bool {
	if s == nil || s.ClientID == "" || s.ClientSecret == "" || s.RegistrationExpiresAt.Sub(now) <= registrationMargin {
		return false
	}
	if !sameSet(s.Scopes, scopes) {
		return false
	}
	return slices.Contains(s.GrantTypes, grantCode) == (flow == FlowPKCE)
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// LogValue lets a Session be logged without its secrets.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("startUrl", s.StartURL), slog.String("region", s.Region),
		slog.Time("expiresAt", s.ExpiresAt), slog.Bool("refreshable", s.RefreshToken != ""),
		slog.Time("registrationExpiresAt", s.RegistrationExpiresAt),
	)
}

// String describes the session without its secrets, so %v cannot leak them.
func (s Session) String() string {
	return "sso session " + s.StartURL + " (" + s.Region + "), expires " + s.ExpiresAt.UTC().Format(time.RFC3339)
}

// GoString is String for %#v.
func (s Session) GoString() string { return s.String() }
