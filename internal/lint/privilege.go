package lint

import (
	"fmt"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Least privilege (docs/lint.md, D1, D4, D5): who holds admin or
// ReadOnlyAccess where, and for how long. The statement rules are in
// statements.go.

// Thresholds of D5.
const (
	maxAdminSession   = 4 * time.Hour
	maxMachineSession = time.Hour
)

// adminSets maps each admin-equivalent permission set to the reason.
func (c *checker) adminSets() map[string]string {
	out := map[string]string{}
	for _, h := range c.holders() {
		if h.ps != nil {
			if r := adminReason(h); r != "" {
				out[h.name] = r
			}
		}
	}
	return out
}

// rolePlacement is where a machine role's accounts are chosen.
func (c *checker) rolePlacement(name string, fallback config.Pos) config.Pos {
	if cmr := c.src.machineRole(name); cmr != nil && cmr.Accounts != nil && cmr.Accounts.Pos.IsValid() {
		return cmr.Accounts.Pos
	}
	return fallback
}

func checkAdminInManagement(c *checker) {
	mgmt := c.o.ManagementAccount
	if mgmt == "" {
		return
	}
	const hint = "assign admin and apply sets outside the management account; there, use plan/read sets and a break-glass procedure"
	admin := c.adminSets()
	for _, a := range c.o.Assignments {
		if a.Account != mgmt || admin[a.PermissionSet] == "" {
			continue
		}
		principal := principalName(a.PrincipalType, a.Principal)
		c.report(c.src.assignmentSet(a), principal, hint,
			fmt.Sprintf("%s holds the admin-equivalent permission set %s (%s) in the management account %s: holders can rewrite Identity Center and every assignment",
				principal, a.PermissionSet, admin[a.PermissionSet], mgmt))
	}
	for _, h := range c.holders() {
		if h.role == nil {
			continue
		}
		reason := adminReason(h)
		if reason == "" {
			continue
		}
		for _, inst := range h.role.Instances {
			if inst.Account == mgmt {
				c.report(c.rolePlacement(h.name, h.pos), h.subject(), hint,
					fmt.Sprintf("machine role %s is admin-equivalent (%s) and is created in the management account %s: whoever assumes it can rewrite Identity Center",
						h.name, reason, mgmt))
			}
		}
	}
}

func checkAdminToUser(c *checker) {
	admin := c.adminSets()
	type key struct {
		user, set string
		pos       config.Pos
	}
	accounts := map[key][]string{}
	var keys []key
	for _, a := range c.o.Assignments {
		if a.PrincipalType != org.PrincipalUser || admin[a.PermissionSet] == "" {
			continue
		}
		k := key{a.Principal, a.PermissionSet, c.src.assignmentSet(a)}
		if accounts[k] == nil {
			keys = append(keys, k)
		}
		accounts[k] = append(accounts[k], a.Account)
	}
	for _, k := range keys {
		c.report(k.pos, "user "+k.user,
			"give admin through a group, where membership is reviewed in the IdP, and keep direct user assignments for narrow, time-boxed access",
			fmt.Sprintf("user %s is assigned the admin-equivalent permission set %s (%s) directly in %s",
				k.user, k.set, admin[k.set], listNames(accounts[k], 3)))
	}
}

func checkLongAdminSession(c *checker) {
	for _, h := range c.holders() {
		ps := h.ps
		if ps == nil || ps.SessionDuration.D() <= maxAdminSession {
			continue
		}
		why := "access_level " + ps.AccessLevel
		if !writeLevel(ps.AccessLevel) {
			r := adminReason(h)
			if r == "" {
				continue
			}
			why = "admin-equivalent: " + r
		}
		pos := ps.Pos
		if cps := c.src.permissionSet(ps.Name); cps != nil {
			pos = at(c.src, &cps.SessionDuration, ps.Pos)
		}
		c.report(pos, h.subject(), "set session_duration: 4h or less; people sign in again, which is cheap with sesame's cached SSO token",
			fmt.Sprintf("permission set %s (%s) allows %s sessions; admin and write sets should last at most %s",
				ps.Name, why, ps.SessionDuration, config.FormatDuration(maxAdminSession)))
	}
}

func checkLongMachineSession(c *checker) {
	for _, mr := range c.o.MachineRoles {
		if mr.MaxSessionDuration.D() <= maxMachineSession {
			continue
		}
		pos := mr.Pos
		if cmr := c.src.machineRole(mr.Name); cmr != nil {
			pos = at(c.src, &cmr.MaxSessionDuration, mr.Pos)
		}
		c.report(pos, "machine role "+mr.Name, "set max_session_duration: 1h; long CI jobs can re-assume the role",
			fmt.Sprintf("machine role %s allows %s sessions; a stolen CI session should expire within %s",
				mr.Name, mr.MaxSessionDuration, config.FormatDuration(maxMachineSession)))
	}
}

func checkReadOnlyReadsState(c *checker) {
	sb := c.o.StateBackend
	if sb == nil || sb.Account == "" {
		return
	}
	const hint = "use job-function/ViewOnlyAccess plus explicit state-read statements, or add a Deny of s3:GetObject on {state_bucket_arn}/*"
	readers := map[string]bool{}
	for _, h := range c.holders() {
		if !c.readsStateByAccident(h) {
			continue
		}
		if h.ps != nil {
			readers[h.name] = true
			continue
		}
		for _, inst := range h.role.Instances {
			if inst.Account == sb.Account {
				c.report(c.rolePlacement(h.name, h.pos), h.subject(), hint,
					fmt.Sprintf("machine role %s holds ReadOnlyAccess in %s, the account of the state bucket %s: its s3:Get* reads every state object, secrets included",
						h.name, sb.Account, sb.Bucket))
			}
		}
	}
	for _, a := range c.o.Assignments {
		if a.Account != sb.Account || !readers[a.PermissionSet] {
			continue
		}
		principal := principalName(a.PrincipalType, a.Principal)
		c.report(c.src.assignmentSet(a), principal, hint,
			fmt.Sprintf("%s holds %s (managed policy ReadOnlyAccess) in %s, the account of the state bucket %s: its s3:Get* reads every state object, secrets included",
				principal, a.PermissionSet, sb.Account, sb.Bucket))
	}
}

// readsStateByAccident reports whether a holder has ReadOnlyAccess, is
// not meant to read state (plan and state sets are; admin and write ones
// can anyway) and does not deny state objects.
func (c *checker) readsStateByAccident(h *holder) bool {
	has := false
	for _, arn := range h.managed {
		if managedName(arn) == "ReadOnlyAccess" {
			has = true
		}
	}
	meant := h.level == "plan" || h.level == "state" || writeLevel(h.level) || adminReason(h) != ""
	if !has || meant {
		return false
	}
	object := c.o.StateBackend.BucketARN + "/any/state.tfstate"
	for _, d := range h.docs {
		for _, s := range d.Statement {
			if s.Effect != "Deny" || !anyCovers(s.Action, "s3:GetObject") {
				continue
			}
			for _, r := range s.Resource {
				if matchARN(r, object) || r == "*" {
					return false
				}
			}
		}
	}
	return true
}
