package sandbox

import (
	"fmt"
	"time"
)

// issueLocked stores c with fresh keys valid for lifetime and returns it.
// Temporary keys start with ASIA, long-term user keys with AKIA. The
// caller holds s.mu.
func (s *Sandbox) issueLocked(c *credential, lifetime time.Duration) *credential {
	if lifetime > 0 {
		c.AccessKeyID = "ASIA" + randomString(upperAlnum, 16)
		c.SessionToken = randomToken("IQoJb3JpZ2luX2VjE", 96)
		c.ExpiresAt = s.now().Add(lifetime).UTC().Truncate(time.Second)
	} else {
		c.AccessKeyID = "AKIA" + randomString(upperAlnum, 16)
	}
	c.SecretAccessKey = randomToken("", 30)
	s.st.Credentials[c.AccessKeyID] = c
	s.markDirty()
	if len(s.st.Credentials)%sweepEvery == 0 {
		s.sweepLocked()
	}
	return c
}

// Issued credentials are kept after they expire, so a late request is
// answered ExpiredToken as AWS answers it, but not forever: a long-running
// sandbox (a team's shared one, a load test) would grow without bound.
const (
	sweepEvery  = 1024      // issues between sweeps
	keepExpired = time.Hour // how long an expired credential is still recognised
)

// sweepLocked forgets credentials and console sign-in tokens that expired
// more than keepExpired ago.
func (s *Sandbox) sweepLocked() {
	cutoff := s.now().Add(-keepExpired)
	for id, c := range s.st.Credentials {
		if !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(cutoff) {
			delete(s.st.Credentials, id)
		}
	}
	for tok, t := range s.st.SigninToks {
		if t.ExpiresAt.Before(cutoff) {
			delete(s.st.SigninToks, tok)
		}
	}
}

// ssoSessionLocked issues the credentials of a permission-set session for
// a signed-in user, as GetRoleCredentials does: the caller is
// assumed-role/AWSReservedSSO_<PermissionSet>_<suffix>/<user>.
func (s *Sandbox) ssoSessionLocked(user, accountID, permissionSet string, lifetime time.Duration) *credential {
	roleARN := s.seed.ssoRoleARN(accountID, permissionSet)
	roleName := ssoRoleName(accountID, permissionSet)
	c := &credential{
		AccountID: accountID, RoleARN: roleARN, SessionName: user, SSOUser: user, Chained: true, PermissionSet: permissionSet,
		ARN:    fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", s.seed.partition, accountID, roleName, user),
		UserID: roleIDFor("AROA", roleARN) + ":" + user,
	}
	return s.issueLocked(c, lifetime)
}

// CreateUserKey issues long-term access keys for an IAM user in an account
// (by name or id), for GetSessionToken and aws/user providers.
func (s *Sandbox) CreateUserKey(account, user string) (*credential, error) {
	a, ok := s.seed.byID[account]
	if !ok {
		for _, acc := range s.seed.accounts {
			if acc.Name == account {
				a, ok = acc, true
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("unknown account %q", account)
	}
	if !sessionNameRe().MatchString(user) {
		return nil, fmt.Errorf("user name %q must be 2 to 64 characters of letters, digits and +=,.@_-", user)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := fmt.Sprintf("arn:%s:iam::%s:user/%s", s.seed.partition, a.ID, user)
	c := &credential{AccountID: a.ID, ARN: arn, UserID: roleIDFor("AIDA", arn)}
	return s.issueLocked(c, 0), nil
}

// lookupCredential returns the credential with the access key id, if any.
func (s *Sandbox) lookupCredential(akid string) (*credential, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.Credentials[akid]
	return c, ok
}

// sessionNameRe is the pattern of role session names and IAM user names
// the sandbox accepts.
var sessionNameRe = lazyRegexp(`^[\w+=,.@-]{2,64}$`)
