// Package lint checks a resolved organization for least privilege and
// trust-policy hygiene: the rules `sesame validate` does not enforce
// because the configuration is legal, only risky (docs/lint.md groups
// C, D and E). Validation decides whether sesame can use a configuration;
// lint says whether you should. Every rule is a small function with an ID,
// a severity and a one-line description; findings point at the most
// specific place in the YAML that sesame knows.
//
// The package returns values and never prints; `sesame lint` formats them.
package lint

import (
	"sort"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Severities of a finding.
const (
	Error   = "error"
	Warning = "warning"
)

// Finding is one problem a rule found.
type Finding struct {
	Rule     string     `json:"rule"`
	Severity string     `json:"severity"`
	Message  string     `json:"message"`
	Hint     string     `json:"hint,omitempty"`
	Pos      config.Pos `json:"-"`
	// Subject names what the finding is about ("permission set
	// TerraformStateAccess", "group Managers").
	Subject string `json:"subject"`
}

// Rule describes one check.
type Rule struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	// Ref is the rule's group and item in docs/lint.md
	// (C1, D4, E6, ...).
	Ref         string `json:"ref"`
	Description string `json:"description"`

	check func(*checker)
}

// Options refine a run.
type Options struct {
	// Config is the configuration the organization was resolved from.
	// With it, findings point at the statement, list item or field at
	// fault instead of the permission set, assignment or role as a whole.
	Config *config.Config
	// Now is the current time; rules about dates (expired direct
	// assignments) run only when it is set.
	Now time.Time
}

// Rules returns every rule in the order they run, which is also the
// order of docs/lint.md and `sesame lint --list`.
func Rules() []Rule {
	return []Rule{
		{"unused-permission-set", Warning, "C1", "a permission set is defined but never assigned", checkUnusedPermissionSets},
		{"unused-group", Warning, "C1", "a group is defined but never assigned", checkUnusedGroups},
		{"unused-user", Warning, "C1", "a user is defined but has no direct assignment", checkUnusedUsers},
		{"account-without-access", Warning, "C1", "an account has no assignments and no machine roles", checkAccountsWithoutAccess},
		{"overlapping-admin-sets", Warning, "C2", "one principal holds two admin-equivalent permission sets in the same account", checkOverlappingAdminSets},
		{"user-missing-expiry-or-reason", Warning, "C3", "a user with direct assignments has no expires date or no reason", checkUserJustification},
		{"user-access-expired", Warning, "C3", "a user's direct assignments are past their expires date", checkUserExpired},
		{"access-level-mismatch", Warning, "C5", "a read, plan or state set or role holds write-capable policies or actions", checkAccessLevelMismatch},
		{"read-set-assumes-write-role", Warning, "C5", "a read, plan or state set or role may assume the state backend's read-write role", checkReadAssumesWriteRole},
		{"write-role-trusts-read-set", Warning, "C5", "a write or admin machine role trusts a read, plan or state permission set", checkWriteRoleTrustsReadSet},
		{"admin-in-management-account", Error, "D1", "an admin-equivalent set or role is in the management account", checkAdminInManagement},
		{"admin-assigned-to-user", Warning, "D1", "an admin-equivalent permission set is assigned to a user directly", checkAdminToUser},
		{"wildcard-allow", Warning, "D2", "an Allow statement grants * or <service>:* on every resource", checkWildcardAllow},
		{"allow-not-action", Warning, "D2", "an Allow statement uses NotAction or NotResource", checkAllowNot},
		{"pass-role-any-role", Warning, "D2", "iam:PassRole is allowed on every role", checkPassRole},
		{"assume-role-any-role", Warning, "D2", "sts:AssumeRole is allowed on every role", checkAssumeRole},
		{"unconditioned-escalation", Warning, "D3", "an Allow statement grants a privilege-escalation action without a condition", checkEscalation},
		{"read-only-access-reads-state", Warning, "D4", "ReadOnlyAccess (s3:Get*) is held in the state account by a set that should not read state", checkReadOnlyReadsState},
		{"long-admin-session", Warning, "D5", "an admin or write permission set allows sessions longer than 4h", checkLongAdminSession},
		{"long-machine-session", Warning, "D5", "a machine role allows sessions longer than 1h", checkLongMachineSession},
		{"unscoped-assume-root", Warning, "D6", "sts:AssumeRoot without a task-policy condition or on every account", checkAssumeRoot},
		{"github-trust-without-repository-id", Warning, "E1", "a GitHub trust names the repository but not its immutable id", checkGitHubRepositoryID},
		{"write-role-without-workflow-pin", Warning, "E1", "a write or admin role trusts GitHub without pinning the workflow (job_workflow_ref)", checkWorkflowPin},
		{"write-role-wildcard-subject", Warning, "E1", "a write or admin role trusts a wildcard branch, tag or OIDC subject", checkWildcardSubject},
		{"aws-trust-without-external-id", Warning, "E5", "a role trusts an account outside the organization without sts:ExternalId", checkExternalID},
		{"trust-admits-iam-user", Warning, "E5", "a role trusts an IAM user", checkTrustIAMUser},
		{"trust-policy-near-limit", Warning, "E6", "a rendered trust policy uses more than 80% of the 2,048-character quota", checkTrustSize},
	}
}

// Run checks o with every rule and returns the findings sorted by file,
// line, column and rule. Positions are those of the model; RunWith with
// the configuration gives finer ones.
func Run(o *org.Org) []Finding { return RunWith(o, Options{}) }

// RunWith is Run with options.
func RunWith(o *org.Org, opts Options) []Finding {
	c := &checker{o: o, src: newSource(opts.Config), now: opts.Now}
	for _, r := range Rules() {
		c.rule = r
		r.check(c)
	}
	return sortFindings(c.out)
}

// checker carries one run: the organization, the configuration positions
// and the findings so far. Each rule's check function reports through it.
type checker struct {
	o    *org.Org
	src  *source
	now  time.Time
	rule Rule
	out  []Finding
	hs   []*holder // see holders
}

// report records a finding of the rule that is running.
func (c *checker) report(pos config.Pos, subject, hint, msg string) {
	c.out = append(c.out, Finding{Rule: c.rule.ID, Severity: c.rule.Severity, Message: msg, Hint: hint, Pos: pos, Subject: subject})
}

func sortFindings(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
	// A machine role renders one policy per account: the same statement
	// problem is found once per instance. Keep one.
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && f.Rule == fs[i-1].Rule && f.Pos == fs[i-1].Pos && f.Message == fs[i-1].Message {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Count returns the number of errors and warnings in fs.
func Count(fs []Finding) (errors, warnings int) {
	for _, f := range fs {
		if f.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}
