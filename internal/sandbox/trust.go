package sandbox

import (
	"slices"
	"strings"

	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/policy"
)

// The sandbox evaluates the two policies AWS checks on AssumeRole: the
// target role's trust policy and the caller's identity policy; and on
// AssumeRoleWithWebIdentity the trust policy alone. It covers what sesame
// renders (principals by account, role or user ARN, federated OIDC
// providers; string, ARN and bool conditions); anything it does not
// understand denies.

// adminPolicies grant sts:AssumeRole on any resource. Other AWS-managed
// policies (ReadOnlyAccess, ViewOnlyAccess, Billing, ...) grant no role
// assumption.
var adminPolicies = map[string]bool{"AdministratorAccess": true, "PowerUserAccess": true}

// condContext holds the condition keys of a request.
type condContext map[string]string

// get looks a condition key up as IAM does: key names are not case
// sensitive (aws:PrincipalArn, aws:principalarn), their values are.
func (c condContext) get(key string) (string, bool) {
	if v, ok := c[key]; ok {
		return v, true
	}
	for k, v := range c {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// trustAllows reports whether the trust policy lets caller perform action.
func trustAllows(doc *policy.Document, caller *credential, action string, ctx condContext) bool {
	return evalTrust(doc, action, ctx, func(p map[string]policy.Values) bool { return principalMatches(p, caller) })
}

// federatedAllows reports whether the trust policy lets a web identity of
// provider (arn:<partition>:iam::<account>:oidc-provider/<host>) perform
// action: a statement applies when its Principal.Federated names the
// provider exactly.
func federatedAllows(doc *policy.Document, provider, action string, ctx condContext) bool {
	return evalTrust(doc, action, ctx, func(p map[string]policy.Values) bool { return slices.Contains(p["Federated"], provider) })
}

// evalTrust applies the statements whose action, principal and conditions
// match: any Deny denies, otherwise any Allow allows.
func evalTrust(doc *policy.Document, action string, ctx condContext, principal func(map[string]policy.Values) bool) bool {
	if doc == nil {
		return false
	}
	allowed := false
	for _, st := range doc.Statement {
		if !matchAny(st.Action, action) || !principal(st.Principal) || !conditionsHold(st.Condition, ctx) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func principalMatches(p map[string]policy.Values, c *credential) bool {
	for _, v := range p["AWS"] {
		switch {
		case v == "*":
			return true
		case v == c.AccountID, strings.HasSuffix(v, ":iam::"+c.AccountID+":root"):
			return true
		case v == c.ARN, c.RoleARN != "" && v == c.RoleARN:
			return true
		}
	}
	return false
}

func conditionsHold(conds map[string]map[string]policy.Values, ctx condContext) bool {
	for op, keys := range conds {
		base, ifExists := strings.CutSuffix(op, "IfExists")
		for key, want := range keys {
			got, present := ctx.get(key)
			if !present {
				if ifExists || strings.HasPrefix(base, "StringNot") || strings.HasPrefix(base, "ArnNot") {
					continue
				}
				if base == "Null" {
					if len(want) == 1 && want[0] == "true" {
						continue
					}
				}
				return false
			}
			if !operatorHolds(base, got, want) {
				return false
			}
		}
	}
	return true
}

func operatorHolds(op, got string, want policy.Values) bool {
	any := func(f func(string) bool) bool {
		for _, w := range want {
			if f(w) {
				return true
			}
		}
		return false
	}
	switch op {
	case "StringEquals", "ArnEquals":
		return any(func(w string) bool { return w == got })
	case "StringNotEquals", "ArnNotEquals":
		return !any(func(w string) bool { return w == got })
	case "StringEqualsIgnoreCase":
		return any(func(w string) bool { return strings.EqualFold(w, got) })
	case "StringLike", "ArnLike":
		return any(func(w string) bool { return org.Glob(w, got) })
	case "StringNotLike", "ArnNotLike":
		return !any(func(w string) bool { return org.Glob(w, got) })
	case "Bool":
		return any(func(w string) bool { return strings.EqualFold(w, got) })
	case "Null":
		return any(func(w string) bool { return w == "false" })
	}
	return false
}

func matchAny(patterns policy.Values, s string) bool {
	for _, p := range patterns {
		if strings.EqualFold(p, s) || org.Glob(strings.ToLower(p), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// matchResource matches ARNs case-sensitively, as IAM does.
func matchResource(patterns policy.Values, arn string) bool {
	for _, p := range patterns {
		if org.Glob(p, arn) {
			return true
		}
	}
	return false
}

// identityAllows reports whether the caller's own policies allow action on
// resource. Long-term user keys are not modelled and are allowed.
func (s *Sandbox) identityAllows(c *credential, action, resource string) bool {
	var managed []string
	var inline *policy.Document
	switch {
	case c.PermissionSet != "":
		ps, ok := s.seed.permSets[c.PermissionSet]
		if !ok {
			return false
		}
		managed, inline = ps.ManagedPolicyARNs, ps.InlinePolicy
	case c.RoleARN != "":
		r, ok := s.seed.roles[c.RoleARN]
		if !ok {
			return false
		}
		managed, inline = r.Managed, r.Inline
	default:
		return true
	}
	allowed := false
	for _, arn := range managed {
		if adminPolicies[arn[strings.LastIndex(arn, "/")+1:]] {
			allowed = true
		}
	}
	if inline != nil {
		for _, st := range inline.Statement {
			if len(st.Condition) > 0 && st.Effect == "Allow" {
				continue // conditions on identity policies are not modelled: do not widen
			}
			actionOK := matchAny(st.Action, action) || (len(st.NotAction) > 0 && !matchAny(st.NotAction, action))
			resourceOK := matchResource(st.Resource, resource) || (len(st.NotResource) > 0 && !matchResource(st.NotResource, resource))
			if !actionOK || !resourceOK {
				continue
			}
			if st.Effect == "Deny" {
				return false
			}
			allowed = true
		}
	}
	return allowed
}
