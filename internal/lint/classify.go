package lint

import (
	"fmt"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/policy"
)

// adminEquivalent reports whether holders of an AWS-managed policy can
// make themselves (or anyone) administrator, or rewrite Identity Center
// and the organization (docs/lint.md, D1). Switches rather than
// package-level maps: nothing here may cost start-up time.
func adminEquivalent(name string) bool {
	switch name {
	case "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AWSSSOMasterAccountAdministrator",
		"AWSSSODirectoryAdministrator", "AWSOrganizationsFullAccess":
		return true
	}
	return false
}

// readPrefixes start the names of actions that only read. Anything else
// may change something (a heuristic that errs towards reporting).
// eks:Access* is the console's Kubernetes view (the standard
// ReadOnlyAccess set allows it).
var readPrefixes = []string{"get", "list", "describe", "head", "search", "batchget", "query", "scan", "select", "view", "lookup", "access"}

// nonMutating reports actions (lowercase) that change nothing by
// themselves; sts:Assume* is judged by where it leads
// (read-set-assumes-write-role).
func nonMutating(a string) bool {
	switch a {
	case "sts:tagsession", "sts:setsourceidentity", "kms:decrypt":
		return true
	}
	return strings.HasPrefix(a, "sts:assume")
}

// managedName is the name of an AWS-managed policy ARN
// ("job-function/Billing" for arn:aws:iam::aws:policy/job-function/Billing).
func managedName(arn string) string {
	if _, name, ok := strings.Cut(arn, ":policy/"); ok {
		return name
	}
	return arn
}

// writeCapableManaged reports whether an AWS-managed policy, by name,
// grants writes: the admin-equivalent ones, *FullAccess, *PowerUser*,
// *Administrator* (the job functions too) and *ReadWrite*, and the billing
// job function.
func writeCapableManaged(name string) bool {
	if adminEquivalent(name) {
		return true
	}
	for _, s := range []string{"FullAccess", "PowerUser", "Administrator", "ReadWrite"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return name == "job-function/Billing" || name == "job-function/DataScientist"
}

// writeCapable reports whether an action (or action pattern) can match an
// action that changes something.
func writeCapable(a string) bool {
	if a == "*" {
		return true
	}
	l := strings.ToLower(a)
	if nonMutating(l) {
		return false
	}
	_, act, ok := strings.Cut(l, ":")
	if !ok {
		return false
	}
	if i := strings.IndexAny(act, "*?"); i >= 0 {
		act = act[:i]
	}
	for _, p := range readPrefixes {
		if strings.HasPrefix(act, p) {
			return false
		}
	}
	return true
}

// covers reports whether an action pattern matches action (IAM action
// names are case-insensitive).
func covers(pattern, action string) bool {
	return org.Glob(strings.ToLower(pattern), strings.ToLower(action))
}

// wildcardService is * or <service>:*.
func wildcardService(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

func hasStar(vals policy.Values) bool {
	for _, v := range vals {
		if v == "*" {
			return true
		}
	}
	return false
}

// wildcardGranted reports whether wildcard-allow reports action a of s;
// the rules about single actions leave those to it.
func wildcardGranted(s policy.Statement, a string) bool {
	return wildcardService(a) && hasStar(s.Resource)
}

// anyRole reports whether a resource matches every role (of an account or
// of all accounts).
func anyRole(r string) bool {
	return r == "*" || strings.HasSuffix(r, ":role/*") || strings.HasSuffix(r, ":*")
}

// stmtName names a statement in messages: its sid, else its number.
func stmtName(s policy.Statement, i int) string {
	if s.Sid != "" {
		return "statement " + s.Sid
	}
	return fmt.Sprintf("statement %d", i+1)
}

// holder is anything that holds IAM policies: a permission set or a
// machine role (whose inline policy is rendered once per account).
type holder struct {
	kind  string // "permission set" or "machine role"
	name  string
	level string
	// managed are AWS-managed policy ARNs; written is the list as written.
	managed []string
	written []string
	docs    []*policy.Document
	pos     config.Pos
	inline  *config.Policy
	ps      *org.PermissionSet
	role    *org.MachineRole
}

func (h *holder) subject() string { return h.kind + " " + h.name }

// holders returns every permission set, then every machine role. The list
// is built once per run.
func (c *checker) holders() []*holder {
	if c.hs != nil {
		return c.hs
	}
	out := []*holder{}
	for _, ps := range c.o.PermissionSets {
		h := &holder{kind: "permission set", name: ps.Name, level: ps.AccessLevel, managed: ps.ManagedPolicyARNs, pos: ps.Pos, ps: ps}
		if ps.InlinePolicy != nil {
			h.docs = []*policy.Document{ps.InlinePolicy}
		}
		if cps := c.src.permissionSet(ps.Name); cps != nil {
			h.written, h.inline = cps.ManagedPolicies, cps.InlinePolicy
		}
		out = append(out, h)
	}
	for _, mr := range c.o.MachineRoles {
		h := &holder{kind: "machine role", name: mr.Name, level: mr.AccessLevel, managed: mr.ManagedPolicyARNs, pos: mr.Pos, role: mr}
		for _, inst := range mr.Instances {
			if inst.InlinePolicy != nil {
				h.docs = append(h.docs, inst.InlinePolicy)
			}
		}
		if cmr := c.src.machineRole(mr.Name); cmr != nil {
			h.written, h.inline = cmr.ManagedPolicies, cmr.InlinePolicy
		}
		out = append(out, h)
	}
	c.hs = out
	return out
}

// statements calls fn for every statement of every rendered document with
// the statement's position.
func (c *checker) statements(h *holder, fn func(s policy.Statement, i int, pos config.Pos)) {
	for _, d := range h.docs {
		for i, s := range d.Statement {
			fn(s, i, c.src.statement(h.inline, i, h.pos))
		}
	}
}

// adminReason says why a holder is admin-equivalent, or "" when it is not:
// an admin-equivalent managed policy, or an inline Allow of * on *.
func adminReason(h *holder) string {
	for _, arn := range h.managed {
		if adminEquivalent(managedName(arn)) {
			return "managed policy " + managedName(arn)
		}
	}
	return inlineAdmin(h)
}

// inlineAdmin describes an unconditioned inline Allow of * on *, or "".
func inlineAdmin(h *holder) string {
	for _, d := range h.docs {
		for i, s := range d.Statement {
			if s.Effect == "Allow" && hasStar(s.Action) && hasStar(s.Resource) && len(s.Condition) == 0 {
				return "inline " + stmtName(s, i) + " (* on *)"
			}
		}
	}
	return ""
}

// fullAdmin reports whether a holder already has every permission, so
// single dangerous actions add nothing.
func fullAdmin(h *holder) bool {
	for _, arn := range h.managed {
		if managedName(arn) == "AdministratorAccess" {
			return true
		}
	}
	return inlineAdmin(h) != ""
}

// readLevel is an access level that must not write.
func readLevel(level string) bool { return level == "read" || level == "plan" || level == "state" }

// writeLevel is an access level meant to change things.
func writeLevel(level string) bool { return level == "write" || level == "admin" }

// listNames prints at most max names, then "and N more".
func listNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}
