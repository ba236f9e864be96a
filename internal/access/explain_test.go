package access

import (
	"errors"
	"strings"
	"testing"
)

func TestExplainPrincipalAcme(t *testing.T) {
	o, cfg := loadAcme(t)
	e, err := Explain(o, cfg, Query{Subject: "Developers", Account: "plat-dev"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject.Kind != SubjectPrincipal || e.Subject.Label() != "group Developers" || e.Missing != "" {
		t.Fatalf("subject %+v, missing %q", e.Subject, e.Missing)
	}
	var got []string
	for _, r := range e.Reasons {
		line := r.Account + " " + r.AccessLabel()
		if a := r.Assignment; a != nil {
			line += " | " + tail(a.Pos.String()) + " set at " + tail(a.PermissionSetPos.String()) + " " + a.Accounts + " (" + a.Matched + ")"
		}
		if tr := r.Trust; tr != nil {
			line += " | " + tail(tr.Pos.String()) + " " + tr.Statement
		}
		got = append(got, line)
	}
	want := []string{
		"plat-dev TerraformApplyAccess | assignments.yaml:25:5 set at assignments.yaml:27:23 [plat-sandbox, plat-dev] (named)",
		"plat-dev TerraformPlanAccess | assignments.yaml:25:5 set at assignments.yaml:27:45 [plat-sandbox, plat-dev] (named)",
		"plat-dev role planner via TerraformPlanAccess | assignments.yaml:25:5 set at assignments.yaml:27:45 [plat-sandbox, plat-dev] (named) | machine-roles.yaml:54:25 trust.permission_sets: TerraformPlanAccess",
		"plat-dev role terraform via TerraformApplyAccess | assignments.yaml:25:5 set at assignments.yaml:27:23 [plat-sandbox, plat-dev] (named) | machine-roles.yaml:30:25 trust.permission_sets: TerraformApplyAccess",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reasons:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A selector by tenant and stage says why the account matches.
	e, err = Explain(o, cfg, Query{Subject: "group:Developers", Account: "888888888888", PermissionSet: "ReadOnlyAccess"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Reasons) != 1 || e.Reasons[0].Account != "plat-prod" {
		t.Fatalf("reasons %+v", e.Reasons)
	}
	if a := e.Reasons[0].Assignment; a.Accounts != "{tenants: [plat], stages: [staging, prod]}" || a.Matched != "tenant plat, stage prod" {
		t.Errorf("selector %q, matched %q", a.Accounts, a.Matched)
	}
}

func TestExplainNoGrant(t *testing.T) {
	o, cfg := loadAcme(t)
	for _, tc := range []struct {
		q    Query
		want string
	}{
		{Query{Subject: "Developers", Account: "plat-prod", PermissionSet: "TerraformApplyAccess"},
			"group Developers holds no TerraformApplyAccess in plat-prod (it holds ReadOnlyAccess, TerraformPlanAccess there)"},
		{Query{Subject: "Billing", Account: "plat-dev", PermissionSet: "BillingAccess"},
			"group Billing holds no BillingAccess in plat-dev (it has no access there)"},
		{Query{Subject: "Billing", Account: "plat-dev"}, "group Billing has no access to plat-dev"},
		{Query{Subject: "auditor@partner.example", PermissionSet: "AdministratorAccess"}, "user auditor@partner.example holds AdministratorAccess in no account"},
		{Query{Subject: "core-root/AdministratorAccess"}, "nobody holds AdministratorAccess in core-root: no assignment gives it there"},
		{Query{Subject: "core-root/terraform"}, "machine role terraform is not created in core-root"},
		{Query{Subject: "plat-dev/terraform", Account: "plat-prod"}, "plat-dev/terraform is in plat-dev, not plat-prod"},
		{Query{Subject: "plat-dev/terraform", PermissionSet: "TerraformPlanAccess"},
			"identity plat-dev/terraform: nobody can assume role terraform in plat-dev from TerraformPlanAccess"},
	} {
		e, err := Explain(o, cfg, tc.q)
		if err != nil {
			t.Errorf("%+v: %v", tc.q, err)
			continue
		}
		if len(e.Reasons) != 0 || e.Missing != tc.want {
			t.Errorf("%+v:\n got %q (%d reasons)\nwant %q", tc.q, e.Missing, len(e.Reasons), tc.want)
		}
	}
}

func TestExplainIdentity(t *testing.T) {
	o, cfg := loadAcme(t)
	e, err := Explain(o, cfg, Query{Subject: "plat-dev/terraform"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Identity == nil || e.Identity.Kind != "aws/assume-role" || e.Identity.ViaIdentity != "plat-dev/TerraformApplyAccess" {
		t.Fatalf("identity %+v", e.Identity)
	}
	if s := e.Subject; s.Kind != SubjectIdentity || s.AccessType != AccessRole || s.RoleARN != "arn:aws:iam::666666666666:role/acme-plat-dev-terraform" {
		t.Errorf("subject %+v", s)
	}
	var got []string
	for _, r := range e.Reasons {
		got = append(got, r.Key()+" via="+r.Via+" trust="+tail(r.Trust.Pos.String())+" "+r.Trust.Kind)
	}
	want := []string{
		"group:DevOps via=TerraformApplyAccess trust=machine-roles.yaml:30:25 permission_sets",
		"group:Developers via=TerraformApplyAccess trust=machine-roles.yaml:30:25 permission_sets",
		"group:Managers via=TerraformApplyAccess trust=machine-roles.yaml:30:25 permission_sets",
		// the environment named in trust.github[0].environments
		"github:acme/infrastructure (environment apply) via= trust=machine-roles.yaml:28:26 github",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reasons:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The ci profile reaches the identity through GitHub; who reaches the
	// role does not change.
	ci, ciCfg := loadAcme(t, "ci")
	e2, err := Explain(ci, ciCfg, Query{Subject: "plat-dev/terraform"})
	if err != nil {
		t.Fatal(err)
	}
	if e2.Identity.ViaProvider != "github-actions" || len(e2.Reasons) != len(e.Reasons) {
		t.Errorf("ci: via %q, %d reasons", e2.Identity.ViaProvider, len(e2.Reasons))
	}

	// A derived identity is its permission set in its account.
	e, err = Explain(o, cfg, Query{Subject: "plat-prod/TerraformPlanAccess"})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Identity.Derived || len(e.Reasons) != 3 {
		t.Errorf("derived identity: %+v, reasons:\n%s", e.Identity, keys(grantsOf(e.Reasons)))
	}

	// An account/role pair that is not an identity is a target.
	e, err = Explain(o, cfg, Query{Subject: "plat-staging/terraform"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject.Kind != SubjectTarget || e.Identity != nil || len(e.Reasons) != 3 {
		t.Errorf("target %+v, %d reasons", e.Subject, len(e.Reasons))
	}
}

func TestExplainTrustSources(t *testing.T) {
	o, cfg := resolveYAML(t, small)
	// A repository without a subject covers each of its subjects.
	e, err := Explain(o, cfg, Query{Subject: "github:small/app", Account: "app-prod"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range e.Reasons {
		got = append(got, r.Principal+" "+tail(r.Trust.Pos.String())+" "+r.Trust.Statement)
	}
	want := []string{
		"small/app (branch main) t.yaml:38:22 trust.github: small/app, branches: main",
		"small/app (environment prod) t.yaml:40:26 trust.github: small/app, environments: prod",
		`small/app (tag v*) t.yaml:39:18 trust.github: small/app, tags: v*`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("reasons:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct{ subject, pos string }{
		{"oidc:ci.example.com", "t.yaml:44:22"},
		{"saml:corp-idp", "t.yaml:46:21"},
		{"aws:arn:aws:iam::999999999999:role/ci", "t.yaml:48:24"},
		{"arn:aws:iam::999999999999:role/ci", "t.yaml:48:24"}, // the bare name works too
	} {
		e, err := Explain(o, cfg, Query{Subject: tc.subject, Account: "app-dev"})
		if err != nil {
			t.Errorf("%s: %v", tc.subject, err)
			continue
		}
		if len(e.Reasons) != 1 || e.Reasons[0].Trust.Pos.String() != tc.pos {
			t.Errorf("%s: %d reasons, %+v", tc.subject, len(e.Reasons), e.Reasons[0].Trust)
		}
	}
	// Without the configuration, positions fall back to the model's.
	e, err = Explain(o, nil, Query{Subject: "Devs", Account: "app-dev", PermissionSet: "Deploy"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Reasons) != 2 || e.Reasons[0].Assignment.Accounts != "" || e.Reasons[0].Assignment.Pos.String() != "t.yaml:17:5" ||
		e.Reasons[1].Trust.Pos.String() != "t.yaml:30:3" {
		t.Errorf("without config: %+v", e.Reasons)
	}
}

func TestExplainErrors(t *testing.T) {
	o, cfg := resolveYAML(t, strings.Replace(small, "users:\n", "users:\n  Ops: {}\n", 1))
	for _, tc := range []struct {
		q    Query
		want string
	}{
		{Query{Subject: "Dvs"}, `unknown principal or identity "Dvs"; did you mean "Devs"?`},
		{Query{Subject: "group:Nobody"}, `unknown group "Nobody"`},
		{Query{Subject: "user:Devs"}, `unknown user "Devs"`},
		{Query{Subject: "github:small/other"}, `unknown github trust principal "small/other"`},
		{Query{Subject: "app-dev/Nothing"}, `unknown permission set or machine role "Nothing"`},
		{Query{Subject: "Devs", Account: "app-stage"}, `unknown account "app-stage"`},
		{Query{Subject: "Devs", PermissionSet: "Admin"}, `unknown permission set "Admin"`},
		{Query{Subject: "Ops"}, `"Ops" is both a group and a user; write group:Ops or user:Ops`},
	} {
		_, err := Explain(o, cfg, tc.q)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %s", tc.q, err, tc.want)
		}
		var unk *UnknownError
		var amb *AmbiguousError
		if !errors.As(err, &unk) && !errors.As(err, &amb) {
			t.Errorf("%+v: %T is not a usage error type", tc.q, err)
		}
	}
	// The typed forms settle the ambiguity.
	for _, s := range []string{"group:Ops", "user:Ops"} {
		if _, err := Explain(o, cfg, Query{Subject: s}); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// An identity assuming a role sesame does not manage is explained by the
// identity it is assumed from.
func TestExplainForeignRole(t *testing.T) {
	src := small + `identities:
  app-dev/vendor:
    kind: aws/assume-role
    via: app-dev/Deploy
    role_arn: arn:aws:iam::100000000001:role/vendor-access
`
	o, cfg := resolveYAML(t, src)
	e, err := Explain(o, cfg, Query{Subject: "app-dev/vendor"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Notes) != 1 || !strings.Contains(e.Notes[0], "sesame does not manage arn:aws:iam::100000000001:role/vendor-access") {
		t.Errorf("notes %q", e.Notes)
	}
	if e.Subject.Access != "Deploy" || len(e.Reasons) != 2 {
		t.Errorf("subject %+v, reasons:\n%s", e.Subject, keys(grantsOf(e.Reasons)))
	}
}

func tail(pos string) string { return pos[strings.LastIndex(pos, "/")+1:] }

func grantsOf(rs []Reason) []Grant {
	var out []Grant
	for _, r := range rs {
		out = append(out, r.Grant)
	}
	return out
}
