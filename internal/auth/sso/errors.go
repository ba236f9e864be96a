package sso

import (
	"errors"
	"fmt"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// SSO OIDC error codes sesame acts on.
const (
	codePending            = "AuthorizationPendingException"
	codeSlowDown           = "SlowDownException"
	codeExpiredToken       = "ExpiredTokenException"
	codeInvalidGrant       = "InvalidGrantException"
	codeInvalidClient      = "InvalidClientException"
	codeUnauthorizedClient = "UnauthorizedClientException"
	codeAccessDenied       = "AccessDeniedException"
)

// ErrLoginRequired is what Token returns (inside a *LoginRequiredError)
// when the session cannot be used or refreshed and it may not sign in.
var ErrLoginRequired = errors.New("login required")

// LoginRequiredError says which Identity Center session needs a sign-in.
// Its message ends with `run "sesame login"`; errors.Is(err,
// ErrLoginRequired) is true. Err, when set, is why a refresh failed.
type LoginRequiredError struct {
	StartURL string
	Region   string
	Expired  bool // a session existed; false: never signed in (or signed out)
	Err      error
}

func (e *LoginRequiredError) Error() string {
	if e.Expired {
		return fmt.Sprintf("the IAM Identity Center session for %s (%s) has expired: run \"sesame login\"", e.StartURL, e.Region)
	}
	return fmt.Sprintf("not signed in to IAM Identity Center at %s (%s): run \"sesame login\"", e.StartURL, e.Region)
}

// Is makes errors.Is(err, ErrLoginRequired) true.
func (e *LoginRequiredError) Is(target error) bool { return target == ErrLoginRequired }

// Unwrap returns the refresh failure, if any.
func (e *LoginRequiredError) Unwrap() error { return e.Err }

// sessionDead says whether an SSO OIDC error means the refresh token or
// the client registration is gone for good, so only a new sign-in helps.
// Anything else (network, throttling, 5xx) is worth retrying later.
func sessionDead(err error) bool {
	switch awsapi.Code(err) {
	case codeInvalidGrant, codeExpiredToken, codeInvalidClient, codeUnauthorizedClient, codeAccessDenied:
		return true
	}
	return false
}
