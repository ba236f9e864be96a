package integration

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/awsfiles"
	"github.com/sesame-cli/sesame/internal/keycache"
)

// awsConfigUserProfile is what the user had in the AWS config file before
// sesame wrote its block; it must survive byte for byte.
const awsConfigUserProfile = "[profile mine]\nregion = eu-west-1\n"

// TestAWSConfigProfiles writes the profiles of `sesame aws-config --write`
// into an AWS config file that already holds a profile of the user's,
// then uses them with each AWS CLI: the CLI runs `sesame
// credential-process` itself (the child inherits the CLI's environment,
// so sesame reaches the sandbox through AWS_ENDPOINT_URL even under the v2
// CLI, which ignores that variable and is redirected with AWS_DATA_PATH).
// It checks a permission set and a chained role, that a second call is
// answered from sesame's cache (only the CLI's own GetCallerIdentity
// reaches the sandbox), and that an identity alice is not assigned fails
// through the CLI with sesame's access-denied message.
func TestAWSConfigProfiles(t *testing.T) {
	requireIntegration(t)
	t.Parallel()
	for _, tc := range []struct {
		name string
		find func(*testing.T) (string, string)
		v2   bool
	}{
		{"v1", findAWSCLIv1, false},
		{"v2", findAWSCLIv2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			aws, version := tc.find(t)
			t.Logf("peer: %s (%s)", version, aws)
			testAWSConfigProfiles(t, aws, tc.v2)
		})
	}
}

func testAWSConfigProfiles(t *testing.T, aws string, v2 bool) {
	// Its own sandbox, so /_sandbox/stats counts only this CLI's calls.
	sb := startSandboxT(t, "--auto-approve", "alice")
	acme := filepath.Join(repoRoot, "examples", "acme")

	dir := t.TempDir()
	home, cacheDir := filepath.Join(dir, "home"), filepath.Join(dir, "cache")
	awsConfig := filepath.Join(dir, "aws", "config")
	writeFile(t, awsConfig, awsConfigUserProfile)
	// The file store parks its unwrapped key in the user's kernel keyring
	// (internal/cmdutil.openStore); do not leave one per run behind.
	t.Cleanup(func() { keycache.System().Delete(awsConfigKeyDesc(filepath.Join(cacheDir, "store"))) })

	env := append(baseEnv(home),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"),
		"NO_COLOR=1",
		"AWS_CONFIG_FILE="+awsConfig,
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws", "credentials"),
		// For sesame, which the CLI starts: both CLIs pass their
		// environment on to credential_process.
		"AWS_ENDPOINT_URL="+sb.URL(),
		"SESAME_CACHE_DIR="+cacheDir,
		"SESAME_CREDENTIAL_STORE=file",
		"SESAME_FILE_PASSPHRASE=integration-"+rand.Text(),
	)
	if v2 {
		dataPath := filepath.Join(dir, "aws-data")
		if err := writeDataPath(dataPath, botocoreDataRoots, map[string]string{"sts": sb.URL()}); err != nil {
			t.Fatal(err)
		}
		env = append(env, "AWS_DATA_PATH="+dataPath)
	}
	sesame := func(args ...string) cliResult {
		t.Helper()
		return runCmd(t, cliTimeout, env, sesameBin, append([]string{"--config", acme}, args...)...)
	}
	awsCLI := func(args ...string) cliResult {
		t.Helper()
		return runCmd(t, cliTimeout, env, aws, append(args, "--output", "json")...)
	}

	// 1. Sign in (auto-approved) and write the profiles.
	mustSucceed(t, "sesame login --no-browser", sesame("login", "--no-browser"))
	r := sesame("aws-config", "--write")
	mustSucceed(t, "sesame aws-config --write", r)
	if !strings.Contains(r.Stderr, "wrote "+awsConfig+": ") {
		t.Errorf("sesame aws-config --write: stderr %q; want it to name %s", r.Stderr, awsConfig)
	}
	b, err := os.ReadFile(awsConfig)
	if err != nil {
		t.Fatal(err)
	}
	content := string(b)
	rest, ok := strings.CutPrefix(content, awsConfigUserProfile)
	if !ok || !strings.HasPrefix(rest, "\n"+awsfiles.BeginMarker+"\n") || !strings.HasSuffix(rest, awsfiles.EndMarker+"\n") {
		t.Fatalf("%s after --write: want the user's profile byte for byte, a blank line, then sesame's block; got:\n%s", awsConfig, content)
	}
	plan := awsConfigSection(t, content, "plat-dev/TerraformPlanAccess")
	wantCP := " --config " + acme + " credential-process --identity plat-dev/TerraformPlanAccess"
	if len(plan) != 2 || plan[0] != "credential_process = "+sesameBin+wantCP || plan[1] != "region = us-east-1" {
		t.Errorf("profile plat-dev/TerraformPlanAccess: %q; want credential_process = %s%s and region = us-east-1", plan, sesameBin, wantCP)
	}
	awsConfigSection(t, content, "plat-dev/terraform")
	awsConfigSection(t, content, "plat-prod/AdministratorAccess")

	// A second --write changes nothing.
	r = sesame("aws-config", "--write")
	mustSucceed(t, "second sesame aws-config --write", r)
	if b, err := os.ReadFile(awsConfig); err != nil || string(b) != content {
		t.Errorf("a second --write changed %s (%v); stderr %q", awsConfig, err, r.Stderr)
	}
	// The CLI still reads the user's profile.
	r = runCmd(t, cliTimeout, env, aws, "configure", "get", "region", "--profile", "mine")
	if mustSucceed(t, "aws configure get region --profile mine", r); strings.TrimSpace(r.Stdout) != "eu-west-1" {
		t.Errorf("aws configure get region --profile mine: %q, want eu-west-1", r.Stdout)
	}

	// 2. A permission set: the CLI runs sesame credential-process.
	before := sb.stats(t)
	var id callerIdentity
	decodeJSON(t, "aws sts get-caller-identity --profile plat-dev/TerraformPlanAccess",
		awsCLI("sts", "get-caller-identity", "--profile", "plat-dev/TerraformPlanAccess"), &id)
	awsConfigCheckArn(t, "plat-dev/TerraformPlanAccess", id, "assumed-role/AWSReservedSSO_TerraformPlanAccess_", "/alice")
	after := sb.stats(t)
	if after["GetRoleCredentials"] != before["GetRoleCredentials"]+1 {
		t.Errorf("GetRoleCredentials went from %d to %d; want one call, sesame's", before["GetRoleCredentials"], after["GetRoleCredentials"])
	}

	// 3. A role chained from TerraformApplyAccess.
	before = after
	decodeJSON(t, "aws sts get-caller-identity --profile plat-dev/terraform",
		awsCLI("sts", "get-caller-identity", "--profile", "plat-dev/terraform"), &id)
	awsConfigCheckArn(t, "plat-dev/terraform", id, "assumed-role/acme-plat-dev-terraform/alice", "")
	after = sb.stats(t)
	if after["AssumeRole"] != before["AssumeRole"]+1 {
		t.Errorf("AssumeRole went from %d to %d; want one call, sesame's", before["AssumeRole"], after["AssumeRole"])
	}

	// 4. Again: sesame answers from its cache, so only the CLI's own
	// GetCallerIdentity reaches the sandbox.
	for _, profile := range []string{"plat-dev/TerraformPlanAccess", "plat-dev/terraform"} {
		before = sb.stats(t)
		decodeJSON(t, "again: aws sts get-caller-identity --profile "+profile,
			awsCLI("sts", "get-caller-identity", "--profile", profile), &id)
		after = sb.stats(t)
		for _, op := range awsConfigStatOps(before, after) {
			want := before[op]
			if op == "GetCallerIdentity" {
				want++
			}
			if after[op] != want {
				t.Errorf("second call of %s: /_sandbox/stats %s went from %d to %d, want %d (before %v, after %v)",
					profile, op, before[op], after[op], want, before, after)
			}
		}
	}

	// 5. An identity alice is not assigned: the CLI fails with sesame's
	// message.
	r = awsCLI("sts", "get-caller-identity", "--profile", "plat-prod/AdministratorAccess")
	if r.Code == 0 || !strings.Contains(r.Stderr, "Error when retrieving credentials from custom-process") ||
		!strings.Contains(r.Stderr, "access denied") {
		t.Errorf("aws sts get-caller-identity --profile plat-prod/AdministratorAccess: exit %d; want non-zero with the credential process error and access denied\nstdout:\n%s\nstderr:\n%s",
			r.Code, r.Stdout, r.Stderr)
	}
	t.Logf("plat-prod/AdministratorAccess: %s", strings.TrimSpace(r.Stderr))
}

// awsConfigCheckArn checks a caller identity in plat-dev: its Arn starts
// with arn:aws:sts::666666666666: + prefix and ends with suffix.
func awsConfigCheckArn(t *testing.T, profile string, id callerIdentity, prefix, suffix string) {
	t.Helper()
	head := "arn:aws:sts::" + platDevID + ":" + prefix
	if id.Account != platDevID || !strings.HasPrefix(id.Arn, head) || !strings.HasSuffix(id.Arn, suffix) {
		t.Fatalf("profile %s: caller identity %+v; want an Arn %s…%s", profile, id, head, suffix)
	}
	t.Logf("profile %s: %s", profile, id.Arn)
}

// awsConfigSection returns the setting lines of [profile name] in content;
// the profile must be there exactly once.
func awsConfigSection(t *testing.T, content, name string) []string {
	t.Helper()
	lines := strings.Split(content, "\n")
	var out []string
	found := 0
	for i, l := range lines {
		if l != "[profile "+name+"]" {
			continue
		}
		found++
		for _, s := range lines[i+1:] {
			if s == "" || strings.HasPrefix(s, "[") || strings.HasPrefix(s, "#") {
				break
			}
			out = append(out, s)
		}
	}
	if found != 1 {
		t.Fatalf("[profile %s] appears %d times in the AWS config file, want once:\n%s", name, found, content)
	}
	return out
}

// awsConfigStatOps lists the operations counted in either snapshot.
func awsConfigStatOps(a, b map[string]int) []string {
	var ops []string
	for op := range a {
		ops = append(ops, op)
	}
	for op := range b {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return slices.Compact(ops)
}

// awsConfigKeyDesc is the kernel keyring description under which sesame
// parks the file store's key (internal/cmdutil.openStore).
func awsConfigKeyDesc(storeDir string) string {
	h := sha256.Sum256([]byte(storeDir))
	return "sesame:file-store:" + hex.EncodeToString(h[:12])
}
