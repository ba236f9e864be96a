// Package credserver serves credentials over the ECS container-credential
// protocol on a loopback port, so every AWS SDK and the AWS CLI fetch
// them, and fetch them again before they expire, by themselves: a child
// of `sesame exec --server` keeps working through a terraform apply that
// outlives its role session, and `sesame serve` hands any identity to
// tools configured with AWS_CONTAINER_CREDENTIALS_FULL_URI.
//
// The protocol (docs/credential-server.md): GET with the token in the
// Authorization header, verbatim or as "Bearer <token>" (both forms exist
// among clients); 200 with AccessKeyId, SecretAccessKey, Token, Expiration
// (RFC 3339) and AccountId. Errors are {"code","message"}, which the Go
// SDK reports and botocore retries.
package credserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Credentials are what the server hands out.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	AccountID       string
}

// Source returns the credentials of an identity; "" means the default
// one. It is called for every request and is expected to cache and renew
// (auth.Resolver does).
type Source func(ctx context.Context, identity string) (Credentials, error)

// ErrUnknownIdentity is what a Source returns for a name it does not
// know; the server answers 404.
var ErrUnknownIdentity = errors.New("unknown identity")

// Server is one credential endpoint. Create it with New.
type Server struct {
	token  string
	source Source
	// Classify maps a Source error to an HTTP status and a code; nil
	// answers 500 "CredentialsUnavailable" for everything but
	// ErrUnknownIdentity.
	Classify func(error) (status int, code string)
	// Timeout bounds one retrieval; SDKs give up after a few seconds, so
	// an answer after that helps nobody. Default 30 s.
	Timeout time.Duration
}

// New returns a server with a fresh random token.
func New(source Source) (*Server, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &Server{token: base64.RawURLEncoding.EncodeToString(b), source: source}, nil
}

// Token is the value clients send in the Authorization header
// (AWS_CONTAINER_AUTHORIZATION_TOKEN).
func (s *Server) Token() string { return s.token }

// Path returns the URL path that serves identity ("" for the default).
func Path(identity string) string {
	if identity == "" {
		return "/"
	}
	return "/identities/" + url.PathEscape(identity)
}

// Listen binds addr, which must be a loopback IP address with a port
// ("127.0.0.1:0", the default, for any free port; "[::1]:0"). Only
// loopback is allowed: SDKs refuse plain http to other hosts, and the
// credentials must not leave the machine.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, errors.New("the credential server listens on a loopback address only (127.0.0.1 or ::1), not " + host)
	}
	return net.Listen("tcp", addr)
}

// Serve answers on l until ctx is done.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(shut)
		case <-done:
		}
	}()
	err := srv.Serve(l)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

type answer struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET is served")
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		fail(w, http.StatusForbidden, "AccessDenied", "invalid authorization token")
		return
	}
	var identity string
	switch {
	case r.URL.Path == "/":
	case strings.HasPrefix(r.URL.Path, "/identities/"):
		identity = strings.TrimPrefix(r.URL.Path, "/identities/")
		if identity == "" {
			fail(w, http.StatusNotFound, "NotFound", "no identity named in the path")
			return
		}
	default:
		fail(w, http.StatusNotFound, "NotFound", "serves / and /identities/<name>")
		return
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	c, err := s.retrieve(ctx, identity, timeout)
	if err != nil {
		status, code := http.StatusInternalServerError, "CredentialsUnavailable"
		if errors.Is(err, ErrUnknownIdentity) {
			status, code = http.StatusNotFound, "NotFound"
		}
		if s.Classify != nil {
			status, code = s.Classify(err)
			if status < 400 || status > 599 {
				status = http.StatusInternalServerError
			}
		}
		fail(w, status, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(answer{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken,
		Expiration: c.Expiration.UTC().Format(time.RFC3339), AccountID: c.AccountID})
}

// retrieve asks the source, and gives up when ctx is done even if the
// source does not: Timeout bounds the answer, not only the source's own
// network calls (it may wait on a lock or a prompt). A panic in the
// source is raised again here, where net/http recovers it as before.
func (s *Server) retrieve(ctx context.Context, identity string, timeout time.Duration) (Credentials, error) {
	type result struct {
		c     Credentials
		err   error
		panic any
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			r.panic = recover()
			ch <- r
		}()
		r.c, r.err = s.source(ctx, identity)
	}()
	select {
	case r := <-ch:
		if r.panic != nil {
			panic(r.panic)
		}
		return r.c, r.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("credentials not ready within %s: %w", timeout, ctx.Err())
	}
}

// authorized accepts the token verbatim (aws-vault, the SDKs' default) or
// as "Bearer <token>" (aws-sso-cli's clients; the scheme in any case),
// compared in constant time.
func (s *Server) authorized(h string) bool {
	if s.token == "" {
		return false // a Server not made by New serves nobody
	}
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		h = h[7:]
	}
	return subtle.ConstantTimeCompare([]byte(h), []byte(s.token)) == 1
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}
