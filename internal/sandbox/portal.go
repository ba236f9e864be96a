package sandbox

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/org"
)

// The SSO portal API (service "sso"): what a signed-in user may reach,
// and role credentials for it. Every operation is unsigned; the caller
// is the access token in the x-amz-sso_bearer_token header.

const (
	bearerHeader     = "x-amz-sso_bearer_token"
	defaultPageSize  = 20
	maxPageSize      = 100
	defaultRoleHours = time.Hour // a permission set without session_duration
)

var accountIDRe = lazyRegexp(`^\d{12}$`)

// bearer reads the token header whatever its case: the Go SDK sends
// X-Amz-Sso_bearer_token, botocore x-amz-sso_bearer_token, and a raw
// map key may not be canonical.
func bearer(r *http.Request) string {
	for k, v := range r.Header {
		if strings.EqualFold(k, bearerHeader) && len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
	}
	return ""
}

func errUnauthorized() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "UnauthorizedException", Message: "Session token not found or invalid"}
}

// userLocked returns the access token of the request: missing, unknown
// (never issued, or revoked by Logout) and expired all read alike, as at
// AWS. The caller holds s.mu.
func (s *Sandbox) userLocked(r *http.Request) (*accessToken, *apiError) {
	tok := bearer(r)
	if tok == "" {
		return nil, errUnauthorized()
	}
	at, ok := s.st.Tokens[tok]
	if !ok || !s.now().Before(at.ExpiresAt) {
		return nil, errUnauthorized()
	}
	return at, nil
}

// paginate cuts n items into a page from the max_result and next_token
// query parameters. The token is opaque to clients; it names the list it
// belongs to so one list's token is refused by another.
func paginate(q url.Values, list string, n int) (lo, hi int, next *string, e *apiError) {
	size := defaultPageSize
	if v := q.Get("max_result"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > maxPageSize {
			return 0, 0, nil, errBadRequest(protoRESTJSON, "max_result must be a number from 1 to 100")
		}
		size = m
	}
	if t := q.Get("next_token"); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		rest, found := strings.CutPrefix(string(raw), list+":")
		off, convErr := strconv.Atoi(rest)
		if err != nil || !found || convErr != nil || off < 0 || off > n {
			return 0, 0, nil, errBadRequest(protoRESTJSON, "next_token is not a token this list returned")
		}
		lo = off
	}
	hi = min(lo+size, n)
	if hi < n {
		tok := base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.Itoa(hi)))
		next = &tok
	}
	return lo, hi, next, nil
}

type accountInfo struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress,omitempty"`
}

// listAccounts lists the accounts where the user holds any permission
// set, by account name.
func (s *Sandbox) listAccounts(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	s.mu.Lock()
	at, e := s.userLocked(r)
	s.mu.Unlock()
	if e != nil {
		return e
	}
	var accounts []*org.Account
	for id := range s.seed.access[at.User] {
		if a, ok := s.seed.byID[id]; ok {
			accounts = append(accounts, a)
		}
	}
	slices.SortFunc(accounts, func(a, b *org.Account) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	lo, hi, next, e := paginate(r.URL.Query(), "accounts", len(accounts))
	if e != nil {
		return e
	}
	out := struct {
		NextToken   *string       `json:"nextToken,omitempty"`
		AccountList []accountInfo `json:"accountList"`
	}{NextToken: next, AccountList: []accountInfo{}}
	for _, a := range accounts[lo:hi] {
		out.AccountList = append(out.AccountList, accountInfo{AccountID: a.ID, AccountName: a.Name, EmailAddress: a.Email})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type roleInfo struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

// listAccountRoles lists the user's permission sets in an account. An
// account the user cannot reach lists nothing: the portal does not tell
// which accounts exist.
func (s *Sandbox) listAccountRoles(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	s.mu.Lock()
	at, e := s.userLocked(r)
	s.mu.Unlock()
	if e != nil {
		return e
	}
	q := r.URL.Query()
	accountID := q.Get("account_id")
	if e := required(protoRESTJSON, "account_id", accountID); e != nil {
		return e
	}
	if !accountIDRe().MatchString(accountID) {
		return errBadRequest(protoRESTJSON, "account_id must be 12 digits")
	}
	roles := s.seed.access[at.User][accountID]
	lo, hi, next, e := paginate(q, "roles/"+accountID, len(roles))
	if e != nil {
		return e
	}
	out := struct {
		NextToken *string    `json:"nextToken,omitempty"`
		RoleList  []roleInfo `json:"roleList"`
	}{NextToken: next, RoleList: []roleInfo{}}
	for _, ps := range roles[lo:hi] {
		out.RoleList = append(out.RoleList, roleInfo{RoleName: ps, AccountID: accountID})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type roleCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"` // epoch milliseconds, unlike STS
}

// getRoleCredentials issues a permission-set session. Its lifetime is the
// permission set's session duration, not the access token's.
func (s *Sandbox) getRoleCredentials(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	q := r.URL.Query()
	accountID, ps := q.Get("account_id"), q.Get("role_name")
	def := s.seed.sessionDuration[ps]
	if def <= 0 {
		def = defaultRoleHours
	}
	lifetime := s.lifetime("role_credentials", def)
	var c *credential
	var e *apiError
	s.locked(func() { c, e = s.roleSessionLocked(r, accountID, ps, lifetime) })
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, map[string]roleCredentials{"roleCredentials": {
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.ExpiresAt.UnixMilli(),
	}})
	return nil
}

func (s *Sandbox) roleSessionLocked(r *http.Request, accountID, ps string, lifetime time.Duration) (*credential, *apiError) {
	at, e := s.userLocked(r)
	if e != nil {
		return nil, e
	}
	if e := required(protoRESTJSON, "account_id", accountID, "role_name", ps); e != nil {
		return nil, e
	}
	if !slices.Contains(s.seed.access[at.User][accountID], ps) {
		// What AWS answers for a role the user is not assigned.
		return nil, &apiError{Status: http.StatusForbidden, Code: "ForbiddenException", Message: "No access"}
	}
	return s.ssoSessionLocked(at.User, accountID, ps, lifetime), nil
}

// logout revokes the access token and the refresh token issued with it.
// Role credentials already issued stay valid until they expire, as at AWS.
func (s *Sandbox) logout(w http.ResponseWriter, r *http.Request, _ string) *apiError {
	var e *apiError
	s.locked(func() {
		var at *accessToken
		if at, e = s.userLocked(r); e == nil {
			delete(s.st.Tokens, bearer(r))
			delete(s.st.Refresh, at.Refresh)
			s.markDirty()
		}
	})
	if e != nil {
		return e
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
