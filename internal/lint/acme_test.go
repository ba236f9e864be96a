package lint

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// examples/acme is written to avoid the flaws of the well-known sets
// (the well-known flaws of these sets). It must lint without errors, and every
// warning it does produce is listed here with the reason it stays.
func TestAcme(t *testing.T) {
	root, err := filepath.Abs("../../examples/acme")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{Path: root})
	if err != nil {
		t.Fatal(err)
	}
	for _, profiles := range [][]string{nil, {"ci"}, {"developers"}, {"devops"}} {
		o, diags := org.Resolve(cfg, org.Options{Profiles: profiles})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		want := []string{
			// Managers keep a break-glass AdministratorAccess (2h
			// sessions) next to TerraformApplyAccess (AdministratorAccess
			// plus state access, 4h) everywhere but core-root. Both are
			// admin-equivalent, so the overlap is real: the example
			// accepts it to keep break-glass use visible as its own role
			// in CloudTrail. This is the C2 case the rule exists for.
			"assignments.yaml:10:44: warning: group Managers holds two admin-equivalent permission sets in 7 accounts (core-audit, core-auto, core-network and 4 more): " +
				"AdministratorAccess (managed policy AdministratorAccess) and TerraformApplyAccess (managed policy AdministratorAccess) [overlapping-admin-sets]",
		}
		var got []string
		// A fixed clock, before the auditor's access expires (2027-03-31).
		for _, f := range RunWith(o, Options{Config: cfg, Now: testNow}) {
			if f.Severity == Error {
				t.Errorf("profiles %v: error: %s", profiles, format(root, f))
			}
			got = append(got, format(root, f))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("profiles %v: examples/acme findings:\n%s\nwant:\n%s", profiles, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
