package auth

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/org"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

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
			client := sso.NewFromConfig(r.o.AWSConfig(p, p.Region))
			var out *sso.GetRoleCredentialsOutput
			for attempt := 0; attempt < 2; attempt++ {
				tok, err := ts.Token(ctx)
				if err != nil {
					return Credentials{}, err
				}
				out, err = client.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
					AccessToken: aws.String(tok), AccountId: aws.String(id.AccountID), RoleName: aws.String(id.PermissionSet)})
				switch code := apiCode(err); {
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
			rc := out.RoleCredentials
			if rc == nil || rc.AccessKeyId == nil {
				return Credentials{}, fmt.Errorf("identity %s: GetRoleCredentials returned no credentials", id.Name)
			}
			c := Credentials{AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey),
				SessionToken: aws.ToString(rc.SessionToken), Expiration: time.UnixMilli(rc.Expiration).UTC(), AccountID: id.AccountID}
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
	cfg := r.o.AWSConfig(p, p.Region)
	cfg.Credentials = credentials.StaticCredentialsProvider{Value: aws.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}

// assumeRoleStep assumes a role with the parent step's credentials.
func (r *Resolver) assumeRoleStep(id *org.Identity, parent *step) *step {
	region := id.Region
	if region == "" {
		region = r.o.Org.Profile.Region
	}
	if region == "" && r.o.Org.IdentityCenter != nil {
		region = r.o.Org.IdentityCenter.Region
	}
	return &step{
		key:      "role-" + hashKey(parent.key, id.RoleARN, id.SessionName, id.ExternalID, id.Duration.String()),
		identity: id.Name,
		parent:   parent,
		fetch: func(ctx context.Context, pc Credentials) (Credentials, error) {
			root, _ := r.o.Org.Provider(chainRoot(r.o.Org, id))
			cfg := r.o.AWSConfig(root, region)
			cfg.Credentials = credentials.StaticCredentialsProvider{Value: aws.Credentials{
				AccessKeyID: pc.AccessKeyID, SecretAccessKey: pc.SecretAccessKey, SessionToken: pc.SessionToken}}
			user := pc.SessionUser()
			in := &sts.AssumeRoleInput{RoleArn: aws.String(id.RoleARN)}
			switch {
			case id.SessionName != "":
				in.RoleSessionName = aws.String(id.SessionName)
			case user != "":
				in.RoleSessionName = aws.String(SessionName(user))
			default:
				in.RoleSessionName = aws.String(SessionName("sesame-" + id.Account))
			}
			if user != "" {
				in.SourceIdentity = aws.String(SessionName(user))
			}
			if id.ExternalID != "" {
				in.ExternalId = aws.String(id.ExternalID)
			}
			if d := id.Duration.D(); d > 0 {
				in.DurationSeconds = aws.Int32(int32(d / time.Second))
			}
			keys := make([]string, 0, len(id.SessionTags))
			for k := range id.SessionTags {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(id.SessionTags[k])})
			}
			out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, in)
			if err != nil {
				if apiCode(err) == "AccessDenied" {
					return Credentials{}, fmt.Errorf("identity %s: %w: %s may not assume %s (check the role's trust policy and the permission set's policies): %v",
						id.Name, ErrAccessDenied, id.ViaIdentity, id.RoleARN, err)
				}
				return Credentials{}, fmt.Errorf("identity %s: AssumeRole %s: %w", id.Name, id.RoleARN, err)
			}
			oc := out.Credentials
			return Credentials{AccessKeyID: aws.ToString(oc.AccessKeyId), SecretAccessKey: aws.ToString(oc.SecretAccessKey),
				SessionToken: aws.ToString(oc.SessionToken), Expiration: aws.ToTime(oc.Expiration).UTC(),
				AccountID: id.AccountID, ARN: aws.ToString(out.AssumedRoleUser.Arn)}, nil
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
