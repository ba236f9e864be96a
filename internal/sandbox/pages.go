package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/sesame-cli/sesame/internal/org"
)

// The sign-in pages a person (or a headless browser) uses: the home page,
// the device-code page and the authorization page of the PKCE flow.
// Every control has an id and a data-testid; html/template escapes all
// values. Errors are HTML pages too, never a bare 500.

type pageData struct {
	Title       string
	Message     string
	StartURL    string
	Region      string
	Users       []*org.SandboxUser
	UserCode    string
	ClientName  string
	RedirectURI string
	RequestID   string
	Scopes      []string
}

// pageTmpl is parsed on first use (see consolePage).
var pageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("pages").Funcs(template.FuncMap{"join": strings.Join}).Parse(pagesHTML))
})

const pagesHTML = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · sesame sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
code{font-family:ui-monospace,monospace}.code{font:600 2rem ui-monospace,monospace;letter-spacing:.15em}
fieldset{border:1px solid #bbb;border-radius:6px;margin:1rem 0}button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}
.err{color:#a00}footer{margin-top:2rem;color:#666;font-size:.85rem}</style></head>
<body><h1>{{.Title}}</h1>{{end}}
{{define "foot"}}<footer>sesame sandbox: a local emulator, not AWS.</footer></body></html>{{end}}
{{define "users"}}<fieldset id="users"><legend>Sign in as</legend>
{{range $i, $u := .Users}}<div><input type="radio" name="user" value="{{$u.Name}}" id="user-{{$u.Name}}" data-testid="user-{{$u.Name}}"{{if eq $i 0}} checked{{end}}>
<label for="user-{{$u.Name}}">{{$u.Name}}{{if $u.DisplayName}} ({{$u.DisplayName}}){{end}}</label></div>
{{end}}</fieldset>
<button type="submit" name="action" value="approve" id="approve" data-testid="approve">Approve</button>
<button type="submit" name="action" value="deny" id="deny" data-testid="deny">Deny</button>{{end}}

{{define "home"}}{{template "head" .}}
<p>This is the <strong>sesame sandbox</strong>, a local emulator of the AWS sign-in APIs (SSO OIDC, the SSO portal,
STS and federation sign-in) seeded from the organization's static configuration. The AWS CLI, the SDKs and sesame
talk to it unchanged through <code>AWS_ENDPOINT_URL</code>. No AWS account is involved.</p>
<dl><dt>Start URL</dt><dd><code id="start-url">{{.StartURL}}</code></dd>
<dt>Region</dt><dd><code id="region">{{.Region}}</code></dd></dl>
<h2>Sandbox users</h2>
<ul id="user-list">{{range .Users}}<li><code>{{.Name}}</code>{{if .DisplayName}}, {{.DisplayName}}{{end}}{{if .Groups}} (groups: {{join .Groups ", "}}){{end}}</li>
{{end}}</ul>
<h2>Links</h2>
<ul><li><a href="/device" id="link-device">Enter a device code</a></li>
<li><a href="/_sandbox/info" id="link-info">/_sandbox/info</a>: endpoint, users and accounts as JSON</li>
<li><a href="/_sandbox/stats" id="link-stats">/_sandbox/stats</a>: calls served per operation</li></ul>
{{template "foot" .}}{{end}}

{{define "device-enter"}}{{template "head" .}}
<form method="get" action="/device" id="code-form">
<p><label for="user_code">Enter the code the program shows:</label></p>
<input id="user_code" name="user_code" data-testid="user-code-input" autocomplete="off" autofocus required>
<button type="submit" id="continue" data-testid="continue">Continue</button></form>
{{template "foot" .}}{{end}}

{{define "device"}}{{template "head" .}}
<p>A program asks to sign in to <code>{{.StartURL}}</code>. Go on only if it shows this code:</p>
<p class="code" id="user-code" data-testid="user-code">{{.UserCode}}</p>
<form method="post" action="/device" id="approve-form">
<input type="hidden" name="user_code" value="{{.UserCode}}">
{{template "users" .}}</form>
{{template "foot" .}}{{end}}

{{define "authorize"}}{{template "head" .}}
<p>The application <strong id="client-name">{{.ClientName}}</strong> asks to sign in to <code>{{.StartURL}}</code>
{{- if .Scopes}} with the scopes {{range $i, $sc := .Scopes}}{{if $i}}, {{end}}<code class="scope">{{$sc}}</code>{{end}}{{end}}.</p>
<p>Afterwards your browser returns to <code id="redirect-uri">{{.RedirectURI}}</code>.</p>
<form method="post" action="/authorize" id="approve-form">
<input type="hidden" name="request_id" value="{{.RequestID}}">
{{template "users" .}}</form>
{{template "foot" .}}{{end}}

{{define "done"}}{{template "head" .}}
<p id="result" data-testid="result">{{.Message}}</p>
<p id="close">You can close this window.</p>
{{template "foot" .}}{{end}}

{{define "error"}}{{template "head" .}}
<p class="err" id="error" data-testid="error">{{.Message}}</p>
{{template "foot" .}}{{end}}
`

// page fills the fields every page shows.
func (s *Sandbox) page(title string) *pageData {
	d := &pageData{Title: title, StartURL: s.seed.startURL, Region: s.seed.region}
	for _, name := range s.seed.userNames {
		d.Users = append(d.Users, s.seed.users[name])
	}
	return d
}

// render writes a page. Pages are not to be cached or framed (an approve
// button in a frame could be clickjacked). There is no CSP form-action:
// browsers apply it to the redirect after the POST, which leaves for the
// client's loopback port.
func render(w http.ResponseWriter, status int, name string, d *pageData) *apiError {
	var b bytes.Buffer
	if err := pageTmpl().ExecuteTemplate(&b, name, d); err != nil {
		return &apiError{Status: 500, Code: "InternalFailure", Message: "page " + name + ": " + err.Error()}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
	return nil
}

// pageError answers with an HTML error page.
func (s *Sandbox) pageError(w http.ResponseWriter, reqID string, status int, format string, args ...any) *apiError {
	d := s.page(http.StatusText(status))
	d.Message = fmt.Sprintf(format, args...)
	w.Header().Set("x-amzn-RequestId", reqID)
	return render(w, status, "error", d)
}

// crossOrigin refuses form posts from other sites (Sec-Fetch-Site and
// Origin), so a page elsewhere cannot approve a sign-in for the user.
// crossOrigin is built on first use, like the templates.
var crossOrigin = sync.OnceValue(http.NewCrossOriginProtection)

// readForm checks a POST's origin and parses its form. It answers with an
// error page itself and returns false when the post is unusable.
func (s *Sandbox) readForm(w http.ResponseWriter, r *http.Request, reqID string) bool {
	if err := crossOrigin().Check(r); err != nil {
		_ = s.pageError(w, reqID, http.StatusForbidden, "This form was posted from another site: %v", err)
		return false
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			_ = s.pageError(w, reqID, http.StatusRequestEntityTooLarge, "The form is too large.")
		} else {
			_ = s.pageError(w, reqID, http.StatusBadRequest, "The form could not be read: %v", err)
		}
		return false
	}
	return true
}

func (s *Sandbox) wrongMethod(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	w.Header().Set("Allow", "GET, HEAD, POST")
	return s.pageError(w, reqID, http.StatusMethodNotAllowed, "%s does not take %s.", r.URL.Path, r.Method)
}

// homePage says what the sandbox is.
func (s *Sandbox) homePage(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	return render(w, http.StatusOK, "home", s.page("sesame sandbox"))
}

// devicePage is the verification URI of the device flow: GET shows the
// code and the users, POST approves or denies. The posted user code ties
// the decision to the authorization; it is only known to whoever sees the
// program's output.
func (s *Sandbox) devicePage(w http.ResponseWriter, r *http.Request, reqID string) *apiError {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		code := r.URL.Query().Get("user_code")
		if code == "" {
			return render(w, http.StatusOK, "device-enter", s.page("Sign in with a code"))
		}
		var userCode, approvedBy string
		var err error
		s.locked(func() {
			// With auto-approve (or a second look) the code is already
			// approved: say so rather than show an error.
			if dev := s.deviceByUserCodeLocked(code); dev != nil && dev.ApprovedBy != "" && !dev.Used && s.now().Before(dev.ExpiresAt) {
				userCode, approvedBy = dev.UserCode, dev.ApprovedBy
				return
			}
			var dev *deviceAuth
			if dev, err = s.pendingDeviceLocked(code); err == nil {
				userCode = dev.UserCode
			}
		})
		if err != nil {
			return s.pageError(w, reqID, http.StatusBadRequest, "%s.", upperFirst(err.Error()))
		}
		if approvedBy != "" {
			d := s.page("Sign-in approved")
			d.Message = "The sign-in with " + userCode + " is approved for " + approvedBy + "."
			return render(w, http.StatusOK, "done", d)
		}
		d := s.page("Approve sign-in")
		d.UserCode = userCode
		return render(w, http.StatusOK, "device", d)
	case http.MethodPost:
		if !s.readForm(w, r, reqID) {
			return nil
		}
		code, user := r.PostForm.Get("user_code"), r.PostForm.Get("user")
		d := s.page("Sign-in approved")
		var err error
		switch r.PostForm.Get("action") {
		case "approve":
			err = s.Approve(code, user)
			d.Message = "Signed in as " + user + "; the program that showed " + code + " now gets its token."
		case "deny":
			err = s.deny(code)
			d.Title, d.Message = "Sign-in denied", "The sign-in with "+code+" was denied."
		default:
			err = errors.New("the form must say approve or deny")
		}
		if err != nil {
			return s.pageError(w, reqID, http.StatusBadRequest, "%s.", upperFirst(err.Error()))
		}
		return render(w, http.StatusOK, "done", d)
	}
	return s.wrongMethod(w, r, reqID)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
