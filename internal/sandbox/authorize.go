package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The authorization endpoint of the PKCE flow (RFC 6749 §4.1, RFC 7636),
// as the AWS CLI ≥ 2.22 drives it:
//
//	GET /authorize?response_type=code&client_id=…&redirect_uri=http://127.0.0.1:<port>/oauth/callback
//	    &state=…&code_challenge=…&code_challenge_method=S256&scopes=<space separated>
//
// shows a page to pick a user; its POST redirects to the redirect URI with
// code and state, or error=access_denied.

// challengeRe is an S256 challenge: 32 bytes, base64url without padding.
var challengeRe = lazyRegexp(`^[A-Za-z0-9_-]{43}$`)

func (s *Sandbox) authorize(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return s.authorizeStart(w, r, reqID)
	case http.MethodPost:
		return s.authorizeDecide(w, r, reqID)
	}
	return s.wrongMethod(w, r, reqID)
}

// outcome is what an authorization step decided under the lock: an
// error page, a redirect back to the client, or the approval page.
type outcome struct {
	problem  string     // an error page: the redirect URI is not trusted
	redirect string     // where to send the browser, with params and state
	params   url.Values // code, or error and error_description
	state    string
	page     *pageData
}

func (o *outcome) fail(code, desc string) {
	o.params = url.Values{"error": {code}, "error_description": {desc}}
}

// finish writes the outcome.
func (s *Sandbox) finish(w http.ResponseWriter, r *http.Request, reqID string, o *outcome) *apiError {
	switch {
	case o.problem != "":
		return s.pageError(w, reqID, http.StatusBadRequest, "%s", o.problem)
	case o.params != nil:
		redirectTo(w, r, o.redirect, o.params, o.state)
		return nil
	}
	return render(w, http.StatusOK, "authorize", o.page)
}

func (s *Sandbox) authorizeStart(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	var o outcome
	s.locked(func() { o = s.authorizeLocked(r.URL.Query()) })
	return s.finish(w, r, reqID, &o)
}

func (s *Sandbox) authorizeLocked(q url.Values) (o outcome) {
	clientID := q.Get("client_id")
	o.redirect, o.state = q.Get("redirect_uri"), q.Get("state")
	now := s.now()
	c := s.st.Clients[clientID]
	switch {
	case clientID == "":
		o.problem = "The request has no client_id."
	case c == nil || !now.Before(c.ExpiresAt):
		o.problem = "The client_id is unknown or its registration expired; the program must register again."
	case o.redirect == "":
		o.problem = "The request has no redirect_uri."
	case !redirectRegistered(c.RedirectURIs, o.redirect):
		o.problem = "The redirect_uri " + o.redirect + " is not a loopback (or https) URI the client registered."
	}
	if o.problem != "" {
		return o // never redirect to a URI not known to be the client's
	}
	// The redirect URI is the client's: other errors go back to it (RFC
	// 6749 §4.1.2.1), so the program waiting on its loopback port fails at
	// once instead of after its 10-minute timeout. AWS spells the scope
	// parameter "scopes"; "scope" (RFC 6749) is accepted too.
	scopes := strings.Fields(q.Get("scopes"))
	if len(scopes) == 0 {
		scopes = strings.Fields(q.Get("scope"))
	}
	switch {
	case q.Get("response_type") != "code":
		o.fail("unsupported_response_type", "response_type must be code")
	case !c.allows(grantCode):
		o.fail("unauthorized_client", "the client was not registered for the authorization_code grant")
	case q.Get("code_challenge_method") != "S256":
		o.fail("invalid_request", "PKCE is required with code_challenge_method=S256")
	case !challengeRe().MatchString(q.Get("code_challenge")):
		o.fail("invalid_request", "code_challenge must be 43 base64url characters (S256)")
	}
	for _, sc := range scopes {
		if o.params == nil && len(c.Scopes) > 0 && !slices.Contains(c.Scopes, sc) {
			o.fail("invalid_scope", "scope "+sc+" was not registered by the client")
		}
	}
	if o.params != nil {
		return o
	}
	if len(scopes) == 0 {
		scopes = c.Scopes
	}
	req := &authCode{ClientID: c.ID, RedirectURI: o.redirect, Challenge: q.Get("code_challenge"), ChallengeMeth: "S256",
		Scopes: scopes, State: o.state, ExpiresAt: now.Add(authorizeTimeout)}
	if s.autoApprove != "" {
		o.params = url.Values{"code": {s.issueCodeLocked(req, s.autoApprove, now)}}
		return o
	}
	s.pruneLocked(now)
	id := randomToken("req-", 24)
	s.st.Codes[id] = req
	s.markDirty()
	o.page = s.page("Approve sign-in")
	o.page.ClientName, o.page.RedirectURI, o.page.RequestID, o.page.Scopes = c.Name, o.redirect, id, scopes
	return o
}

// authorizeDecide takes the page's form. The hidden request_id names the
// request held server-side; nothing else in the form is trusted.
func (s *Sandbox) authorizeDecide(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	if !s.readForm(w, r, reqID) {
		return nil
	}
	var o outcome
	s.locked(func() { o = s.decideLocked(r.PostForm) })
	return s.finish(w, r, reqID, &o)
}

func (s *Sandbox) decideLocked(form url.Values) (o outcome) {
	id, user := form.Get("request_id"), form.Get("user")
	now := s.now()
	req, ok := s.st.Codes[id]
	if !ok || req.User != "" || req.Used || !now.Before(req.ExpiresAt) {
		o.problem = "This sign-in request is unknown, finished or expired; start the sign-in again from the program."
		return o
	}
	o.redirect, o.state = req.RedirectURI, req.State
	switch form.Get("action") {
	case "deny":
		delete(s.st.Codes, id)
		s.markDirty()
		o.fail("access_denied", "the user denied the sign-in")
	case "approve":
		if _, known := s.seed.users[user]; !known {
			// The request stays open for another try.
			o.problem = "Pick one of the sandbox users (" + strings.Join(s.seed.userNames, ", ") + ")."
			return o
		}
		delete(s.st.Codes, id)
		o.params = url.Values{"code": {s.issueCodeLocked(req, user, now)}}
	default:
		o.problem = "The form must say approve or deny."
	}
	return o
}

// issueCodeLocked turns an approved request into a single-use code valid
// for 5 minutes.
func (s *Sandbox) issueCodeLocked(req *authCode, user string, now time.Time) string {
	ac := *req
	ac.Code, ac.User, ac.ExpiresAt = randomToken("", 32), user, now.Add(codeLifetime)
	s.st.Codes[ac.Code] = &ac
	s.markDirty()
	return ac.Code
}

// redirectTo sends the browser back to the client with params (and state
// when the client gave one), keeping the redirect URI's own query.
func redirectTo(w http.ResponseWriter, r *http.Request, target string, params url.Values, state string) {
	u, err := url.Parse(target)
	if err != nil { // checked before; keep the compiler and fuzzers honest
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// validRedirect is a redirect URI RegisterClient accepts: https, or http
// on a loopback address (RFC 8252 §7.3), without user info or fragment.
func validRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Fragment != "" || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || isLoopback(u)
}

func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	return u.Scheme == "http" && (h == "127.0.0.1" || h == "localhost" || h == "::1")
}

// redirectRegistered matches a redirect_uri against the registered ones.
// A loopback URI matches whatever port the program listens on at run time
// (RFC 8252 §7.3): the AWS CLI registers http://127.0.0.1/oauth/callback
// and then sends http://127.0.0.1:<port>/oauth/callback. Others match
// exactly.
func redirectRegistered(registered []string, given string) bool {
	g, err := url.Parse(given)
	if err != nil || !validRedirect(given) {
		return false
	}
	for _, reg := range registered {
		if reg == given {
			return true
		}
		r, err := url.Parse(reg)
		if err == nil && isLoopback(r) && isLoopback(g) && r.Hostname() == g.Hostname() &&
			r.EscapedPath() == g.EscapedPath() && r.RawQuery == g.RawQuery {
			return true
		}
	}
	return false
}
