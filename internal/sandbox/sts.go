package sandbox

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const stsVersion = "2011-06-15"
const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// queryRoute reads a query-protocol request (form body or URL query) and
// picks the STS operation by Action.
func (s *Sandbox) queryRoute(r *http.Request) (route, *apiError) {
	var body []byte
	if r.Method == http.MethodPost {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "application/x-www-form-urlencoded" {
			return route{proto: protoQuery}, errBadRequest(protoQuery, "the query protocol takes an application/x-www-form-urlencoded body")
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return route{proto: protoQuery}, &apiError{Status: 413, Code: "RequestEntityTooLarge", Message: "request body too large", Sender: true}
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(body))
	} else if r.Method != http.MethodGet {
		return route{proto: protoQuery}, errBadRequest(protoQuery, "the query protocol takes GET or POST")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return route{proto: protoQuery}, errBadRequest(protoQuery, "malformed form body")
	}
	for k, v := range r.URL.Query() {
		if _, set := form[k]; !set && !strings.HasPrefix(k, "X-Amz-") {
			form[k] = v
		}
	}
	action := form.Get("Action")
	if action == "" {
		return route{proto: protoQuery}, &apiError{Status: 400, Code: "MissingAction", Message: "Missing Action", Sender: true}
	}
	if v := form.Get("Version"); v != stsVersion {
		return route{proto: protoQuery}, &apiError{Status: 400, Code: "InvalidAction", Sender: true,
			Message: fmt.Sprintf("Could not find operation %s for version %s", action, v)}
	}
	q := &stsRequest{form: form, body: body}
	var h func(http.ResponseWriter, *http.Request, string, *stsRequest) *apiError
	switch action {
	case "GetCallerIdentity":
		h = s.getCallerIdentity
	case "AssumeRole":
		h = s.assumeRole
	case "GetSessionToken":
		h = s.getSessionToken
	case "AssumeRoleWithWebIdentity":
		h = s.assumeRoleWithWebIdentity
	default:
		return route{proto: protoQuery}, &apiError{Status: 400, Code: "InvalidAction", Sender: true,
			Message: fmt.Sprintf("Could not find operation %s for version %s", action, stsVersion)}
	}
	return route{op: action, proto: protoQuery, h: func(w http.ResponseWriter, r *http.Request, id string) *apiError {
		return h(w, r, id, q)
	}}, nil
}

type stsRequest struct {
	form url.Values
	body []byte
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

func (s *Sandbox) getCallerIdentity(w http.ResponseWriter, r *http.Request, reqID string, q *stsRequest) *apiError {
	c, apiErr := s.verify(r, q.body, "sts")
	if apiErr != nil {
		return apiErr
	}
	type result struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	}
	writeXML(w, struct {
		XMLName  xml.Name         `xml:"GetCallerIdentityResponse"`
		NS       string           `xml:"xmlns,attr"`
		Result   result           `xml:"GetCallerIdentityResult"`
		Metadata responseMetadata `xml:"ResponseMetadata"`
	}{NS: stsNS, Result: result{Arn: c.ARN, UserID: c.UserID, Account: c.AccountID}, Metadata: responseMetadata{reqID}})
	return nil
}

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

func credXML(c *credential) xmlCredentials {
	return xmlCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.ExpiresAt.UTC().Format(time.RFC3339)}
}

func validation(field, value, constraint string) *apiError {
	return &apiError{Status: 400, Code: "ValidationError", Sender: true,
		Message: fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)}
}

var (
	roleARNRe    = lazyRegexp(`^arn:[\w+=/,.@-]+:iam::\d{12}:role/[\w+=/,.@-]+$`)
	externalIDRe = lazyRegexp(`^[\w+=,.@:/-]+$`)
)

// durationParam reads DurationSeconds within [min, max], or def.
func durationParam(form url.Values, def, lo, hi int) (int, *apiError) {
	v := form.Get("DurationSeconds")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, validation("durationSeconds", v, "Member must be a number")
	}
	if n < lo {
		return 0, validation("durationSeconds", v, fmt.Sprintf("Member must have value greater than or equal to %d", lo))
	}
	if n > hi {
		return 0, validation("durationSeconds", v, fmt.Sprintf("Member must have value less than or equal to %d", hi))
	}
	return n, nil
}

func (s *Sandbox) getSessionToken(w http.ResponseWriter, r *http.Request, reqID string, q *stsRequest) *apiError {
	caller, apiErr := s.verify(r, q.body, "sts")
	if apiErr != nil {
		return apiErr
	}
	if caller.SessionToken != "" {
		return &apiError{Status: 403, Code: "AccessDenied", Message: "Cannot call GetSessionToken with session credentials", Sender: true}
	}
	secs, apiErr := durationParam(q.form, 43200, 900, 129600)
	if apiErr != nil {
		return apiErr
	}
	s.mu.Lock()
	c := &credential{AccountID: caller.AccountID, ARN: caller.ARN, UserID: caller.UserID}
	c = s.issueLocked(c, s.lifetimeLocked("role_credentials", time.Duration(secs)*time.Second))
	s.mu.Unlock()
	writeXML(w, struct {
		XMLName  xml.Name         `xml:"GetSessionTokenResponse"`
		NS       string           `xml:"xmlns,attr"`
		Creds    xmlCredentials   `xml:"GetSessionTokenResult>Credentials"`
		Metadata responseMetadata `xml:"ResponseMetadata"`
	}{NS: stsNS, Creds: credXML(c), Metadata: responseMetadata{reqID}})
	return nil
}
