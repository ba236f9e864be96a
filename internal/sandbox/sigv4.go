package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// sigv4 is a parsed AWS Signature Version 4 from the Authorization header
// or from presigned query parameters.
type sigv4 struct {
	accessKeyID   string
	date          string // yyyymmdd of the scope
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       string // x-amz-date, yyyymmddThhmmssZ
	securityToken string
	presigned     bool
}

const sigAlgorithm = "AWS4-HMAC-SHA256"

// maxClockSkew is how far a request's x-amz-date may be from the
// sandbox's clock, as AWS allows.
const maxClockSkew = 15 * time.Minute

var (
	errMissingAuth = &apiError{Status: 403, Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Sender: true}
	errBadToken    = &apiError{Status: 403, Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Sender: true}
	errSignature   = &apiError{Status: 403, Code: "SignatureDoesNotMatch", Sender: true,
		Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	errExpiredToken = &apiError{Status: 400, Code: "ExpiredToken", Message: "The security token included in the request is expired", Sender: true}
)

func incomplete(msg string) *apiError {
	return &apiError{Status: 400, Code: "IncompleteSignature", Message: msg, Sender: true}
}

// parseSigV4 reads the signature of r.
func parseSigV4(r *http.Request) (*sigv4, *apiError) {
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "" {
		sig := &sigv4{presigned: true, signature: q.Get("X-Amz-Signature"), amzDate: q.Get("X-Amz-Date"),
			securityToken: q.Get("X-Amz-Security-Token")}
		if q.Get("X-Amz-Algorithm") != sigAlgorithm {
			return nil, incomplete("unsupported X-Amz-Algorithm " + q.Get("X-Amz-Algorithm"))
		}
		if err := sig.scope(q.Get("X-Amz-Credential")); err != nil {
			return nil, err
		}
		sig.signedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
		return sig, nil
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, errMissingAuth
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != sigAlgorithm {
		return nil, incomplete("Authorization header requires the " + sigAlgorithm + " algorithm")
	}
	sig := &sigv4{amzDate: r.Header.Get("X-Amz-Date"), securityToken: r.Header.Get("X-Amz-Security-Token")}
	var credential string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			sig.signedHeaders = strings.Split(v, ";")
		case "Signature":
			sig.signature = v
		}
	}
	if credential == "" || len(sig.signedHeaders) == 0 || sig.signature == "" {
		return nil, incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
	}
	if err := sig.scope(credential); err != nil {
		return nil, err
	}
	return sig, nil
}

func (s *sigv4) scope(credential string) *apiError {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return incomplete("Credential must have the form <key>/<date>/<region>/<service>/aws4_request")
	}
	s.accessKeyID, s.date, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// verify checks the signature of r (whose body is body) and returns the
// credential that signed it.
func (s *Sandbox) verify(r *http.Request, body []byte, service string) (*credential, *apiError) {
	sig, apiErr := parseSigV4(r)
	if apiErr != nil {
		return nil, apiErr
	}
	if sig.amzDate == "" && !sig.presigned {
		sig.amzDate = r.Header.Get("Date")
	}
	t, err := time.Parse("20060102T150405Z", sig.amzDate)
	if err != nil {
		return nil, incomplete("missing or malformed X-Amz-Date")
	}
	if !strings.HasPrefix(sig.amzDate, sig.date) {
		return nil, errSignature
	}
	if sig.service != service {
		return nil, errSignature
	}
	now := s.now()
	if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return nil, &apiError{Status: 403, Code: "SignatureDoesNotMatch", Sender: true,
			Message: "Signature expired: " + sig.amzDate + " is now earlier than " + now.Add(-maxClockSkew).UTC().Format("20060102T150405Z") + " (" + now.UTC().Format("20060102T150405Z") + " - 15 min.)"}
	}
	c, ok := s.lookupCredential(sig.accessKeyID)
	if !ok {
		return nil, errBadToken
	}
	if c.SessionToken != "" && !hmac.Equal([]byte(c.SessionToken), []byte(sig.securityToken)) {
		return nil, errBadToken
	}
	want := signature(c.SecretAccessKey, sig, canonicalRequest(r, body, sig))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(sig.signature))) {
		return nil, errSignature
	}
	if c.SessionToken != "" && !now.Before(c.ExpiresAt) {
		return nil, errExpiredToken
	}
	return c, nil
}

func canonicalRequest(r *http.Request, body []byte, sig *sigv4) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query(), sig.presigned))
	b.WriteByte('\n')
	for _, h := range sig.signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sig.signedHeaders, ";"))
	b.WriteByte('\n')
	switch p := r.Header.Get("X-Amz-Content-Sha256"); {
	case p != "":
		b.WriteString(p)
	case sig.presigned && r.Method == http.MethodGet && len(body) == 0:
		sum := sha256.Sum256(nil)
		b.WriteString(hex.EncodeToString(sum[:]))
	default:
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()
}

// headerValue is a signed header's canonical value: values joined by
// commas, spaces trimmed and runs of spaces folded.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	default:
		vals = r.Header.Values(name)
		if len(vals) == 0 && name == "content-length" && r.ContentLength >= 0 {
			vals = []string{itoa(r.ContentLength)}
		}
	}
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func canonicalQuery(q url.Values, presigned bool) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, uriEncode(k)+"="+uriEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// uriEncode percent-encodes everything but the RFC 3986 unreserved
// characters, as SigV4 requires.
func uriEncode(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

func signature(secret string, sig *sigv4, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	scope := sig.date + "/" + sig.region + "/" + sig.service + "/aws4_request"
	toSign := sigAlgorithm + "\n" + sig.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+secret), sig.date)
	key = hmacSHA256(key, sig.region)
	key = hmacSHA256(key, sig.service)
	key = hmacSHA256(key, "aws4_request")
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
