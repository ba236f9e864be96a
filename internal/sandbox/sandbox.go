// Package sandbox is a local, wire-compatible emulator of the AWS sign-in
// APIs sesame uses: SSO OIDC (device code and authorization code with
// PKCE), the SSO portal, STS (with SigV4 verification) and federation
// sign-in, seeded from the static organization. Real AWS clients talk to
// it unchanged through AWS_ENDPOINT_URL; tests use it in-process as an
// http.Handler.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-cli/sesame/internal/org"
)

// Options configure a sandbox.
type Options struct {
	// Now is the clock; default time.Now. Tests move it to expire tokens.
	Now func() time.Time
	// AutoApprove signs this sandbox user in and approves every device
	// authorization and authorize request without a browser.
	AutoApprove string
	// StateDir, when set, keeps issued clients, tokens and credentials
	// across restarts (files are 0600 in a 0700 directory).
	StateDir string
	// Sleep waits for injected latency; default a context-aware sleep.
	Sleep func(context.Context, time.Duration)
}

// Sandbox is the emulator. It is safe for concurrent use.
type Sandbox struct {
	seed        *seed
	now         func() time.Time
	sleep       func(context.Context, time.Duration)
	autoApprove string
	stateDir    string

	mu     sync.Mutex
	st     *state
	stats  map[string]int
	faults *faults
	// runs are the GitHub Actions workflow runs the sandbox issues ID
	// tokens for, by id (in memory only, like the signing key).
	runs map[string]*githubRun
	// idKey signs the OIDC tokens the sandbox issues.
	idKey idKey
	// gen counts changes to st (markDirty, under mu); saved (under mu)
	// is the gen the last finished state-file write included; writeMu
	// orders the writes (persist).
	gen     atomic.Uint64
	saved   uint64
	writeMu sync.Mutex
}

// New builds a sandbox for the organization.
func New(o *org.Org, opts Options) (*Sandbox, error) {
	s := &Sandbox{
		seed: newSeed(o), now: opts.Now, sleep: opts.Sleep, autoApprove: opts.AutoApprove, stateDir: opts.StateDir,
		st: newState(), stats: map[string]int{}, faults: newFaults(), runs: map[string]*githubRun{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	if opts.AutoApprove != "" {
		if _, ok := s.seed.users[opts.AutoApprove]; !ok {
			return nil, fmt.Errorf("auto-approve user %q is not a sandbox user (defined: %s)", opts.AutoApprove, strings.Join(s.seed.userNames, ", "))
		}
	}
	if len(s.seed.users) == 0 {
		return nil, errors.New("the configuration defines no sandbox users (sandbox.users); nobody could sign in")
	}
	if s.stateDir != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Region is the Identity Center region the sandbox answers as.
func (s *Sandbox) Region() string { return s.seed.region }

// StartURL is the Identity Center start URL of the organization.
func (s *Sandbox) StartURL() string { return s.seed.startURL }

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// handler serves one AWS operation. It writes its success response itself
// and returns an error to be written in the protocol's shape.
type handler func(w http.ResponseWriter, r *http.Request, reqID string) *apiError

type route struct {
	op    string
	proto protocol
	h     handler
}

// maxBody bounds request bodies; AWS rejects far smaller ones for these
// APIs.
const maxBody = 1 << 20

// ServeHTTP dispatches by protocol: /_sandbox/ control paths, REST-JSON
// paths (SSO OIDC, SSO portal), sign-in pages, federation, the query
// protocol's Action (STS) and X-Amz-Target (JSON 1.1).
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := randomString("abcdef0123456789", 32)
	reqID = reqID[:8] + "-" + reqID[8:12] + "-" + reqID[12:16] + "-" + reqID[16:20] + "-" + reqID[20:]
	before := s.gen.Load()
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.control(w, r)
		s.persist(before)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	rt, apiErr := s.route(r)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			writeError(w, rt.proto, reqID, &apiError{Status: 500, Code: "InternalFailure", OAuth: "server_error",
				Message: "the sandbox failed to handle this request"})
		}
	}()
	if apiErr != nil {
		writeError(w, rt.proto, reqID, apiErr)
		return
	}
	s.count(rt.op)
	if e := s.applyFaults(r.Context(), rt.op, rt.proto); e != nil {
		writeError(w, rt.proto, reqID, e)
		return
	}
	if e := rt.h(w, r, reqID); e != nil {
		writeError(w, rt.proto, reqID, e)
	}
	s.persist(before)
}

func (s *Sandbox) route(r *http.Request) (route, *apiError) {
	p := r.URL.Path
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return route{proto: protoJSON11}, &apiError{Status: 400, Code: "UnknownOperationException",
			Message: fmt.Sprintf("the sandbox does not emulate %s", target)}
	}
	switch {
	case p == "/client/register":
		return s.post(r, route{"RegisterClient", protoOIDC, s.registerClient})
	case p == "/device_authorization":
		return s.post(r, route{"StartDeviceAuthorization", protoOIDC, s.startDeviceAuthorization})
	case p == "/token":
		return s.post(r, route{"CreateToken", protoOIDC, s.createToken})
	case p == "/authorize":
		return route{"Authorize", protoHTML, s.authorize}, nil
	case p == "/device":
		return route{"VerifyDevice", protoHTML, s.devicePage}, nil
	case p == "/federation/credentials":
		return s.get(r, route{"GetRoleCredentials", protoRESTJSON, s.getRoleCredentials})
	case p == "/assignment/accounts":
		return s.get(r, route{"ListAccounts", protoRESTJSON, s.listAccounts})
	case p == "/assignment/roles":
		return s.get(r, route{"ListAccountRoles", protoRESTJSON, s.listAccountRoles})
	case p == "/logout":
		return s.post(r, route{"Logout", protoRESTJSON, s.logout})
	case p == "/federation":
		switch strings.ToLower(r.URL.Query().Get("Action")) {
		case "getsignintoken":
			return route{"GetSigninToken", protoHTML, s.getSigninToken}, nil
		case "login":
			return route{"Login", protoHTML, s.federationLogin}, nil
		}
		return route{proto: protoHTML}, &apiError{Status: 400, Code: "InvalidAction", Message: "federation Action must be getSigninToken or login"}
	case p == "/" || p == "":
		if r.Method == http.MethodGet && r.URL.Query().Get("Action") == "" {
			return route{"Home", protoHTML, s.homePage}, nil
		}
		return s.queryRoute(r)
	}
	return route{proto: protoRESTJSON}, &apiError{Status: 404, Code: "UnknownOperationException",
		Message: fmt.Sprintf("no operation at %s %s", r.Method, p)}
}

func (s *Sandbox) post(r *http.Request, rt route) (route, *apiError) {
	if r.Method != http.MethodPost {
		return rt, &apiError{Status: 405, Code: "UnknownOperationException", OAuth: "invalid_request",
			Message: fmt.Sprintf("%s takes POST, not %s", rt.op, r.Method)}
	}
	return rt, nil
}

func (s *Sandbox) get(r *http.Request, rt route) (route, *apiError) {
	if r.Method != http.MethodGet {
		return rt, &apiError{Status: 405, Code: "UnknownOperationException", Message: fmt.Sprintf("%s takes GET, not %s", rt.op, r.Method)}
	}
	return rt, nil
}

func (s *Sandbox) count(op string) {
	s.mu.Lock()
	s.stats[op]++
	s.mu.Unlock()
}

// Stats returns the number of calls served per AWS operation.
func (s *Sandbox) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// Reset forgets everything issued (clients, tokens, credentials, GitHub
// workflow runs), the statistics and the faults; the seeded organization
// and the token signing key stay.
func (s *Sandbox) Reset() {
	s.mu.Lock()
	s.st = newState()
	s.stats = map[string]int{}
	s.faults = newFaults()
	s.runs = map[string]*githubRun{}
	s.markDirty()
	s.mu.Unlock()
	s.persist(0)
}

// baseURL is where clients reached this sandbox, for verification URIs
// and redirects.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
