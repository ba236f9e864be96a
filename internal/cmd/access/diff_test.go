package access

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
)

// copyDir copies the regular files of src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if de.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// edit replaces old with new in file, which must contain old.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// change gives Developers TerraformApplyAccess in staging and prod and
// drops the Billing assignment.
func change(t *testing.T, dir string) {
	t.Helper()
	f := filepath.Join(dir, "assignments.yaml")
	edit(t, f, "accounts: {tenants: [plat], stages: [staging, prod]}\n    permission_sets: [TerraformPlanAccess, ReadOnlyAccess]",
		"accounts: {tenants: [plat], stages: [staging, prod]}\n    permission_sets: [TerraformPlanAccess, ReadOnlyAccess, TerraformApplyAccess]")
	edit(t, f, "  - group: Billing\n    accounts: [core-root]\n    permission_sets: [BillingAccess]\n", "")
}

// currentConfig loads path as the Factory would for --config path.
func currentConfig(path string) func() (*config.Config, error) {
	return func() (*config.Config, error) { return config.Load(config.LoadOptions{Path: path}) }
}

func runDiffWith(t *testing.T, opts DiffOptions) (string, string, error) {
	t.Helper()
	io, out, errOut := streams()
	opts.IO = io
	if opts.Git == "" {
		opts.Git = "git"
	}
	if opts.Format == "" {
		opts.Format = "table"
	}
	err := runDiff(t.Context(), &opts)
	return out.String(), errOut.String(), err
}

func TestDiffDirectories(t *testing.T) {
	abs, _ := filepath.Abs(acmePath)
	t.Chdir(t.TempDir())
	copyDir(t, abs, "before")
	copyDir(t, abs, "after")
	change(t, "after")

	out, errOut, err := runDiffWith(t, DiffOptions{Load: currentConfig("after"), Base: "before"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "diff.txt", []byte(out))
	if errOut != "base before, head after: 4 added, 1 removed, 0 level changes\n" {
		t.Errorf("stderr %q", errOut)
	}

	// --head names the changed directory; markdown for a pull request.
	out, _, err = runDiffWith(t, DiffOptions{Load: currentConfig("before"), Base: "before", Head: "after", Format: "markdown"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "diff.md", []byte(out))

	// --exit-code: 1 with differences, 0 without.
	_, _, err = runDiffWith(t, DiffOptions{Load: currentConfig("after"), Base: "before", ExitCode: true})
	if exitCode(err) != 1 {
		t.Errorf("--exit-code with differences: %v", err)
	}
	out, errOut, err = runDiffWith(t, DiffOptions{Load: currentConfig("before"), Base: "before", ExitCode: true})
	if err != nil || out != "" || errOut != "base before, head before: no access changes\n" {
		t.Errorf("no differences: %v, %q, %q", err, out, errOut)
	}
	out, _, _ = runDiffWith(t, DiffOptions{Load: currentConfig("before"), Base: "before", Format: "markdown"})
	if !strings.Contains(out, "**no access changes**") {
		t.Errorf("markdown without differences:\n%s", out)
	}
}

// A base directory holding the head configuration's relative path (a
// second checkout) is read at that path.
func TestDiffBaseCheckout(t *testing.T) {
	abs, _ := filepath.Abs(acmePath)
	t.Chdir(t.TempDir())
	copyDir(t, abs, filepath.Join("work", "org"))
	copyDir(t, abs, filepath.Join("main-checkout", "org"))
	change(t, filepath.Join("work", "org"))
	t.Chdir("work")
	out, errOut, err := runDiffWith(t, DiffOptions{Load: currentConfig("org"), Base: "../main-checkout"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "../main-checkout/org/assignments.yaml:36:5") || !strings.HasPrefix(errOut, "base ../main-checkout/org, head org: 4 added, 1 removed") {
		t.Errorf("stdout:\n%s\nstderr %q", out, errOut)
	}
}

func TestDiffBaseErrors(t *testing.T) {
	abs, _ := filepath.Abs(acmePath)
	t.Chdir(t.TempDir())
	copyDir(t, abs, "org")
	copyDir(t, abs, "broken")
	edit(t, filepath.Join("broken", "assignments.yaml"), "permission_sets: [BillingAccess]", "permission_sets: [BilingAccess]")
	// A base with errors reports them, naming the base.
	_, _, err := runDiffWith(t, DiffOptions{Load: currentConfig("org"), Base: "broken"})
	var ce *cmdutil.ConfigError
	if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "base broken: the configuration has 1 error") ||
		!strings.Contains(ce.Diags.Error(), `broken/assignments.yaml:38:23: unknown permission set "BilingAccess"`) {
		t.Errorf("%v", err)
	}
	// Not a directory, and not in a git repository.
	_, _, err = runDiffWith(t, DiffOptions{Load: currentConfig("org"), Base: "main"})
	if !isUsage(err) || !strings.Contains(err.Error(), `"main" is not a directory, and the configuration org is not in a git repository`) {
		t.Errorf("%v", err)
	}
	_, _, err = runDiffWith(t, DiffOptions{Load: currentConfig("org"), Base: "main", Git: "no-such-git-binary"})
	if !isUsage(err) || !strings.Contains(err.Error(), "git is not installed") {
		t.Errorf("%v", err)
	}
}

// git runs git in dir for a test, with a fixed identity.
func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=sesame test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
}

func TestDiffGitRevision(t *testing.T) {
	needGit(t)
	abs, _ := filepath.Abs(acmePath)
	repo := t.TempDir()
	t.Chdir(repo)
	gitIn(t, repo, "init", "-q")
	copyDir(t, abs, filepath.Join("config", "acme"))
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "base")
	change(t, filepath.Join("config", "acme"))

	// The working tree against the last commit.
	out, errOut, err := runDiffWith(t, DiffOptions{Load: currentConfig("config/acme"), Base: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(errOut, "base HEAD (config/acme), head config/acme: 4 added, 1 removed, 0 level changes") {
		t.Errorf("stderr %q", errOut)
	}
	// Removed grants point into the revision, added ones into the tree.
	for _, want := range []string{
		"-  group:Billing     core-root     BillingAccess                            billing  HEAD:config/acme/assignments.yaml:36:5",
		"+  group:Developers  plat-prod     TerraformApplyAccess                     write    config/acme/assignments.yaml:28:5",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// The copy is gone afterwards.
	if m, _ := filepath.Glob(filepath.Join(os.TempDir(), "sesame-access-diff-*", "config")); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}

	// Commit the change: HEAD~1 against HEAD, both read from git, from
	// another directory.
	gitIn(t, repo, "commit", "-q", "-am", "developers apply in prod")
	t.Chdir(filepath.Join(repo, "config"))
	_, errOut, err = runDiffWith(t, DiffOptions{Load: currentConfig("acme"), Base: "HEAD~1", Head: "HEAD", ExitCode: true})
	if exitCode(err) != 1 || !strings.HasPrefix(errOut, "base HEAD~1 (config/acme), head HEAD (config/acme): 4 added, 1 removed") {
		t.Errorf("%v, stderr %q", err, errOut)
	}
	_, errOut, err = runDiffWith(t, DiffOptions{Load: currentConfig("acme"), Base: "HEAD", ExitCode: true})
	if err != nil || !strings.HasSuffix(errOut, "no access changes\n") {
		t.Errorf("clean tree: %v, %q", err, errOut)
	}

	for _, tc := range []struct{ base, want string }{
		{"no-such-branch", `"no-such-branch" is not a directory or a revision of the git repository`},
		{"-x", `"-x" is not a directory or a git revision`},
	} {
		_, _, err := runDiffWith(t, DiffOptions{Load: currentConfig("acme"), Base: tc.base})
		if !isUsage(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.base, err)
		}
	}
}

// A single-file configuration names a policy file beside it: the copy at
// the revision gets it too. A configuration that did not exist at the
// revision is an error that says so.
func TestDiffGitSingleFile(t *testing.T) {
	needGit(t)
	repo := t.TempDir()
	t.Chdir(repo)
	gitIn(t, repo, "init", "-q")
	const yaml = `organization:
  name: One
  identity_center: {start_url: "https://one.awsapps.com/start", region: us-east-1}
accounts:
  app-dev: {id: "100000000001"}
groups:
  Devs: {}
permission_sets:
  Read:
    access_level: read
    inline_policy: {file: policies/read.json}
assignments:
  - {group: Devs, accounts: all, permission_sets: [Read]}
`
	policy := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`
	if err := os.MkdirAll("policies", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("policies", "read.json"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("sesame.yaml", []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "one")
	edit(t, filepath.Join("policies", "read.json"), `"s3:GetObject"`, `["s3:GetObject", "s3:PutObject"]`)

	out, errOut, err := runDiffWith(t, DiffOptions{Load: currentConfig("sesame.yaml"), Base: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "permission set Read  inline policy  1") || !strings.HasSuffix(errOut, "0 added, 0 removed, 0 level changes, 1 definition changed\n") {
		t.Errorf("stdout:\n%s\nstderr %q", out, errOut)
	}

	if err := os.MkdirAll("next", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("next", "sesame.yaml"), []byte(strings.Replace(yaml, "policies/", "../policies/", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runDiffWith(t, DiffOptions{Load: currentConfig("next"), Base: "HEAD"})
	if !isUsage(err) || !strings.Contains(err.Error(), "next does not exist at revision HEAD") {
		t.Errorf("%v", err)
	}
}

// A base revision with errors reports them at REV:path positions.
func TestDiffGitBrokenBase(t *testing.T) {
	needGit(t)
	abs, _ := filepath.Abs(acmePath)
	repo := t.TempDir()
	t.Chdir(repo)
	gitIn(t, repo, "init", "-q")
	copyDir(t, abs, "acme")
	edit(t, filepath.Join("acme", "assignments.yaml"), "permission_sets: [BillingAccess]", "permission_sets: [BilingAccess]")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "broken")
	edit(t, filepath.Join("acme", "assignments.yaml"), "permission_sets: [BilingAccess]", "permission_sets: [BillingAccess]")
	_, _, err := runDiffWith(t, DiffOptions{Load: currentConfig("acme"), Base: "HEAD"})
	var ce *cmdutil.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(ce.Diags.Error(), `HEAD:acme/assignments.yaml:38:23: unknown permission set "BilingAccess"`) {
		t.Errorf("%v", err)
	}
}

func TestDiffFlags(t *testing.T) {
	io, _, _ := streams()
	f := &cmdutil.Factory{IO: io, Globals: &cmdutil.GlobalOptions{}}
	var got *DiffOptions
	cmd := NewDiffCmd(f, func(o *DiffOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--base", "origin/main", "--head", "dir", "--format", "markdown", "--exit-code"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Base != "origin/main" || got.Head != "dir" || got.Format != "markdown" || !got.ExitCode || got.Git != "git" {
		t.Errorf("options %+v", got)
	}
	for _, args := range [][]string{{}, {"--base", "x", "--format", "csv"}} {
		cmd := NewDiffCmd(f, func(*DiffOptions) error { return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); !isUsage(err) {
			t.Errorf("%q: %v", args, err)
		}
	}
}
