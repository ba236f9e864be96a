package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

var (
	acmeOnce sync.Once
	acmeOrg  *org.Org
)

func acme(t testing.TB) *org.Org {
	t.Helper()
	acmeOnce.Do(func() {
		cfg, err := config.Load(config.LoadOptions{Path: "../../examples/acme"})
		if err != nil {
			panic(err)
		}
		o, d := org.Resolve(cfg, org.Options{})
		if d.HasErrors() {
			panic(d.Error())
		}
		acmeOrg = o
	})
	return acmeOrg
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func stsSandbox(t testing.TB) (*Sandbox, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	s, err := New(acme(t), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// ssoCreds signs user in to accountID/permissionSet as GetRoleCredentials
// would.
func ssoCreds(s *Sandbox, user, accountID, ps string) aws.Credentials {
	s.mu.Lock()
	c := s.ssoSessionLocked(user, accountID, ps, time.Hour)
	s.mu.Unlock()
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

func stsClient(s *Sandbox, _ *clock, c aws.Credentials) *sts.Client {
	return sts.NewFromConfig(s.AWSConfig(credentials.StaticCredentialsProvider{Value: c}))
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

const (
	platDev  = "666666666666"
	coreRoot = "111111111111"
)

func TestGetCallerIdentityForPermissionSetSession(t *testing.T) {
	s, clk := stsSandbox(t)
	out, err := stsClient(s, clk, ssoCreds(s, "alice", platDev, "TerraformApplyAccess")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:sts::666666666666:assumed-role/" + ssoRoleName(platDev, "TerraformApplyAccess") + "/alice"
	if aws.ToString(out.Arn) != want || aws.ToString(out.Account) != platDev || !strings.HasPrefix(aws.ToString(out.UserId), "AROA") {
		t.Errorf("got %s %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
	}
	if got := s.Stats()["GetCallerIdentity"]; got != 1 {
		t.Errorf("stats = %d", got)
	}
}

func TestSigV4Failures(t *testing.T) {
	s, clk := stsSandbox(t)
	good := ssoCreds(s, "alice", platDev, "TerraformApplyAccess")
	ctx := context.Background()
	cases := map[string]struct {
		creds aws.Credentials
		code  string
	}{
		"wrong secret":     {aws.Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: "x" + good.SecretAccessKey, SessionToken: good.SessionToken}, "SignatureDoesNotMatch"},
		"unknown key":      {aws.Credentials{AccessKeyID: "ASIAUNKNOWNUNKNOWN00", SecretAccessKey: "s", SessionToken: "t"}, "InvalidClientTokenId"},
		"missing token":    {aws.Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: good.SecretAccessKey}, "InvalidClientTokenId"},
		"token of another": {aws.Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: good.SecretAccessKey, SessionToken: ssoCreds(s, "bob", platDev, "TerraformPlanAccess").SessionToken}, "InvalidClientTokenId"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := stsClient(s, clk, tc.creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if apiCode(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		cfg := s.AWSConfig(aws.AnonymousCredentials{})
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if apiCode(err) != "MissingAuthenticationToken" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		old := ssoCreds(s, "alice", platDev, "TerraformApplyAccess")
		s.mu.Lock()
		s.st.Credentials[old.AccessKeyID].ExpiresAt = clk.Now().Add(-time.Second)
		s.mu.Unlock()
		_, err := stsClient(s, clk, old).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if apiCode(err) != "ExpiredToken" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("clock skew", func(t *testing.T) {
		clk.Add(time.Hour - time.Minute)
		defer clk.Add(-time.Hour + time.Minute)
		_, err := stsClient(s, clk, good).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if apiCode(err) != "SignatureDoesNotMatch" || !strings.Contains(err.Error(), "Signature expired") {
			t.Errorf("got %v", err)
		}
	})
}

func TestAssumeRoleChainFromPermissionSet(t *testing.T) {
	s, clk := stsSandbox(t)
	ctx := context.Background()
	role := "arn:aws:iam::666666666666:role/acme-plat-dev-terraform"
	c := stsClient(s, clk, ssoCreds(s, "alice", platDev, "TerraformApplyAccess"))
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("alice"), SourceIdentity: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/alice" || aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("assumed %+v", out.AssumedRoleUser)
	}
	if left := time.Until(aws.ToTime(out.Credentials.Expiration)); left > time.Hour+time.Minute || left < 59*time.Minute {
		t.Errorf("expiration in %v, want 1h", left)
	}
	chained := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
	who, err := stsClient(s, clk, chained).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || !strings.HasSuffix(aws.ToString(who.Arn), ":assumed-role/acme-plat-dev-terraform/alice") {
		t.Fatalf("whoami %v %v", aws.ToString(who.Arn), err)
	}
	// The source identity sticks: it cannot be changed further down.
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("x1"), DurationSeconds: aws.Int32(7200)})
	if apiCode(err) != "ValidationError" || !strings.Contains(err.Error(), "1 hour session limit for roles assumed by role chaining") {
		t.Errorf("chained 2h: %v", err)
	}
}

func TestAssumeRoleDenials(t *testing.T) {
	s, clk := stsSandbox(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		user, account, ps, role string
	}{
		"trust names another permission set": {"bob", platDev, "TerraformPlanAccess", "arn:aws:iam::666666666666:role/acme-plat-dev-terraform"},
		"role does not exist":                {"alice", platDev, "TerraformApplyAccess", "arn:aws:iam::666666666666:role/nope"},
		"role in another account":            {"alice", platDev, "TerraformApplyAccess", "arn:aws:iam::888888888888:role/acme-plat-prod-terraform"},
		"identity policy does not allow it":  {"alice", coreRoot, "TerraformStateAccess", "arn:aws:iam::111111111111:role/acme-core-root-planner"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := stsClient(s, clk, ssoCreds(s, tc.user, tc.account, tc.ps)).AssumeRole(ctx,
				&sts.AssumeRoleInput{RoleArn: aws.String(tc.role), RoleSessionName: aws.String(tc.user)})
			if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: sts:AssumeRole on resource: "+tc.role) {
				t.Errorf("got %v", err)
			}
		})
	}
	// TerraformPlanAccess may assume the read-only planner role.
	_, err := stsClient(s, clk, ssoCreds(s, "alice", coreRoot, "TerraformPlanAccess")).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/acme-core-root-planner"), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Errorf("planner: %v", err)
	}
	_, err = stsClient(s, clk, ssoCreds(s, "alice", platDev, "TerraformApplyAccess")).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::666666666666:role/acme-plat-dev-terraform"), RoleSessionName: aws.String("a b")})
	if apiCode(err) != "ValidationError" {
		t.Errorf("bad session name: %v", err)
	}
}

func TestGetSessionToken(t *testing.T) {
	s, clk := stsSandbox(t)
	ctx := context.Background()
	_, err := stsClient(s, clk, ssoCreds(s, "alice", platDev, "TerraformApplyAccess")).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("session creds: %v", err)
	}
	key, err := s.CreateUserKey("core-auto", "deployer")
	if err != nil {
		t.Fatal(err)
	}
	out, err := stsClient(s, clk, aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}).
		GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	sess := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
	who, err := stsClient(s, clk, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::333333333333:user/deployer" {
		t.Errorf("whoami %v %v", aws.ToString(who.Arn), err)
	}
}

func TestPresignedGetCallerIdentity(t *testing.T) {
	s, clk := stsSandbox(t)
	pc := sts.NewPresignClient(stsClient(s, clk, ssoCreds(s, "carol", platDev, "AdministratorAccess")))
	req, err := pc.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := http.NewRequest(req.Method, req.URL, nil)
	for k, v := range req.SignedHeader {
		hr.Header[k] = v
	}
	resp, err := (&http.Client{Transport: s.Transport()}).Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "AWSReservedSSO_AdministratorAccess_") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

func TestFederationSignIn(t *testing.T) {
	s, _ := stsSandbox(t)
	c := ssoCreds(s, "alice", platDev, "TerraformApplyAccess")
	sess, _ := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/federation?Action=getSigninToken&Session="+url.QueryEscape(string(sess)), nil))
	var tok struct{ SigninToken string }
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.SigninToken == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	dest := "https://console.aws.amazon.com/ec2/home?region=us-east-1"
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/federation?Action=login&Issuer=sesame&Destination="+url.QueryEscape(dest)+"&SigninToken="+tok.SigninToken, nil))
	page := rec.Body.String()
	for _, want := range []string{"plat-dev (666666666666)", "AWSReservedSSO_TerraformApplyAccess_", "assumed-role/", "/alice", "ec2/home?region=us-east-1"} {
		if !strings.Contains(page, want) {
			t.Errorf("console page lacks %q:\n%s", want, page)
		}
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/federation?Action=login&Destination="+url.QueryEscape(dest)+"&SigninToken=bogus", nil))
	if rec.Code != 400 {
		t.Errorf("bogus token: %d", rec.Code)
	}
}

// Malformed query-protocol requests get an AWS-shaped 4xx, never a 500.
func TestQueryProtocolBadInput(t *testing.T) {
	s, _ := stsSandbox(t)
	for name, tc := range map[string]struct {
		method, target, ctype, body, code string
	}{
		"no action":       {"POST", "/", "application/x-www-form-urlencoded", "Version=2011-06-15", "MissingAction"},
		"unknown action":  {"POST", "/", "application/x-www-form-urlencoded", "Action=DeleteEverything&Version=2011-06-15", "InvalidAction"},
		"wrong version":   {"POST", "/", "application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2010-01-01", "InvalidAction"},
		"json body":       {"POST", "/", "application/json", `{"Action":"GetCallerIdentity"}`, "InvalidParameterValue"},
		"bad escape":      {"POST", "/", "application/x-www-form-urlencoded", "Action=%zz", "InvalidParameterValue"},
		"unsigned":        {"POST", "/", "application/x-www-form-urlencoded", "Action=AssumeRole&Version=2011-06-15", "MissingAuthenticationToken"},
		"huge":            {"POST", "/", "application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2011-06-15&x=" + strings.Repeat("a", 2<<20), "RequestEntityTooLarge"},
		"json 1.1 target": {"POST", "/", "application/x-amz-json-1.1", "{}", "UnknownOperationException"},
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			if name == "json 1.1 target" {
				req.Header.Set("X-Amz-Target", "SWBExternalService.ListInstances")
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code < 400 || rec.Code >= 500 || !strings.Contains(rec.Body.String(), tc.code) {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
		})
	}
}

func FuzzQueryProtocol(f *testing.F) {
	f.Add("Action=GetCallerIdentity&Version=2011-06-15", "AWS4-HMAC-SHA256 Credential=ASIA/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00")
	f.Add("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::666666666666:role/x&RoleSessionName=a&Tags.member.1.Key=k", "")
	f.Add("Action=GetSessionToken&Version=2011-06-15&DurationSeconds=-1", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e")
	s, _ := stsSandbox(f)
	f.Fuzz(func(t *testing.T, body, auth string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
			req.Header.Set("X-Amz-Date", "20260101T000000Z")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d for %q / %q: %s", rec.Code, body, auth, rec.Body)
		}
	})
}
