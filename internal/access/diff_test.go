package access

import (
	"strings"
	"testing"
)

func TestCompareSame(t *testing.T) {
	base, _ := resolveYAML(t, small)
	head, _ := resolveYAML(t, small)
	d := Compare(base, head)
	if !d.Empty() {
		t.Errorf("same configuration differs: %+v", d)
	}
	// Empty lists, not null, in JSON.
	if d.Added == nil || d.Removed == nil || d.Changed == nil || d.Modified == nil {
		t.Error("nil lists")
	}
}

func TestCompare(t *testing.T) {
	base, _ := resolveYAML(t, small)
	head, _ := resolveYAML(t, strings.NewReplacer(
		// Devs gain Deploy in prod (and the chained role with it).
		"    accounts: {tags: {env: prod}}\n    permission_sets: [Read]",
		"    accounts: {tags: {env: prod}}\n    permission_sets: [Read, Deploy]",
		// jane loses her assignment.
		"  - user: jane@example.com\n    accounts: [app-prod]\n    permission_sets: [Plan]\n", "",
		// Plan becomes a write set (a level change for every holder).
		"Plan: {access_level: plan, managed_policies: [ReadOnlyAccess]}",
		"Plan: {access_level: write, managed_policies: [ReadOnlyAccess, AWSSupportAccess]}",
		// The role drops its tag trust and pins workflows.
		`          tags: ["v*"]`+"\n", `          workflows: ["small/app/.github/workflows/deploy.yaml@refs/heads/main"]`+"\n",
		// app-prod is renumbered: every grant there is another account now.
		`app-prod: {id: "100000000002"`, `app-prod: {id: "100000000003"`,
	).Replace(small))

	d := Compare(base, head)
	lines := func(gs []Grant) string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Key()+" "+g.Account+"/"+g.AccountID[len(g.AccountID)-1:]+" "+g.AccessLabel())
		}
		return strings.Join(out, "\n")
	}
	wantAdded := strings.Join([]string{
		"group:Devs app-prod/3 Deploy",
		"group:Devs app-prod/3 Read",
		"group:Devs app-prod/3 role deployer via Deploy",
		"group:Ops app-prod/3 Deploy",
		"group:Ops app-prod/3 Plan",
		"group:Ops app-prod/3 role deployer via Deploy",
		"group:Ops app-prod/3 role deployer via Plan",
		"github:small/app (branch main) app-prod/3 role deployer",
		"github:small/app (environment prod) app-prod/3 role deployer",
		"oidc:ci.example.com (project:app:ref:main) app-prod/3 role deployer",
		"saml:corp-idp app-prod/3 role deployer",
		"aws:arn:aws:iam::999999999999:role/ci app-prod/3 role deployer",
	}, "\n")
	if got := lines(d.Added); got != wantAdded {
		t.Errorf("added:\n%s\nwant:\n%s", got, wantAdded)
	}
	wantRemoved := strings.Join([]string{
		"group:Devs app-prod/2 Read",
		"group:Ops app-prod/2 Deploy",
		"group:Ops app-prod/2 Plan",
		"group:Ops app-prod/2 role deployer via Deploy",
		"group:Ops app-prod/2 role deployer via Plan",
		"user:jane@example.com app-prod/2 Plan",
		"user:jane@example.com app-prod/2 role deployer via Plan",
		"github:small/app (branch main) app-prod/2 role deployer",
		"github:small/app (environment prod) app-prod/2 role deployer",
		"github:small/app (tag v*) app-dev/1 role deployer",
		"github:small/app (tag v*) app-prod/2 role deployer",
		"oidc:ci.example.com (project:app:ref:main) app-prod/2 role deployer",
		"saml:corp-idp app-prod/2 role deployer",
		"aws:arn:aws:iam::999999999999:role/ci app-prod/2 role deployer",
	}, "\n")
	if got := lines(d.Removed); got != wantRemoved {
		t.Errorf("removed:\n%s\nwant:\n%s", got, wantRemoved)
	}
	if len(d.Changed) != 1 || d.Changed[0].Key() != "group:Ops" || d.Changed[0].Account != "app-dev" ||
		d.Changed[0].Access != "Plan" || d.Changed[0].From != "plan" || d.Changed[0].To != "write" {
		t.Errorf("changed %+v", d.Changed)
	}
	var defs []string
	for _, m := range d.Modified {
		defs = append(defs, m.Kind+" "+m.Name+": "+strings.Join(m.Changes, ", "))
	}
	want := "permission_set Plan: access level, managed policies\nrole deployer: trust"
	if got := strings.Join(defs, "\n"); got != want {
		t.Errorf("modified:\n%s\nwant:\n%s", got, want)
	}
	if d.Modified[0].Grants != 2 {
		t.Errorf("Plan has %d grants in head, want 2 (Ops in both accounts)", d.Modified[0].Grants)
	}
	// Sources: removed grants point into base, added ones into head.
	if d.Removed[len(d.Removed)-1].Source.Line != 30 || d.Added[0].Source.Line != 20 {
		t.Errorf("sources %s, %s", d.Removed[len(d.Removed)-1].Source, d.Added[0].Source)
	}
}

// A changed inline policy changes no grant, but every holder's access:
// the role is a modified definition.
func TestCompareRoleInline(t *testing.T) {
	const withInline = small + `    inline_policy:
      statements:
        - effect: Allow
          actions: [s3:GetObject]
          resources: ["arn:aws:s3:::{account}-bucket/*"]
`
	base, _ := resolveYAML(t, withInline)
	head, _ := resolveYAML(t, strings.Replace(withInline, "[s3:GetObject]", "[s3:GetObject, s3:PutObject]", 1))
	d := Compare(base, head)
	if len(d.Modified) != 1 || strings.Join(d.Modified[0].Changes, ",") != "inline policy" || len(d.Added)+len(d.Removed) != 0 {
		t.Errorf("diff %+v", d)
	}
}
