package sandbox

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// chainLimit is the longest session AWS gives a role assumed with another
// role's credentials.
const chainLimit = time.Hour

// assumeRole emulates sts:AssumeRole: the caller must be signed, the role
// must exist, its trust policy and the caller's own policies must allow
// the call, and the duration rules of AWS apply (1 h when chained).
func (s *Sandbox) assumeRole(w http.ResponseWriter, r *http.Request, reqID string, q *stsRequest) *apiError {
	caller, apiErr := s.verify(r, q.body, "sts")
	if apiErr != nil {
		return apiErr
	}
	f := q.form
	roleARN, session := f.Get("RoleArn"), f.Get("RoleSessionName")
	switch {
	case roleARN == "":
		return validation("roleArn", "null", "Member must not be null")
	case len(roleARN) < 20 || !roleARNRe().MatchString(roleARN):
		return validation("roleArn", roleARN, "Member must satisfy regular expression pattern: arn:aws:iam::<account>:role/<name>")
	case session == "":
		return validation("roleSessionName", "null", "Member must not be null")
	case !sessionNameRe().MatchString(session):
		return validation("roleSessionName", session, "Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	secs, apiErr := durationParam(f, 3600, 900, 43200)
	if apiErr != nil {
		return apiErr
	}
	externalID := f.Get("ExternalId")
	if externalID != "" && (!externalIDRe().MatchString(externalID) || len(externalID) < 2 || len(externalID) > 1224) {
		return validation("externalId", externalID, "Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:/-]*")
	}
	sourceIdentity := f.Get("SourceIdentity")
	if sourceIdentity != "" && (!sessionNameRe().MatchString(sourceIdentity) || strings.HasPrefix(strings.ToLower(sourceIdentity), "aws:")) {
		return validation("sourceIdentity", sourceIdentity, "Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	tags, transitive, apiErr := sessionTags(f)
	if apiErr != nil {
		return apiErr
	}
	denied := &apiError{Status: 403, Code: "AccessDenied", Sender: true,
		Message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.ARN, roleARN)}
	role, ok := s.seed.roles[roleARN]
	if !ok {
		return denied // AWS does not say whether the role exists
	}
	if caller.SourceIdentity != "" {
		if sourceIdentity != "" && sourceIdentity != caller.SourceIdentity {
			return &apiError{Status: 403, Code: "AccessDenied", Sender: true,
				Message: "SourceIdentity cannot be changed once set: the caller's session has " + caller.SourceIdentity}
		}
		sourceIdentity = caller.SourceIdentity
	}
	ctx := condContext{"aws:PrincipalAccount": caller.AccountID, "aws:PrincipalArn": caller.ARN, "aws:PrincipalType": "User"}
	if caller.RoleARN != "" {
		ctx["aws:PrincipalArn"], ctx["aws:PrincipalType"] = caller.RoleARN, "AssumedRole"
	}
	if externalID != "" {
		ctx["sts:ExternalId"] = externalID
	}
	if sourceIdentity != "" {
		ctx["sts:SourceIdentity"] = sourceIdentity
	}
	for k, v := range tags {
		ctx["aws:RequestTag/"+k] = v
	}
	if !trustAllows(role.Trust, caller, "sts:AssumeRole", ctx) ||
		(sourceIdentity != "" && !trustAllows(role.Trust, caller, "sts:SetSourceIdentity", ctx)) ||
		(len(tags) > 0 && !trustAllows(role.Trust, caller, "sts:TagSession", ctx)) ||
		!s.identityAllows(caller, "sts:AssumeRole", roleARN) {
		return denied
	}
	chained := caller.RoleARN != ""
	explicit := f.Get("DurationSeconds") != ""
	switch d := time.Duration(secs) * time.Second; {
	case chained && explicit && d > chainLimit:
		return &apiError{Status: 400, Code: "ValidationError", Sender: true,
			Message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."}
	case d > max(role.MaxDuration, time.Hour):
		return &apiError{Status: 400, Code: "ValidationError", Sender: true,
			Message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}
	}
	// Transitive tags of the caller pass on to the new session.
	for _, k := range caller.TransitiveTags {
		if _, set := tags[k]; !set {
			if tags == nil {
				tags = map[string]string{}
			}
			tags[k] = caller.Tags[k]
			transitive = append(transitive, k)
		}
	}
	c := s.roleSession(role, roleARN, session)
	c.SourceIdentity, c.Tags, c.TransitiveTags, c.ViaRole, c.SSOUser = sourceIdentity, tags, transitive, chained, caller.SSOUser
	s.mu.Lock()
	c = s.issueLocked(c, s.lifetimeLocked("role_credentials", time.Duration(secs)*time.Second))
	s.mu.Unlock()
	type assumedUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	}
	type result struct {
		Credentials      xmlCredentials `xml:"Credentials"`
		AssumedRoleUser  assumedUser    `xml:"AssumedRoleUser"`
		PackedPolicySize *int           `xml:"PackedPolicySize,omitempty"`
		SourceIdentity   string         `xml:"SourceIdentity,omitempty"`
	}
	res := result{Credentials: credXML(c), AssumedRoleUser: assumedUser{Arn: c.ARN, AssumedRoleID: c.UserID}, SourceIdentity: sourceIdentity}
	if len(tags) > 0 {
		size := min(100, 2*len(tags)) // percent of the packed limit, roughly as AWS reports it
		res.PackedPolicySize = &size
	}
	writeXML(w, struct {
		XMLName  xml.Name         `xml:"AssumeRoleResponse"`
		NS       string           `xml:"xmlns,attr"`
		Result   result           `xml:"AssumeRoleResult"`
		Metadata responseMetadata `xml:"ResponseMetadata"`
	}{NS: stsNS, Result: res, Metadata: responseMetadata{reqID}})
	return nil
}

// sessionTags reads Tags.member.N.Key/Value and TransitiveTagKeys.member.N.
func sessionTags(f map[string][]string) (map[string]string, []string, *apiError) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var tags map[string]string
	seen := map[string]bool{}
	for i := 1; ; i++ {
		k := get("Tags.member." + strconv.Itoa(i) + ".Key")
		if k == "" {
			break
		}
		if i > 50 {
			return nil, nil, validation("tags", "", "Member must have length less than or equal to 50")
		}
		v := get("Tags.member." + strconv.Itoa(i) + ".Value")
		if len(k) > 128 || len(v) > 256 {
			return nil, nil, validation("tags", k, "keys must be at most 128 characters and values 256")
		}
		if tags == nil {
			tags = map[string]string{}
		}
		if seen[strings.ToLower(k)] {
			return nil, nil, &apiError{Status: 400, Code: "InvalidParameterValue", Sender: true, Message: "Duplicate tag keys found. Please note that Tag keys are case insensitive."}
		}
		seen[strings.ToLower(k)] = true
		tags[k] = v
	}
	var transitive []string
	for i := 1; ; i++ {
		k := get("TransitiveTagKeys.member." + strconv.Itoa(i))
		if k == "" {
			break
		}
		if _, ok := tags[k]; !ok {
			return nil, nil, &apiError{Status: 400, Code: "InvalidParameterValue", Sender: true,
				Message: "The transitive tag key " + k + " is not in the session tags"}
		}
		transitive = append(transitive, k)
	}
	return tags, transitive, nil
}

// roleSession is the credential record of a role session (AssumeRole,
// AssumeRoleWithWebIdentity), before it is issued.
func (s *Sandbox) roleSession(r *role, roleARN, session string) *credential {
	return &credential{
		AccountID: r.AccountID, RoleARN: roleARN, SessionName: session,
		ARN:    fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", s.seed.partition, r.AccountID, r.Name, session),
		UserID: roleIDFor("AROA", roleARN) + ":" + session, Chained: true,
	}
}
