package access

import (
	"encoding/json"
	"strings"
	"testing"

	acc "github.com/sesame-cli/sesame/internal/access"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

func runExplainWith(t *testing.T, l loaded, q acc.Query, format string) (string, string, error) {
	t.Helper()
	io, out, errOut := streams()
	err := runExplain(&ExplainOptions{IO: io, Load: l.Load, Org: l.Org, Query: q, Format: format})
	return out.String(), errOut.String(), err
}

func TestExplainGolden(t *testing.T) {
	acme := load(t, acmePath)
	for _, tc := range []struct {
		golden string
		q      acc.Query
	}{
		{"explain-developers.txt", acc.Query{Subject: "Developers", Account: "plat-dev"}},
		{"explain-identity.txt", acc.Query{Subject: "plat-dev/terraform"}},
		{"explain-github.txt", acc.Query{Subject: "github:acme/infrastructure", Account: "core-root"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, err := runExplainWith(t, acme, tc.q, "text")
			if err != nil || errOut != "" {
				t.Fatalf("%v, stderr %q", err, errOut)
			}
			golden(t, tc.golden, []byte(out))
		})
	}
}

func TestExplainNoGrant(t *testing.T) {
	acme := load(t, acmePath)
	out, _, err := runExplainWith(t, acme, acc.Query{Subject: "Developers", Account: "plat-prod", PermissionSet: "TerraformApplyAccess"}, "text")
	if msg := noResult(err); msg != "group Developers holds no TerraformApplyAccess in plat-prod (it holds ReadOnlyAccess, TerraformPlanAccess there)" || out != "" {
		t.Errorf("%v, stdout %q", err, out)
	}
	// An identity keeps what is known on stdout.
	out, _, err = runExplainWith(t, acme, acc.Query{Subject: "plat-dev/terraform", PermissionSet: "TerraformPlanAccess"}, "text")
	if noResult(err) == "" || !strings.HasPrefix(out, "identity plat-dev/terraform (aws/assume-role, declared at ") {
		t.Errorf("%v, stdout %q", err, out)
	}
	// JSON prints the (empty) answer and still says why on stderr.
	out, _, err = runExplainWith(t, acme, acc.Query{Subject: "core-root/AdministratorAccess"}, "json")
	var e acc.Explanation
	if noResult(err) == "" || json.Unmarshal([]byte(out), &e) != nil || e.Reasons == nil || len(e.Reasons) != 0 ||
		e.Missing != "nobody holds AdministratorAccess in core-root: no assignment gives it there" {
		t.Errorf("%v\n%s", err, out)
	}
}

func TestExplainJSON(t *testing.T) {
	acme := load(t, acmePath)
	out, _, err := runExplainWith(t, acme, acc.Query{Subject: "Developers", Account: "plat-dev", PermissionSet: "TerraformApplyAccess"}, "json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Subject struct{ Kind, PrincipalType string } `json:"subject"`
		Grants  []struct {
			Access     string `json:"access"`
			Via        string `json:"via"`
			Assignment struct {
				Pos              struct{ Line, Col int } `json:"pos"`
				PermissionSetPos struct{ Line, Col int } `json:"permission_set_pos"`
				Accounts         string                  `json:"accounts"`
			} `json:"assignment"`
			Trust *struct {
				Pos       struct{ Line, Col int } `json:"pos"`
				Kind      string                  `json:"kind"`
				Statement string                  `json:"statement"`
			} `json:"trust"`
		} `json:"grants"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Subject.Kind != "principal" || len(e.Grants) != 2 {
		t.Fatalf("%s", out)
	}
	set, role := e.Grants[0], e.Grants[1]
	if set.Access != "TerraformApplyAccess" || set.Assignment.Pos.Line != 25 || set.Assignment.PermissionSetPos.Line != 27 ||
		set.Assignment.PermissionSetPos.Col != 23 || set.Assignment.Accounts != "[plat-sandbox, plat-dev]" || set.Trust != nil {
		t.Errorf("set %+v", set)
	}
	if role.Access != "terraform" || role.Via != "TerraformApplyAccess" || role.Trust == nil || role.Trust.Kind != "permission_sets" ||
		role.Trust.Pos.Line != 30 || role.Trust.Statement != "trust.permission_sets: TerraformApplyAccess" {
		t.Errorf("role %+v", role)
	}
}

func TestExplainUsage(t *testing.T) {
	acme := load(t, acmePath)
	for _, q := range []acc.Query{
		{Subject: "Developer"},
		{Subject: "Developers", Account: "plat-qa"},
		{Subject: "Developers", PermissionSet: "Apply"},
		{Subject: "plat-dev/apply"},
	} {
		_, _, err := runExplainWith(t, acme, q, "text")
		if !isUsage(err) {
			t.Errorf("%+v: %v is not a usage error", q, err)
		}
	}
	io, _, _ := streams()
	f := &cmdutil.Factory{IO: io, Globals: &cmdutil.GlobalOptions{}}
	var got *ExplainOptions
	cmd := NewExplainCmd(f, func(o *ExplainOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"plat-dev/terraform", "--account", "plat-dev", "--permission-set", "TerraformApplyAccess", "--format", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Query != (acc.Query{Subject: "plat-dev/terraform", Account: "plat-dev", PermissionSet: "TerraformApplyAccess"}) || got.Format != "json" {
		t.Errorf("options %+v", got)
	}
	cmd = NewExplainCmd(f, func(*ExplainOptions) error { return nil })
	cmd.SetArgs([]string{"x", "--format", "csv"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); !isUsage(err) {
		t.Errorf("--format csv: %v", err)
	}
}
