package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	rules "github.com/sesame-cli/sesame/internal/lint"
	"github.com/sesame-cli/sesame/internal/org"
)

// An organization with one error (admin in the management account) and
// one warning (a state set that writes state).
const flawed = `organization:
  name: Flawed
  management_account: core-root
  identity_center: {start_url: "https://flawed.awsapps.com/start", region: us-east-1}
  state_backend: {account: core-root, bucket: flawed-tfstate}
accounts:
  core-root: {id: "111111111111"}
groups:
  Admins: {}
permission_sets:
  Admin: {access_level: admin, managed_policies: [AdministratorAccess]}
  State:
    access_level: state
    inline_policy:
      statements:
        - effect: Allow
          actions: [s3:PutObject]
          resources: ["{state_bucket_arn}/*"]
assignments:
  - {group: Admins, accounts: all, permission_sets: [Admin, State]}
`

// The same organization without the admin assignment (and set): one
// warning.
var warnOnly = strings.NewReplacer(
	"permission_sets: [Admin, State]", "permission_sets: [State]",
	"  Admin: {access_level: admin, managed_policies: [AdministratorAccess]}\n", "",
).Replace(flawed)

// setup writes yaml to sesame.yaml in a temporary directory and returns
// options that lint it, with the output buffers.
func setup(t *testing.T, yaml, format string, strict bool) (*Options, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "sesame.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	io, _, out, errOut := iostreams.Test()
	return &Options{
		IO:   io,
		Load: func() (*config.Config, error) { return cfg, nil },
		Org: func() (*org.Org, error) {
			o, d := org.Resolve(cfg, org.Options{})
			if d.HasErrors() {
				return nil, &cmdutil.ConfigError{Diags: d}
			}
			return o, nil
		},
		Now:    func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) },
		Format: format,
		Strict: strict,
	}, out, errOut
}

func exitCode(err error) int {
	var s *cmdutil.SilentError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &s):
		return s.Code
	}
	return -1
}

func TestRunText(t *testing.T) {
	opts, out, errOut := setup(t, flawed, "text", false)
	err := run(opts)
	if code := exitCode(err); code != cmdutil.ExitFailure {
		t.Fatalf("exit %d (%v), want %d", code, err, cmdutil.ExitFailure)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 2 findings with a hint each, got:\n%s", out)
	}
	for i, want := range []string{
		"sesame.yaml:16:11: warning: permission set State has access_level state but statement 1 allows write actions on the Terraform state: s3:PutObject [access-level-mismatch]",
		"    hint: drop the write actions",
		"sesame.yaml:20:54: group Admins holds the admin-equivalent permission set Admin (managed policy AdministratorAccess) in the management account core-root",
		"    hint: assign admin and apply sets outside the management account",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d:\n got %s\nwant …%s…", i+1, lines[i], want)
		}
	}
	if !strings.HasSuffix(lines[2], "[admin-in-management-account]") {
		t.Errorf("the rule ends the line: %s", lines[2])
	}
	if got := errOut.String(); !strings.HasPrefix(got, "failed: ") || !strings.HasSuffix(got, ": 1 error, 1 warning\n") {
		t.Errorf("summary %q", got)
	}
}

func TestRunStrict(t *testing.T) {
	for _, tc := range []struct {
		strict bool
		code   int
		status string
	}{{false, 0, "passed: "}, {true, cmdutil.ExitFailure, "failed: "}} {
		opts, out, errOut := setup(t, warnOnly, "text", tc.strict)
		if code := exitCode(run(opts)); code != tc.code {
			t.Errorf("strict=%v: exit %d, want %d", tc.strict, code, tc.code)
		}
		if !strings.Contains(out.String(), "[access-level-mismatch]") {
			t.Errorf("strict=%v: the warning is printed either way:\n%s", tc.strict, out)
		}
		if !strings.HasPrefix(errOut.String(), tc.status) || !strings.HasSuffix(errOut.String(), ": 0 errors, 1 warning\n") {
			t.Errorf("strict=%v: summary %q", tc.strict, errOut)
		}
	}
}

func TestRunJSON(t *testing.T) {
	opts, out, _ := setup(t, flawed, "json", false)
	if code := exitCode(run(opts)); code != cmdutil.ExitFailure {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Passed   bool
		Errors   int
		Warnings int
		Findings []map[string]any
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Passed || got.Errors != 1 || got.Warnings != 1 || len(got.Findings) != 2 {
		t.Fatalf("got %+v", got)
	}
	f := got.Findings[1]
	for k, want := range map[string]any{"rule": "admin-in-management-account", "severity": "error", "line": 20.0, "col": 54.0, "subject": "group Admins"} {
		if f[k] != want {
			t.Errorf("%s = %v, want %v", k, f[k], want)
		}
	}
	if !strings.HasSuffix(f["file"].(string), "sesame.yaml") || !strings.HasPrefix(f["hint"].(string), "assign admin") || f["message"] == "" {
		t.Errorf("finding %v", f)
	}
}

// A configuration that does not validate is returned as the Org error
// (the app prints its diagnostics); nothing is linted.
func TestRunInvalid(t *testing.T) {
	opts, out, _ := setup(t, strings.Replace(flawed, "[Admin, State]", "[Admn]", 1), "text", false)
	var ce *cmdutil.ConfigError
	if err := run(opts); !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *ConfigError", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %s", out)
	}
}

func TestList(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	opts := &Options{IO: io, List: true, Format: "text",
		Load: func() (*config.Config, error) { t.Fatal("--list loaded the configuration"); return nil, nil }}
	if err := run(opts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(rules.Rules())+1 || !strings.HasPrefix(lines[0], "RULE") {
		t.Fatalf("want a header and one line per rule:\n%s", out)
	}
	for i, r := range rules.Rules() {
		if f := strings.Fields(lines[i+1]); f[0] != r.ID || f[1] != r.Severity || f[2] != r.Ref {
			t.Errorf("line %d: %s", i+2, lines[i+1])
		}
	}

	out.Reset()
	opts.Format = "json"
	if err := run(opts); err != nil {
		t.Fatal(err)
	}
	var got []rules.Rule
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != len(rules.Rules()) || got[0].ID == "" || got[0].Description == "" {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args      []string
		want      Options
		wantUsage bool
	}{
		{nil, Options{Format: "text"}, false},
		{[]string{"--format", "json", "--strict"}, Options{Format: "json", Strict: true}, false},
		{[]string{"--list"}, Options{Format: "text", List: true}, false},
		{[]string{"--format", "yaml"}, Options{}, true},
		{[]string{"extra"}, Options{}, true},
	}
	for _, tt := range tests {
		io, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmd(&cmdutil.Factory{IO: io, Globals: &cmdutil.GlobalOptions{}}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tt.wantUsage {
			if err == nil {
				t.Errorf("%v: want a usage error", tt.args)
			}
			continue
		}
		if err != nil || got == nil || got.Format != tt.want.Format || got.Strict != tt.want.Strict || got.List != tt.want.List {
			t.Errorf("%v: got %+v, %v", tt.args, got, err)
		}
		if got != nil && (got.Load == nil || got.Org == nil || got.Now == nil) {
			t.Errorf("%v: dependencies not wired", tt.args)
		}
	}
}
