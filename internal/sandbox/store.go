package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/policy"
)

// seed is the static part of the sandbox, built from the organization.
// It never changes while the sandbox runs.
type seed struct {
	partition string
	region    string // Identity Center region
	startURL  string
	accounts  []*org.Account
	byID      map[string]*org.Account
	users     map[string]*org.SandboxUser
	userNames []string
	// access[user][accountID] = permission sets, sorted
	access map[string]map[string][]string
	// sessionSeconds[permissionSet] = session duration
	sessionDuration map[string]time.Duration
	// roles by ARN: machine roles in their accounts
	roles map[string]*role
	// permSets by name, for the identity policies of SSO sessions
	permSets map[string]*org.PermissionSet
	// oidcProviders are the IAM OIDC providers the machine roles imply
	oidcProviders oidcProviders
}

type role struct {
	ARN         string
	AccountID   string
	Name        string // role name
	Path        string
	MaxDuration time.Duration
	Trust       *policy.Document
	Managed     []string         // AWS-managed policy ARNs
	Inline      *policy.Document // the role's inline policy
}

func newSeed(o *org.Org) *seed {
	s := &seed{
		partition: o.Partition, accounts: o.Accounts,
		byID: map[string]*org.Account{}, users: map[string]*org.SandboxUser{},
		access: map[string]map[string][]string{}, sessionDuration: map[string]time.Duration{},
		roles: map[string]*role{}, permSets: map[string]*org.PermissionSet{},
	}
	if o.IdentityCenter != nil {
		s.region, s.startURL = o.IdentityCenter.Region, o.IdentityCenter.StartURL
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	for _, a := range o.Accounts {
		s.byID[a.ID] = a
	}
	for _, ps := range o.PermissionSets {
		s.sessionDuration[ps.Name] = ps.SessionDuration.D()
		s.permSets[ps.Name] = ps
	}
	members := map[string][]string{} // group → users
	for _, u := range o.SandboxUsers {
		s.users[u.Name] = u
		s.userNames = append(s.userNames, u.Name)
		for _, g := range u.Groups {
			members[g] = append(members[g], u.Name)
		}
	}
	sort.Strings(s.userNames)
	grant := func(user, accountID, ps string) {
		if s.access[user] == nil {
			s.access[user] = map[string][]string{}
		}
		for _, have := range s.access[user][accountID] {
			if have == ps {
				return
			}
		}
		s.access[user][accountID] = append(s.access[user][accountID], ps)
		sort.Strings(s.access[user][accountID])
	}
	for _, a := range o.Assignments {
		switch a.PrincipalType {
		case org.PrincipalGroup:
			for _, u := range members[a.Principal] {
				grant(u, a.AccountID, a.PermissionSet)
			}
		case org.PrincipalUser:
			if _, ok := s.users[a.Principal]; ok {
				grant(a.Principal, a.AccountID, a.PermissionSet)
			}
		}
	}
	for _, mr := range o.MachineRoles {
		for _, in := range mr.Instances {
			s.roles[in.ARN] = &role{ARN: in.ARN, AccountID: in.AccountID, Name: in.RoleName, Path: mr.Path,
				MaxDuration: mr.MaxSessionDuration.D(), Trust: in.TrustPolicy, Managed: mr.ManagedPolicyARNs, Inline: in.InlinePolicy}
		}
	}
	s.oidcProviders = newOIDCProviders(o.MachineRoles)
	return s
}

// ssoRoleName is the IAM role Identity Center provisions for a permission
// set: AWSReservedSSO_<PermissionSet>_<16 hex>, the suffix stable per
// account and set.
func ssoRoleName(accountID, permissionSet string) string {
	h := sha256.Sum256([]byte(accountID + "/" + permissionSet))
	return "AWSReservedSSO_" + permissionSet + "_" + hex.EncodeToString(h[:8])
}

// ssoRoleARN includes the region segment unless Identity Center is in
// us-east-1, as AWS does.
func (s *seed) ssoRoleARN(accountID, permissionSet string) string {
	path := "/aws-reserved/sso.amazonaws.com/"
	if s.region != "us-east-1" {
		path += s.region + "/"
	}
	return "arn:" + s.partition + ":iam::" + accountID + ":role" + path + ssoRoleName(accountID, permissionSet)
}

// state is everything the sandbox issues. It is what --state-dir keeps.
type state struct {
	Clients     map[string]*client      `json:"clients"`
	Devices     map[string]*deviceAuth  `json:"devices"`
	Codes       map[string]*authCode    `json:"codes"`
	Tokens      map[string]*accessToken `json:"tokens"`
	Refresh     map[string]*refreshTok  `json:"refresh"`
	Credentials map[string]*credential  `json:"credentials"` // by access key id
	SigninToks  map[string]*signinToken `json:"signin_tokens"`
}

func newState() *state {
	return &state{
		Clients: map[string]*client{}, Devices: map[string]*deviceAuth{}, Codes: map[string]*authCode{},
		Tokens: map[string]*accessToken{}, Refresh: map[string]*refreshTok{}, Credentials: map[string]*credential{},
		SigninToks: map[string]*signinToken{},
	}
}

type client struct {
	ID           string    `json:"id"`
	Secret       string    `json:"secret"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	Scopes       []string  `json:"scopes,omitempty"`
	GrantTypes   []string  `json:"grant_types,omitempty"`
	RedirectURIs []string  `json:"redirect_uris,omitempty"`
	IssuedAt     time.Time `json:"issued_at"`
	ExpiresAt    time.Time `json:"expires_at"`
}

type deviceAuth struct {
	DeviceCode string        `json:"device_code"`
	UserCode   string        `json:"user_code"`
	ClientID   string        `json:"client_id"`
	Scopes     []string      `json:"scopes,omitempty"`
	ExpiresAt  time.Time     `json:"expires_at"`
	Interval   time.Duration `json:"interval"`
	LastPoll   time.Time     `json:"last_poll"`
	ApprovedBy string        `json:"approved_by,omitempty"`
	Denied     bool          `json:"denied,omitempty"`
	Used       bool          `json:"used,omitempty"`
}

type authCode struct {
	Code          string    `json:"code"`
	ClientID      string    `json:"client_id"`
	RedirectURI   string    `json:"redirect_uri"`
	Challenge     string    `json:"challenge"`
	User          string    `json:"user"`
	Scopes        []string  `json:"scopes,omitempty"`
	ExpiresAt     time.Time `json:"expires_at"`
	Used          bool      `json:"used,omitempty"`
	ChallengeMeth string    `json:"challenge_method"`
	// State is the client's /authorize state, returned with the code. An
	// authCode without User is an /authorize request waiting for the
	// person at the browser; its key is the form's request id, not a code.
	State string `json:"state,omitempty"`
}

type accessToken struct {
	User      string    `json:"user"`
	ClientID  string    `json:"client_id"`
	Scopes    []string  `json:"scopes,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Refresh   string    `json:"refresh,omitempty"` // the refresh token issued with it
}

type refreshTok struct {
	User      string    `json:"user"`
	ClientID  string    `json:"client_id"`
	Scopes    []string  `json:"scopes,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Rotated   bool      `json:"rotated,omitempty"`
}

// credential is a set of AWS keys the sandbox issued, with the principal
// they stand for.
type credential struct {
	AccessKeyID     string            `json:"access_key_id"`
	SecretAccessKey string            `json:"secret_access_key"`
	SessionToken    string            `json:"session_token,omitempty"` // empty for long-term user keys
	ExpiresAt       time.Time         `json:"expires_at,omitempty"`
	AccountID       string            `json:"account_id"`
	ARN             string            `json:"arn"`      // caller ARN (assumed-role/... or user/...)
	RoleARN         string            `json:"role_arn"` // the IAM role ARN, empty for users
	UserID          string            `json:"user_id"`  // AROA...:session or AIDA...
	SessionName     string            `json:"session_name,omitempty"`
	SourceIdentity  string            `json:"source_identity,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
	// Chained is true for role sessions (any assumed role); AWS limits a
	// role assumed with them to 1 hour.
	Chained bool `json:"chained"`
	// SSOUser is the signed-in sandbox user behind permission-set sessions.
	SSOUser string `json:"sso_user,omitempty"`
	// PermissionSet is set for permission-set sessions.
	PermissionSet string `json:"permission_set,omitempty"`
	// ViaRole is true when the session was assumed with another role's
	// credentials (role chaining); the console refuses a SessionDuration.
	ViaRole bool `json:"via_role,omitempty"`
	// TransitiveTags are session tags that pass on to chained sessions.
	TransitiveTags []string `json:"transitive_tags,omitempty"`
}

type signinToken struct {
	AccessKeyID string    `json:"access_key_id"`
	ExpiresAt   time.Time `json:"expires_at"`
	Duration    int       `json:"duration,omitempty"`
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	userCodeCh = "BCDFGHJKLMNPQRSTVWXZ" // no vowels, no look-alikes
)

// randomString draws n characters from alphabet.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // the platform has no entropy: nothing sensible to do
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randomToken(prefix string, nbytes int) string {
	b := make([]byte, nbytes)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func newUserCode() string {
	c := randomString(userCodeCh, 8)
	return c[:4] + "-" + c[4:]
}

// roleIDFor is a stable unique id (AROA...) for a role ARN.
func roleIDFor(prefix, arn string) string {
	h := sha256.Sum256([]byte(arn))
	var b strings.Builder
	b.WriteString(prefix)
	for _, c := range h[:17] {
		b.WriteByte(upperAlnum[int(c)%len(upperAlnum)])
	}
	return b.String()
}
