package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func messages(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Error())
	}
	return out
}

func TestLoadDirectoryMergesByTopLevelKey(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.yaml":               "accounts:\n  core-root: {id: \"111111111111\"}\nassignments:\n  - {group: A, accounts: all, permission_sets: [X]}\n",
		"sub/b.yml":            "accounts:\n  plat-dev: {id: \"222222222222\"}\nassignments:\n  - {group: B, accounts: all, permission_sets: [X]}\n",
		".hidden/c.yaml":       "accounts: {nope: {id: \"1\"}}\n",
		"notes.txt":            "not yaml",
		"profiles/devops.yaml": "default_identity: plat-dev/X\n",
	})
	cfg, err := Load(LoadOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Diags) != 0 {
		t.Fatalf("unexpected diagnostics: %v", messages(cfg.Diags))
	}
	if len(cfg.File.Accounts) != 2 || cfg.File.Accounts["nope"] != nil {
		t.Errorf("accounts = %v", cfg.File.Accounts)
	}
	if len(cfg.File.Assignments) != 2 || cfg.File.Assignments[0].Group != "A" || cfg.File.Assignments[1].Group != "B" {
		t.Errorf("assignments not concatenated in file order: %+v", cfg.File.Assignments)
	}
	p := cfg.File.Profiles["devops"]
	if p == nil || p.DefaultIdentity != "plat-dev/X" {
		t.Fatalf("profile from profiles/devops.yaml missing: %+v", cfg.File.Profiles)
	}
	if got := PosOf(cfg.Index, &p.DefaultIdentity); got.File != filepath.Join(dir, "profiles/devops.yaml") || got.Line != 1 {
		t.Errorf("profile position = %v", got)
	}
	if len(cfg.Sources) != 3 {
		t.Errorf("sources = %v", cfg.Sources)
	}
}

func TestDuplicateNamesAcrossFilesCiteBothPlaces(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.yaml":           "accounts:\n  core-root: {id: \"111111111111\"}\norganization: {name: A}\n",
		"b.yaml":           "\naccounts:\n  core-root: {id: \"111111111111\"}\norganization: {name: B}\nprofiles: {ci: {}}\n",
		"profiles/ci.yaml": "login: never\n",
	})
	cfg, err := Load(LoadOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(messages(cfg.Diags), "\n")
	for _, want := range []string{
		filepath.Join(dir, "b.yaml") + `:3:3: account "core-root" is defined twice (first at ` + filepath.Join(dir, "a.yaml") + ":2:3)",
		filepath.Join(dir, "b.yaml") + ":4:15: organization is defined twice (first at " + filepath.Join(dir, "a.yaml") + ":3:15)",
		filepath.Join(dir, "profiles/ci.yaml") + `:1:1: profile "ci" is defined twice`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func TestDiscoveryOrder(t *testing.T) {
	dir := writeTree(t, map[string]string{"sesame/x.yaml": "accounts: {}\n", "user/sesame/u.yaml": "accounts: {}\n"})
	user := filepath.Join(dir, "user", "sesame")
	got, err := Discover(LoadOptions{WorkDir: dir, UserConfigDir: user})
	if err != nil || got != filepath.Join(dir, "sesame") {
		t.Errorf("got %q, %v; want the ./sesame directory", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sesame.yaml"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := Discover(LoadOptions{WorkDir: dir, UserConfigDir: user}); got != filepath.Join(dir, "sesame.yaml") {
		t.Errorf("./sesame.yaml should win, got %q", got)
	}
	empty := t.TempDir()
	if got, _ := Discover(LoadOptions{WorkDir: empty, UserConfigDir: user}); got != user {
		t.Errorf("user config dir should be last resort, got %q", got)
	}
	if _, err := Discover(LoadOptions{WorkDir: empty, UserConfigDir: filepath.Join(empty, "none")}); !errors.Is(err, ErrNoConfig) {
		t.Errorf("want ErrNoConfig, got %v", err)
	}
}

func TestStrictDecoding(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key suggests", "organization:\n  nmae: x\n", `t.yaml:2:3: unknown key "nmae"; did you mean "name"?`},
		{"unknown key lists", "organization:\n  zzzzzzzz: x\n", `valid keys: name, namespace`},
		{"integer account id", "accounts:\n  a-b: {id: 011111111111}\n", `t.yaml:2:13: account id 011111111111 is written as a number; quote it (id: "011111111111")`},
		{"short integer id padded", "accounts:\n  a-b: {id: 1234}\n", `quote it (id: "000000001234")`},
		{"list for map", "accounts: [a]\n", "t.yaml:1:11: expected a mapping of names, got a list"},
		{"bool for string list", "groups: {A: {description: [x]}}\n", "expected a string, got a list"},
		{"duration without unit", "permission_sets: {P: {session_duration: 4}}\n", "duration 4 has no unit"},
		{"bad duration", "permission_sets: {P: {session_duration: four}}\n", `"four" is not a duration`},
		{"duplicate key", "organization:\n  name: a\n  name: b\n", `t.yaml:3:3: key "name" is set twice in this mapping (first at line 2)`},
		{"syntax", "organization:\n  name: [a\n", "YAML syntax error"},
		{"two documents", "accounts: {}\n---\ngroups: {}\n", "t.yaml:3:1: a file holds one YAML document"},
		{"top level list", "- a\n", "a sesame configuration file is a mapping of top-level keys"},
		{"unknown alias", "groups: {A: *nope}\n", "unknown alias *nope"},
		{"custom tag", "groups: {A: !include x.yaml}\n", "unsupported YAML tag !include"},
		{"bad selector", "assignments: [{group: A, accounts: 3, permission_sets: [X]}]\n", "accounts expects all, a list of account names, or a selector mapping"},
		{"bad via", "identities: {x: {via: [a]}}\n", "via expects an identity or provider name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := LoadBytes("t.yaml", []byte(tc.yaml))
			got := strings.Join(messages(cfg.Diags), "\n")
			if !strings.Contains(got, tc.want) {
				t.Errorf("want %q in:\n%s", tc.want, got)
			}
		})
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	cfg := LoadBytes("t.yaml", []byte(`
permission_sets:
  Base: &base
    description: shared
    session_duration: PT4H
    managed_policies: [ReadOnlyAccess]
  Copy:
    <<: *base
    description: own
`))
	if len(cfg.Diags) != 0 {
		t.Fatalf("diagnostics: %v", messages(cfg.Diags))
	}
	c := cfg.File.PermissionSets["Copy"]
	if c.Description != "own" {
		t.Fatalf("description = %q", c.Description)
	}
	if c.SessionDuration.String() != "4h" || len(c.ManagedPolicies) != 1 {
		t.Errorf("merge key not applied: %+v", c)
	}
}

func TestDeepNestingIsAnErrorNotACrash(t *testing.T) {
	deep := "organization:\n  vars: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n"
	cfg := LoadBytes("t.yaml", []byte(deep))
	if !cfg.Diags.HasErrors() {
		t.Fatal("want an error")
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"stgae", "stage"}, {"tenat", "tenant"}, {"xyz", ""}, {"permission_set", "permission_sets"},
	} {
		if got := Suggest(tc.in, []string{"stage", "tenant", "permission_sets", "accounts"}); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"PT4H": "4h", "PT1H30M": "1h30m", "90m": "1h30m", "12h": "12h", "P1D": "24h"} {
		d, err := ParseDuration(in)
		if err != nil || FormatDuration(d) != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, FormatDuration(d), err, want)
		}
	}
	for _, bad := range []string{"P", "PT", "-1h", "4 hours", ""} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}
