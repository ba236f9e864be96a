package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// webIdentity is a verified web identity token.
type webIdentity struct {
	issuer   string // the iss claim
	host     string // iss without https://: the IAM OIDC provider's name and condition-key prefix
	subject  string
	audience string
	claims   map[string]any
}

func errInvalidIdentityToken(msg string) *apiError {
	return &apiError{Status: 400, Code: "InvalidIdentityToken", Message: msg, Sender: true}
}

// verifyWebIdentity checks a token's signature against the sandbox key and
// its times against the sandbox clock.
func (s *Sandbox) verifyWebIdentity(raw string) (*webIdentity, *apiError) {
	notJWT := errInvalidIdentityToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	sig, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, notJWT
	}
	// Without a key no token was ever issued: anything presented is forged.
	key := s.idKey.k.Load()
	if key == nil {
		return nil, errInvalidIdentityToken("Couldn't verify the token's signature: the sandbox has issued no tokens (its signing key does not exist yet)")
	}
	payload, err := sig.Verify(&key.priv.PublicKey)
	if err != nil {
		return nil, errInvalidIdentityToken("The token's signature is not valid: it was not signed by this sandbox or was altered")
	}
	var std jwt.Claims
	var all map[string]any
	if json.Unmarshal(payload, &std) != nil || json.Unmarshal(payload, &all) != nil || all == nil {
		return nil, notJWT
	}
	id := &webIdentity{issuer: std.Issuer, subject: std.Subject, claims: all}
	if len(std.Audience) > 0 {
		id.audience = std.Audience[0]
	}
	switch {
	case id.issuer == "" || checkIssuer(id.issuer) != nil:
		return nil, errInvalidIdentityToken("The token's iss claim must be an https:// issuer URL")
	case id.subject == "":
		return nil, errInvalidIdentityToken("The token has no sub claim")
	case id.audience == "":
		return nil, errInvalidIdentityToken("The token has no aud claim")
	case std.Expiry == nil:
		return nil, errInvalidIdentityToken("The token has no exp claim")
	}
	id.host = strings.TrimPrefix(id.issuer, "https://")
	now := s.now()
	if exp := std.Expiry.Time(); !now.Before(exp) {
		return nil, &apiError{Status: 400, Code: "ExpiredTokenException", Sender: true,
			Message: fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), exp.Unix())}
	}
	if std.NotBefore != nil && now.Before(std.NotBefore.Time()) {
		return nil, errInvalidIdentityToken(fmt.Sprintf("Token is not yet valid: current date/time %d is before the not-before date/time %d", now.Unix(), std.NotBefore.Time().Unix()))
	}
	return id, nil
}

// assumeRoleWithWebIdentity emulates sts:AssumeRoleWithWebIdentity. It is
// not signed: the token is the credential. The checks run in this order:
// the token must be one the sandbox issued (any issuer) and unexpired; the
// role's account must have an IAM OIDC provider for the token's issuer
// (InvalidIdentityToken "No OpenIDConnect provider found …") whose client
// IDs include the token's audience (InvalidIdentityToken "Incorrect token
// audience"); the role must be a machine role whose trust policy allows
// the provider (arn:<partition>:iam::<role account>:oidc-provider/<iss
// host>) with the token's claims as conditions (AccessDenied).
func (s *Sandbox) assumeRoleWithWebIdentity(w http.ResponseWriter, r *http.Request, reqID string, q *stsRequest) *apiError {
	f := q.form
	roleARN, session, raw := f.Get("RoleArn"), f.Get("RoleSessionName"), f.Get("WebIdentityToken")
	switch {
	case roleARN == "":
		return validation("roleArn", "null", "Member must not be null")
	case len(roleARN) < 20 || len(roleARN) > 2048 || !roleARNRe().MatchString(roleARN):
		return validation("roleArn", roleARN, "Member must satisfy regular expression pattern: arn:aws:iam::<account>:role/<name>")
	case session == "":
		return validation("roleSessionName", "null", "Member must not be null")
	case !sessionNameRe().MatchString(session):
		return validation("roleSessionName", session, "Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*")
	case raw == "":
		return validation("webIdentityToken", "null", "Member must not be null")
	case len(raw) < 4 || len(raw) > 20000:
		// The token is a credential: never echo it.
		return validation("webIdentityToken", "***", "Member must have length between 4 and 20000")
	}
	secs, apiErr := durationParam(f, 3600, 900, 43200)
	if apiErr != nil {
		return apiErr
	}
	id, apiErr := s.verifyWebIdentity(raw)
	if apiErr != nil {
		return apiErr
	}
	// The provider is looked up in the account the role ARN names, whether
	// or not the role exists there.
	clientIDs, ok := s.seed.oidcProviders.lookup(strings.Split(roleARN, ":")[4], id.host)
	if !ok {
		return errInvalidIdentityToken("No OpenIDConnect provider found in your account for " + id.issuer)
	}
	if !slices.Contains(clientIDs, id.audience) {
		return errInvalidIdentityToken("Incorrect token audience")
	}
	denied := &apiError{Status: 403, Code: "AccessDenied", Sender: true, Message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"}
	role, ok := s.seed.roles[roleARN]
	if !ok {
		return denied // AWS does not say whether the role exists
	}
	provider := "arn:" + s.seed.partition + ":iam::" + role.AccountID + ":oidc-provider/" + id.host
	ctx := condContext{"aws:FederatedProvider": provider}
	for k, v := range id.claims {
		if str, ok := v.(string); ok {
			ctx[id.host+":"+k] = str
		}
	}
	ctx[id.host+":aud"], ctx[id.host+":sub"] = id.audience, id.subject
	if !federatedAllows(role.Trust, provider, "sts:AssumeRoleWithWebIdentity", ctx) {
		return denied
	}
	if d := time.Duration(secs) * time.Second; d > max(role.MaxDuration, time.Hour) {
		return &apiError{Status: 400, Code: "ValidationError", Sender: true,
			Message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}
	}
	c := s.roleSession(role, roleARN, session)
	s.mu.Lock()
	c = s.issueLocked(c, s.lifetimeLocked("role_credentials", time.Duration(secs)*time.Second))
	s.mu.Unlock()
	type assumedUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	}
	type result struct {
		Subject         string         `xml:"SubjectFromWebIdentityToken"`
		Audience        string         `xml:"Audience"`
		AssumedRoleUser assumedUser    `xml:"AssumedRoleUser"`
		Credentials     xmlCredentials `xml:"Credentials"`
		Provider        string         `xml:"Provider"`
	}
	writeXML(w, struct {
		XMLName  xml.Name         `xml:"AssumeRoleWithWebIdentityResponse"`
		NS       string           `xml:"xmlns,attr"`
		Result   result           `xml:"AssumeRoleWithWebIdentityResult"`
		Metadata responseMetadata `xml:"ResponseMetadata"`
	}{NS: stsNS, Result: result{Subject: id.subject, Audience: id.audience, Provider: provider,
		AssumedRoleUser: assumedUser{Arn: c.ARN, AssumedRoleID: c.UserID}, Credentials: credXML(c)},
		Metadata: responseMetadata{reqID}})
	return nil
}
