package lint

import (
	"fmt"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/policy"
)

// Inline statements that grant more than their authors meant
// (docs/lint.md, D2, D3, D6), in permission sets and machine
// roles alike.

func checkWildcardAllow(c *checker) {
	for _, h := range c.holders() {
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" || !hasStar(s.Resource) {
				return
			}
			var wild []string
			for _, a := range s.Action {
				if wildcardService(a) {
					wild = append(wild, a)
				}
			}
			if len(wild) > 0 {
				c.report(pos, h.subject(), "name the actions and resources the job needs; use a managed policy if you mean full access",
					fmt.Sprintf("%s: %s allows %s on every resource (*)", h.subject(), stmtName(s, i), listNames(wild, 4)))
			}
		})
	}
}

func checkAllowNot(c *checker) {
	for _, h := range c.holders() {
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" {
				return
			}
			if len(s.NotAction) > 0 {
				c.report(pos, h.subject(), "list the allowed actions; use NotAction only in Deny statements",
					fmt.Sprintf("%s: %s allows every action except %s, including actions AWS adds later", h.subject(), stmtName(s, i), listNames(s.NotAction, 3)))
			}
			if len(s.NotResource) > 0 {
				c.report(pos, h.subject(), "list the allowed resources; use NotResource only in Deny statements",
					fmt.Sprintf("%s: %s allows its actions on every resource except %s", h.subject(), stmtName(s, i), listNames(s.NotResource, 3)))
			}
		})
	}
}

// checkRoleAction reports Allow statements where an action matching
// action is granted on every role.
func (c *checker) checkRoleAction(action, hint, why string) {
	for _, h := range c.holders() {
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" {
				return
			}
			granted := false
			for _, a := range s.Action {
				if covers(a, action) && !wildcardGranted(s, a) {
					granted = true
				}
			}
			if !granted {
				return
			}
			for _, r := range s.Resource {
				if anyRole(r) {
					c.report(pos, h.subject(), hint,
						fmt.Sprintf("%s: %s allows %s on every role (%s): %s", h.subject(), stmtName(s, i), action, r, why))
					return
				}
			}
		})
	}
}

func checkPassRole(c *checker) {
	c.checkRoleAction("iam:PassRole",
		"name the roles it may pass, and add an iam:PassedToService condition",
		"holders can hand any role, admin included, to a service they control")
}

func checkAssumeRole(c *checker) {
	c.checkRoleAction("sts:AssumeRole",
		"name the roles it may assume (ARNs, or a narrow pattern such as arn:aws:iam::*:role/acme-*-planner)",
		"only each target's trust policy limits where it goes")
}

// escalation are IAM actions that let a holder grant itself more.
var escalation = []string{
	"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachRolePolicy",
	"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey",
}

// controlPlane are services whose writes change who can sign in and what
// they get.
func controlPlane(a string) bool {
	svc, _, _ := strings.Cut(strings.ToLower(a), ":")
	return svc == "sso" || svc == "identitystore" || svc == "organizations"
}

func checkEscalation(c *checker) {
	for _, h := range c.holders() {
		if fullAdmin(h) {
			continue // AdministratorAccess already grants all of it
		}
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" || len(s.Condition) > 0 {
				return
			}
			var found []string
			seen := map[string]bool{}
			add := func(a string) {
				if !seen[a] {
					seen[a] = true
					found = append(found, a)
				}
			}
			for _, a := range s.Action {
				if a == "*" || wildcardGranted(s, a) {
					continue // wildcard-allow reports those
				}
				if controlPlane(a) && writeCapable(a) {
					add(a)
					continue
				}
				for _, e := range escalation {
					if covers(a, e) {
						add(e)
					}
				}
			}
			if len(found) > 0 {
				c.report(pos, h.subject(),
					"drop these actions, or scope them with conditions (iam:PolicyARN, aws:ResourceTag, aws:PrincipalTag) and narrow resources",
					fmt.Sprintf("%s: %s allows %s without a condition: holders can grant themselves more", h.subject(), stmtName(s, i), listNames(found, 4)))
			}
		})
	}
}

func checkAssumeRoot(c *checker) {
	for _, h := range c.holders() {
		c.statements(h, func(s policy.Statement, i int, pos config.Pos) {
			if s.Effect != "Allow" {
				return
			}
			granted := false
			for _, a := range s.Action {
				if a != "*" && covers(a, "sts:AssumeRoot") {
					granted = true
				}
			}
			if !granted {
				return
			}
			if !hasConditionKey(s, "sts:TaskPolicyArn") {
				c.report(pos, h.subject(), "add a StringEquals sts:TaskPolicyArn condition naming the root-task policies allowed",
					fmt.Sprintf("%s: %s allows sts:AssumeRoot without an sts:TaskPolicyArn condition: any root task", h.subject(), stmtName(s, i)))
			}
			for _, r := range s.Resource {
				if r == "*" || strings.Contains(r, "::*:root") {
					c.report(pos, h.subject(), "name the member accounts' roots (arn:aws:iam::<id>:root) where feasible",
						fmt.Sprintf("%s: %s allows sts:AssumeRoot on every account's root (%s)", h.subject(), stmtName(s, i), r))
					break
				}
			}
		})
	}
}

func hasConditionKey(s policy.Statement, key string) bool {
	for _, keys := range s.Condition {
		for k := range keys {
			if strings.EqualFold(k, key) {
				return true
			}
		}
	}
	return false
}
