package access

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestGrantsAcme(t *testing.T) {
	o, _ := loadAcme(t)
	gs := Grants(o)
	if !sort.SliceIsSorted(gs, func(i, j int) bool { return Less(gs[i], gs[j]) }) {
		t.Error("grants are not sorted")
	}
	// Every assignment is a permission-set grant.
	if n := len(find(gs, Grant{AccessType: AccessPermissionSet})); n != len(o.Assignments) {
		t.Errorf("%d permission-set grants, want one per assignment (%d)", n, len(o.Assignments))
	}
	// Developers apply in plat-dev, and chain into the terraform role there
	// through TerraformApplyAccess, from the same assignment entry.
	set := find(gs, Grant{Principal: "Developers", Account: "plat-dev", Access: "TerraformApplyAccess"})
	role := find(gs, Grant{Principal: "Developers", Account: "plat-dev", AccessType: AccessRole, Access: "terraform"})
	if len(set) != 1 || len(role) != 1 {
		t.Fatalf("Developers in plat-dev:\n%s", keys(find(gs, Grant{Principal: "Developers", Account: "plat-dev"})))
	}
	r := role[0]
	if r.Via != "TerraformApplyAccess" || r.AccessLevel != "write" || r.Source != set[0].Source ||
		r.RoleARN != "arn:aws:iam::666666666666:role/acme-plat-dev-terraform" || r.PrincipalType != TypeGroup {
		t.Errorf("chained role grant = %+v (set grant %+v)", r, set[0])
	}
	if !strings.HasSuffix(r.Source.String(), "assignments.yaml:25:5") {
		t.Errorf("source %s, want the Developers assignment entry", r.Source)
	}
	// Developers only plan in prod: the planner role, not terraform.
	if got := find(gs, Grant{Principal: "Developers", Account: "plat-prod", AccessType: AccessRole}); len(got) != 1 || got[0].Access != "planner" {
		t.Errorf("Developers roles in plat-prod:\n%s", keys(got))
	}
	// Nobody reaches terraform in core-root: the role is not created there.
	if got := find(gs, Grant{Account: "core-root", Access: "terraform"}); len(got) != 0 {
		t.Errorf("terraform in core-root:\n%s", keys(got))
	}
	// The CI sources: one principal per GitHub subject.
	apply := find(gs, Grant{PrincipalType: TypeGitHub, Principal: "acme/infrastructure (environment apply)"})
	if len(apply) != 7 || apply[0].Access != "terraform" || apply[0].Via != "" {
		t.Errorf("environment apply:\n%s", keys(apply))
	}
	if got := find(gs, Grant{PrincipalType: TypeGitHub, Principal: "acme/infrastructure (pull requests)", Access: "planner"}); len(got) != 8 {
		t.Errorf("pull requests reach planner in %d accounts, want 8", len(got))
	}
	// The user's direct assignment.
	if got := find(gs, Grant{PrincipalType: TypeUser}); len(got) != 1 || got[0].Account != "core-audit" || got[0].Access != "ReadOnlyAccess" {
		t.Errorf("user grants:\n%s", keys(got))
	}
	if !reflect.DeepEqual(gs, Grants(o)) {
		t.Error("Grants is not deterministic")
	}
}

func TestGrantsChaining(t *testing.T) {
	o, _ := resolveYAML(t, small)
	gs := Grants(o)
	// Ops holds Deploy and Plan everywhere, both trusted: two ways into
	// deployer in each account.
	for _, acct := range []string{"app-dev", "app-prod"} {
		got := find(gs, Grant{Principal: "Ops", Account: acct, AccessType: AccessRole})
		if len(got) != 2 || got[0].Via != "Deploy" || got[1].Via != "Plan" {
			t.Errorf("Ops in %s:\n%s", acct, keys(got))
		}
	}
	// Devs hold Deploy only in app-dev; Read is not trusted, so there is
	// no role for them in app-prod.
	if got := find(gs, Grant{Principal: "Devs", AccessType: AccessRole}); len(got) != 1 || got[0].Account != "app-dev" || got[0].Via != "Deploy" {
		t.Errorf("Devs roles:\n%s", keys(got))
	}
	// A user chains like a group.
	if got := find(gs, Grant{PrincipalType: TypeUser, AccessType: AccessRole}); len(got) != 1 || got[0].Account != "app-prod" || got[0].Via != "Plan" {
		t.Errorf("user roles:\n%s", keys(got))
	}
	// Principal order: groups, users, then GitHub, OIDC, SAML, AWS.
	var order []string
	for _, g := range gs {
		if len(order) == 0 || order[len(order)-1] != g.Key() {
			order = append(order, g.Key())
		}
	}
	want := []string{
		"group:Devs", "group:Ops", "user:jane@example.com",
		"github:small/app (branch main)", "github:small/app (environment prod)", "github:small/app (tag v*)",
		"oidc:ci.example.com (project:app:ref:main)", "saml:corp-idp", "aws:arn:aws:iam::999999999999:role/ci",
	}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("principals:\n got %q\nwant %q", order, want)
	}
}

func TestTrustPrincipals(t *testing.T) {
	o, _ := resolveYAML(t, small)
	mr, _ := o.MachineRole("deployer")
	var got []string
	for _, tp := range TrustPrincipals(mr.Trust) {
		got = append(got, tp.Type+" | "+tp.Name+" | "+tp.Statement)
	}
	want := []string{
		"github | small/app (branch main) | trust.github: small/app, branches: main",
		"github | small/app (tag v*) | trust.github: small/app, tags: v*",
		"github | small/app (environment prod) | trust.github: small/app, environments: prod",
		"oidc | ci.example.com (project:app:ref:main) | trust.oidc: https://ci.example.com, subject project:app:ref:main, audiences sts.amazonaws.com",
		"saml | corp-idp | trust.saml: provider corp-idp, audience https://signin.aws.amazon.com/saml",
		"aws | arn:aws:iam::999999999999:role/ci | trust.aws: arn:aws:iam::999999999999:role/ci with external_id xyz",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trust principals:\n got %q\nwant %q", got, want)
	}
}

func TestGithubSubject(t *testing.T) {
	for _, tc := range []struct{ in, field, value, label string }{
		{"ref:refs/heads/main", "branches", "main", "branch main"},
		{"ref:refs/tags/v1.*", "tags", "v1.*", "tag v1.*"},
		{"environment:apply", "environments", "apply", "environment apply"},
		{"pull_request", "pull_requests", "", "pull requests"},
		{"job_workflow_ref:x", "subject", "job_workflow_ref:x", "job_workflow_ref:x"},
	} {
		f, v, l := githubSubject(tc.in)
		if f != tc.field || v != tc.value || l != tc.label {
			t.Errorf("githubSubject(%q) = %q, %q, %q", tc.in, f, v, l)
		}
	}
}

func TestAccessLabel(t *testing.T) {
	for _, tc := range []struct {
		g    Grant
		want string
	}{
		{Grant{AccessType: AccessPermissionSet, Access: "Read"}, "Read"},
		{Grant{AccessType: AccessRole, Access: "deployer", Via: "Deploy"}, "role deployer via Deploy"},
		{Grant{AccessType: AccessRole, Access: "deployer"}, "role deployer"},
	} {
		if got := tc.g.AccessLabel(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.g, got, tc.want)
		}
	}
}
