package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/policy"
)

const (
	platDevTerraform = "arn:aws:iam::666666666666:role/acme-plat-dev-terraform"
	platDevPlanner   = "arn:aws:iam::666666666666:role/acme-plat-dev-planner"
	coreRootPlanner  = "arn:aws:iam::111111111111:role/acme-core-root-planner"
	infraRepoID      = "812345678"
	applyWorkflow    = "acme/infrastructure/.github/workflows/apply.yaml@refs/heads/main"
)

// applyRun is the run examples/acme lets assume the terraform roles: a
// push to main of acme/infrastructure in the apply environment, from the
// apply workflow.
func applyRun() GitHubRun {
	return GitHubRun{Repository: "acme/infrastructure", RepositoryID: infraRepoID, Environment: "apply", JobWorkflowRef: applyWorkflow}
}

// unsignedSTS is an STS client without credentials: the SDK sends
// AssumeRoleWithWebIdentity unsigned.
func unsignedSTS(s *Sandbox) *sts.Client { return sts.NewFromConfig(s.AWSConfig(nil)) }

// control sends a control API request to the in-process sandbox.
func controlCall(t *testing.T, s *Sandbox, method, target, body string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := (&http.Client{Transport: s.Transport()}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// startRun registers a run through the control API, as a CI script would,
// and returns the two ACTIONS_ID_TOKEN_REQUEST_* values.
func startRun(t *testing.T, s *Sandbox, run GitHubRun) (string, string) {
	t.Helper()
	body, _ := json.Marshal(run)
	code, out := controlCall(t, s, http.MethodPost, InProcessURL+"/_sandbox/github/runs", string(body), nil)
	var res struct {
		RequestURL   string `json:"request_url"`
		RequestToken string `json:"request_token"`
	}
	if code != 200 || json.Unmarshal(out, &res) != nil || res.RequestURL == "" || res.RequestToken == "" {
		t.Fatalf("POST /_sandbox/github/runs: %d %s", code, out)
	}
	return res.RequestURL, res.RequestToken
}

// fetchIDToken does what a GitHub Actions client does with the request URL.
func fetchIDToken(t *testing.T, s *Sandbox, reqURL, bearer, audience string) string {
	t.Helper()
	if audience != "" {
		reqURL += "&audience=" + url.QueryEscape(audience)
	}
	code, out := controlCall(t, s, http.MethodGet, reqURL, "", http.Header{"Authorization": {"bearer " + bearer}, "Accept": {"application/json"}})
	var res struct {
		Count int    `json:"count"`
		Value string `json:"value"`
	}
	if code != 200 || json.Unmarshal(out, &res) != nil || res.Value == "" || res.Count != 1 {
		t.Fatalf("GET request URL: %d %s", code, out)
	}
	return res.Value
}

// idTokenFor runs the whole GitHub side: register the run, fetch a token
// for sts.amazonaws.com.
func idTokenFor(t *testing.T, s *Sandbox, run GitHubRun) string {
	t.Helper()
	u, tok := startRun(t, s, run)
	return fetchIDToken(t, s, u, tok, "sts.amazonaws.com")
}

func assumeWeb(s *Sandbox, role, token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return unsignedSTS(s).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(role), RoleSessionName: aws.String("gha-1234-1"), WebIdentityToken: aws.String(token),
	})
}

// jwtClaims decodes the payload of a JWT without verifying it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS compact serialization: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoleARNsOfTheSeed(t *testing.T) {
	s, _ := stsSandbox(t)
	for _, arn := range []string{platDevTerraform, platDevPlanner, coreRootPlanner} {
		if _, ok := s.seed.roles[arn]; !ok {
			t.Errorf("examples/acme has no machine role %s", arn)
		}
	}
}

func TestGitHubActionsAssumesTerraform(t *testing.T) {
	s, clk := stsSandbox(t)
	if s.idKey.k.Load() != nil {
		t.Fatal("a new sandbox already has a signing key; it must be made on first use")
	}
	ctx := context.Background()
	out, err := assumeWeb(s, platDevTerraform, idTokenFor(t, s, applyRun()))
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/gha-1234-1" {
		t.Errorf("AssumedRoleUser.Arn = %s", got)
	}
	if id := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":gha-1234-1") {
		t.Errorf("AssumedRoleId = %s", id)
	}
	if got := aws.ToString(out.SubjectFromWebIdentityToken); got != "repo:acme/infrastructure:environment:apply" {
		t.Errorf("SubjectFromWebIdentityToken = %s", got)
	}
	if got := aws.ToString(out.Audience); got != "sts.amazonaws.com" {
		t.Errorf("Audience = %s", got)
	}
	if got := aws.ToString(out.Provider); got != "arn:aws:iam::666666666666:oidc-provider/token.actions.githubusercontent.com" {
		t.Errorf("Provider = %s", got)
	}
	if left := aws.ToTime(out.Credentials.Expiration).Sub(clk.Now()); left < 59*time.Minute || left > time.Hour+time.Minute {
		t.Errorf("credentials expire in %v, want 1h", left)
	}
	if !strings.HasPrefix(aws.ToString(out.Credentials.AccessKeyId), "ASIA") || aws.ToString(out.Credentials.SessionToken) == "" {
		t.Errorf("credentials %+v", out.Credentials)
	}
	creds := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(out.Credentials.SessionToken)}
	who, err := stsClient(s, clk, creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/gha-1234-1" || aws.ToString(who.Account) != platDev {
		t.Errorf("GetCallerIdentity: %s %s", aws.ToString(who.Arn), aws.ToString(who.Account))
	}
	if n := s.Stats()["AssumeRoleWithWebIdentity"]; n != 1 {
		t.Errorf("stats: AssumeRoleWithWebIdentity = %d, want 1", n)
	}
	// A shorter session on request; more than the role's 1 h maximum is refused.
	short, err := unsignedSTS(s).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(platDevTerraform),
		RoleSessionName: aws.String("short"), WebIdentityToken: aws.String(idTokenFor(t, s, applyRun())), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if left := aws.ToTime(short.Credentials.Expiration).Sub(clk.Now()); left > 16*time.Minute {
		t.Errorf("900 s session expires in %v", left)
	}
	for _, secs := range []int32{7200, 899, 43201} {
		_, err = unsignedSTS(s).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(platDevTerraform),
			RoleSessionName: aws.String("long"), WebIdentityToken: aws.String(idTokenFor(t, s, applyRun())), DurationSeconds: aws.Int32(secs)})
		if apiCode(err) != "ValidationError" {
			t.Errorf("DurationSeconds %d: %v, want ValidationError", secs, err)
		}
	}
}

// Answers of AssumeRoleWithWebIdentity that refuse a token, as AWS words them.
const (
	notAuthorized    = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
	noProviderFor    = "No OpenIDConnect provider found in your account for "
	wrongAudience    = "Incorrect token audience"
	noProviderGHPath = noProviderFor + "https://token.actions.githubusercontent.com/acme"
)

// wantRefusal checks that err is the STS error code with message msg
// (exactly) and HTTP status, as the SDK reads them.
func wantRefusal(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var re *awshttp.ResponseError
	var ae smithy.APIError
	switch {
	case err == nil:
		t.Errorf("allowed, want %s %q", code, msg)
	case !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg:
		t.Errorf("got %v, want %s %q", err, code, msg)
	case !errors.As(err, &re) || re.HTTPStatusCode() != status:
		t.Errorf("got %v, want HTTP %d", err, status)
	case code == "InvalidIdentityToken" && !errors.As(err, new(*types.InvalidIdentityTokenException)):
		t.Errorf("got %T, want the SDK's modelled *types.InvalidIdentityTokenException", ae)
	}
}

func TestGitHubActionsTrust(t *testing.T) {
	s, _ := stsSandbox(t)
	push := GitHubRun{Repository: "acme/infrastructure", RepositoryID: infraRepoID}
	pr := GitHubRun{Repository: "acme/infrastructure", RepositoryID: infraRepoID, EventName: "pull_request", Ref: "refs/pull/7/merge"}
	with := func(r GitHubRun, f func(*GitHubRun)) GitHubRun { f(&r); return r }
	// code "" is allowed; AccessDenied is the trust policy's refusal;
	// InvalidIdentityToken the provider registry's.
	for _, tc := range []struct {
		name string
		run  GitHubRun
		aud  string
		role string
		code string
		msg  string
	}{
		{"apply environment may apply", applyRun(), "", platDevTerraform, "", ""},
		{"apply environment in prod too", applyRun(), "", "arn:aws:iam::888888888888:role/acme-plat-prod-terraform", "", ""},
		{"pull request may not apply", pr, "", platDevTerraform, "AccessDenied", notAuthorized},
		{"pull request may plan", pr, "", coreRootPlanner, "", ""},
		{"pull request may plan in plat-dev", pr, "", platDevPlanner, "", ""},
		{"push to main may plan", push, "", coreRootPlanner, "", ""},
		{"push to main without the environment may not apply", push, "", platDevTerraform, "AccessDenied", notAuthorized},
		{"push to another branch may not plan", with(push, func(r *GitHubRun) { r.Ref = "refs/heads/feature" }), "", coreRootPlanner, "AccessDenied", notAuthorized},
		{"wrong repository id", with(applyRun(), func(r *GitHubRun) { r.RepositoryID = "999" }), "", platDevTerraform, "AccessDenied", notAuthorized},
		{"no repository id given (derived one differs)", with(applyRun(), func(r *GitHubRun) { r.RepositoryID = "" }), "", platDevTerraform, "AccessDenied", notAuthorized},
		{"another repository", with(applyRun(), func(r *GitHubRun) { r.Repository = "acme/other" }), "", platDevTerraform, "AccessDenied", notAuthorized},
		{"wrong workflow", with(applyRun(), func(r *GitHubRun) {
			r.JobWorkflowRef = "acme/infrastructure/.github/workflows/ci.yaml@refs/heads/main"
		}), "", platDevTerraform, "AccessDenied", notAuthorized},
		{"workflow defaulted to ci.yaml", with(applyRun(), func(r *GitHubRun) { r.JobWorkflowRef = "" }), "", platDevTerraform, "AccessDenied", notAuthorized},
		{"another environment", with(applyRun(), func(r *GitHubRun) { r.Environment = "staging" }), "", platDevTerraform, "AccessDenied", notAuthorized},
		// The provider's client IDs are sts.amazonaws.com only.
		{"wrong audience", applyRun(), "https://github.com/acme", platDevTerraform, "InvalidIdentityToken", wrongAudience},
		{"wrong audience for a role that does not exist", applyRun(), "https://github.com/acme", "arn:aws:iam::666666666666:role/nope", "InvalidIdentityToken", wrongAudience},
		// The issuer with a path is another provider, which no account has.
		{"another issuer", with(applyRun(), func(r *GitHubRun) { r.Issuer = "https://token.actions.githubusercontent.com/acme" }), "", platDevTerraform, "InvalidIdentityToken", noProviderGHPath},
		{"core-root has no terraform role", applyRun(), "", "arn:aws:iam::111111111111:role/acme-core-root-terraform", "AccessDenied", notAuthorized},
		{"unknown role", applyRun(), "", "arn:aws:iam::666666666666:role/nope", "AccessDenied", notAuthorized},
		// An account outside the organization has no providers at all.
		{"account outside the organization", applyRun(), "", "arn:aws:iam::999999999999:role/acme-plat-dev-terraform", "InvalidIdentityToken",
			noProviderFor + GitHubIssuerURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, bearer := startRun(t, s, tc.run)
			aud := tc.aud
			if aud == "" {
				aud = "sts.amazonaws.com"
			}
			out, err := assumeWeb(s, tc.role, fetchIDToken(t, s, u, bearer, aud))
			switch {
			case tc.code == "" && err != nil:
				t.Errorf("denied: %v", err)
			case tc.code == "" && !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.Arn), "/gha-1234-1"):
				t.Errorf("assumed %s", aws.ToString(out.AssumedRoleUser.Arn))
			case tc.code == "AccessDenied":
				wantRefusal(t, err, tc.code, 403, tc.msg)
			case tc.code != "":
				wantRefusal(t, err, tc.code, 400, tc.msg)
			}
		})
	}
	// The default audience is GitHub's, the owner's URL, which is not a
	// client ID of the provider AWS roles trust.
	u, bearer := startRun(t, s, applyRun())
	tok := fetchIDToken(t, s, u, bearer, "")
	if aud := jwtClaims(t, tok)["aud"]; aud != "https://github.com/acme" {
		t.Errorf("default aud = %v", aud)
	}
	_, err := assumeWeb(s, platDevTerraform, tok)
	wantRefusal(t, err, "InvalidIdentityToken", 400, wrongAudience)
}

func TestWebIdentityTokenChecks(t *testing.T) {
	s, clk := stsSandbox(t)
	// Before the sandbox ever signed anything, every token is forged, and
	// checking one does not make the key.
	if _, err := assumeWeb(s, platDevTerraform, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"); apiCode(err) != "InvalidIdentityToken" {
		t.Errorf("token before any key: %v", err)
	}
	if s.idKey.k.Load() != nil {
		t.Error("verifying a token generated the signing key")
	}
	good := idTokenFor(t, s, applyRun())
	parts := strings.Split(good, ".")

	// Claims swapped under the original signature.
	claims := jwtClaims(t, good)
	claims["environment"], claims["sub"] = "apply", "repo:acme/infrastructure:environment:apply"
	claims["repository_id"] = "1"
	payload, _ := json.Marshal(claims)
	forgedPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	// The signature of another sandbox's key.
	other, _ := stsSandbox(t)
	foreign, err := other.GitHubIDToken(applyRun(), "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	sig := []byte(parts[2])
	sig[10] ^= 'A' ^ 'B'
	if sig[10] == parts[2][10] {
		sig[10] = 'C'
	}
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	hsHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	for name, tok := range map[string]string{
		"garbled":            "eyJhbGciOi.e30.sig",
		"not a JWT":          "hello world",
		"two parts":          parts[0] + "." + parts[1],
		"altered signature":  parts[0] + "." + parts[1] + "." + string(sig),
		"altered claims":     forgedPayload,
		"another sandbox":    foreign,
		"alg none":           noneHeader + "." + parts[1] + ".",
		"alg HS256":          hsHeader + "." + parts[1] + "." + parts[2],
		"JSON serialization": `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := assumeWeb(s, platDevTerraform, tok)
			if apiCode(err) != "InvalidIdentityToken" {
				t.Errorf("got %v, want InvalidIdentityToken", err)
			}
			if err != nil && strings.Contains(err.Error(), tok) {
				t.Errorf("the error repeats the token: %v", err)
			}
		})
	}
	if _, err := assumeWeb(s, platDevTerraform, good); err != nil {
		t.Errorf("the untouched token: %v", err)
	}

	t.Run("expired", func(t *testing.T) {
		run := applyRun()
		run.Lifetime = Duration(time.Minute)
		tok := idTokenFor(t, s, run)
		clk.Add(61 * time.Second)
		defer clk.Add(-61 * time.Second)
		_, err := assumeWeb(s, platDevTerraform, tok)
		if apiCode(err) != "ExpiredTokenException" || !strings.Contains(err.Error(), "Token expired: current date/time") ||
			!strings.Contains(err.Error(), "must be before the expiration date/time") {
			t.Errorf("got %v, want ExpiredTokenException", err)
		}
	})
	t.Run("default lifetime is 5 minutes", func(t *testing.T) {
		tok := idTokenFor(t, s, applyRun())
		c := jwtClaims(t, tok)
		if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != 300 {
			t.Errorf("exp - iat = %v", exp-iat)
		}
		clk.Add(5*time.Minute - time.Second)
		_, err := assumeWeb(s, platDevTerraform, tok)
		clk.Add(2 * time.Second)
		_, err2 := assumeWeb(s, platDevTerraform, tok)
		clk.Add(-5*time.Minute - time.Second)
		if err != nil || apiCode(err2) != "ExpiredTokenException" {
			t.Errorf("just before expiry: %v; just after: %v", err, err2)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		tok := idTokenFor(t, s, applyRun())
		clk.Add(-time.Minute)
		defer clk.Add(time.Minute)
		if _, err := assumeWeb(s, platDevTerraform, tok); apiCode(err) != "InvalidIdentityToken" {
			t.Errorf("got %v", err)
		}
	})
}

func TestGenericIssuerTokens(t *testing.T) {
	s, _ := stsSandbox(t)
	// A token of an issuer no acme role trusts: no account has a provider
	// for it.
	tok, err := s.IssueOIDCToken(OIDCToken{Issuer: "https://gitlab.example.com", Subject: "project_path:acme/app:ref_type:branch:ref:main"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = assumeWeb(s, platDevTerraform, tok)
	wantRefusal(t, err, "InvalidIdentityToken", 400, noProviderFor+"https://gitlab.example.com")
	// Through the control API, with extra claims.
	code, out := controlCall(t, s, http.MethodPost, InProcessURL+"/_sandbox/oidc/token",
		`{"issuer":"https://gitlab.example.com","subject":"project_path:acme/app:ref_type:branch:ref:main","audience":"https://gitlab.example.com","claims":{"namespace_path":"acme"},"lifetime":"1m"}`, nil)
	var res struct{ Token string }
	if code != 200 || json.Unmarshal(out, &res) != nil || res.Token == "" {
		t.Fatalf("POST /_sandbox/oidc/token: %d %s", code, out)
	}
	c := jwtClaims(t, res.Token)
	if c["iss"] != "https://gitlab.example.com" || c["aud"] != "https://gitlab.example.com" || c["namespace_path"] != "acme" ||
		c["exp"].(float64)-c["iat"].(float64) != 60 || c["jti"] == "" {
		t.Errorf("claims %v", c)
	}
	_, err = assumeWeb(s, coreRootPlanner, res.Token)
	wantRefusal(t, err, "InvalidIdentityToken", 400, noProviderFor+"https://gitlab.example.com")
	// A generic token that claims to be GitHub's gets no further than its
	// claims allow: its issuer has a provider and its audience is the
	// provider's client ID, but without repository_id the trust does not
	// hold.
	tok, _ = s.IssueOIDCToken(OIDCToken{Issuer: GitHubIssuerURL, Subject: "repo:acme/infrastructure:ref:refs/heads/main"})
	_, err = assumeWeb(s, coreRootPlanner, tok)
	wantRefusal(t, err, "AccessDenied", 403, notAuthorized)
	tok, _ = s.IssueOIDCToken(OIDCToken{Issuer: GitHubIssuerURL, Subject: "repo:acme/infrastructure:ref:refs/heads/main",
		Claims: map[string]string{"repository_id": infraRepoID}})
	if _, err := assumeWeb(s, coreRootPlanner, tok); err != nil {
		t.Errorf("GitHub-shaped token with every claim the trust checks: %v", err)
	}
}

// chainOrg is examples/acme plus a plat-dev role that trusts the
// terraform role (to chain from a CI session) and a GitLab issuer, and a
// plat-prod role that trusts GitHub with GitHub's default audience
// (https://github.com/acme).
func chainOrg(t *testing.T) *org.Org {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "examples", "acme")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := os.CopyFS(filepath.Join(dir, e.Name()), os.DirFS(filepath.Join(src, e.Name()))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	extra := `machine_roles:
  deployer:
    accounts: [plat-dev]
    access_level: read
    max_session_duration: 4h
    managed_policies: [ReadOnlyAccess]
    trust:
      aws:
        - principals: ["` + platDevTerraform + `"]
      oidc:
        - issuer: https://gitlab.example.com
          audiences: [https://gitlab.example.com]
          subjects: ["project_path:acme/app:ref_type:branch:ref:main"]
  release:
    accounts: [plat-prod]
    access_level: read
    managed_policies: [ReadOnlyAccess]
    trust:
      github:
        - repository: acme/release
          branches: [main]
          audience: https://github.com/acme
`
	if err := os.WriteFile(filepath.Join(dir, "zz-test-roles.yaml"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	o, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return o
}

func TestWebIdentitySessionsChainAndGenericIssuers(t *testing.T) {
	clk := &clock{t: time.Now()}
	s, err := New(chainOrg(t), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const deployer = "arn:aws:iam::666666666666:role/acme-plat-dev-deployer"
	// A GitLab token the deployer role trusts.
	tok, err := s.IssueOIDCToken(OIDCToken{Issuer: "https://gitlab.example.com", Subject: "project_path:acme/app:ref_type:branch:ref:main",
		Audience: "https://gitlab.example.com", Claims: map[string]string{"project_path": "acme/app"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := unsignedSTS(s).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(deployer),
		RoleSessionName: aws.String("gitlab"), WebIdentityToken: aws.String(tok), DurationSeconds: aws.Int32(4 * 3600)})
	if err != nil {
		t.Fatalf("trusted generic issuer: %v", err)
	}
	if aws.ToString(out.Provider) != "arn:aws:iam::666666666666:oidc-provider/gitlab.example.com" {
		t.Errorf("Provider = %s", aws.ToString(out.Provider))
	}
	if left := aws.ToTime(out.Credentials.Expiration).Sub(clk.Now()); left < 4*time.Hour-time.Minute {
		t.Errorf("4 h session expires in %v", left)
	}
	tok, _ = s.IssueOIDCToken(OIDCToken{Issuer: "https://gitlab.example.com", Subject: "project_path:acme/app:ref_type:branch:ref:feature",
		Audience: "https://gitlab.example.com"})
	if _, err := assumeWeb(s, deployer, tok); apiCode(err) != "AccessDenied" {
		t.Errorf("another subject: %v", err)
	}

	// GitHub Actions → terraform → deployer: the second hop is role
	// chaining, limited to 1 h.
	web, err := assumeWeb(s, platDevTerraform, idTokenFor(t, s, applyRun()))
	if err != nil {
		t.Fatal(err)
	}
	c := stsClient(s, clk, aws.Credentials{AccessKeyID: aws.ToString(web.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(web.Credentials.SecretAccessKey), SessionToken: aws.ToString(web.Credentials.SessionToken)})
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(deployer), RoleSessionName: aws.String("gha"), DurationSeconds: aws.Int32(7200)})
	if apiCode(err) != "ValidationError" || !strings.Contains(err.Error(), "role chaining") {
		t.Errorf("chained 2 h: %v", err)
	}
	hop, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(deployer), RoleSessionName: aws.String("gha")})
	if err != nil {
		t.Fatalf("chain from the web identity session: %v", err)
	}
	if got := aws.ToString(hop.AssumedRoleUser.Arn); got != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-deployer/gha" {
		t.Errorf("chained session %s", got)
	}
}

// The machine roles imply the IAM OIDC providers of each account; the
// registry is in /_sandbox/info and AssumeRoleWithWebIdentity checks
// tokens against the role account's.
func TestOIDCProviderRegistry(t *testing.T) {
	clk := &clock{t: time.Now()}
	s, err := New(chainOrg(t), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	const (
		platProd = "888888888888"
		deployer = "arn:aws:iam::666666666666:role/acme-plat-dev-deployer"
		release  = "arn:aws:iam::888888888888:role/acme-plat-prod-release"
		prodTf   = "arn:aws:iam::888888888888:role/acme-plat-prod-terraform"
		gitlab   = "https://gitlab.example.com"
	)
	gh := func(acct string, ids ...string) OIDCProvider {
		return OIDCProvider{ARN: "arn:aws:iam::" + acct + ":oidc-provider/token.actions.githubusercontent.com", URL: GitHubIssuerURL, ClientIDs: ids}
	}
	// The planner role is in every account, so every account has GitHub's
	// provider; plat-dev also GitLab's (the deployer role), plat-prod a
	// second client ID (the release role).
	want := map[string][]OIDCProvider{}
	for _, id := range []string{"111111111111", "222222222222", "333333333333", "444444444444", "012345678901", "777777777777"} {
		want[id] = []OIDCProvider{gh(id, "sts.amazonaws.com")}
	}
	want[platDev] = []OIDCProvider{
		{ARN: "arn:aws:iam::666666666666:oidc-provider/gitlab.example.com", URL: gitlab, ClientIDs: []string{gitlab}},
		gh(platDev, "sts.amazonaws.com"),
	}
	want[platProd] = []OIDCProvider{gh(platProd, "https://github.com/acme", "sts.amazonaws.com")}
	if got := s.OIDCProviders(); !reflect.DeepEqual(got, want) {
		t.Errorf("OIDCProviders:\n got %+v\nwant %+v", got, want)
	}
	// The same through the control API.
	code, body := controlCall(t, s, http.MethodGet, InProcessURL+"/_sandbox/info", "", nil)
	var info struct {
		OIDCProviders map[string][]OIDCProvider `json:"oidc_providers"`
		Accounts      []string                  `json:"accounts"`
	}
	if code != 200 || json.Unmarshal(body, &info) != nil || !reflect.DeepEqual(info.OIDCProviders, want) || len(info.Accounts) != 8 {
		t.Errorf("GET /_sandbox/info: %d %s", code, body)
	}
	if !strings.Contains(string(body), `"oidc_providers":{"012345678901":[{"arn":"arn:aws:iam::012345678901:oidc-provider/token.actions.githubusercontent.com","url":"https://token.actions.githubusercontent.com","client_ids":["sts.amazonaws.com"]}]`) {
		t.Errorf("info JSON shape: %s", body)
	}
	// Without machine roles there are no providers.
	if got := newOIDCProviders(nil); len(got) != 0 {
		t.Errorf("no roles: %v", got)
	}

	gitlabTok := func(aud string) string {
		tok, err := s.IssueOIDCToken(OIDCToken{Issuer: gitlab, Subject: "project_path:acme/app:ref_type:branch:ref:main", Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	releaseRun := GitHubRun{Repository: "acme/release"}
	ownerAud, err := s.GitHubIDToken(releaseRun, "") // aud https://github.com/acme
	if err != nil {
		t.Fatal(err)
	}
	stsAud, err := s.GitHubIDToken(releaseRun, "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, role, tok, code, msg string
	}{
		{"GitLab token for the role that trusts it", deployer, gitlabTok(gitlab), "", ""},
		{"GitLab token with an audience the provider lacks", deployer, gitlabTok("sts.amazonaws.com"), "InvalidIdentityToken", wrongAudience},
		{"GitLab token for another role of the account: the provider exists, the trust does not name it", platDevTerraform, gitlabTok(gitlab), "AccessDenied", notAuthorized},
		{"GitLab token in an account without its provider", coreRootPlanner, gitlabTok(gitlab), "InvalidIdentityToken", noProviderFor + gitlab},
		{"GitLab token for a role that does not exist, in an account without the provider", "arn:aws:iam::111111111111:role/nope", gitlabTok(gitlab), "InvalidIdentityToken", noProviderFor + gitlab},
		{"GitLab token for a role that does not exist, in the provider's account", "arn:aws:iam::666666666666:role/nope", gitlabTok(gitlab), "AccessDenied", notAuthorized},
		{"GitHub's default audience for the role that trusts it", release, ownerAud, "", ""},
		{"release's audience is a client ID in plat-prod, where terraform's trust wants sts.amazonaws.com", prodTf, ownerAud, "AccessDenied", notAuthorized},
		{"release's audience is no client ID in plat-dev", platDevTerraform, ownerAud, "InvalidIdentityToken", wrongAudience},
		{"sts.amazonaws.com is a client ID in plat-prod too; the release trust wants GitHub's", release, stsAud, "AccessDenied", notAuthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := assumeWeb(s, tc.role, tc.tok)
			switch {
			case tc.code == "" && err != nil:
				t.Errorf("denied: %v", err)
			case tc.code == "" && !strings.HasPrefix(aws.ToString(out.Provider), "arn:aws:iam::"+strings.Split(tc.role, ":")[4]+":oidc-provider/"):
				t.Errorf("Provider %s", aws.ToString(out.Provider))
			case tc.code == "AccessDenied":
				wantRefusal(t, err, tc.code, 403, tc.msg)
			case tc.code != "":
				wantRefusal(t, err, tc.code, 400, tc.msg)
			}
		})
	}
}

// The token is checked in this order: signature, times, the provider of
// its issuer, its audience, then the trust policy.
func TestWebIdentityCheckOrder(t *testing.T) {
	s, clk := stsSandbox(t)
	const gitlab = "https://gitlab.example.com" // no acme account has its provider
	other, _ := stsSandbox(t)
	foreign, err := other.IssueOIDCToken(OIDCToken{Issuer: gitlab, Subject: "x", Audience: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	expiring := func(tok OIDCToken) string {
		tok.Lifetime = Duration(time.Minute)
		raw, err := s.IssueOIDCToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	expGitLab := expiring(OIDCToken{Issuer: gitlab, Subject: "x"})
	expWrongAud := expiring(OIDCToken{Issuer: GitHubIssuerURL, Subject: "repo:acme/infrastructure:pull_request", Audience: "nope"})
	// Tokens minted a minute in the future.
	clk.Add(time.Minute)
	earlyGitLab, _ := s.IssueOIDCToken(OIDCToken{Issuer: gitlab, Subject: "x"})
	clk.Add(-time.Minute)

	// signature before provider
	_, err = assumeWeb(s, platDevTerraform, foreign)
	wantRefusal(t, err, "InvalidIdentityToken", 400, "The token's signature is not valid: it was not signed by this sandbox or was altered")
	// not-before before provider
	_, err = assumeWeb(s, platDevTerraform, earlyGitLab)
	if apiCode(err) != "InvalidIdentityToken" || !strings.Contains(err.Error(), "Token is not yet valid") {
		t.Errorf("nbf in the future with an unregistered issuer: %v", err)
	}
	clk.Add(61 * time.Second)
	// expiry before provider and audience
	_, err = assumeWeb(s, platDevTerraform, expGitLab)
	if apiCode(err) != "ExpiredTokenException" {
		t.Errorf("expired token of an unregistered issuer: %v", err)
	}
	_, err = assumeWeb(s, platDevTerraform, expWrongAud)
	if apiCode(err) != "ExpiredTokenException" {
		t.Errorf("expired token with a wrong audience: %v", err)
	}
	clk.Add(-61 * time.Second)
	// provider before audience
	tok, _ := s.IssueOIDCToken(OIDCToken{Issuer: gitlab, Subject: "x", Audience: "nope"})
	_, err = assumeWeb(s, platDevTerraform, tok)
	wantRefusal(t, err, "InvalidIdentityToken", 400, noProviderFor+gitlab)
	// audience before trust: a pull request may not apply, but the
	// audience is what is reported
	tok, _ = s.IssueOIDCToken(OIDCToken{Issuer: GitHubIssuerURL, Subject: "repo:acme/infrastructure:pull_request", Audience: "nope"})
	_, err = assumeWeb(s, platDevTerraform, tok)
	wantRefusal(t, err, "InvalidIdentityToken", 400, wrongAudience)
	// audience before the role's MaxSessionDuration (checked after trust)
	_, err = unsignedSTS(s).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(platDevTerraform),
		RoleSessionName: aws.String("long"), WebIdentityToken: aws.String(tok), DurationSeconds: aws.Int32(7200)})
	wantRefusal(t, err, "InvalidIdentityToken", 400, wrongAudience)
	// Request validation still comes first.
	_, err = unsignedSTS(s).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(platDevTerraform),
		RoleSessionName: aws.String("a b"), WebIdentityToken: aws.String(tok)})
	if apiCode(err) != "ValidationError" {
		t.Errorf("bad session name with a wrong audience: %v", err)
	}

	// The raw answer has AWS's shape, and neither repeats the token.
	for _, tc := range []struct{ tok, msg string }{
		{tok, wrongAudience},
		{func() string { t, _ := s.IssueOIDCToken(OIDCToken{Issuer: gitlab, Subject: "x"}); return t }(), noProviderFor + gitlab},
	} {
		form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {platDevTerraform},
			"RoleSessionName": {"gha"}, "WebIdentityToken": {tc.tok}}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		want := "<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>" + tc.msg + "</Message></Error><RequestId>"
		if body := rec.Body.String(); rec.Code != 400 || !strings.Contains(body, want) || strings.Contains(body, tc.tok) {
			t.Errorf("%d %s, want 400 with %s", rec.Code, body, want)
		}
	}
}

func TestGitHubRunControlAPI(t *testing.T) {
	s, _ := stsSandbox(t)
	reqURL, bearer := startRun(t, s, GitHubRun{Repository: "acme/infrastructure", RepositoryID: infraRepoID, Environment: "apply",
		JobWorkflowRef: applyWorkflow, RunID: "4242", RunAttempt: "2", Actor: "alice", SHA: strings.Repeat("ab", 20)})
	u, err := url.Parse(reqURL)
	if err != nil || !strings.Contains(reqURL, "?") || u.Query().Get("api-version") == "" || u.Scheme+"://"+u.Host != InProcessURL {
		t.Fatalf("request_url %q must be on %s and carry a query string", reqURL, InProcessURL)
	}
	for name, h := range map[string]http.Header{
		"no bearer":        nil,
		"wrong bearer":     {"Authorization": {"Bearer nope"}},
		"basic":            {"Authorization": {"Basic " + bearer}},
		"bare token":       {"Authorization": {bearer}},
		"other run bearer": {"Authorization": {"Bearer " + func() string { _, b := startRun(t, s, applyRun()); return b }()}},
	} {
		code, body := controlCall(t, s, http.MethodGet, reqURL+"&audience=sts.amazonaws.com", "", h)
		var e map[string]string
		if code != http.StatusUnauthorized || json.Unmarshal(body, &e) != nil || e["error"] == "" {
			t.Errorf("%s: %d %s, want 401 with a JSON error", name, code, body)
		}
	}
	if code, _ := controlCall(t, s, http.MethodPost, reqURL, "", http.Header{"Authorization": {"Bearer " + bearer}}); code != http.StatusMethodNotAllowed {
		t.Errorf("POST to the request URL: %d", code)
	}
	if code, _ := controlCall(t, s, http.MethodGet, strings.Replace(reqURL, "/runs/", "/runs/x", 1), "", http.Header{"Authorization": {"Bearer " + bearer}}); code != http.StatusNotFound {
		t.Errorf("unknown run: %d", code)
	}

	tok := fetchIDToken(t, s, reqURL, bearer, "sts.amazonaws.com")
	c := jwtClaims(t, tok)
	want := map[string]string{
		"iss": GitHubIssuerURL, "aud": "sts.amazonaws.com", "sub": "repo:acme/infrastructure:environment:apply",
		"repository": "acme/infrastructure", "repository_id": infraRepoID, "repository_owner": "acme",
		"ref": "refs/heads/main", "ref_type": "branch", "environment": "apply", "event_name": "push",
		"workflow_ref":     "acme/infrastructure/.github/workflows/ci.yaml@refs/heads/main",
		"job_workflow_ref": applyWorkflow, "run_id": "4242", "run_attempt": "2", "actor": "alice", "sha": strings.Repeat("ab", 20),
		"runner_environment": "github-hosted", "repository_visibility": "private",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %s", k, c[k], v)
		}
	}
	for _, k := range []string{"iat", "nbf", "exp"} {
		if _, ok := c[k].(float64); !ok {
			t.Errorf("claim %s = %v, want a number", k, c[k])
		}
	}
	if jti, _ := c["jti"].(string); jti == "" {
		t.Error("no jti")
	}
	if c2 := jwtClaims(t, fetchIDToken(t, s, reqURL, bearer, "sts.amazonaws.com")); c2["jti"] == c["jti"] {
		t.Error("two tokens share a jti")
	}
	// The header names the key of the JWKS.
	hb, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	var hdr map[string]string
	_ = json.Unmarshal(hb, &hdr)
	code, body := controlCall(t, s, http.MethodGet, InProcessURL+"/_sandbox/oidc/jwks", "", nil)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if code != 200 || json.Unmarshal(body, &set) != nil || len(set.Keys) != 1 || set.Keys[0]["kid"] != hdr["kid"] ||
		set.Keys[0]["kty"] != "RSA" || set.Keys[0]["alg"] != "RS256" || set.Keys[0]["d"] != nil || hdr["alg"] != "RS256" || hdr["typ"] != "JWT" {
		t.Errorf("JWKS %d %s; token header %v", code, body, hdr)
	}

	// Subjects for the other events.
	for _, tc := range []struct {
		run GitHubRun
		sub string
	}{
		{GitHubRun{Repository: "acme/infrastructure"}, "repo:acme/infrastructure:ref:refs/heads/main"},
		{GitHubRun{Repository: "acme/infrastructure", Ref: "refs/tags/v1.2.0"}, "repo:acme/infrastructure:ref:refs/tags/v1.2.0"},
		{GitHubRun{Repository: "acme/infrastructure", EventName: "pull_request", Ref: "refs/pull/3/merge"}, "repo:acme/infrastructure:pull_request"},
		{GitHubRun{Repository: "acme/infrastructure", EventName: "pull_request", Environment: "plan"}, "repo:acme/infrastructure:environment:plan"},
	} {
		u, b := startRun(t, s, tc.run)
		c := jwtClaims(t, fetchIDToken(t, s, u, b, ""))
		if c["sub"] != tc.sub || c["aud"] != "https://github.com/acme" {
			t.Errorf("%+v: sub %v aud %v, want %s", tc.run, c["sub"], c["aud"], tc.sub)
		}
		if _, has := c["environment"]; has != (tc.run.Environment != "") {
			t.Errorf("%+v: environment claim %v", tc.run, c["environment"])
		}
	}

	// Reset forgets runs.
	s.Reset()
	if code, _ := controlCall(t, s, http.MethodGet, reqURL, "", http.Header{"Authorization": {"Bearer " + bearer}}); code != http.StatusNotFound {
		t.Errorf("run after reset: %d", code)
	}
	// The paths are listed.
	info := strings.Join(s.Info(InProcessURL).Paths, " ")
	for _, p := range []string{"/_sandbox/github/runs", "/_sandbox/oidc/token", "/_sandbox/oidc/jwks"} {
		if !strings.Contains(info, p) {
			t.Errorf("info lacks %s", p)
		}
	}
}

// Over a real listener, the request URL is on the address the client used.
func TestGitHubRunOverLoopback(t *testing.T) {
	s, _ := stsSandbox(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/_sandbox/github/runs", "application/json", strings.NewReader(`{"repository":"acme/infrastructure","repository_id":"812345678","environment":"apply","job_workflow_ref":"`+applyWorkflow+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ RequestURL, RequestToken string }
	if err := json.NewDecoder(resp.Body).Decode(&struct {
		RequestURL   *string `json:"request_url"`
		RequestToken *string `json:"request_token"`
	}{&res.RequestURL, &res.RequestToken}); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(res.RequestURL, srv.URL+"/_sandbox/github/runs/") {
		t.Fatalf("request_url %s is not on %s", res.RequestURL, srv.URL)
	}
	req, _ := http.NewRequest(http.MethodGet, res.RequestURL+"&audience=sts.amazonaws.com", nil)
	req.Header.Set("Authorization", "Bearer "+res.RequestToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Value string }
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	cfg := s.AWSConfig(nil)
	cfg.BaseEndpoint, cfg.HTTPClient = aws.String(srv.URL), srv.Client()
	out, err := sts.NewFromConfig(cfg).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(platDevTerraform), RoleSessionName: aws.String("loopback"), WebIdentityToken: aws.String(tok.Value)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.Arn), "/acme-plat-dev-terraform/loopback") {
		t.Errorf("assumed %s", aws.ToString(out.AssumedRoleUser.Arn))
	}
	// The Go API gives the same on the listener's address.
	u, b, err := s.GitHubRunAt(srv.URL, applyRun())
	if err != nil || !strings.HasPrefix(u, srv.URL+"/_sandbox/github/runs/") || !strings.Contains(u, "?api-version=") || b == "" {
		t.Errorf("GitHubRunAt: %s %s %v", u, b, err)
	}
	u, _, err = s.GitHubRun(applyRun())
	if err != nil || !strings.HasPrefix(u, InProcessURL+"/") {
		t.Errorf("GitHubRun: %s %v", u, err)
	}
}

func TestMalformedMachineSignIn(t *testing.T) {
	s, _ := stsSandbox(t)
	for _, tc := range []struct{ name, path, body string }{
		{"run: empty", "/_sandbox/github/runs", ``},
		{"run: not JSON", "/_sandbox/github/runs", `repository=acme/x`},
		{"run: array", "/_sandbox/github/runs", `[]`},
		{"run: no repository", "/_sandbox/github/runs", `{}`},
		{"run: repository without owner", "/_sandbox/github/runs", `{"repository":"infrastructure"}`},
		{"run: unknown field", "/_sandbox/github/runs", `{"repository":"acme/x","repo":"acme/y"}`},
		{"run: wrong type", "/_sandbox/github/runs", `{"repository":"acme/x","repository_id":812345678}`},
		{"run: repository id not a number", "/_sandbox/github/runs", `{"repository":"acme/x","repository_id":"abc"}`},
		{"run: short ref", "/_sandbox/github/runs", `{"repository":"acme/x","ref":"main"}`},
		{"run: http issuer", "/_sandbox/github/runs", `{"repository":"acme/x","issuer":"http://token.actions.githubusercontent.com"}`},
		{"run: issuer with slash", "/_sandbox/github/runs", `{"repository":"acme/x","issuer":"https://token.actions.githubusercontent.com/"}`},
		{"run: bad lifetime", "/_sandbox/github/runs", `{"repository":"acme/x","lifetime":"forever"}`},
		{"run: negative lifetime", "/_sandbox/github/runs", `{"repository":"acme/x","lifetime":"-1m"}`},
		{"run: too long", "/_sandbox/github/runs", `{"repository":"acme/x","lifetime":"25h"}`},
		{"run: bad sha", "/_sandbox/github/runs", `{"repository":"acme/x","sha":"xyz"}`},
		{"run: bad event", "/_sandbox/github/runs", `{"repository":"acme/x","event_name":"Push Event"}`},
		{"run: trailing data", "/_sandbox/github/runs", `{"repository":"acme/x"} {}`},
		{"run: huge", "/_sandbox/github/runs", `{"repository":"acme/x","environment":"` + strings.Repeat("a", maxBody) + `"}`},
		{"oidc: empty", "/_sandbox/oidc/token", ``},
		{"oidc: no issuer", "/_sandbox/oidc/token", `{"subject":"x"}`},
		{"oidc: no subject", "/_sandbox/oidc/token", `{"issuer":"https://gitlab.example.com"}`},
		{"oidc: issuer not a URL", "/_sandbox/oidc/token", `{"issuer":"gitlab","subject":"x"}`},
		{"oidc: reserved claim", "/_sandbox/oidc/token", `{"issuer":"https://gitlab.example.com","subject":"x","claims":{"exp":"1"}}`},
		{"oidc: claim not a string", "/_sandbox/oidc/token", `{"issuer":"https://gitlab.example.com","subject":"x","claims":{"n":1}}`},
		{"oidc: unknown field", "/_sandbox/oidc/token", `{"issuer":"https://gitlab.example.com","subject":"x","scope":"y"}`},
	} {
		code, body := controlCall(t, s, http.MethodPost, InProcessURL+tc.path, tc.body, nil)
		var e map[string]string
		if code != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e["error"] == "" {
			t.Errorf("%s: %d %s, want 400 with a JSON error", tc.name, code, body)
		}
	}
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/_sandbox/github/runs"}, {http.MethodGet, "/_sandbox/oidc/token"}, {http.MethodPost, "/_sandbox/oidc/jwks"},
	} {
		if code, _ := controlCall(t, s, tc.method, InProcessURL+tc.path, "", nil); code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", tc.method, tc.path, code)
		}
	}

	// STS: validation before the token is looked at, never a 5xx, never signed.
	tok, _ := s.GitHubIDToken(applyRun(), "sts.amazonaws.com")
	base := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {platDevTerraform},
		"RoleSessionName": {"gha"}, "WebIdentityToken": {tok}}
	edit := func(k, v string) string {
		f := url.Values{}
		for kk, vv := range base {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f.Encode()
	}
	for _, tc := range []struct{ name, body, code string }{
		{"no role", edit("RoleArn", ""), "ValidationError"},
		{"bad role", edit("RoleArn", "arn:aws:iam::6666:role/x"), "ValidationError"},
		{"no session", edit("RoleSessionName", ""), "ValidationError"},
		{"bad session", edit("RoleSessionName", "a b"), "ValidationError"},
		{"no token", edit("WebIdentityToken", ""), "ValidationError"},
		{"short token", edit("WebIdentityToken", "abc"), "ValidationError"},
		{"huge token", edit("WebIdentityToken", strings.Repeat("a", 20001)), "ValidationError"},
		{"duration not a number", edit("DurationSeconds", "1h"), "ValidationError"},
		{"token of nonsense", edit("WebIdentityToken", "....."), "InvalidIdentityToken"},
		{"token with bad base64", edit("WebIdentityToken", "!!.??.**"), "InvalidIdentityToken"},
		{"claims not an object", edit("WebIdentityToken", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`))+".WzFd.c2ln"), "InvalidIdentityToken"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code < 400 || rec.Code >= 500 || !strings.Contains(rec.Body.String(), "<Code>"+tc.code+"</Code>") {
			t.Errorf("%s: %d %s, want %s", tc.name, rec.Code, rec.Body, tc.code)
		}
		if strings.Contains(rec.Body.String(), tok) {
			t.Errorf("%s: the error repeats the token", tc.name)
		}
	}
	// The raw XML of a success has AWS's shape.
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(base.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	body := rec.Body.String()
	for _, want := range []string{`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`,
		"<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>repo:acme/infrastructure:environment:apply</SubjectFromWebIdentityToken>",
		"<Audience>sts.amazonaws.com</Audience><AssumedRoleUser><Arn>arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/gha</Arn>",
		"<Credentials><AccessKeyId>ASIA", "<Provider>arn:aws:iam::666666666666:oidc-provider/token.actions.githubusercontent.com</Provider>",
		"</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>"} {
		if rec.Code != 200 || !strings.Contains(body, want) {
			t.Errorf("response lacks %s:\n%d %s", want, rec.Code, body)
		}
	}
	// A GET with the parameters in the query works too.
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?"+base.Encode(), nil))
	if rec.Code != 200 {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}
}

func TestWebIdentityFaults(t *testing.T) {
	s, _ := stsSandbox(t)
	tok, err := s.GitHubIDToken(applyRun(), "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFaults(FaultConfig{Operations: map[string]OpFault{"AssumeRoleWithWebIdentity": {ErrorRate: 1, Error: "Throttling"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := assumeWeb(s, platDevTerraform, tok); apiCode(err) != "Throttling" {
		t.Errorf("injected fault: %v", err)
	}
	if err := s.SetFaults(FaultConfig{Lifetimes: Lifetimes{RoleCredentials: Duration(90 * time.Second)}}); err != nil {
		t.Fatal(err)
	}
	out, err := assumeWeb(s, platDevTerraform, tok)
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(aws.ToTime(out.Credentials.Expiration)); left > 91*time.Second {
		t.Errorf("role_credentials lifetime ignored: %v", left)
	}
	if n := s.Stats()["AssumeRoleWithWebIdentity"]; n != 2 {
		t.Errorf("stats %d, want 2 (faulted calls count)", n)
	}
}

// The key is made once, whoever asks first.
func TestSigningKeyConcurrency(t *testing.T) {
	s, _ := stsSandbox(t)
	var wg sync.WaitGroup
	toks := make([]string, 8)
	for i := range toks {
		wg.Go(func() {
			if i%2 == 0 {
				toks[i], _ = s.GitHubIDToken(applyRun(), "sts.amazonaws.com")
			} else {
				u, b, _ := s.GitHubRun(applyRun())
				req, _ := http.NewRequest(http.MethodGet, u+"&audience=sts.amazonaws.com", nil)
				req.Header.Set("Authorization", "Bearer "+b)
				resp, err := (&http.Client{Transport: s.Transport()}).Do(req)
				if err == nil {
					var v struct{ Value string }
					_ = json.NewDecoder(resp.Body).Decode(&v)
					resp.Body.Close()
					toks[i] = v.Value
				}
			}
		})
	}
	wg.Wait()
	for i, tok := range toks {
		if _, err := assumeWeb(s, platDevTerraform, tok); err != nil {
			t.Errorf("token %d: %v", i, err)
		}
	}
}

func FuzzWebIdentityToken(f *testing.F) {
	s, _ := stsSandbox(f)
	good, err := s.GitHubIDToken(applyRun(), "sts.amazonaws.com")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("eyJhbGciOi.e30.sig")
	f.Add(good[:len(good)-3])
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Fuzz(func(t *testing.T, tok string) {
		form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {platDevPlanner},
			"RoleSessionName": {"fuzz"}, "WebIdentityToken": {tok}}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(form.Encode())))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d for %q: %s", rec.Code, tok, rec.Body)
		}
	})
}

func TestFederatedTrustEvaluation(t *testing.T) {
	const gh = "arn:aws:iam::666666666666:oidc-provider/token.actions.githubusercontent.com"
	doc, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"Federated":"` + gh + `"},"Action":"sts:AssumeRoleWithWebIdentity",
		 "Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::666666666666:root"},"Action":"sts:AssumeRoleWithWebIdentity"},
		{"Effect":"Deny","Principal":{"Federated":"` + gh + `"},"Action":"sts:AssumeRoleWith*",
		 "Condition":{"StringEquals":{"token.actions.githubusercontent.com:event_name":"pull_request_target"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := func(sub, event string) condContext {
		return condContext{"token.actions.githubusercontent.com:sub": sub, "token.actions.githubusercontent.com:event_name": event}
	}
	for _, tc := range []struct {
		name, provider, action string
		ctx                    condContext
		want                   bool
	}{
		{"matching provider and subject", gh, "sts:AssumeRoleWithWebIdentity", ctx("repo:acme/x:ref:refs/heads/main", "push"), true},
		{"action names are case-insensitive", gh, "STS:assumerolewithwebidentity", ctx("repo:acme/x:pull_request", "pull_request"), true},
		{"provider of another account", "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com", "sts:AssumeRoleWithWebIdentity", ctx("repo:acme/x:ref:refs/heads/main", "push"), false},
		{"another provider", "arn:aws:iam::666666666666:oidc-provider/gitlab.example.com", "sts:AssumeRoleWithWebIdentity", ctx("repo:acme/x:ref:refs/heads/main", "push"), false},
		{"AWS principals do not admit web identities", "arn:aws:iam::666666666666:root", "sts:AssumeRoleWithWebIdentity", ctx("repo:acme/x:ref:refs/heads/main", "push"), false},
		{"other subject", gh, "sts:AssumeRoleWithWebIdentity", ctx("repo:evil/x:ref:refs/heads/main", "push"), false},
		{"deny wins", gh, "sts:AssumeRoleWithWebIdentity", ctx("repo:acme/x:ref:refs/heads/main", "pull_request_target"), false},
		{"other action", gh, "sts:AssumeRole", ctx("repo:acme/x:ref:refs/heads/main", "push"), false},
	} {
		if got := federatedAllows(doc, tc.provider, tc.action, tc.ctx); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Federated principals never admit AWS callers to AssumeRole.
	caller := &credential{AccountID: "666666666666", ARN: gh}
	if trustAllows(doc, caller, "sts:AssumeRoleWithWebIdentity", condContext{}) != true {
		t.Error("the AWS statement should admit the account's callers")
	}
	fed, _ := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"` + gh + `"},"Action":"sts:*"}}`))
	if trustAllows(fed, caller, "sts:AssumeRole", condContext{}) {
		t.Error("a Federated principal admitted an AWS caller")
	}
}
