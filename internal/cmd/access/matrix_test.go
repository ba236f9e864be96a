package access

import (
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	acc "github.com/sesame-cli/sesame/internal/access"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

func TestMatrixGolden(t *testing.T) {
	acme := load(t, acmePath)
	for _, tc := range []struct {
		golden, format, layout string
		filter                 acc.Filter
	}{
		{"matrix.txt", "table", "auto", acc.Filter{}},
		{"matrix-list.txt", "table", "list", acc.Filter{}},
		{"matrix.csv", "csv", "auto", acc.Filter{}},
		{"matrix.md", "markdown", "auto", acc.Filter{}},
		{"matrix.html", "html", "auto", acc.Filter{}},
		{"matrix-developers.json", "json", "auto", acc.Filter{Groups: []string{"Developers"}, Accounts: []string{"plat-*"}}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			io, out, errOut := streams()
			opts := &MatrixOptions{IO: io, Org: acme.Org, Format: tc.format, Layout: tc.layout, Filter: tc.filter}
			if err := runMatrix(opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, out.Bytes())
			if !strings.HasSuffix(errOut.String(), "grants\n") && !strings.Contains(errOut.String(), "grants\n") {
				t.Errorf("stderr %q", errOut)
			}
		})
	}
}

// Over gridLimit accounts, auto folds the table into lines and says so on
// stderr.
func TestMatrixAutoLayout(t *testing.T) {
	var ys strings.Builder
	ys.WriteString("organization: {name: Wide, identity_center: {start_url: \"https://w.awsapps.com/start\", region: us-east-1}}\naccounts:\n")
	for i := range gridLimit + 1 {
		ys.WriteString("  app-s" + string(rune('a'+i)) + ": {id: \"1000000000" + twoDigits(i) + "\"}\n")
	}
	ys.WriteString("groups: {Ops: {}}\npermission_sets: {Read: {access_level: read, managed_policies: [ReadOnlyAccess]}}\n")
	ys.WriteString("assignments:\n  - {group: Ops, accounts: {all: true, exclude: [app-sa]}, permission_sets: [Read]}\n")
	wide := loadYAML(t, ys.String())
	for _, tc := range []struct {
		layout, want, note string
	}{
		{"auto", "group:Ops  Read    read   12 of 13: all but app-sa\n", "one line per principal and access (13 accounts are too many for columns)"},
		{"grid", "group:Ops  .       R       R", ""},
	} {
		io, out, errOut := streams()
		if err := runMatrix(&MatrixOptions{IO: io, Org: wide.Org, Format: "table", Layout: tc.layout}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s:\n%s\nwant …%q…", tc.layout, out, tc.want)
		}
		if tc.note != "" && !strings.Contains(errOut.String(), tc.note) {
			t.Errorf("%s: stderr %q", tc.layout, errOut)
		}
		if tc.note == "" && strings.Contains(errOut.String(), "one line per") {
			t.Errorf("%s: stderr %q", tc.layout, errOut)
		}
	}
}

func twoDigits(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// Group names may hold any punctuation; OIDC subjects too. Every format
// keeps them intact and safe.
const awkward = `organization:
  name: Awkward
  identity_center: {start_url: "https://a.awsapps.com/start", region: us-east-1}
accounts:
  app-dev: {id: "100000000001"}
groups:
  'R&D <ops>, "core" | team': {}
permission_sets:
  Read: {access_level: read, managed_policies: [ReadOnlyAccess]}
assignments:
  - group: 'R&D <ops>, "core" | team'
    accounts: all
    permission_sets: [Read]
machine_roles:
  ci:
    accounts: all
    access_level: read
    managed_policies: [ReadOnlyAccess]
    trust:
      oidc:
        - issuer: https://ci.example.com
          audiences: [sts.amazonaws.com]
          subjects: ["<script>alert('x')</script>"]
`

const awkwardGroup = `R&D <ops>, "core" | team`

func TestMatrixEscaping(t *testing.T) {
	l := loadYAML(t, awkward)
	render := func(format string) string {
		io, out, _ := streams()
		if err := runMatrix(&MatrixOptions{IO: io, Org: l.Org, Format: format, Layout: "auto"}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}

	// CSV: quoted so that a CSV reader gets the names back exactly.
	recs, err := csv.NewReader(strings.NewReader(render("csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || !reflect.DeepEqual(recs[0], csvHeader) {
		t.Fatalf("csv records %q", recs)
	}
	if recs[1][0] != "group" || recs[1][1] != awkwardGroup || recs[2][1] != "ci.example.com (<script>alert('x')</script>)" {
		t.Errorf("csv rows %q", recs[1:])
	}

	// HTML: every name is escaped text, never markup.
	h := render("html")
	if strings.Contains(h, "<script>") || strings.Contains(h, "<ops>") {
		t.Errorf("unescaped markup in HTML:\n%s", h)
	}
	for _, want := range []string{"R&amp;D &lt;ops&gt;, &#34;core&#34; | team", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %s:\n%s", want, h)
		}
	}

	// Markdown: a pipe would end the cell.
	md := render("markdown")
	if !strings.Contains(md, "| `group:R&D <ops>, \"core\" \\| team` |") {
		t.Errorf("markdown:\n%s", md)
	}
	for _, line := range strings.Split(strings.TrimSpace(md), "\n") {
		if line == "" {
			continue
		}
		if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 4 && n != 6 && n != 3 {
			t.Errorf("markdown row with %d cell separators: %s", n, line)
		}
	}
}

func TestMatrixEmptyAndUnknown(t *testing.T) {
	acme := load(t, acmePath)
	io, out, _ := streams()
	err := runMatrix(&MatrixOptions{IO: io, Org: acme.Org, Format: "table", Layout: "auto",
		Filter: acc.Filter{Groups: []string{"Billing"}, Accounts: []string{"plat-*"}}})
	if msg := noResult(err); msg != "no access matches the filters" || out.Len() != 0 {
		t.Errorf("empty table: %v, stdout %q", err, out)
	}
	// JSON still prints a document, with empty lists.
	io, out, _ = streams()
	err = runMatrix(&MatrixOptions{IO: io, Org: acme.Org, Format: "json", Layout: "auto", Filter: acc.Filter{Groups: []string{"Nobody*"}}})
	var m acc.Matrix
	if noResult(err) == "" || json.Unmarshal(out.Bytes(), &m) != nil || m.Grants == nil || len(m.Grants) != 0 || len(m.Accounts) != 8 {
		t.Errorf("empty json: %v\n%s", err, out)
	}
	io, _, _ = streams()
	err = runMatrix(&MatrixOptions{IO: io, Org: acme.Org, Format: "table", Layout: "auto", Filter: acc.Filter{PermissionSets: []string{"ReadOnly"}}})
	if !isUsage(err) || !strings.Contains(err.Error(), `unknown permission set "ReadOnly"`) {
		t.Errorf("unknown name: %v", err)
	}
}

func TestMatrixFlags(t *testing.T) {
	io, _, _ := streams()
	f := &cmdutil.Factory{IO: io, Globals: &cmdutil.GlobalOptions{}}
	var got *MatrixOptions
	cmd := NewMatrixCmd(f, func(o *MatrixOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--group", "Dev*,Ops", "--group", "Billing", "--account", "plat-dev", "--permission-set", "TerraformApplyAccess",
		"--role", "terraform", "--user", "a@b", "--principal", "github:*", "--format", "csv", "--layout", "list"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := acc.Filter{Groups: []string{"Dev*", "Ops", "Billing"}, Users: []string{"a@b"}, Principals: []string{"github:*"},
		Accounts: []string{"plat-dev"}, PermissionSets: []string{"TerraformApplyAccess"}, Roles: []string{"terraform"}}
	if !reflect.DeepEqual(got.Filter, want) || got.Format != "csv" || got.Layout != "list" {
		t.Errorf("options %+v", got)
	}
	for _, args := range [][]string{{"--format", "yaml"}, {"--layout", "wide"}, {"extra"}} {
		cmd := NewMatrixCmd(f, func(*MatrixOptions) error { return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err == nil {
			t.Errorf("%q: no error", args)
		} else if args[0] != "extra" && !isUsage(err) {
			t.Errorf("%q: %v is not a usage error", args, err)
		}
	}
}

func TestAbbreviate(t *testing.T) {
	for _, tc := range []struct {
		name string
		role bool
		want string
	}{
		{"AdministratorAccess", false, "A"},
		{"TerraformApplyAccess", false, "TA"},
		{"ReadOnlyAccess", false, "RO"},
		{"AWSAdministratorAccess", false, "AA"},
		{"Access", false, "A"},
		{"billing-read", false, "BR"},
		{"EC2Operator", false, "EO"},
		{"terraform", true, "t"},
		{"state-reader", true, "sr"},
		{"", false, "?"},
	} {
		if got := abbreviate(tc.name, tc.role); got != tc.want {
			t.Errorf("abbreviate(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Clashing codes are numbered in legend order.
func TestLegendCodes(t *testing.T) {
	m := &acc.Matrix{Grants: []acc.Grant{
		{AccessType: acc.AccessPermissionSet, Access: "TerraformApplyAccess"},
		{AccessType: acc.AccessPermissionSet, Access: "TeamAdminAccess"},
		{AccessType: acc.AccessRole, Access: "terraform", Via: "TerraformApplyAccess"},
		{AccessType: acc.AccessRole, Access: "tagger"},
	}}
	entries, _ := legend(m)
	var got []string
	for _, e := range entries {
		got = append(got, e.Code+"="+e.Access+"("+strings.Join(e.Via, ",")+")")
	}
	want := []string{"TA=TeamAdminAccess()", "TA2=TerraformApplyAccess()", "t=tagger()", "t2=terraform(TerraformApplyAccess)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("legend %q, want %q", got, want)
	}
}

func TestAccountSummary(t *testing.T) {
	all := []acc.Account{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}, {Name: "f"}, {Name: "g"}, {Name: "h"}}
	for _, tc := range []struct {
		reached []string
		want    string
	}{
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h"}, "all 8"},
		{[]string{"a", "b", "c", "d", "e", "g", "h"}, "7 of 8: all but f"},
		{[]string{"b", "c", "d", "e", "f"}, "5 of 8: all but a, g, h"},
		{[]string{"a", "c"}, "a, c"},
		{[]string{"a", "b", "c", "d", "e"}, "5 of 8: all but f, g, h"},
	} {
		if got := accountSummary(tc.reached, all); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.reached, got, tc.want)
		}
	}
	many := make([]acc.Account, 100)
	for i := range many {
		many[i] = acc.Account{Name: twoDigits(i)}
	}
	if got := accountSummary([]string{"01", "02", "03", "04", "05"}, many); got != "5 of 100: 01, 02, 03 and 2 more" {
		t.Errorf("many: %q", got)
	}
}

// A value that a spreadsheet would run as a formula is written as text.
func TestCSVCellFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")":  "'=HYPERLINK(\"x\")",
		"+1":                 "'+1",
		"-1":                 "'-1",
		"@SUM(A1)":           "'@SUM(A1)",
		"group":              "group",
		"plat-dev":           "plat-dev",
		"":                   "",
		"arn:aws:iam::1:x=y": "arn:aws:iam::1:x=y",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
