package access

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMatrixFilters(t *testing.T) {
	o, _ := resolveYAML(t, small)
	for _, tc := range []struct {
		name       string
		f          Filter
		principals string
		accounts   string
		grants     int
	}{
		{"everything", Filter{}, "group:Devs group:Ops user:jane@example.com github:small/app (branch main) github:small/app (environment prod) github:small/app (tag v*) oidc:ci.example.com (project:app:ref:main) saml:corp-idp aws:arn:aws:iam::999999999999:role/ci", "app-dev app-prod", 26},
		{"one group", Filter{Groups: []string{"Devs"}}, "group:Devs", "app-dev app-prod", 4},
		{"groups and users widen", Filter{Groups: []string{"Devs"}, Users: []string{"jane@*"}}, "group:Devs user:jane@example.com", "app-dev app-prod", 6},
		{"principal glob", Filter{Principals: []string{"github:*"}}, "github:small/app (branch main) github:small/app (environment prod) github:small/app (tag v*)", "app-dev app-prod", 6},
		{"principal by name", Filter{Principals: []string{"corp-idp"}}, "saml:corp-idp", "app-dev app-prod", 2},
		{"account by id", Filter{Accounts: []string{"100000000002"}}, "group:Devs group:Ops user:jane@example.com github:small/app (branch main) github:small/app (environment prod) github:small/app (tag v*) oidc:ci.example.com (project:app:ref:main) saml:corp-idp aws:arn:aws:iam::999999999999:role/ci", "app-prod", 13},
		{"account glob narrows principals", Filter{Accounts: []string{"*-prod"}, Groups: []string{"Devs"}}, "group:Devs", "app-prod", 1},
		// A permission set brings the roles chained from it.
		{"permission set and chained roles", Filter{PermissionSets: []string{"Plan"}}, "group:Ops user:jane@example.com", "app-dev app-prod", 6},
		{"role", Filter{Roles: []string{"deployer"}, Groups: []string{"Ops"}}, "group:Ops", "app-dev app-prod", 4},
		{"nothing", Filter{Groups: []string{"Devs"}, PermissionSets: []string{"Plan"}}, "", "app-dev app-prod", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMatrix(o, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var accts []string
			for _, a := range m.Accounts {
				accts = append(accts, a.Name)
			}
			if got := strings.Join(m.Principals, " "); got != tc.principals {
				t.Errorf("principals:\n got %s\nwant %s", got, tc.principals)
			}
			if got := strings.Join(accts, " "); got != tc.accounts {
				t.Errorf("accounts %s, want %s", got, tc.accounts)
			}
			if len(m.Grants) != tc.grants {
				t.Errorf("%d grants, want %d:\n%s", len(m.Grants), tc.grants, keys(m.Grants))
			}
		})
	}
}

func TestMatrixUnknownNames(t *testing.T) {
	o, _ := resolveYAML(t, small)
	for _, tc := range []struct {
		f    Filter
		want string
	}{
		{Filter{Groups: []string{"Dev"}}, `unknown group "Dev"; did you mean "Devs"?`},
		{Filter{Users: []string{"john@example.com"}}, `unknown user "john@example.com"`},
		{Filter{Accounts: []string{"app-stage"}}, `unknown account "app-stage"`},
		{Filter{PermissionSets: []string{"Deplyo"}}, `unknown permission set "Deplyo"; did you mean "Deploy"?`},
		{Filter{Roles: []string{"deploy"}}, `unknown machine role "deploy"; did you mean "deployer"?`},
	} {
		_, err := NewMatrix(o, tc.f)
		var unk *UnknownError
		if !errors.As(err, &unk) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %s", tc.f, err, tc.want)
		}
	}
	// Globs are not checked: a glob that matches nothing is an empty answer.
	m, err := NewMatrix(o, Filter{Groups: []string{"Nobody*"}})
	if err != nil || len(m.Grants) != 0 {
		t.Errorf("glob: %v, %d grants", err, len(m.Grants))
	}
}

func TestMatrixRowsAndLines(t *testing.T) {
	o, _ := resolveYAML(t, small)
	m, err := NewMatrix(o, Filter{Principals: []string{"group:*"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := m.Rows()
	if len(rows) != 2 || rows[0].Principal != "group:Devs" || rows[1].Principal != "group:Ops" {
		t.Fatalf("rows %+v", rows)
	}
	cell := func(r Row, i int) string {
		var out []string
		for _, g := range r.Cells[i] {
			out = append(out, g.AccessLabel())
		}
		return strings.Join(out, ", ")
	}
	// Permission sets first, then roles; one cell per account column.
	for _, tc := range []struct {
		row, col int
		want     string
	}{
		{0, 0, "Deploy, Read, role deployer via Deploy"},
		{0, 1, "Read"},
		{1, 0, "Deploy, Plan, role deployer via Deploy, role deployer via Plan"},
	} {
		if got := cell(rows[tc.row], tc.col); got != tc.want {
			t.Errorf("cell %d,%d = %q, want %q", tc.row, tc.col, got, tc.want)
		}
	}
	var lines []string
	for _, l := range m.Lines() {
		lines = append(lines, l.Principal+" "+l.Access+" "+l.Via+" "+strings.Join(l.Accounts, ","))
	}
	want := []string{
		"group:Devs Deploy  app-dev",
		"group:Devs Read  app-dev,app-prod",
		"group:Devs deployer Deploy app-dev",
		"group:Ops Deploy  app-dev,app-prod",
		"group:Ops Plan  app-dev,app-prod",
		"group:Ops deployer Deploy app-dev,app-prod",
		"group:Ops deployer Plan app-dev,app-prod",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("lines:\n got %q\nwant %q", lines, want)
	}
}

// The matrix is the same however often it is built, and its grants keep
// the order of Grants.
func TestMatrixDeterministic(t *testing.T) {
	o, _ := loadAcme(t)
	a, _ := NewMatrix(o, Filter{})
	for range 5 {
		b, _ := NewMatrix(o, Filter{})
		if !reflect.DeepEqual(a, b) {
			t.Fatal("two matrices of one organization differ")
		}
	}
	if len(a.Accounts) != 8 || a.Accounts[0].Name != "core-audit" || a.Accounts[7].Name != "plat-staging" {
		t.Errorf("accounts %v", a.Accounts)
	}
	if got := strings.Join(a.Principals, "\n"); got != strings.Join([]string{
		"group:Billing", "group:DevOps", "group:Developers", "group:Managers", "user:auditor@partner.example",
		"github:acme/infrastructure (branch main)", "github:acme/infrastructure (environment apply)", "github:acme/infrastructure (pull requests)",
	}, "\n") {
		t.Errorf("principals:\n%s", got)
	}
}
