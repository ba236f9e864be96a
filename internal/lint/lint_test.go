package lint

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/org"
)

// testNow is the clock of the table tests (users.txtar depends on it).
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type want struct {
	pos      string // file:line:col, file relative to the case directory
	severity string
	rule     string
	msg      string // a substring of the message
}

// Each case loads testdata/<name>.txtar (over testdata/base.yaml) and
// compares the findings of the rules it tests, in order, with want:
// exactly these findings at exactly these places. Findings of other rules
// are ignored here; TestAcme checks a whole organization.
var cases = []struct {
	name  string
	rules []string
	want  []want
}{
	{"unused", []string{"unused-permission-set", "unused-group", "unused-user", "account-without-access"}, []want{
		{"base.yaml:21:3", Warning, "account-without-access", "account plat-prod has no assignments and no machine roles"},
		{"sesame.yaml:3:3", Warning, "unused-group", "group Ghosts is never assigned"},
		{"sesame.yaml:5:3", Warning, "unused-user", "user nobody@example.com has no direct assignment"},
		{"sesame.yaml:8:3", Warning, "unused-permission-set", "permission set Orphan is never assigned"},
	}},
	{"overlap", []string{"overlapping-admin-sets"}, []want{
		{"sesame.yaml:16:44", Warning, "overlapping-admin-sets", "group Admins holds two admin-equivalent permission sets in 2 accounts (plat-dev, plat-prod): AdministratorAccess (managed policy AdministratorAccess) and PowerUserAccess (managed policy PowerUserAccess)"},
		{"sesame.yaml:25:23", Warning, "overlapping-admin-sets", "group Ops holds two admin-equivalent permission sets in plat-dev: AdministratorAccess (managed policy AdministratorAccess) and Everything (inline statement 1 (* on *))"},
	}},
	{"users", []string{"user-missing-expiry-or-reason", "user-access-expired"}, []want{
		{"sesame.yaml:2:3", Warning, "user-missing-expiry-or-reason", "user anne@example.com has direct assignments but no expires date and no reason"},
		{"sesame.yaml:3:3", Warning, "user-missing-expiry-or-reason", "user ben@example.com has direct assignments but no reason"},
		{"sesame.yaml:5:14", Warning, "user-access-expired", "user cleo@example.com's direct assignments expired on 2026-01-31"},
	}},
	{"access-level", []string{"access-level-mismatch", "read-set-assumes-write-role", "write-role-trusts-read-set"}, []want{
		{"sesame.yaml:8:11", Warning, "access-level-mismatch", "permission set TerraformStateAccess has access_level state but statement ReadWriteState allows write actions on the Terraform state: s3:PutObject, s3:DeleteObject"},
		{"sesame.yaml:12:11", Warning, "access-level-mismatch", "statement LockState allows write actions on the Terraform state: dynamodb:PutItem, dynamodb:DeleteItem"},
		{"sesame.yaml:21:11", Warning, "read-set-assumes-write-role", "permission set TerraformPlanAccess has access_level plan but statement AssumeStateRole may assume the state backend's read-write role arn:aws:iam::111111111111:role/lt-core-gbl-root-tfstate"},
		{"sesame.yaml:27:53", Warning, "access-level-mismatch", "permission set Viewer has access_level read but holds the write-capable managed policy AmazonS3FullAccess"},
		{"sesame.yaml:48:11", Warning, "access-level-mismatch", "machine role planner has access_level plan but statement 1 allows write actions on the Terraform state: s3:Put*"},
		{"sesame.yaml:58:25", Warning, "write-role-trusts-read-set", "machine role terraform (access_level write) trusts permission set StateReader (access_level state)"},
		{"sesame.yaml:58:38", Warning, "write-role-trusts-read-set", "trusts permission set TerraformPlanAccess (access_level plan)"},
	}},
	{"admin", []string{"admin-in-management-account", "admin-assigned-to-user"}, []want{
		{"sesame.yaml:12:23", Error, "admin-in-management-account", "group Managers holds the admin-equivalent permission set AdministratorAccess (managed policy AdministratorAccess) in the management account core-root"},
		{"sesame.yaml:15:23", Warning, "admin-assigned-to-user", "user contractor@example.com is assigned the admin-equivalent permission set IdentityAdmin (managed policy AWSSSOMasterAccountAdministrator) directly in plat-dev, plat-prod"},
		{"sesame.yaml:18:15", Error, "admin-in-management-account", "machine role deployer is admin-equivalent (managed policy AdministratorAccess) and is created in the management account core-root"},
	}},
	{"wildcards", []string{"wildcard-allow", "allow-not-action", "pass-role-any-role", "assume-role-any-role"}, []want{
		{"sesame.yaml:8:11", Warning, "wildcard-allow", "permission set Broad: statement AllS3 allows s3:* on every resource (*)"},
		{"sesame.yaml:12:11", Warning, "allow-not-action", "statement AllButIAM allows every action except iam:*"},
		{"sesame.yaml:16:11", Warning, "allow-not-action", "statement NotState allows its actions on every resource except arn:aws:s3:::lt-core-use1-root-tfstate/*"},
		{"sesame.yaml:20:11", Warning, "pass-role-any-role", "statement Pass allows iam:PassRole on every role (*)"},
		{"sesame.yaml:24:11", Warning, "assume-role-any-role", "statement Hop allows sts:AssumeRole on every role (arn:aws:iam::*:role/*)"},
		{"sesame.yaml:55:11", Warning, "wildcard-allow", "machine role ci: statement 1 allows * on every resource (*)"},
	}},
	{"escalation", []string{"unconditioned-escalation", "unscoped-assume-root"}, []want{
		{"sesame.yaml:8:11", Warning, "unconditioned-escalation", "statement Policies allows iam:PutRolePolicy, iam:CreatePolicyVersion without a condition"},
		{"sesame.yaml:17:11", Warning, "unconditioned-escalation", "statement IdentityCenter allows sso:CreateAccountAssignment without a condition"},
		{"sesame.yaml:33:11", Warning, "unscoped-assume-root", "statement AnyRootTask allows sts:AssumeRoot on every account's root (arn:aws:iam::*:root)"},
		{"sesame.yaml:33:11", Warning, "unscoped-assume-root", "statement AnyRootTask allows sts:AssumeRoot without an sts:TaskPolicyArn condition"},
	}},
	{"state-read", []string{"read-only-access-reads-state"}, []want{
		{"sesame.yaml:19:23", Warning, "read-only-access-reads-state", "group Devs holds ReadOnly (managed policy ReadOnlyAccess) in core-root, the account of the state bucket lt-core-use1-root-tfstate"},
		{"sesame.yaml:25:15", Warning, "read-only-access-reads-state", "machine role inventory holds ReadOnlyAccess in core-root"},
	}},
	{"sessions", []string{"long-admin-session", "long-machine-session"}, []want{
		{"sesame.yaml:4:50", Warning, "long-admin-session", "permission set Admin (access_level admin) allows 8h sessions"},
		{"sesame.yaml:8:23", Warning, "long-admin-session", "permission set Custom (admin-equivalent: inline statement 1 (* on *)) allows 6h sessions"},
		{"sesame.yaml:19:27", Warning, "long-machine-session", "machine role slow allows 2h sessions"},
	}},
	{"github-trust", []string{"github-trust-without-repository-id", "write-role-without-workflow-pin", "write-role-wildcard-subject"}, []want{
		{"sesame.yaml:14:11", Warning, "github-trust-without-repository-id", "machine role deploy trusts GitHub repository lt/app by name only"},
		{"sesame.yaml:14:11", Warning, "write-role-without-workflow-pin", "machine role deploy (access_level write) trusts lt/app without a workflows pin"},
		{"sesame.yaml:15:28", Warning, "write-role-wildcard-subject", "trusts the wildcard subject repo:lt/app:ref:refs/heads/release/*"},
		{"sesame.yaml:16:18", Warning, "write-role-wildcard-subject", "trusts the wildcard subject repo:lt/app:ref:refs/tags/v*"},
		{"sesame.yaml:20:49", Warning, "write-role-wildcard-subject", "trusts the wildcard subject project:lt/*"},
		{"sesame.yaml:37:11", Warning, "github-trust-without-repository-id", "machine role plan trusts GitHub repository lt/infra by name only"},
	}},
	{"aws-trust", []string{"aws-trust-without-external-id", "trust-admits-iam-user"}, []want{
		{"sesame.yaml:14:37", Warning, "aws-trust-without-external-id", "machine role spacelift trusts account 324880187172, outside the organization, without an external_id"},
		{"sesame.yaml:23:24", Warning, "trust-admits-iam-user", "machine role legacy trusts the IAM user arn:aws:iam::222222222222:user/jenkins"},
	}},
	{"trust-size", []string{"trust-policy-near-limit"}, []want{
		{"sesame.yaml:12:7", Warning, "trust-policy-near-limit", "machine role wide: the trust policy in plat-dev has 1663 characters, 81% of the default quota of 2048"},
	}},
}

func TestRules(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, cfg, o := loadCase(t, tc.name)
			tested := map[string]bool{}
			for _, r := range tc.rules {
				tested[r] = true
			}
			var got []Finding
			for _, f := range RunWith(o, Options{Config: cfg, Now: testNow}) {
				if tested[f.Rule] {
					got = append(got, f)
				}
			}
			for i := 0; i < max(len(got), len(tc.want)); i++ {
				switch {
				case i >= len(got):
					t.Errorf("missing finding %d: %s: %s: %s [%s]", i+1, tc.want[i].pos, tc.want[i].severity, tc.want[i].msg, tc.want[i].rule)
				case i >= len(tc.want):
					t.Errorf("unexpected finding: %s", format(dir, got[i]))
				default:
					w, g := tc.want[i], got[i]
					line := format(dir, g)
					if !strings.HasPrefix(line, w.pos+": ") || g.Severity != w.severity || g.Rule != w.rule || !strings.Contains(g.Message, w.msg) {
						t.Errorf("finding %d:\n got %s\nwant %s: %s: …%s… [%s]", i+1, line, w.pos, w.severity, w.msg, w.rule)
					}
					if g.Hint == "" || g.Subject == "" {
						t.Errorf("finding %d has no hint or subject: %+v", i+1, g)
					}
				}
			}
		})
	}
}

// Every rule has at least one case that shows it firing, and the list is
// well formed: unique kebab-case IDs, a known severity, a group reference and
// a one-line description.
func TestRuleList(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range cases {
		for _, w := range tc.want {
			covered[w.rule] = true
		}
	}
	id := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	ref := regexp.MustCompile(`^[CDE][1-7]$`)
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice", r.ID)
		}
		seen[r.ID] = true
		if !id.MatchString(r.ID) {
			t.Errorf("rule ID %q is not kebab-case", r.ID)
		}
		if r.Severity != Error && r.Severity != Warning {
			t.Errorf("rule %s: severity %q", r.ID, r.Severity)
		}
		if !ref.MatchString(r.Ref) {
			t.Errorf("rule %s: ref %q is not a group item such as D2", r.ID, r.Ref)
		}
		if r.Description == "" || strings.Contains(r.Description, "\n") || strings.HasSuffix(r.Description, ".") {
			t.Errorf("rule %s: description %q must be one line without a final period", r.ID, r.Description)
		}
		if r.check == nil {
			t.Errorf("rule %s has no check", r.ID)
		}
		if !covered[r.ID] {
			t.Errorf("rule %s has no test case under testdata", r.ID)
		}
	}
}

// Without the configuration, findings point at what the model knows: the
// permission set, assignment or role as a whole.
func TestRunWithoutConfig(t *testing.T) {
	dir, _, o := loadCase(t, "access-level")
	var got []string
	for _, f := range Run(o) {
		if f.Rule == "access-level-mismatch" {
			got = append(got, format(dir, f))
		}
	}
	want := []string{
		"sesame.yaml:4:3: warning: permission set TerraformStateAccess has access_level state but statement LockState",
		"sesame.yaml:4:3: warning: permission set TerraformStateAccess has access_level state but statement ReadWriteState",
		"sesame.yaml:25:3: warning: permission set Viewer has access_level read but holds",
		"sesame.yaml:43:3: warning: machine role planner has access_level plan",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got  %s\nwant %s…", got[i], want[i])
		}
	}
}

// Findings come sorted by file, line, column and rule, and a statement
// problem of a machine role is reported once, not once per account.
func TestSortedAndDeduplicated(t *testing.T) {
	_, cfg, o := loadCase(t, "wildcards")
	fs := RunWith(o, Options{Config: cfg})
	for i := 1; i < len(fs); i++ {
		a, b := fs[i-1], fs[i]
		ka := fmt.Sprintf("%s\x00%08d\x00%08d\x00%s\x00%s", a.Pos.File, a.Pos.Line, a.Pos.Col, a.Rule, a.Message)
		kb := fmt.Sprintf("%s\x00%08d\x00%08d\x00%s\x00%s", b.Pos.File, b.Pos.Line, b.Pos.Col, b.Rule, b.Message)
		if ka >= kb {
			t.Errorf("findings out of order or repeated:\n%+v\n%+v", a, b)
		}
	}
	ci := 0
	for _, f := range fs {
		if f.Rule == "wildcard-allow" && strings.HasPrefix(f.Message, "machine role ci") {
			ci++
		}
	}
	if ci != 1 {
		t.Errorf("machine role ci (two accounts) reported %d times, want once", ci)
	}
}

// Rules about dates run only with a clock.
func TestNoClockNoExpiry(t *testing.T) {
	_, cfg, o := loadCase(t, "users")
	for _, f := range RunWith(o, Options{Config: cfg}) {
		if f.Rule == "user-access-expired" {
			t.Errorf("without Now: %s", f.Message)
		}
	}
}

// Above the quota itself, validation warns and lint stays silent
// (trust-size.txtar's huge role).
func TestTrustAboveQuotaIsValidationsFinding(t *testing.T) {
	_, cfg, _ := loadCase(t, "trust-size")
	found := false
	for _, d := range org.Validate(cfg).Warnings() {
		if strings.Contains(d.Msg, `machine role "huge"`) && strings.Contains(d.Msg, "the default quota is 2048") {
			found = true
		}
	}
	if !found {
		t.Fatal("validation no longer warns about huge's trust policy; trust-policy-near-limit must cover it")
	}
}

// docs/lint.md has a section for every rule, with its severity and ref,
// in the order of Rules().
func TestDocsCoverEveryRule(t *testing.T) {
	data, err := os.ReadFile("../../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	last := -1
	for _, r := range Rules() {
		head := "\n### `" + r.ID + "`\n\n**Severity** " + r.Severity + " · **ref** " + r.Ref + "\n"
		i := strings.Index(doc, head)
		switch {
		case i < 0:
			t.Errorf("docs/lint.md has no section %q", head)
		case i < last:
			t.Errorf("docs/lint.md: section %s is out of the order of Rules()", r.ID)
		default:
			last = i
		}
		if !strings.Contains(doc, "["+r.ID+"]\n```") {
			t.Errorf("docs/lint.md: section %s has no example finding", r.ID)
		}
	}
}
