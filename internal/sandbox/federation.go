package sandbox

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// signinTokenLife is how long a federation sign-in token may be used.
const signinTokenLife = 15 * time.Minute

// getSigninToken emulates the federation endpoint's getSigninToken: it
// trades temporary credentials for a sign-in token.
func (s *Sandbox) getSigninToken(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			q = r.Form
		}
	}
	var sess struct {
		SessionID    string `json:"sessionId"`
		SessionKey   string `json:"sessionKey"`
		SessionToken string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil || sess.SessionID == "" {
		return &apiError{Status: 400, Code: "InvalidRequest", Message: "Session must be JSON {sessionId, sessionKey, sessionToken}"}
	}
	c, ok := s.lookupCredential(sess.SessionID)
	if !ok || c.SecretAccessKey != sess.SessionKey || c.SessionToken != sess.SessionToken {
		return &apiError{Status: 400, Code: "InvalidRequest", Message: "the session credentials are invalid"}
	}
	if c.SessionToken == "" {
		return &apiError{Status: 400, Code: "InvalidRequest", Message: "long-term credentials cannot sign in; use temporary credentials (GetFederationToken or a role)"}
	}
	if !s.now().Before(c.ExpiresAt) {
		return &apiError{Status: 400, Code: "InvalidRequest", Message: "the session credentials have expired"}
	}
	duration := 0
	if v := q.Get("SessionDuration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			return &apiError{Status: 400, Code: "InvalidRequest", Message: "SessionDuration must be between 900 and 43200 seconds"}
		}
		if c.ViaRole {
			return &apiError{Status: 400, Code: "InvalidRequest", Message: "SessionDuration cannot be set for credentials of a role assumed by role chaining"}
		}
		duration = n
	}
	tok := randomToken("", 96)
	s.mu.Lock()
	s.st.SigninToks[tok] = &signinToken{AccessKeyID: c.AccessKeyID, ExpiresAt: s.now().Add(signinTokenLife), Duration: duration}
	s.markDirty()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"SigninToken": tok})
	return nil
}

// federationLogin ends the console sign-in: instead of the console, it
// shows which account, role and session the console would open.
func (s *Sandbox) federationLogin(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	q := r.URL.Query()
	dest, err := url.Parse(q.Get("Destination"))
	if q.Get("Destination") == "" || err != nil || (dest.Scheme != "https" && dest.Scheme != "http") {
		return &apiError{Status: 400, Code: "InvalidRequest", Message: "Destination must be an http(s) URL"}
	}
	s.mu.Lock()
	tok, ok := s.st.SigninToks[q.Get("SigninToken")]
	var c *credential
	if ok {
		c = s.st.Credentials[tok.AccessKeyID]
	}
	s.mu.Unlock()
	if !ok || c == nil || !s.now().Before(tok.ExpiresAt) {
		return &apiError{Status: 400, Code: "InvalidRequest", Message: "the sign-in token is invalid or older than 15 minutes"}
	}
	account := c.AccountID
	if a, ok := s.seed.byID[c.AccountID]; ok {
		account = a.Name + " (" + a.ID + ")"
	}
	roleName := c.RoleARN[strings.LastIndex(c.RoleARN, "/")+1:]
	expires := c.ExpiresAt
	if tok.Duration > 0 {
		expires = s.now().Add(time.Duration(tok.Duration) * time.Second)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return execPage(w, consolePage(), map[string]any{
		"Account": account, "Role": roleName, "Session": c.ARN, "SourceIdentity": c.SourceIdentity,
		"Destination": dest.String(), "Issuer": q.Get("Issuer"), "Expires": expires.UTC().Format(time.RFC3339),
	})
}

// consolePage is parsed on first use: templates cost start-up time for
// every sesame command, and only the sandbox renders them.
var consolePage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("console").Parse(consolePageHTML))
})

const consolePageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AWS console (sesame sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}
dt{font-weight:600;margin-top:.6rem}dd{margin:0;font-family:ui-monospace,monospace}</style></head>
<body><h1>AWS console</h1>
<p>This sandbox stands in for the AWS console. A real sign-in would open:</p>
<dl id="session">
<dt>Account</dt><dd id="account">{{.Account}}</dd>
<dt>Role</dt><dd id="role">{{.Role}}</dd>
<dt>Session</dt><dd id="arn">{{.Session}}</dd>
{{if .SourceIdentity}}<dt>Source identity</dt><dd id="source-identity">{{.SourceIdentity}}</dd>{{end}}
<dt>Destination</dt><dd id="destination">{{.Destination}}</dd>
<dt>Issuer</dt><dd id="issuer">{{.Issuer}}</dd>
<dt>Console session ends</dt><dd id="expires">{{.Expires}}</dd>
</dl></body></html>
`

// execPage renders a page, turning a template failure into an error page.
func execPage(w http.ResponseWriter, t *template.Template, data any) *apiError {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return &apiError{Status: 500, Code: "InternalFailure", Message: "page: " + err.Error()}
	}
	_, _ = w.Write([]byte(b.String()))
	return nil
}
