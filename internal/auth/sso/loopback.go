package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// callback is the loopback listener that receives the browser after the
// sign-in (RFC 8252 §7.3). It serves one path on 127.0.0.1 only, checks
// the Host header (a DNS-rebinding page cannot reach it by name), and
// takes the first answer that carries the expected state: a code, or an
// error to fail with. Anything with another state gets a 400 and the
// listener keeps waiting, so a stray or forged request cannot end or
// hijack the sign-in.
type callback struct {
	redirectURI string
	host        string
	state       string
	srv         *http.Server
	result      chan callbackResult
	done        atomic.Bool // an answer with the right state arrived
}

type callbackResult struct {
	code string
	err  error
}

// listenCallback binds 127.0.0.1 on a free port and starts serving.
func listenCallback(state string) (*callback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on a loopback port for the sign-in redirect: %w", err)
	}
	c := &callback{host: ln.Addr().String(), state: state, result: make(chan callbackResult, 1)}
	c.redirectURI = "http://" + c.host + callbackPath
	c.srv = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *callback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.srv.Shutdown(ctx) // lets the final page reach the browser
}

// wait returns the authorization code, or why there is none.
func (c *callback) wait(ctx context.Context) (string, error) {
	select {
	case r := <-c.result:
		return r.code, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("no answer from the browser: %w", ctx.Err())
	}
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case r.URL.Path != callbackPath:
		page(w, http.StatusNotFound, "Not found", "This address only receives the sesame sign-in.")
		return
	case r.Method != http.MethodGet:
		page(w, http.StatusMethodNotAllowed, "Wrong method", "The sign-in redirect is a GET request.")
		return
	case r.Host != c.host:
		page(w, http.StatusBadRequest, "Wrong host", "The sign-in redirect must come to "+c.host+".")
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(c.state)) != 1 {
		page(w, http.StatusBadRequest, "Sign-in not accepted",
			"This answer does not belong to the sign-in sesame started (the state does not match). sesame is still waiting.")
		return
	}
	if !c.done.CompareAndSwap(false, true) {
		page(w, http.StatusBadRequest, "Sign-in already finished", "sesame has already received this sign-in.")
		return
	}
	var res callbackResult
	switch {
	case q.Get("error") != "":
		res.err = &AuthorizeError{Code: q.Get("error"), Description: q.Get("error_description")}
		page(w, http.StatusOK, "Sign-in failed", res.err.Error()+". You can close this tab.")
	case q.Get("code") != "":
		res.code = q.Get("code")
		page(w, http.StatusOK, "Signed in", "sesame is signed in. You can close this tab.")
	default:
		res.err = errors.New("the sign-in redirect carried neither a code nor an error")
		page(w, http.StatusBadRequest, "Sign-in failed", "The redirect carries neither a code nor an error.")
	}
	c.result <- res
}

// AuthorizeError is an error the authorization endpoint sent back to the
// loopback redirect (RFC 6749 §4.1.2.1), e.g. access_denied.
type AuthorizeError struct {
	Code        string
	Description string
}

func (e *AuthorizeError) Error() string {
	if e.Description == "" {
		return "the sign-in was refused: " + e.Code
	}
	return "the sign-in was refused: " + e.Code + " (" + e.Description + ")"
}

// IsAccessDenied says whether the person declined the sign-in.
func (e *AuthorizeError) IsAccessDenied() bool { return e.Code == "access_denied" }

func page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>%s</title><h1>%s</h1><p>%s</p>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}
