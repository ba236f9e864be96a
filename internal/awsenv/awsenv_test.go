package awsenv

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

var sample = Values{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "se'cret$x", SessionToken: "tok en",
	Expiration: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC), Region: "us-east-1", Identity: "plat-dev/TerraformApplyAccess", AccountID: "666666666666"}

func TestEnvironClearsInheritedCredentials(t *testing.T) {
	env := sample.Environ([]string{"PATH=/bin", "AWS_PROFILE=other", "AWS_ACCESS_KEY_ID=OLD", "AWS_WEB_IDENTITY_TOKEN_FILE=/x", "AWS_REGION=eu-west-1", "HOME=/h"})
	joined := strings.Join(env, "\n")
	for _, gone := range []string{"AWS_PROFILE=", "AWS_ACCESS_KEY_ID=OLD", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION=eu-west-1"} {
		if strings.Contains(joined, gone) {
			t.Errorf("%s survived", gone)
		}
	}
	for _, want := range []string{"PATH=/bin", "HOME=/h", "AWS_ACCESS_KEY_ID=ASIAEXAMPLE", "AWS_CREDENTIAL_EXPIRATION=2026-01-01T10:00:00Z",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "SESAME_IDENTITY=plat-dev/TerraformApplyAccess"} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// The bash output, evaluated by a real shell, sets exactly the values.
func TestBashRoundTrip(t *testing.T) {
	out, err := Format(sample, "bash")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", out+`printf '%s|%s|%s|%s' "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "${AWS_PROFILE-unset}" "$AWS_CREDENTIAL_EXPIRATION"`)
	cmd.Env = []string{"AWS_PROFILE=stale", "PATH=" + os.Getenv("PATH")}
	got, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "se'cret$x|tok en|unset|2026-01-01T10:00:00Z" {
		t.Errorf("got %q", got)
	}
}

func TestFormats(t *testing.T) {
	for format, want := range map[string]string{
		"fish":           "set -gx AWS_SESSION_TOKEN 'tok en'",
		"powershell":     "$Env:AWS_SECRET_ACCESS_KEY = 'se''cret$x'",
		"dotenv":         `AWS_SECRET_ACCESS_KEY="se'cret\$x"`,
		"github-actions": "::add-mask::tok en",
	} {
		out, err := Format(sample, format)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("%s: %v\n%s", format, err, out)
		}
	}
	out, _ := Format(sample, "json")
	var m map[string]string
	if err := json.Unmarshal([]byte(out), &m); err != nil || m["AWS_SESSION_TOKEN"] != "tok en" {
		t.Errorf("json: %v %v", err, m)
	}
	if _, err := Format(sample, "cmd"); err == nil {
		t.Error("unknown format accepted")
	}
}

// Process writes by hand what encoding/json would write for ProcessOutput,
// byte for byte, whatever the strings hold.
func TestProcessMatchesEncodingJSON(t *testing.T) {
	for _, v := range []Values{
		sample,
		{AccessKeyID: "AKIA", SecretAccessKey: "s"},
		{AccessKeyID: "a\"b\\c", SecretAccessKey: "<&>\u2028\x00\xff", SessionToken: "tok\nen", AccountID: "012345678901",
			Expiration: time.Date(2026, 1, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))},
	} {
		p := ProcessOutput{Version: 1, AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey,
			SessionToken: v.SessionToken, AccountID: v.AccountID}
		if !v.Expiration.IsZero() {
			p.Expiration = v.Expiration.UTC().Format(time.RFC3339)
		}
		want, _ := json.Marshal(p)
		if got := Process(v); string(got) != string(want)+"\n" {
			t.Errorf("Process(%#v)\n got %s\nwant %s", v, got, want)
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add("AKIA", "secret", "token", "666666666666")
	f.Fuzz(func(t *testing.T, key, secret, token, account string) {
		v := Values{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token, AccountID: account}
		want, _ := json.Marshal(ProcessOutput{Version: 1, AccessKeyID: key, SecretAccessKey: secret, SessionToken: token, AccountID: account})
		if got := Process(v); string(got) != string(want)+"\n" {
			t.Errorf("got %s\nwant %s", got, want)
		}
	})
}

func TestProcessOutput(t *testing.T) {
	var p map[string]any
	if err := json.Unmarshal(Process(sample), &p); err != nil {
		t.Fatal(err)
	}
	if p["Version"] != float64(1) || p["Expiration"] != "2026-01-01T10:00:00Z" || p["AccountId"] != "666666666666" {
		t.Errorf("got %v", p)
	}
	static := Process(Values{AccessKeyID: "AKIA", SecretAccessKey: "s"})
	if strings.Contains(string(static), "Expiration") || strings.Contains(string(static), "SessionToken") {
		t.Errorf("static keys: %s", static)
	}
}
