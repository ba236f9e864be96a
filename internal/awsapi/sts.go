package awsapi

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const stsVersion = "2011-06-15"

// CallerIdentity is STS GetCallerIdentity's answer.
type CallerIdentity struct {
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
}

// GetCallerIdentity asks STS who creds belong to.
func (c *Client) GetCallerIdentity(ctx context.Context, creds aws.Credentials) (*CallerIdentity, error) {
	var out struct {
		Result CallerIdentity `xml:"GetCallerIdentityResult"`
	}
	if err := c.sts(ctx, "GetCallerIdentity", url.Values{}, &creds, &out); err != nil {
		return nil, err
	}
	if out.Result.Arn == "" {
		return nil, fmt.Errorf("GetCallerIdentity: the answer has no ARN")
	}
	return &out.Result, nil
}

// AssumeRoleInput is an AssumeRole request.
type AssumeRoleInput struct {
	RoleARN         string
	RoleSessionName string
	SourceIdentity  string
	ExternalID      string
	Duration        time.Duration // 0: the role's default
	Tags            map[string]string
}

// StsCredentials are temporary credentials issued by STS.
type StsCredentials struct {
	AccessKeyID     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

// AssumedRole is the answer of AssumeRole and AssumeRoleWithWebIdentity.
type AssumedRole struct {
	Credentials     StsCredentials `xml:"Credentials"`
	AssumedRoleUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	} `xml:"AssumedRoleUser"`
	SourceIdentity string `xml:"SourceIdentity"`
}

// AssumeRole calls STS AssumeRole with creds.
func (c *Client) AssumeRole(ctx context.Context, creds aws.Credentials, in *AssumeRoleInput) (*AssumedRole, error) {
	form := url.Values{"RoleArn": {in.RoleARN}, "RoleSessionName": {in.RoleSessionName}}
	if in.SourceIdentity != "" {
		form.Set("SourceIdentity", in.SourceIdentity)
	}
	if in.ExternalID != "" {
		form.Set("ExternalId", in.ExternalID)
	}
	if in.Duration > 0 {
		form.Set("DurationSeconds", seconds(in.Duration))
	}
	keys := make([]string, 0, len(in.Tags))
	for k := range in.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		n := strconv.Itoa(i + 1)
		form.Set("Tags.member."+n+".Key", k)
		form.Set("Tags.member."+n+".Value", in.Tags[k])
	}
	var out struct {
		Result AssumedRole `xml:"AssumeRoleResult"`
	}
	if err := c.sts(ctx, "AssumeRole", form, &creds, &out); err != nil {
		return nil, err
	}
	return checkAssumed("AssumeRole", &out.Result)
}

// AssumeRoleWithWebIdentityInput exchanges an OIDC token (GitHub Actions,
// any issuer) for role credentials. The call is not signed.
type AssumeRoleWithWebIdentityInput struct {
	RoleARN          string
	RoleSessionName  string
	WebIdentityToken string
	Duration         time.Duration
}

// AssumeRoleWithWebIdentity calls STS AssumeRoleWithWebIdentity.
func (c *Client) AssumeRoleWithWebIdentity(ctx context.Context, in *AssumeRoleWithWebIdentityInput) (*AssumedRole, error) {
	form := url.Values{"RoleArn": {in.RoleARN}, "RoleSessionName": {in.RoleSessionName}, "WebIdentityToken": {in.WebIdentityToken}}
	if in.Duration > 0 {
		form.Set("DurationSeconds", seconds(in.Duration))
	}
	var out struct {
		Result AssumedRole `xml:"AssumeRoleWithWebIdentityResult"`
	}
	if err := c.sts(ctx, "AssumeRoleWithWebIdentity", form, nil, &out); err != nil {
		return nil, err
	}
	return checkAssumed("AssumeRoleWithWebIdentity", &out.Result)
}

func checkAssumed(op string, r *AssumedRole) (*AssumedRole, error) {
	if r.Credentials.AccessKeyID == "" || r.Credentials.SecretAccessKey == "" || r.Credentials.Expiration.IsZero() {
		return nil, fmt.Errorf("%s: the answer has no credentials", op)
	}
	r.Credentials.Expiration = r.Credentials.Expiration.UTC()
	return r, nil
}

// sts sends an AWS query request (form-encoded POST, XML answer), signed
// with creds unless creds is nil.
func (c *Client) sts(ctx context.Context, op string, form url.Values, creds *aws.Credentials, out any) error {
	form.Set("Action", op)
	form.Set("Version", stsVersion)
	resp, err := c.do(ctx, &request{service: STS, operation: op, method: "POST", path: "/", body: []byte(form.Encode()),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
		sign:   creds, signName: "sts", parseErr: queryError})
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%s: malformed answer: %w", op, err)
	}
	return nil
}

// seconds renders a positive duration for DurationSeconds in whole
// seconds, at least 1 (AWS then names the allowed range).
func seconds(d time.Duration) string {
	return strconv.FormatInt(max(int64(d/time.Second), 1), 10)
}
