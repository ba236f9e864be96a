package awsapi_test

// What goes on the wire: SigV4 on STS calls, unsigned OIDC, portal and web
// identity calls, request bodies and query strings, and the parsing of
// successful answers.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// captured is one request as a server saw it.
type captured struct {
	method, path, host string
	query              url.Values
	header             http.Header
	body               []byte
}

// capture serves every request with reply and keeps it.
type capture struct {
	mu    sync.Mutex
	reqs  []captured
	reply http.HandlerFunc
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.reqs = append(c.reqs, captured{r.Method, r.URL.Path, r.Host, r.URL.Query(), r.Header.Clone(), b})
	c.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	c.reply(w, r)
}

func (c *capture) all() []captured {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

func (c *capture) last(t testing.TB) captured {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reqs) == 0 {
		t.Fatal("no request")
	}
	return c.reqs[len(c.reqs)-1]
}

func captureClient(t testing.TB, region string, reply http.HandlerFunc) (*awsapi.Client, *capture) {
	cp := &capture{reply: reply}
	srv := httptest.NewServer(cp)
	t.Cleanup(srv.Close)
	return &awsapi.Client{Region: region, Endpoint: srv.URL, HTTP: srv.Client(), MaxAttempts: 1}, cp
}

var (
	signedAt = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	authRe   = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`)
)

// resign signs the request the server saw again with the SDK's signer,
// from the body the server received, and returns the Authorization header
// that should have come.
func resign(t testing.TB, r captured, creds aws.Credentials, region string, signedHeaders []string) string {
	t.Helper()
	req, err := http.NewRequest(r.method, "http://"+r.host+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = r.query.Encode()
	for _, h := range signedHeaders {
		switch h {
		case "host", "content-length", "x-amz-date", "x-amz-security-token":
		default:
			req.Header[http.CanonicalHeaderKey(h)] = r.header.Values(h)
		}
	}
	sum := sha256.Sum256(r.body)
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), "sts", region, signedAt); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("Authorization")
}

func TestSigV4(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		region string
		creds  aws.Credentials
		call   func(*testing.T, *awsapi.Client, aws.Credentials) error
		reply  http.HandlerFunc
		action string
	}{
		"GetCallerIdentity with session token": {"us-east-1", testCreds, func(t *testing.T, c *awsapi.Client, cr aws.Credentials) error {
			_, err := c.GetCallerIdentity(t.Context(), cr)
			return err
		}, callerOK, "GetCallerIdentity"},
		"GetCallerIdentity long-term keys": {"us-east-1", aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, func(t *testing.T, c *awsapi.Client, cr aws.Credentials) error {
			_, err := c.GetCallerIdentity(t.Context(), cr)
			return err
		}, callerOK, "GetCallerIdentity"},
		"AssumeRole in eu-west-1": {"eu-west-1", testCreds, func(t *testing.T, c *awsapi.Client, cr aws.Credentials) error {
			_, err := c.AssumeRole(t.Context(), cr, &awsapi.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s",
				Tags: map[string]string{"a b": "c&d=e"}})
			return err
		}, assumeOK("AssumeRole"), "AssumeRole"},
		"error answers are signed calls too": {"us-east-1", testCreds, func(t *testing.T, c *awsapi.Client, cr aws.Credentials) error {
			_, err := c.GetCallerIdentity(t.Context(), cr)
			if awsapi.Code(err) != "AccessDenied" {
				t.Errorf("got %v", err)
			}
			return nil
		}, answer(403, `<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>`), "GetCallerIdentity"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, cp := captureClient(t, tc.region, tc.reply)
			c.Now = func() time.Time { return signedAt.In(time.FixedZone("CET", 3600)) }
			c.UserAgent = "sesame/test"
			if err := tc.call(t, c, tc.creds); err != nil {
				t.Fatal(err)
			}
			r := cp.last(t)
			m := authRe.FindStringSubmatch(r.header.Get("Authorization"))
			if m == nil {
				t.Fatalf("Authorization %q", r.header.Get("Authorization"))
			}
			if want := tc.creds.AccessKeyID + "/20260302/" + tc.region + "/sts/aws4_request"; m[1] != want {
				t.Errorf("Credential=%s, want %s", m[1], want)
			}
			if got := r.header.Get("X-Amz-Date"); got != "20260302T090000Z" {
				t.Errorf("X-Amz-Date %q", got)
			}
			signed := strings.Split(m[2], ";")
			if got := r.header.Get("X-Amz-Security-Token"); got != tc.creds.SessionToken {
				t.Errorf("X-Amz-Security-Token %q, want %q", got, tc.creds.SessionToken)
			}
			for _, h := range []string{"host", "x-amz-date", "content-type"} {
				if !slices.Contains(signed, h) {
					t.Errorf("%s is not signed: %s", h, m[2])
				}
			}
			if slices.Contains(signed, "x-amz-security-token") != (tc.creds.SessionToken != "") {
				t.Errorf("signed headers %s with session token %q", m[2], tc.creds.SessionToken)
			}
			if slices.Contains(signed, "user-agent") || r.header.Get("User-Agent") != "sesame/test" {
				t.Errorf("User-Agent %q, signed %s", r.header.Get("User-Agent"), m[2])
			}
			if want := resign(t, r, tc.creds, tc.region, signed); r.header.Get("Authorization") != want {
				t.Errorf("signature does not match the body the server received:\n got %s\nwant %s", r.header.Get("Authorization"), want)
			}
			if r.method != http.MethodPost || r.path != "/" || len(r.query) != 0 || r.header.Get("Content-Type") != "application/x-www-form-urlencoded; charset=utf-8" {
				t.Errorf("%s %s ?%v %s", r.method, r.path, r.query, r.header.Get("Content-Type"))
			}
			form, err := url.ParseQuery(string(r.body))
			if err != nil || form.Get("Action") != tc.action || form.Get("Version") != "2011-06-15" {
				t.Errorf("form %q: %v", r.body, err)
			}
		})
	}
}

func TestUnsignedCalls(t *testing.T) {
	t.Parallel()
	unsigned := func(t *testing.T, r captured) {
		t.Helper()
		for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"} {
			if v := r.header.Get(h); v != "" {
				t.Errorf("%s %s carries %s: %s", r.method, r.path, h, v)
			}
		}
	}
	t.Run("AssumeRoleWithWebIdentity", func(t *testing.T) {
		t.Parallel()
		c, cp := captureClient(t, "us-east-1", assumeOK("AssumeRoleWithWebIdentity"))
		out, err := c.AssumeRoleWithWebIdentity(t.Context(), &awsapi.AssumeRoleWithWebIdentityInput{
			RoleARN: "arn:aws:iam::123456789012:role/gha", RoleSessionName: "run-1", WebIdentityToken: "eyJ.eyJ.sig", Duration: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		r := cp.last(t)
		unsigned(t, r)
		form, _ := url.ParseQuery(string(r.body))
		want := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/gha"},
			"RoleSessionName": {"run-1"}, "WebIdentityToken": {"eyJ.eyJ.sig"}, "DurationSeconds": {"3600"}}
		if form.Encode() != want.Encode() || r.method != http.MethodPost || r.path != "/" {
			t.Errorf("%s %s %s", r.method, r.path, r.body)
		}
		checkAssumed(t, out)
	})
	t.Run("OIDC", func(t *testing.T) {
		t.Parallel()
		c, cp := captureClient(t, "us-east-1", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"clientId":"cid","clientSecret":"csec","clientIdIssuedAt":1767225600,"clientSecretExpiresAt":1775001600,`+
				`"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://v","verificationUriComplete":"https://v?c","expiresIn":600,"interval":5,`+
				`"accessToken":"aoa","tokenType":"Bearer","expiresIn":28800,"refreshToken":"aor","idToken":"idt"}`)
		})
		ctx := t.Context()
		reg, err := c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "sesame", ClientType: "public", Scopes: []string{"sso:account:access"}})
		if err != nil {
			t.Fatal(err)
		}
		if reg.ClientID != "cid" || reg.ClientSecret != "csec" || reg.ClientIDIssuedAt != 1767225600 || !reg.SecretExpiry().Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) || reg.SecretExpiry().Location() != time.UTC {
			t.Errorf("registered %+v (expiry %v)", reg, reg.SecretExpiry())
		}
		checkJSON(t, cp.last(t), "/client/register", `{"clientName":"sesame","clientType":"public","scopes":["sso:account:access"]}`)

		_, err = c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "sesame", ClientType: "public", Scopes: []string{"s"},
			RedirectURIs: []string{"http://127.0.0.1:4321/oauth/callback"}, GrantTypes: []string{"authorization_code", "refresh_token"}, IssuerURL: "https://identitycenter.amazonaws.com/ssoins-1"})
		if err != nil {
			t.Fatal(err)
		}
		checkJSON(t, cp.last(t), "/client/register", `{"clientName":"sesame","clientType":"public","scopes":["s"],"redirectUris":["http://127.0.0.1:4321/oauth/callback"],`+
			`"grantTypes":["authorization_code","refresh_token"],"issuerUrl":"https://identitycenter.amazonaws.com/ssoins-1"}`)

		start, err := c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: "cid", ClientSecret: "csec", StartURL: "https://acme.awsapps.com/start"})
		if err != nil {
			t.Fatal(err)
		}
		if start.DeviceCode != "dc" || start.UserCode != "ABCD-EFGH" || start.VerificationURIComplete != "https://v?c" || start.Interval != 5 {
			t.Errorf("start %+v", start)
		}
		checkJSON(t, cp.last(t), "/device_authorization", `{"clientId":"cid","clientSecret":"csec","startUrl":"https://acme.awsapps.com/start"}`)

		tok, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: "cid", ClientSecret: "csec", GrantType: "urn:ietf:params:oauth:grant-type:device_code", DeviceCode: "dc"})
		if err != nil {
			t.Fatal(err)
		}
		if *tok != (awsapi.CreateTokenOutput{AccessToken: "aoa", TokenType: "Bearer", ExpiresIn: 28800, RefreshToken: "aor", IDToken: "idt"}) {
			t.Errorf("token %+v", tok)
		}
		checkJSON(t, cp.last(t), "/token", `{"clientId":"cid","clientSecret":"csec","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"dc"}`)

		_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: "cid", ClientSecret: "csec", GrantType: "authorization_code", Code: "code",
			RedirectURI: "http://127.0.0.1:4321/oauth/callback", CodeVerifier: "verifier", Scope: []string{"sso:account:access"}})
		if err != nil {
			t.Fatal(err)
		}
		checkJSON(t, cp.last(t), "/token", `{"clientId":"cid","clientSecret":"csec","grantType":"authorization_code","code":"code",`+
			`"scope":["sso:account:access"],"redirectUri":"http://127.0.0.1:4321/oauth/callback","codeVerifier":"verifier"}`)
		for _, r := range cp.all() {
			unsigned(t, r)
			if r.header.Get("x-amz-sso_bearer_token") != "" {
				t.Errorf("OIDC call %s carries a bearer token", r.path)
			}
		}
	})
	t.Run("portal", func(t *testing.T) {
		t.Parallel()
		c, cp := captureClient(t, "eu-west-1", func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/federation/credentials":
				_, _ = io.WriteString(w, `{"roleCredentials":{"accessKeyId":"ASIAX","secretAccessKey":"sk","sessionToken":"st","expiration":1767225600123}}`)
			case "/assignment/accounts":
				_, _ = io.WriteString(w, `{"accountList":[{"accountId":"123456789012","accountName":"dev","emailAddress":"dev@example.com"}]}`)
			case "/assignment/roles":
				_, _ = io.WriteString(w, `{"roleList":[{"roleName":"Admin","accountId":"123456789012"}]}`)
			}
		})
		ctx := t.Context()
		const token = "aoaTOKEN/with+special=chars"
		rc, err := c.GetRoleCredentials(ctx, token, "123456789012", "Admin Role&x")
		if err != nil {
			t.Fatal(err)
		}
		if *rc != (awsapi.RoleCredentials{AccessKeyID: "ASIAX", SecretAccessKey: "sk", SessionToken: "st", Expiration: 1767225600123}) ||
			!rc.Expires().Equal(time.Date(2026, 1, 1, 0, 0, 0, 123e6, time.UTC)) || rc.Expires().Location() != time.UTC {
			t.Errorf("credentials %+v expire %v", rc, rc.Expires())
		}
		r := cp.last(t)
		if r.method != http.MethodGet || r.path != "/federation/credentials" || r.query.Get("account_id") != "123456789012" || r.query.Get("role_name") != "Admin Role&x" || len(r.query) != 2 {
			t.Errorf("%s %s ?%s", r.method, r.path, r.query.Encode())
		}
		accounts, err := c.ListAccounts(ctx, token)
		if err != nil || len(accounts) != 1 || accounts[0] != (awsapi.Account{AccountID: "123456789012", AccountName: "dev", EmailAddress: "dev@example.com"}) {
			t.Errorf("accounts %v %v", accounts, err)
		}
		if r := cp.last(t); r.method != http.MethodGet || r.path != "/assignment/accounts" || r.query.Encode() != "max_result=100" {
			t.Errorf("%s %s ?%s", r.method, r.path, r.query.Encode())
		}
		roles, err := c.ListAccountRoles(ctx, token, "123456789012")
		if err != nil || len(roles) != 1 || roles[0] != (awsapi.AccountRole{RoleName: "Admin", AccountID: "123456789012"}) {
			t.Errorf("roles %v %v", roles, err)
		}
		if r := cp.last(t); r.method != http.MethodGet || r.path != "/assignment/roles" || r.query.Encode() != "account_id=123456789012&max_result=100" {
			t.Errorf("%s %s ?%s", r.method, r.path, r.query.Encode())
		}
		if err := c.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if r := cp.last(t); r.method != http.MethodPost || r.path != "/logout" || len(r.body) != 0 {
			t.Errorf("%s %s %q", r.method, r.path, r.body)
		}
		for _, r := range cp.all() {
			unsigned(t, r)
			if got := r.header.Get("x-amz-sso_bearer_token"); got != token {
				t.Errorf("%s carries x-amz-sso_bearer_token %q", r.path, got)
			}
		}
	})
}

func TestPortalPagination(t *testing.T) {
	t.Parallel()
	t.Run("follows next tokens", func(t *testing.T) {
		t.Parallel()
		c, cp := captureClient(t, "us-east-1", func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Query().Get("next_token") {
			case "":
				_, _ = io.WriteString(w, `{"nextToken":"p2/+=","accountList":[{"accountId":"1"},{"accountId":"2"}],"roleList":[{"roleName":"a"}]}`)
			case "p2/+=":
				_, _ = io.WriteString(w, `{"nextToken":"p3","accountList":[{"accountId":"3"}],"roleList":[{"roleName":"b"}]}`)
			case "p3":
				_, _ = io.WriteString(w, `{"accountList":[],"roleList":[{"roleName":"c"}]}`)
			default:
				w.WriteHeader(400)
			}
		})
		accounts, err := c.ListAccounts(t.Context(), "tok")
		if err != nil || len(accounts) != 3 || accounts[2].AccountID != "3" || len(cp.all()) != 3 {
			t.Errorf("%v %v after %d requests", accounts, err, len(cp.all()))
		}
		roles, err := c.ListAccountRoles(t.Context(), "tok", "123456789012")
		if err != nil || len(roles) != 3 || roles[2].RoleName != "c" || len(cp.all()) != 6 {
			t.Errorf("%v %v after %d requests", roles, err, len(cp.all()))
		}
		for _, r := range cp.all() {
			if r.query.Get("max_result") != "100" {
				t.Errorf("max_result %q", r.query.Get("max_result"))
			}
		}
	})
	t.Run("stops on a repeated token", func(t *testing.T) {
		t.Parallel()
		c, cp := captureClient(t, "us-east-1", answer(200, `{"nextToken":"same","accountList":[{"accountId":"1"}],"roleList":[{"roleName":"a"}]}`))
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // fail, not hang, should the guard go
		defer cancel()
		accounts, err := c.ListAccounts(ctx, "tok")
		if err != nil || len(accounts) != 2 || len(cp.all()) != 2 {
			t.Errorf("%v %v after %d requests", accounts, err, len(cp.all()))
		}
		roles, err := c.ListAccountRoles(ctx, "tok", "1")
		if err != nil || len(roles) != 2 || len(cp.all()) != 4 {
			t.Errorf("%v %v after %d requests", roles, err, len(cp.all()))
		}
	})
	t.Run("an error on a later page fails the list", func(t *testing.T) {
		t.Parallel()
		c, _ := captureClient(t, "us-east-1", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("next_token") == "" {
				_, _ = io.WriteString(w, `{"nextToken":"p2","accountList":[{"accountId":"1"}]}`)
				return
			}
			answer(401, `{"message":"expired"}`, "x-amzn-ErrorType", "UnauthorizedException")(w, r)
		})
		accounts, err := c.ListAccounts(t.Context(), "tok")
		if accounts != nil || awsapi.Code(err) != "UnauthorizedException" {
			t.Errorf("%v %v", accounts, err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		c, _ := captureClient(t, "us-east-1", answer(200, `{"accountList":[]}`))
		accounts, err := c.ListAccounts(t.Context(), "tok")
		if err != nil || len(accounts) != 0 {
			t.Errorf("%v %v", accounts, err)
		}
	})
}

// assumeOK answers an AssumeRole-like action with fixed credentials that
// expire at a time given with a zone offset.
func assumeOK(action string) http.HandlerFunc {
	return answer(200, `<?xml version="1.0" encoding="UTF-8"?>
<`+action+`Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <`+action+`Result>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secretkey</SecretAccessKey>
      <SessionToken>sessiontoken</SessionToken>
      <Expiration>2030-01-02T03:04:05+02:00</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/gha/run-1</Arn>
      <AssumedRoleId>AROAEXAMPLE:run-1</AssumedRoleId>
    </AssumedRoleUser>
    <SourceIdentity>alice</SourceIdentity>
    <PackedPolicySize>6</PackedPolicySize>
  </`+action+`Result>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</`+action+`Response>`, "Content-Type", "text/xml")
}

func checkAssumed(t testing.TB, out *awsapi.AssumedRole) {
	t.Helper()
	c := out.Credentials
	if c.AccessKeyID != "ASIAEXAMPLE" || c.SecretAccessKey != "secretkey" || c.SessionToken != "sessiontoken" ||
		!c.Expiration.Equal(time.Date(2030, 1, 2, 1, 4, 5, 0, time.UTC)) || c.Expiration.Location() != time.UTC {
		t.Errorf("credentials %+v", c)
	}
	if out.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/gha/run-1" || out.AssumedRoleUser.AssumedRoleID != "AROAEXAMPLE:run-1" || out.SourceIdentity != "alice" {
		t.Errorf("assumed %+v", out)
	}
}

func TestAssumeRoleForm(t *testing.T) {
	t.Parallel()
	c, cp := captureClient(t, "us-east-1", assumeOK("AssumeRole"))
	out, err := c.AssumeRole(t.Context(), testCreds, &awsapi.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	checkAssumed(t, out)
	form, _ := url.ParseQuery(string(cp.last(t).body))
	if want := "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&Version=2011-06-15"; form.Encode() != want {
		t.Errorf("minimal form %s", form.Encode())
	}
	tags := map[string]string{}
	for i := range 12 {
		tags[string(rune('a'+i))+"-key"] = strings.Repeat("v", i)
	}
	_, err = c.AssumeRole(t.Context(), testCreds, &awsapi.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s",
		SourceIdentity: "alice", ExternalID: "ext", Duration: 90*time.Minute + 500*time.Millisecond, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	form, _ = url.ParseQuery(string(cp.last(t).body))
	if form.Get("SourceIdentity") != "alice" || form.Get("ExternalId") != "ext" || form.Get("DurationSeconds") != "5400" {
		t.Errorf("form %s", form.Encode())
	}
	// Tags are numbered from 1 in key order; all of them, paired.
	for i := range 12 {
		n := string(rune('1' + i))
		if i >= 9 {
			n = "1" + string(rune('0'+i-9))
		}
		k, v := form.Get("Tags.member."+n+".Key"), form.Get("Tags.member."+n+".Value")
		if k != string(rune('a'+i))+"-key" || v != tags[k] {
			t.Errorf("tag %s: %q=%q", n, k, v)
		}
	}
	if form.Has("Tags.member.0.Key") || form.Has("Tags.member.13.Key") {
		t.Errorf("form %s", form.Encode())
	}
}

func TestGetCallerIdentityAnswer(t *testing.T) {
	t.Parallel()
	c, _ := captureClient(t, "us-east-1", answer(200, `<?xml version="1.0" encoding="UTF-8"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice</Arn>
    <UserId>AROAEXAMPLE:alice</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`))
	who, err := c.GetCallerIdentity(t.Context(), testCreds)
	if err != nil {
		t.Fatal(err)
	}
	if *who != (awsapi.CallerIdentity{Account: "123456789012", Arn: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice", UserID: "AROAEXAMPLE:alice"}) {
		t.Errorf("%+v", who)
	}
}

// checkJSON compares an OIDC request with the JSON body it should carry.
func checkJSON(t testing.TB, r captured, path, want string) {
	t.Helper()
	if r.method != http.MethodPost || r.path != path || r.header.Get("Content-Type") != "application/json" || len(r.query) != 0 {
		t.Errorf("%s %s ?%v %s", r.method, r.path, r.query, r.header.Get("Content-Type"))
	}
	var got, exp any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if string(g) != string(e) {
		t.Errorf("%s body\n got %s\nwant %s", path, g, e)
	}
}
