package sandbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The sandbox is also an OpenID Connect token issuer for machines: it
// stands in for the GitHub Actions ID token service
// (ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN) and for
// any other issuer whose tokens reach STS AssumeRoleWithWebIdentity
// (Kubernetes, GitLab CI, ...). Every token is an RS256 JWT signed with one
// key per sandbox, which AssumeRoleWithWebIdentity trusts whatever the
// token's issuer claim says: the sandbox plays every identity provider.

// GitHubIssuerURL is the issuer of GitHub Actions ID tokens.
const GitHubIssuerURL = "https://token.actions.githubusercontent.com"

const (
	defaultIDTokenLifetime = 5 * time.Minute // GitHub's ID tokens last 5 minutes
	maxIDTokenLifetime     = 24 * time.Hour
	// githubRunsPath registers runs (POST) and prefixes the request URLs
	// the sandbox hands out: <base>/_sandbox/github/runs/<run>/idtoken?api-version=2.0.
	githubRunsPath = "/_sandbox/github/runs"
	// jwksPath serves the public key.
	jwksPath = "/_sandbox/oidc/jwks"
)

// idKey is the signing key of a sandbox, generated on first use: most
// sandboxes never issue a token, and an RSA key costs tens of
// milliseconds.
type idKey struct {
	once sync.Once
	// k is set once the key exists, so verification can tell "no key yet"
	// (no token was ever issued: every token is forged) without making one.
	k   atomic.Pointer[signingKey]
	err error
}

type signingKey struct {
	priv   *rsa.PrivateKey
	kid    string
	signer jose.Signer
}

func (k *idKey) get() (*signingKey, error) {
	k.once.Do(func() {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			k.err = fmt.Errorf("generate the token signing key: %w", err)
			return
		}
		jwk := jose.JSONWebKey{Key: &priv.PublicKey}
		thumb, err := jwk.Thumbprint(crypto.SHA256)
		if err != nil {
			k.err = err
			return
		}
		kid := base64.RawURLEncoding.EncodeToString(thumb)
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(jose.RS256)}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			k.err = err
			return
		}
		k.k.Store(&signingKey{priv: priv, kid: kid, signer: signer})
	})
	if k.err != nil {
		return nil, k.err
	}
	return k.k.Load(), nil
}

// sign serializes claims as a JWT.
func (s *Sandbox) sign(claims map[string]any) (string, error) {
	k, err := s.idKey.get()
	if err != nil {
		return "", err
	}
	return jwt.Signed(k.signer).Claims(claims).Serialize()
}

// JWKS is the JSON Web Key Set with the sandbox's token signing key.
func (s *Sandbox) JWKS() (jose.JSONWebKeySet, error) {
	k, err := s.idKey.get()
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"}}}, nil
}

// GitHubRun describes a GitHub Actions workflow run (a job with
// `permissions: id-token: write`) whose ID tokens the sandbox issues. Only
// Repository is required; the JSON names are those of POST
// /_sandbox/github/runs and of the token claims.
type GitHubRun struct {
	Repository        string `json:"repository"`          // owner/name
	RepositoryID      string `json:"repository_id"`       // default: a stable number derived from repository
	RepositoryOwner   string `json:"repository_owner"`    // default: the owner part of repository
	RepositoryOwnerID string `json:"repository_owner_id"` // default: a stable number derived from the owner
	// RepositoryVisibility is private (default), internal or public.
	RepositoryVisibility string `json:"repository_visibility"`
	Ref                  string `json:"ref"`         // default refs/heads/main
	Environment          string `json:"environment"` // the job's environment, if any
	// EventName is the triggering event, default push; pull_request makes
	// the subject repo:<repository>:pull_request (unless an environment
	// is set).
	EventName      string `json:"event_name"`
	HeadRef        string `json:"head_ref"`         // pull requests: the source branch
	BaseRef        string `json:"base_ref"`         // pull requests: the target branch
	Workflow       string `json:"workflow"`         // the workflow's name, default CI
	WorkflowRef    string `json:"workflow_ref"`     // default <repository>/.github/workflows/ci.yaml@<ref>
	JobWorkflowRef string `json:"job_workflow_ref"` // default workflow_ref
	RunID          string `json:"run_id"`           // default: random digits
	RunNumber      string `json:"run_number"`       // default 1
	RunAttempt     string `json:"run_attempt"`      // default 1
	Actor          string `json:"actor"`            // default: the repository owner
	ActorID        string `json:"actor_id"`         // default: a stable number derived from actor
	SHA            string `json:"sha"`              // default: random 40 hex digits
	// RunnerEnvironment is github-hosted (default) or self-hosted.
	RunnerEnvironment string `json:"runner_environment"`
	// Issuer overrides the iss claim (GitHub Enterprise Cloud with a
	// unique issuer: https://token.actions.githubusercontent.com/<slug>).
	Issuer string `json:"issuer"`
	// Lifetime of each ID token, default 5m, at most 24h.
	Lifetime Duration `json:"lifetime"`
}

var (
	githubRepoRe = lazyRegexp(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$`)
	githubNameRe = lazyRegexp(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	digitsRe     = lazyRegexp(`^[0-9]{1,20}$`)
	eventNameRe  = lazyRegexp(`^[a-z_]{1,64}$`)
	shaRe        = lazyRegexp(`^[0-9a-f]{40}$`)
)

// stableID is a repository, owner or actor id derived from a name, so a
// run without ids still carries plausible, repeatable ones.
func stableID(name string) string {
	h := sha256.Sum256([]byte(strings.ToLower(name)))
	return strconv.FormatUint(binary.BigEndian.Uint64(h[:8])%900000000+100000000, 10)
}

// normalize checks a run and fills in GitHub's defaults.
func (run *GitHubRun) normalize() error {
	if run.Repository == "" {
		return errors.New("repository is required (owner/name)")
	}
	if !githubRepoRe().MatchString(run.Repository) {
		return fmt.Errorf("repository %q must be owner/name", run.Repository)
	}
	owner, _, _ := strings.Cut(run.Repository, "/")
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&run.RepositoryID, stableID(run.Repository))
	def(&run.RepositoryOwner, owner)
	def(&run.RepositoryOwnerID, stableID(run.RepositoryOwner))
	def(&run.RepositoryVisibility, "private")
	def(&run.Ref, "refs/heads/main")
	def(&run.EventName, "push")
	def(&run.Workflow, "CI")
	def(&run.WorkflowRef, run.Repository+"/.github/workflows/ci.yaml@"+run.Ref)
	def(&run.JobWorkflowRef, run.WorkflowRef)
	def(&run.RunID, "1"+randomString("0123456789", 9))
	def(&run.RunNumber, "1")
	def(&run.RunAttempt, "1")
	def(&run.Actor, run.RepositoryOwner)
	def(&run.ActorID, stableID(run.Actor))
	def(&run.SHA, randomString("0123456789abcdef", 40))
	def(&run.RunnerEnvironment, "github-hosted")
	def(&run.Issuer, GitHubIssuerURL)
	if run.Lifetime == 0 {
		run.Lifetime = Duration(defaultIDTokenLifetime)
	}
	for _, f := range []struct{ name, v string }{{"repository_id", run.RepositoryID}, {"repository_owner_id", run.RepositoryOwnerID},
		{"run_id", run.RunID}, {"run_number", run.RunNumber}, {"run_attempt", run.RunAttempt}, {"actor_id", run.ActorID}} {
		if !digitsRe().MatchString(f.v) {
			return fmt.Errorf("%s %q must be a number", f.name, f.v)
		}
	}
	switch {
	case !githubNameRe().MatchString(run.RepositoryOwner):
		return fmt.Errorf("repository_owner %q is not a GitHub user or organization name", run.RepositoryOwner)
	case !strings.HasPrefix(run.Ref, "refs/") || len(run.Ref) > 255:
		return fmt.Errorf("ref %q must be a full ref such as refs/heads/main, refs/tags/v1 or refs/pull/1/merge", run.Ref)
	case !eventNameRe().MatchString(run.EventName):
		return fmt.Errorf("event_name %q must be a GitHub event such as push, pull_request or workflow_dispatch", run.EventName)
	case run.RepositoryVisibility != "private" && run.RepositoryVisibility != "internal" && run.RepositoryVisibility != "public":
		return fmt.Errorf("repository_visibility %q must be private, internal or public", run.RepositoryVisibility)
	case run.RunnerEnvironment != "github-hosted" && run.RunnerEnvironment != "self-hosted":
		return fmt.Errorf("runner_environment %q must be github-hosted or self-hosted", run.RunnerEnvironment)
	case !shaRe().MatchString(run.SHA):
		return fmt.Errorf("sha %q must be 40 lowercase hex digits", run.SHA)
	case len(run.Environment) > 255 || strings.ContainsFunc(run.Environment, unicode.IsControl):
		return fmt.Errorf("environment %q must be at most 255 characters without control characters", run.Environment)
	}
	if err := checkIssuer(run.Issuer); err != nil {
		return err
	}
	return checkLifetime(run.Lifetime)
}

// checkIssuer accepts what IAM accepts as an OIDC provider URL: https,
// a host, no query or fragment.
func checkIssuer(iss string) error {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		strings.HasSuffix(iss, "/") || len(iss) > 255 {
		return fmt.Errorf("issuer %q must be an https:// URL without a trailing slash, query or fragment (e.g. %s)", iss, GitHubIssuerURL)
	}
	return nil
}

func checkLifetime(d Duration) error {
	if d <= 0 || time.Duration(d) > maxIDTokenLifetime {
		return fmt.Errorf("lifetime %s must be more than 0 and at most %s", time.Duration(d), maxIDTokenLifetime)
	}
	return nil
}

// githubRun is a run the sandbox issues ID tokens for.
type githubRun struct {
	run   GitHubRun
	token string // the request bearer (ACTIONS_ID_TOKEN_REQUEST_TOKEN)
}

// GitHubRun registers a workflow run and returns what GitHub Actions would
// put in ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN,
// with the request URL on the in-process endpoint (InProcessURL: fetch it
// through s.Transport()). GitHubRunAt serves another endpoint.
func (s *Sandbox) GitHubRun(run GitHubRun) (requestURL, requestToken string, err error) {
	return s.GitHubRunAt(InProcessURL, run)
}

// GitHubRunAt is GitHubRun with the request URL on endpoint, e.g. the URL
// of an httptest.Server serving the sandbox.
func (s *Sandbox) GitHubRunAt(endpoint string, run GitHubRun) (requestURL, requestToken string, err error) {
	if err := run.normalize(); err != nil {
		return "", "", err
	}
	id := randomString("0123456789abcdef", 32)
	id = id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
	tok := randomToken("", 32)
	s.mu.Lock()
	s.runs[id] = &githubRun{run: run, token: tok}
	s.mu.Unlock()
	return strings.TrimSuffix(endpoint, "/") + githubRunsPath + "/" + id + "/idtoken?api-version=2.0", tok, nil
}

// GitHubIDToken mints the ID token a run would get for audience (default
// https://github.com/<owner>), without the request URL round trip.
func (s *Sandbox) GitHubIDToken(run GitHubRun, audience string) (string, error) {
	if err := run.normalize(); err != nil {
		return "", err
	}
	return s.githubToken(&run, audience)
}

// githubToken mints an ID token with the claims GitHub puts in them.
func (s *Sandbox) githubToken(run *GitHubRun, audience string) (string, error) {
	if audience == "" {
		audience = "https://github.com/" + run.RepositoryOwner
	}
	sub := "repo:" + run.Repository + ":ref:" + run.Ref
	switch {
	case run.Environment != "":
		sub = "repo:" + run.Repository + ":environment:" + run.Environment
	case run.EventName == "pull_request":
		sub = "repo:" + run.Repository + ":pull_request"
	}
	refType := "branch"
	if strings.HasPrefix(run.Ref, "refs/tags/") {
		refType = "tag"
	}
	now := s.now().UTC()
	claims := map[string]any{
		"jti": randomUUID(), "iss": run.Issuer, "aud": audience, "sub": sub,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Duration(run.Lifetime)).Unix(),
		"repository": run.Repository, "repository_id": run.RepositoryID,
		"repository_owner": run.RepositoryOwner, "repository_owner_id": run.RepositoryOwnerID,
		"repository_visibility": run.RepositoryVisibility,
		"ref":                   run.Ref, "ref_type": refType,
		"event_name": run.EventName, "head_ref": run.HeadRef, "base_ref": run.BaseRef,
		"workflow": run.Workflow, "workflow_ref": run.WorkflowRef, "workflow_sha": run.SHA,
		"job_workflow_ref": run.JobWorkflowRef, "job_workflow_sha": run.SHA,
		"run_id": run.RunID, "run_number": run.RunNumber, "run_attempt": run.RunAttempt,
		"actor": run.Actor, "actor_id": run.ActorID, "sha": run.SHA,
		"runner_environment": run.RunnerEnvironment,
	}
	if run.Environment != "" {
		claims["environment"] = run.Environment
	}
	return s.sign(claims)
}

// OIDCToken asks for a token of any issuer (the oidc/token-file kind of
// provider: Kubernetes service accounts, GitLab CI, ...). The JSON names
// are those of POST /_sandbox/oidc/token.
type OIDCToken struct {
	Issuer   string            `json:"issuer"`   // required, https://...
	Subject  string            `json:"subject"`  // required
	Audience string            `json:"audience"` // default sts.amazonaws.com
	Claims   map[string]string `json:"claims"`   // more claims; not iss, sub, aud, iat, nbf, exp or jti
	Lifetime Duration          `json:"lifetime"` // default 5m, at most 24h
}

// reservedClaims are set by the issuer itself.
var reservedClaims = map[string]bool{"iss": true, "sub": true, "aud": true, "iat": true, "nbf": true, "exp": true, "jti": true}

// IssueOIDCToken mints a token as the issuer named in t.
func (s *Sandbox) IssueOIDCToken(t OIDCToken) (string, error) {
	if t.Issuer == "" {
		return "", errors.New("issuer is required (an https:// URL)")
	}
	if err := checkIssuer(t.Issuer); err != nil {
		return "", err
	}
	if t.Subject == "" {
		return "", errors.New("subject is required")
	}
	if t.Audience == "" {
		t.Audience = "sts.amazonaws.com"
	}
	if t.Lifetime == 0 {
		t.Lifetime = Duration(defaultIDTokenLifetime)
	}
	if err := checkLifetime(t.Lifetime); err != nil {
		return "", err
	}
	now := s.now().UTC()
	claims := map[string]any{"jti": randomUUID(), "iss": t.Issuer, "sub": t.Subject, "aud": t.Audience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Duration(t.Lifetime)).Unix()}
	for k, v := range t.Claims {
		if k == "" || reservedClaims[k] {
			return "", fmt.Errorf("claim %q is set by the issuer; use the issuer, subject, audience and lifetime fields", k)
		}
		claims[k] = v
	}
	return s.sign(claims)
}

func randomUUID() string {
	id := randomString("0123456789abcdef", 32)
	return id[:8] + "-" + id[8:12] + "-4" + id[13:16] + "-" + id[16:20] + "-" + id[20:]
}

// decodeControlJSON reads one JSON object strictly: no unknown fields,
// nothing after it.
func decodeControlJSON(r *http.Request, dst any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// githubRuns serves POST /_sandbox/github/runs.
func (s *Sandbox) githubRuns(w http.ResponseWriter, r *http.Request, fail func(int, string)) {
	var run GitHubRun
	if err := decodeControlJSON(r, &run); err != nil {
		fail(http.StatusBadRequest, "github run: "+err.Error())
		return
	}
	reqURL, tok, err := s.GitHubRunAt(baseURL(r), run)
	if err != nil {
		fail(http.StatusBadRequest, "github run: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"request_url": reqURL, "request_token": tok})
}

// githubIDToken serves GET /_sandbox/github/runs/<id>/idtoken, the
// ACTIONS_ID_TOKEN_REQUEST_URL of a run: bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN,
// optional audience.
func (s *Sandbox) githubIDToken(w http.ResponseWriter, r *http.Request, id string, fail func(int, string)) {
	s.mu.Lock()
	run, ok := s.runs[id]
	s.mu.Unlock()
	if !ok {
		fail(http.StatusNotFound, "no workflow run "+id+" (runs are forgotten on reset and restart)")
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(run.token)) != 1 {
		w.Header().Set("WWW-Authenticate", "Bearer")
		fail(http.StatusUnauthorized, "the request needs the header Authorization: Bearer with the ACTIONS_ID_TOKEN_REQUEST_TOKEN of this run")
		return
	}
	jwtStr, err := s.githubToken(&run.run, r.URL.Query().Get("audience"))
	if err != nil {
		fail(http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": 1, "value": jwtStr})
}

// oidcToken serves POST /_sandbox/oidc/token.
func (s *Sandbox) oidcToken(w http.ResponseWriter, r *http.Request, fail func(int, string)) {
	var t OIDCToken
	if err := decodeControlJSON(r, &t); err != nil {
		fail(http.StatusBadRequest, "oidc token: "+err.Error())
		return
	}
	tok, err := s.IssueOIDCToken(t)
	if err != nil {
		fail(http.StatusBadRequest, "oidc token: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}
