package auth

import (
	"context"
	"fmt"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/org"
)

// permissionSetStep gets a permission set's role credentials from the SSO
// portal with the Identity Center token.
func (r *Resolver) permissionSetStep(id *org.Identity, p *org.Provider) *step {
	return &step{
		key:      "ps-" + hashKey(p.StartURL, p.Region, id.AccountID, id.PermissionSet),
		identity: id.Name,
		fetch: func(ctx context.Context, _ Credentials) (Credentials, error) {
			ts, err := r.o.Tokens(p)
			if err != nil {
				return Credentials{}, err
			}
			client := r.o.API(p, p.Region)
			var rc *awsapi.RoleCredentials
			for attempt := 0; attempt < 2; attempt++ {
				tok, err := ts.Token(ctx)
				if err != nil {
					return Credentials{}, err
				}
				rc, err = client.GetRoleCredentials(ctx, tok, id.AccountID, id.PermissionSet)
				switch code := awsapi.Code(err); {
				case err == nil:
					attempt = 2
				case code == "UnauthorizedException" && attempt == 0:
					// The portal no longer accepts the token (signed out
					// elsewhere, revoked): forget it and try once more.
					r.o.Trace("%s: the portal refused the token; signing in again", id.Name)
					if err := ts.Invalidate(ctx); err != nil {
						return Credentials{}, err
					}
				case code == "ForbiddenException" || code == "UnauthorizedException":
					return Credentials{}, fmt.Errorf("identity %s: %w: Identity Center does not give you permission set %s in %s (%s)",
						id.Name, ErrAccessDenied, id.PermissionSet, id.Account, id.AccountID)
				default:
					return Credentials{}, fmt.Errorf("identity %s: GetRoleCredentials: %w", id.Name, err)
				}
			}
			c := Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey,
				SessionToken: rc.SessionToken, Expiration: rc.Expires(), AccountID: id.AccountID}
			// The caller ARN names the signed-in user, which chained hops
			// set as SourceIdentity so CloudTrail shows who acted.
			if arn, err := r.callerARN(ctx, p, c); err == nil {
				c.ARN = arn
			} else {
				r.o.Trace("%s: GetCallerIdentity failed (%v); continuing without the user name", id.Name, err)
			}
			return c, nil
		},
	}
}

func (r *Resolver) callerARN(ctx context.Context, p *org.Provider, c Credentials) (string, error) {
	out, err := r.o.API(p, p.Region).GetCallerIdentity(ctx, c.AWS())
	if err != nil {
		return "", err
	}
	return out.Arn, nil
}

// assumeRoleStep assumes a role with the parent step's credentials.
func (r *Resolver) assumeRoleStep(id *org.Identity, parent *step) *step {
	region := r.o.Org.Region(id, "")
	return &step{
		key:      "role-" + hashKey(parent.key, id.RoleARN, id.SessionName, id.ExternalID, id.Duration.String()),
		identity: id.Name,
		parent:   parent,
		fetch: func(ctx context.Context, pc Credentials) (Credentials, error) {
			root, _ := r.o.Org.Provider(chainRoot(r.o.Org, id))
			user := pc.SessionUser()
			in := &awsapi.AssumeRoleInput{RoleARN: id.RoleARN, ExternalID: id.ExternalID, Duration: id.Duration.D(), Tags: id.SessionTags}
			switch {
			case id.SessionName != "":
				in.RoleSessionName = id.SessionName
			case user != "":
				in.RoleSessionName = SessionName(user)
			default:
				in.RoleSessionName = SessionName("sesame-" + id.Account)
			}
			if user != "" {
				in.SourceIdentity = SessionName(user)
			}
			out, err := r.o.API(root, region).AssumeRole(ctx, pc.AWS(), in)
			if err != nil {
				if awsapi.Code(err) == "AccessDenied" {
					return Credentials{}, fmt.Errorf("identity %s: %w: %s may not assume %s (check the role's trust policy and the permission set's policies): %v",
						id.Name, ErrAccessDenied, id.ViaIdentity, id.RoleARN, err)
				}
				return Credentials{}, fmt.Errorf("identity %s: AssumeRole %s: %w", id.Name, id.RoleARN, err)
			}
			oc := out.Credentials
			return Credentials{AccessKeyID: oc.AccessKeyID, SecretAccessKey: oc.SecretAccessKey,
				SessionToken: oc.SessionToken, Expiration: oc.Expiration,
				AccountID: id.AccountID, ARN: out.AssumedRoleUser.Arn}, nil
		},
	}
}

// chainRoot is the provider an identity's chain starts at.
func chainRoot(o *org.Org, id *org.Identity) string {
	if len(id.Chain) > 0 {
		return id.Chain[0]
	}
	return id.ViaProvider
}
