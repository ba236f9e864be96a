package org

import (
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/config"
)

func loadAcme(t *testing.T, profiles ...string) *Org {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Path: "../../examples/acme"})
	if err != nil {
		t.Fatal(err)
	}
	if d := Validate(cfg); len(d) != 0 {
		t.Fatalf("examples/acme must validate cleanly:\n%v", d)
	}
	o, d := Resolve(cfg, Options{Profiles: profiles})
	if d.HasErrors() {
		t.Fatal(d)
	}
	return o
}

func resolveYAML(t *testing.T, src string, profiles ...string) (*Org, string) {
	t.Helper()
	o, d := Resolve(config.LoadBytes("t.yaml", []byte(src)), Options{Profiles: profiles})
	return o, d.Error()
}

func TestAcmeAccounts(t *testing.T) {
	o := loadAcme(t)
	if len(o.Accounts) != 8 {
		t.Fatalf("%d accounts", len(o.Accounts))
	}
	a, _ := o.Account("plat-sandbox")
	if a.ID != "012345678901" || a.Tenant != "plat" || a.Stage != "sandbox" {
		t.Errorf("plat-sandbox = %+v", a)
	}
	root, _ := o.Account("core-root")
	if !root.Management {
		t.Error("core-root is the management account")
	}
}

// The widely copied versions of these sets have flaws (a "state" set that
// can write, a plan set that can reach a read-write role); the example
// must not repeat them.
func TestAcmeAvoidsKnownPermissionSetFlaws(t *testing.T) {
	o := loadAcme(t)
	sb := o.StateBackend
	for _, a := range o.Assignments {
		if a.Account == "core-root" && (a.PermissionSet == "AdministratorAccess" || a.PermissionSet == "TerraformApplyAccess") {
			t.Errorf("%s %s holds %s in the management account", a.PrincipalType, a.Principal, a.PermissionSet)
		}
	}
	for _, name := range []string{"TerraformStateAccess", "TerraformPlanAccess"} {
		ps, _ := o.PermissionSet(name)
		for _, s := range ps.InlinePolicy.Statement {
			if s.Effect != "Allow" {
				continue
			}
			for _, act := range s.Action {
				if act == "s3:PutObject" || act == "s3:DeleteObject" || strings.HasPrefix(act, "dynamodb:Put") {
					t.Errorf("%s allows %s", name, act)
				}
				if act == "sts:AssumeRole" {
					for _, r := range s.Resource {
						// Only the read-only state role and the read-only
						// CI planner roles.
						if r != sb.ReadOnlyRoleARN && r != "arn:aws:iam::*:role/acme-*-planner" {
							t.Errorf("%s may assume %s, not only read-only roles", name, r)
						}
					}
				}
			}
		}
	}
	ro, _ := o.PermissionSet("ReadOnlyAccess")
	denied := false
	for _, s := range ro.InlinePolicy.Statement {
		if s.Effect == "Deny" && strings.Contains(strings.Join(s.Resource, ","), sb.BucketARN+"/*") {
			denied = true
		}
	}
	if !denied {
		t.Error("ReadOnlyAccess (s3:Get*) must be denied the state objects")
	}
}

func TestAcmeExpandedAssignments(t *testing.T) {
	o := loadAcme(t)
	for i := 1; i < len(o.Assignments); i++ {
		a, b := o.Assignments[i-1], o.Assignments[i]
		if a.Account > b.Account || (a.Account == b.Account && a.PermissionSet > b.PermissionSet) {
			t.Fatalf("assignments not sorted at %d: %+v then %+v", i, a, b)
		}
		if a == b {
			t.Fatalf("duplicate assignment %+v", a)
		}
	}
	want := map[string]bool{
		"GROUP Developers plat-dev TerraformApplyAccess":         true,
		"GROUP Developers core-audit TerraformStateAccess":       true,
		"GROUP Billing core-root BillingAccess":                  true,
		"USER auditor@partner.example core-audit ReadOnlyAccess": true,
	}
	for _, a := range o.Assignments {
		delete(want, a.PrincipalType+" "+a.Principal+" "+a.Account+" "+a.PermissionSet)
	}
	if len(want) != 0 {
		t.Errorf("missing assignments: %v", want)
	}
}

func TestAcmeIdentities(t *testing.T) {
	o := loadAcme(t)
	id, ok := o.Identity("plat-dev/TerraformPlanAccess")
	if !ok || !id.Derived || id.AccountID != "666666666666" || id.Provider != ImplicitProvider || !id.Default {
		t.Fatalf("derived identity = %+v", id)
	}
	tf, _ := o.Identity("plat-dev/terraform")
	if tf.RoleARN != "arn:aws:iam::666666666666:role/acme-plat-dev-terraform" ||
		strings.Join(tf.Chain, " > ") != "identity-center > plat-dev/TerraformApplyAccess > plat-dev/terraform" ||
		tf.Duration.String() != "1h" {
		t.Errorf("chained identity = %+v", tf)
	}
	ci := loadAcme(t, "ci")
	tf, _ = ci.Identity("plat-dev/terraform")
	if tf.ViaProvider != "github-actions" || !tf.Default || len(ci.Identities) != 3 {
		t.Errorf("ci identity = %+v (%d visible)", tf, len(ci.Identities))
	}
	if ci.Profile.Login != "never" || ci.Profile.CredentialStore != "memory" {
		t.Errorf("ci settings = %+v", ci.Profile)
	}
}

func TestAcmeTrustPolicies(t *testing.T) {
	o := loadAcme(t)
	mr, _ := o.MachineRole("terraform")
	for _, in := range mr.Instances {
		if in.Account == "core-root" {
			t.Error("the terraform role must not exist in the management account")
		}
		js := string(in.TrustPolicy.JSON())
		for _, want := range []string{
			`"token.actions.githubusercontent.com:sub":"repo:acme/infrastructure:environment:apply"`,
			`"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"`,
			`"token.actions.githubusercontent.com:repository_id":"812345678"`,
			`AWSReservedSSO_TerraformApplyAccess_*`,
		} {
			if !strings.Contains(js, want) {
				t.Errorf("%s trust lacks %s:\n%s", in.Account, want, js)
			}
		}
		if strings.Contains(js, ":*\"") || strings.Contains(js, "pull_request") {
			t.Errorf("%s trust is too wide:\n%s", in.Account, js)
		}
	}
}

func TestProfilesNarrowAndMergeLeftToRight(t *testing.T) {
	all := loadAcme(t)
	dev := loadAcme(t, "developers")
	if len(dev.Identities) >= len(all.Identities) {
		t.Errorf("developers sees %d of %d identities", len(dev.Identities), len(all.Identities))
	}
	for _, id := range dev.Identities {
		if strings.HasSuffix(id.Name, "/AdministratorAccess") || strings.HasSuffix(id.Name, "/terraform") {
			t.Errorf("developers should not see %s", id.Name)
		}
	}
	both := loadAcme(t, "developers", "devops")
	if both.Profile.DefaultIdentity != "plat-dev/TerraformApplyAccess" || len(both.Profile.Names) != 2 {
		t.Errorf("later profile should win: %+v", both.Profile)
	}
}

func TestIdentityCycleIsReported(t *testing.T) {
	_, msg := resolveYAML(t, `
organization: {name: x}
accounts: {a-b: {id: "111111111111"}}
identities:
  one: {kind: aws/assume-role, via: three, role_arn: "arn:aws:iam::111111111111:role/r1"}
  two: {kind: aws/assume-role, via: one, role_arn: "arn:aws:iam::111111111111:role/r2"}
  three: {kind: aws/assume-role, via: two, role_arn: "arn:aws:iam::111111111111:role/r3"}
`)
	if !strings.Contains(msg, "t.yaml:5:3: identities form a cycle: one → three → two → one") {
		t.Errorf("cycle not reported:\n%s", msg)
	}
}

func TestVariablesInPolicies(t *testing.T) {
	o, msg := resolveYAML(t, `
organization: {name: x, namespace: acme, vars: {team: platform}}
accounts: {core-root: {id: "111111111111"}, plat-dev: {id: "222222222222"}}
permission_sets:
  P:
    inline_policy:
      statements:
        - effect: Allow
          actions: [s3:GetObject]
          resources: ["arn:{partition}:s3:::{namespace}-{team}/${aws:username}/*", "arn:aws:s3:::{account_id:plat-dev}"]
        - effect: Allow
          actions: [s3:GetObject]
          resources: ["arn:aws:s3:::{nope}"]
`)
	if !strings.Contains(msg, "t.yaml:11:11: unknown variable {nope}") {
		t.Errorf("unknown variable not reported:\n%s", msg)
	}
	got := o.permSets["P"].InlinePolicy.Statement[0].Resource
	if got[0] != "arn:aws:s3:::acme-platform/${aws:username}/*" || got[1] != "arn:aws:s3:::222222222222" {
		t.Errorf("expanded = %v", got)
	}
}

func TestSelectors(t *testing.T) {
	o, msg := resolveYAML(t, `
organization: {name: x, identity_center: {start_url: "https://x.awsapps.com/start", region: us-east-1}}
accounts:
  core-root: {id: "111111111111", ou: /core}
  plat-dev: {id: "222222222222", ou: /platform/nonprod, tags: {env: dev}}
  plat-prod: {id: "333333333333", ou: /platform/prod, tags: {env: prod}}
groups: {G: {}}
permission_sets: {P: {managed_policies: [ReadOnlyAccess]}}
assignments:
  - {group: G, accounts: {all: true, exclude: [core-*]}, permission_sets: [P]}
  - {group: G, accounts: {ous: [/platform]}, permission_sets: [P]}
  - {group: G, accounts: {tags: {env: prod}}, permission_sets: [P]}
  - {group: G, accounts: {stages: [nope]}, permission_sets: [P]}
`)
	if len(o.Assignments) != 2 {
		t.Errorf("want plat-dev and plat-prod once each, got %+v", o.Assignments)
	}
	if !strings.Contains(msg, "t.yaml:13:26: assignment of group G selects no accounts: nothing matches stages=nope") {
		t.Errorf("empty expansion not reported:\n%s", msg)
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "a/b", true}, {"plat-*", "plat-dev", true}, {"plat-*", "core-root", false},
		{"*/Terraform*", "plat-dev/TerraformApplyAccess", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*a*b", "xaxxb", true}, {"*a*b", "xaxxbc", false}, {"", "", true}, {"", "a", false},
	} {
		if got := Glob(tc.p, tc.s); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

// An external id is matched exactly, unless it is a pattern such as
// Spacelift's "<account>@*", which needs StringLike.
func TestExternalIDOperator(t *testing.T) {
	for ext, want := range map[string]string{
		"partner-1234":   `"StringEquals":{"sts:ExternalId":"partner-1234"}`,
		"012345678901@*": `"StringLike":{"sts:ExternalId":"012345678901@*"}`,
	} {
		o, msg := resolveYAML(t, `
organization: {name: T, namespace: t, management_account: core-root,
  identity_center: {start_url: "https://t.awsapps.com/start", region: us-east-1}}
accounts:
  core-root: {id: "111111111111"}
  plat-dev: {id: "222222222222"}
machine_roles:
  deployer:
    accounts: [plat-dev]
    managed_policies: [ReadOnlyAccess]
    trust:
      aws:
        - principals: ["333333333333"]
          external_id: "`+ext+`"
`)
		if o == nil || msg != "" {
			t.Fatalf("%s: %s", ext, msg)
		}
		mr, _ := o.MachineRole("deployer")
		if js := string(mr.Instances[0].TrustPolicy.JSON()); !strings.Contains(js, want) {
			t.Errorf("external_id %q: trust %s lacks %s", ext, js, want)
		}
	}
}
