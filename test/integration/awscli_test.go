package integration

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	acmeStartURL = "https://acme.awsapps.com/start"
	platDevID    = "666666666666"
	applyRole    = "TerraformApplyAccess"
	// roleArnPart is in the caller identity of TerraformApplyAccess role
	// credentials, as at AWS: the permission set's role is AWSReservedSSO_<name>_<suffix>.
	roleArnPart = "assumed-role/AWSReservedSSO_TerraformApplyAccess_"
	cliTimeout  = 60 * time.Second
)

type callerIdentity struct {
	UserID  string `json:"UserId"`
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

func checkApplyIdentity(t *testing.T, who string, id callerIdentity) {
	t.Helper()
	if id.Account != platDevID || !strings.Contains(id.Arn, roleArnPart) || !strings.Contains(id.Arn, "::"+platDevID+":") {
		t.Fatalf("%s: caller identity %+v; want account %s and an Arn with %s", who, id, platDevID, roleArnPart)
	}
	t.Logf("%s: %s", who, id.Arn)
}

// TestAWSCLIv1 drives the sandbox with the AWS CLI v1 (botocore 1.4x),
// which honours AWS_ENDPOINT_URL: the device flow call by call, the
// portal, then STS with the role credentials (SigV4-verified), and a
// wrong secret.
func TestAWSCLIv1(t *testing.T) {
	requireIntegration(t)
	t.Parallel()
	aws, version := findAWSCLIv1(t)
	t.Logf("peer: %s (%s)", version, aws)

	home := t.TempDir()
	// v1 fetches any parameter value that starts with https:// (here
	// --start-url) unless cli_follow_urlparam is off.
	writeFile(t, filepath.Join(home, ".aws", "config"), "[default]\nregion = us-east-1\ncli_follow_urlparam = false\n")
	env := append(baseEnv(home), "AWS_ENDPOINT_URL="+shared.URL())
	run := func(args ...string) cliResult {
		t.Helper()
		return runCmd(t, cliTimeout, env, aws, append(args, "--output", "json")...)
	}

	var reg struct{ ClientID, ClientSecret string }
	decodeJSON(t, "register-client", run("sso-oidc", "register-client", "--client-name", "sesame-integration-v1", "--client-type", "public"), &reg)
	if reg.ClientID == "" || reg.ClientSecret == "" {
		t.Fatalf("register-client: %+v", reg)
	}

	var dev struct {
		DeviceCode, UserCode, VerificationURIComplete string
		Interval                                      int
	}
	decodeJSON(t, "start-device-authorization", run("sso-oidc", "start-device-authorization",
		"--client-id", reg.ClientID, "--client-secret", reg.ClientSecret, "--start-url", acmeStartURL), &dev)
	if dev.DeviceCode == "" || dev.UserCode == "" {
		t.Fatalf("start-device-authorization: %+v", dev)
	}

	// Auto-approved for alice: the first poll gets the token.
	var tok struct{ AccessToken, TokenType string }
	decodeJSON(t, "create-token", run("sso-oidc", "create-token", "--client-id", reg.ClientID, "--client-secret", reg.ClientSecret,
		"--grant-type", "urn:ietf:params:oauth:grant-type:device_code", "--device-code", dev.DeviceCode), &tok)
	if tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("create-token: %+v", tok)
	}

	var accounts struct {
		AccountList []struct{ AccountID, AccountName string } `json:"accountList"`
	}
	decodeJSON(t, "sso list-accounts", run("sso", "list-accounts", "--access-token", tok.AccessToken), &accounts)
	found := false
	for _, a := range accounts.AccountList {
		found = found || (a.AccountID == platDevID && a.AccountName == "plat-dev")
	}
	if !found {
		t.Fatalf("sso list-accounts for alice has no plat-dev (%s): %+v", platDevID, accounts.AccountList)
	}

	var rc struct {
		RoleCredentials struct {
			AccessKeyID, SecretAccessKey, SessionToken string
			Expiration                                 int64
		}
	}
	decodeJSON(t, "sso get-role-credentials", run("sso", "get-role-credentials", "--access-token", tok.AccessToken,
		"--account-id", platDevID, "--role-name", applyRole), &rc)
	c := rc.RoleCredentials
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" ||
		time.UnixMilli(c.Expiration).Before(time.Now()) {
		t.Fatalf("get-role-credentials: %+v", c)
	}

	credEnv := append(env[:len(env):len(env)], "AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SESSION_TOKEN="+c.SessionToken)
	var id callerIdentity
	r := runCmd(t, cliTimeout, append(credEnv, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey), aws, "sts", "get-caller-identity", "--output", "json")
	decodeJSON(t, "sts get-caller-identity", r, &id)
	checkApplyIdentity(t, "v1 sts get-caller-identity", id)

	// The sandbox verifies SigV4: a wrong secret is refused.
	r = runCmd(t, cliTimeout, append(credEnv, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey+"x"), aws, "sts", "get-caller-identity", "--output", "json")
	if r.Code == 0 || !strings.Contains(r.Stderr, "SignatureDoesNotMatch") {
		t.Fatalf("get-caller-identity with a wrong secret: exit %d, want non-zero with SignatureDoesNotMatch\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

// TestAWSCLIv2 drives the sandbox with Debian's AWS CLI v2 2.9.19 the way
// people use it: an sso-session profile, `aws sso login --no-browser`
// (auto-approved), then STS through the SSO credential provider, then
// `aws sso logout`. Every endpoint is redirected with AWS_DATA_PATH.
func TestAWSCLIv2(t *testing.T) {
	requireIntegration(t)
	t.Parallel()
	aws, version := findAWSCLIv2(t)
	t.Logf("peer: %s (%s)", version, aws)

	dataPath := t.TempDir()
	if err := writeDataPath(dataPath, botocoreDataRoots, map[string]string{
		"sts": shared.URL(), "sso": shared.URL(), "sso-oidc": shared.URL(),
	}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".aws", "config"), `[sso-session acme]
sso_start_url = `+acmeStartURL+`
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile plat-dev-apply]
sso_session = acme
sso_account_id = `+platDevID+`
sso_role_name = `+applyRole+`
region = us-east-1
output = json
`)
	env := append(baseEnv(home), "AWS_DATA_PATH="+dataPath)
	before := shared.stats(t)

	r := runCmd(t, 2*time.Minute, env, aws, "sso", "login", "--profile", "plat-dev-apply", "--no-browser")
	mustSucceed(t, "aws sso login", r)
	// Auto-approved, the CLI's first CreateToken attempt succeeds, so it
	// never prints the verification URL (botocore shows it only when
	// that attempt is pending).
	if !strings.Contains(r.Stdout, "Successfully logged into Start URL: "+acmeStartURL) {
		t.Errorf("aws sso login output:\n%s%s", r.Stdout, r.Stderr)
	}

	// The token cache: ~/.aws/sso/cache/sha1(<session name>).json.
	sum := sha1.Sum([]byte("acme"))
	tokenFile := filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
	var cached struct {
		StartURL, Region, AccessToken, ExpiresAt string
	}
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		entries, _ := os.ReadDir(filepath.Dir(tokenFile))
		t.Fatalf("token cache after sso login: %v (cache holds %v)", err, entries)
	}
	if err := json.Unmarshal(b, &cached); err != nil || cached.AccessToken == "" || cached.StartURL != acmeStartURL || cached.Region != "us-east-1" {
		t.Fatalf("token cache %s: %v\n%s", tokenFile, err, b)
	}

	var id callerIdentity
	decodeJSON(t, "aws sts get-caller-identity --profile plat-dev-apply",
		runCmd(t, cliTimeout, env, aws, "sts", "get-caller-identity", "--profile", "plat-dev-apply"), &id)
	checkApplyIdentity(t, "v2 sts get-caller-identity", id)

	after := shared.stats(t)
	for _, op := range []string{"RegisterClient", "StartDeviceAuthorization", "CreateToken", "GetRoleCredentials", "GetCallerIdentity"} {
		if after[op] <= before[op] {
			t.Errorf("/_sandbox/stats %s went from %d to %d during the v2 run; want it to grow", op, before[op], after[op])
		}
	}
	if after["GetRoleCredentials"] < 1 {
		t.Errorf("/_sandbox/stats GetRoleCredentials = %d, want >= 1", after["GetRoleCredentials"])
	}

	mustSucceed(t, "aws sso logout", runCmd(t, cliTimeout, env, aws, "sso", "logout"))
	if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
		t.Errorf("token cache %s after sso logout: %v; want it removed", tokenFile, err)
	}
	if n := shared.stats(t)["Logout"]; n <= before["Logout"] {
		t.Errorf("/_sandbox/stats Logout = %d after aws sso logout, want > %d", n, before["Logout"])
	}
	// Without the token (and with the role credentials cache cleared by
	// logout) the profile no longer works.
	r = runCmd(t, cliTimeout, env, aws, "sts", "get-caller-identity", "--profile", "plat-dev-apply")
	if r.Code == 0 {
		t.Errorf("get-caller-identity after sso logout succeeded:\n%s", r.Stdout)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
