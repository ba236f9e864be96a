// Package webidentity fetches the OpenID Connect tokens machines present
// to STS AssumeRoleWithWebIdentity: the GitHub Actions ID token of the
// running workflow, and a token file that an issuer keeps current
// (Kubernetes projected service-account tokens, GitLab CI, Buildkite,
// any OIDC issuer). A token is fetched for each use and never stored: it
// is short-lived, and the credentials it buys are what sesame caches.
package webidentity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Source yields a token.
type Source interface {
	Token(ctx context.Context) (string, error)
	// Describe says where tokens come from, for messages.
	Describe() string
	// SessionName suggests a role session name that identifies the
	// machine's run in CloudTrail; "" when there is none.
	SessionName() string
}

// ErrNoToken means the environment offers no token (not running in
// GitHub Actions, no token file).
var ErrNoToken = errors.New("no web identity token")

// The variables GitHub Actions sets for jobs with `permissions: id-token: write`.
const (
	EnvRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// maxToken bounds a token answer; real ones are about 1–2 KB.
const maxToken = 64 << 10

// GitHub requests the workflow's ID token from the Actions runtime.
type GitHub struct {
	Audience string              // the aud claim to ask for, e.g. sts.amazonaws.com
	Getenv   func(string) string // the process environment
	HTTP     *http.Client        // nil: a client with a 30 s timeout
}

// Describe implements Source.
func (g GitHub) Describe() string { return "the GitHub Actions ID token" }

// SessionName implements Source: gha-<run id>-<attempt>, so CloudTrail
// entries lead back to the workflow run.
func (g GitHub) SessionName() string {
	id := g.Getenv("GITHUB_RUN_ID")
	if id == "" {
		return ""
	}
	attempt := g.Getenv("GITHUB_RUN_ATTEMPT")
	if attempt == "" {
		attempt = "1"
	}
	return "gha-" + id + "-" + attempt
}

// Token implements Source.
func (g GitHub) Token(ctx context.Context) (string, error) {
	reqURL, bearer := g.Getenv(EnvRequestURL), g.Getenv(EnvRequestToken)
	if reqURL == "" || bearer == "" {
		return "", fmt.Errorf("%w: %s and %s are not set; run in a GitHub Actions job with `permissions: id-token: write`",
			ErrNoToken, EnvRequestURL, EnvRequestToken)
	}
	sep := "&"
	if !strings.Contains(reqURL, "?") {
		sep = "?"
	}
	if g.Audience != "" {
		reqURL += sep + "audience=" + url.QueryEscape(g.Audience)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reqURL, nil)
	if err != nil {
		return "", fmt.Errorf("GitHub Actions ID token: %s is not a usable URL", EnvRequestURL)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	hc := g.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("GitHub Actions ID token: %w", redact(err, bearer))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxToken))
	if err != nil {
		return "", fmt.Errorf("GitHub Actions ID token: %w", redact(err, bearer))
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub Actions ID token: the Actions runtime answered HTTP %d; is `permissions: id-token: write` set for the job?", resp.StatusCode)
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", errors.New("GitHub Actions ID token: the answer has no token")
	}
	return out.Value, nil
}

// redact keeps the request bearer out of an error (url.Error quotes the
// URL, and the bearer could appear in a proxy's message).
func redact(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "<redacted>"))
}

// File reads a token from a file on every call: issuers rotate the file.
type File struct{ Path string }

// Describe implements Source.
func (f File) Describe() string { return "the token file " + f.Path }

// SessionName implements Source.
func (f File) SessionName() string { return "" }

// Token implements Source.
func (f File) Token(context.Context) (string, error) {
	fh, err := os.Open(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: token file %s does not exist", ErrNoToken, f.Path)
	}
	if err != nil {
		return "", fmt.Errorf("read the token file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxToken+1))
	if err != nil {
		return "", fmt.Errorf("read the token file %s: %w", f.Path, err)
	}
	if len(data) > maxToken {
		return "", fmt.Errorf("token file %s is larger than %d KB; it is not a token", f.Path, maxToken>>10)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("%w: token file %s is empty", ErrNoToken, f.Path)
	}
	return tok, nil
}
