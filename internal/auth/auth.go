// Package auth turns an identity of the organization into AWS credentials.
// Each identity is a chain of steps that starts at a provider: a derived
// <account>/<PermissionSet> identity is one GetRoleCredentials call with the
// Identity Center token; a declared identity adds AssumeRole hops. Every
// step's result is cached on its own (two identities that share a first hop
// share its credentials), renewed a configurable time before it expires,
// and fetched by one process at a time across the machine.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Credentials are AWS credentials with the caller they stand for.
type Credentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token,omitempty"`
	Expiration      time.Time `json:"expiration,omitempty"` // zero for long-term keys
	AccountID       string    `json:"account_id,omitempty"`
	// ARN is the caller ARN (assumed-role/ROLE/SESSION) when known.
	ARN string `json:"arn,omitempty"`
}

// String never shows secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("credentials{%s, expires %s}", RedactKey(c.AccessKeyID), c.Expiration.Format(time.RFC3339))
}

// GoString keeps %#v from printing secrets too.
func (c Credentials) GoString() string { return c.String() }

// AWS returns the key, secret and token as the AWS SDK's type, for signing.
func (c Credentials) AWS() aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: !c.Expiration.IsZero(), Expires: c.Expiration}
}

// RedactKey shows an access key id's prefix only (ASIA…WXYZ).
func RedactKey(id string) string {
	if len(id) < 8 {
		return "…"
	}
	return id[:4] + "…" + id[len(id)-4:]
}

// ValidFor reports whether c is usable for at least d from now.
func (c Credentials) ValidFor(now time.Time, d time.Duration) bool {
	if c.AccessKeyID == "" {
		return false
	}
	return c.Expiration.IsZero() || c.Expiration.Sub(now) > d
}

// SessionUser is the session name of an assumed-role ARN: for a
// permission-set session, the signed-in user.
func (c Credentials) SessionUser() string {
	for i := len(c.ARN) - 1; i >= 0; i-- {
		if c.ARN[i] == '/' {
			return c.ARN[i+1:]
		}
	}
	return ""
}

// ErrAccessDenied means AWS refused the identity (not assigned, or a trust
// policy that does not admit the caller).
var ErrAccessDenied = errors.New("access denied")

// ErrUnsupported means the identity needs a provider sesame cannot use yet.
var ErrUnsupported = errors.New("not supported")

// TokenSource gives the Identity Center access token of a provider.
type TokenSource interface {
	// Token returns a valid access token, refreshing or signing in as the
	// policy allows.
	Token(ctx context.Context) (string, error)
	// Invalidate forgets the token after the portal refused it (401).
	Invalidate(ctx context.Context) error
}

// Cache keeps each step's credentials between processes.
type Cache interface {
	// Get returns the cached credentials of key; ok is false on a miss.
	// A corrupt entry is a miss, reported through warn.
	Get(ctx context.Context, key string) (c Credentials, ok bool, err error)
	Put(ctx context.Context, key string, c Credentials) error
	Delete(ctx context.Context, key string) error
}

// Locker serializes work on a name across processes. onWait is called once
// when another process holds the lock.
type Locker func(ctx context.Context, name string, onWait func()) (release func() error, err error)
