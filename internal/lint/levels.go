package lint

import (
	"fmt"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/policy"
)

// Label versus content (docs/lint.md, C5): access_level says what
// a set or role is for; these rules check the policies agree. The
// well-known TerraformStateAccess is documented as read access but puts
// and deletes state, and TerraformPlanAccess may assume the read-write
// state role.

func checkAccessLevelMismatch(c *checker) {
	for _, h := range c.holders() {
		if !readLevel(h.level) {
			continue
		}
		for _, arn := range h.managed {
			name := managedName(arn)
			if !writeCapableManaged(name) {
				continue
			}
			c.report(c.src.managedPolicy(h.written, arn, h.pos), h.subject(),
				"use read-only policies (job-function/ViewOnlyAccess, or ReadOnlyAccess with explicit reads), or label it access_level: write",
				fmt.Sprintf("%s has access_level %s but holds the write-capable managed policy %s", h.subject(), h.level, name))
		}
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" {
				return
			}
			// NotAction in Allow grants writes too; allow-not-action reports
			// it for every set and role.
			var writes []string
			for _, a := range s.Action {
				if writeCapable(a) {
					writes = append(writes, a)
				}
			}
			if len(writes) == 0 {
				return
			}
			what := ""
			if c.touchesState(s.Resource) {
				what = " on the Terraform state"
			}
			c.report(pos, h.subject(),
				"drop the write actions (a state reader needs s3:ListBucket and s3:GetObject), or label it access_level: write",
				fmt.Sprintf("%s has access_level %s but %s allows write actions%s: %s", h.subject(), h.level, stmtName(s, i), what, listNames(writes, 4)))
		})
	}
}

// touchesState reports whether a resource list reaches the state bucket,
// its objects or the lock table.
func (c *checker) touchesState(resources policy.Values) bool {
	sb := c.o.StateBackend
	if sb == nil {
		return false
	}
	for _, r := range resources {
		if r == "*" {
			continue // every resource: not specifically the state
		}
		for _, target := range []string{sb.BucketARN, sb.BucketARN + "/key", sb.LockTableARN} {
			if target != "" && matchARN(r, target) {
				return true
			}
		}
	}
	return false
}

// matchARN matches an IAM resource pattern against an ARN.
func matchARN(pattern, arn string) bool {
	return pattern == arn || (strings.ContainsAny(pattern, "*?") && org.Glob(pattern, arn))
}

func checkReadAssumesWriteRole(c *checker) {
	sb := c.o.StateBackend
	if sb == nil || sb.ReadWriteRoleARN == "" {
		return
	}
	for _, h := range c.holders() {
		if !readLevel(h.level) {
			continue
		}
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" || !anyCovers(s.Action, "sts:AssumeRole") {
				return
			}
			for _, r := range s.Resource {
				if !matchARN(r, sb.ReadWriteRoleARN) {
					continue
				}
				via := ""
				if r != sb.ReadWriteRoleARN {
					via = " through the resource " + r
				}
				c.report(pos, h.subject(),
					"let it assume only the read-only state role ({state_read_only_role_arn}); writes through the read-write role bypass every Deny on the set",
					fmt.Sprintf("%s has access_level %s but %s may assume the state backend's read-write role %s%s",
						h.subject(), h.level, stmtName(s, i), sb.ReadWriteRoleARN, via))
				return
			}
		})
	}
}

// anyCovers reports whether any pattern of actions matches action.
func anyCovers(actions policy.Values, action string) bool {
	for _, a := range actions {
		if covers(a, action) {
			return true
		}
	}
	return false
}

func checkWriteRoleTrustsReadSet(c *checker) {
	for _, mr := range c.o.MachineRoles {
		if !writeLevel(mr.AccessLevel) {
			continue
		}
		cmr := c.src.machineRole(mr.Name)
		for _, name := range mr.Trust.PermissionSets {
			ps, ok := c.o.PermissionSet(name)
			if !ok || !readLevel(ps.AccessLevel) {
				continue
			}
			pos := mr.Pos
			if cmr != nil && cmr.Trust != nil {
				for i := range cmr.Trust.PermissionSets {
					if cmr.Trust.PermissionSets[i] == name {
						pos = at(c.src, &cmr.Trust.PermissionSets[i], cmr.Trust.Pos)
					}
				}
			}
			c.report(pos, "machine role "+mr.Name,
				"trust only write or admin permission sets here; give readers a read-only role",
				fmt.Sprintf("machine role %s (access_level %s) trusts permission set %s (access_level %s): its holders can chain into %s access",
					mr.Name, mr.AccessLevel, name, ps.AccessLevel, mr.AccessLevel))
		}
	}
}
