package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
)

// control serves the /_sandbox/ API that scripts and tests use:
// healthz, reset, stats, approve, faults, info, IAM user keys, GitHub
// Actions workflow runs and their ID tokens, and OIDC tokens.
func (s *Sandbox) control(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		writeJSON(w, status, map[string]string{"error": msg})
	}
	method := func(ms ...string) bool {
		for _, m := range ms {
			if r.Method == m {
				return true
			}
		}
		w.Header().Set("Allow", strings.Join(ms, ", "))
		fail(http.StatusMethodNotAllowed, r.URL.Path+" takes "+strings.Join(ms, " or "))
		return false
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/_sandbox/healthz":
		if method(http.MethodGet, http.MethodHead) {
			writeJSON(w, 200, map[string]string{"status": "ok"})
		}
	case "/_sandbox/reset":
		if method(http.MethodPost) {
			s.Reset()
			writeJSON(w, 200, map[string]string{"status": "reset"})
		}
	case "/_sandbox/stats":
		if method(http.MethodGet) {
			writeJSON(w, 200, s.Stats())
		}
	case "/_sandbox/info":
		if method(http.MethodGet) {
			writeJSON(w, 200, s.Info(baseURL(r)))
		}
	case "/_sandbox/approve":
		if !method(http.MethodPost) {
			return
		}
		q := r.URL.Query()
		if err := s.Approve(q.Get("user_code"), q.Get("user")); err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, 200, map[string]string{"status": "approved"})
	case "/_sandbox/faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, 200, s.Faults())
		case http.MethodPut, http.MethodPost:
			var c FaultConfig
			dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				fail(http.StatusBadRequest, "faults: "+err.Error())
				return
			}
			if err := s.SetFaults(c); err != nil {
				fail(http.StatusBadRequest, "faults: "+err.Error())
				return
			}
			writeJSON(w, 200, s.Faults())
		case http.MethodDelete:
			_ = s.SetFaults(FaultConfig{})
			writeJSON(w, 200, s.Faults())
		default:
			method(http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete)
		}
	case githubRunsPath:
		if method(http.MethodPost) {
			s.githubRuns(w, r, fail)
		}
	case "/_sandbox/oidc/token":
		if method(http.MethodPost) {
			s.oidcToken(w, r, fail)
		}
	case jwksPath:
		if !method(http.MethodGet) {
			return
		}
		set, err := s.JWKS()
		if err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, 200, set)
	case "/_sandbox/iam-user-keys":
		if !method(http.MethodPost) {
			return
		}
		q := r.URL.Query()
		c, err := s.CreateUserKey(q.Get("account"), q.Get("user"))
		if err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, 200, map[string]string{"AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey, "Arn": c.ARN})
	default:
		rest, isRun := strings.CutPrefix(strings.TrimSuffix(r.URL.Path, "/"), githubRunsPath+"/")
		if id, ok := strings.CutSuffix(rest, "/idtoken"); isRun && ok && id != "" && !strings.Contains(id, "/") {
			if method(http.MethodGet) {
				s.githubIDToken(w, r, id, fail)
			}
			return
		}
		fail(http.StatusNotFound, "unknown control path "+r.URL.Path+"; see /_sandbox/info")
	}
}

// Info describes the sandbox for people and scripts.
type Info struct {
	Endpoint string   `json:"endpoint"`
	Region   string   `json:"region"`
	StartURL string   `json:"start_url"`
	Users    []string `json:"users"`
	Accounts []string `json:"accounts"`
	// OIDCProviders are the IAM OIDC providers of each account (by
	// account ID) that AssumeRoleWithWebIdentity checks tokens against.
	OIDCProviders map[string][]OIDCProvider `json:"oidc_providers"`
	Paths         []string                  `json:"control_paths"`
}

// Info returns what a client needs to use the sandbox at endpoint.
func (s *Sandbox) Info(endpoint string) Info {
	var accounts []string
	for _, a := range s.seed.accounts {
		accounts = append(accounts, a.Name+"="+a.ID)
	}
	sort.Strings(accounts)
	return Info{Endpoint: endpoint, Region: s.seed.region, StartURL: s.seed.startURL, Users: s.seed.userNames, Accounts: accounts,
		OIDCProviders: s.OIDCProviders(),
		Paths: []string{"/_sandbox/healthz", "/_sandbox/info", "/_sandbox/stats", "/_sandbox/reset", "/_sandbox/approve", "/_sandbox/faults", "/_sandbox/iam-user-keys",
			githubRunsPath, "/_sandbox/oidc/token", jwksPath}}
}
