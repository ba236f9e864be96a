package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sesame-cli/sesame/internal/auth/webidentity"
	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/org"
)

// webIdentityStep assumes a machine role with an OIDC token (GitHub
// Actions, a token file): the first hop of a CI identity, which has the
// same name as the human one it mirrors.
func (r *Resolver) webIdentityStep(id *org.Identity, p *org.Provider) (*step, error) {
	src, err := r.o.WebIdentity(p)
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", id.Name, err)
	}
	region := r.o.Org.Region(id, p.Region)
	session := id.SessionName
	if session == "" {
		session = src.SessionName()
	}
	if session == "" {
		session = "sesame-" + id.Account
	}
	session = SessionName(session)
	return &step{
		key:      "wi-" + hashKey(p.Name, p.Kind, id.RoleARN, session, id.Duration.String()),
		identity: id.Name,
		fetch: func(ctx context.Context, _ Credentials) (Credentials, error) {
			tok, err := src.Token(ctx)
			if err != nil {
				return Credentials{}, fmt.Errorf("identity %s: %w", id.Name, err)
			}
			r.o.Trace("%s: assuming %s with %s (session %s)", id.Name, id.RoleARN, src.Describe(), session)
			out, err := r.o.API(p, region).AssumeRoleWithWebIdentity(ctx, &awsapi.AssumeRoleWithWebIdentityInput{
				RoleARN: id.RoleARN, RoleSessionName: session, WebIdentityToken: tok, Duration: id.Duration.D()})
			if err != nil {
				return Credentials{}, webIdentityError(id, p, src, err)
			}
			oc := out.Credentials
			return Credentials{AccessKeyID: oc.AccessKeyID, SecretAccessKey: oc.SecretAccessKey, SessionToken: oc.SessionToken,
				Expiration: oc.Expiration, AccountID: id.AccountID, ARN: out.AssumedRoleUser.Arn}, nil
		},
	}, nil
}

func webIdentityError(id *org.Identity, p *org.Provider, src webidentity.Source, err error) error {
	var ae *awsapi.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("identity %s: AssumeRoleWithWebIdentity %s: %w", id.Name, id.RoleARN, err)
	}
	switch ae.Code {
	case "AccessDenied", "IDPRejectedClaim":
		return fmt.Errorf("identity %s: %w: the trust policy of %s does not accept %s (check the repository, branch, environment or workflow it pins): %s",
			id.Name, ErrAccessDenied, id.RoleARN, src.Describe(), ae.Message)
	case "ExpiredTokenException":
		return fmt.Errorf("identity %s: %s has expired: %s", id.Name, src.Describe(), ae.Message)
	case "InvalidIdentityToken", "IDPCommunicationError":
		why := "is its issuer registered as an IAM OIDC provider in " + id.Account + "?"
		if strings.Contains(strings.ToLower(ae.Message), "audience") {
			why = "the token's audience " + strconv.Quote(p.Audience) + " (provider " + p.Name + "'s audience) must be a client ID of the account's IAM OIDC provider"
		}
		return fmt.Errorf("identity %s: STS rejected %s of provider %s (%s): %s", id.Name, src.Describe(), p.Name, why, ae.Message)
	}
	return fmt.Errorf("identity %s: AssumeRoleWithWebIdentity %s: %w", id.Name, id.RoleARN, err)
}
