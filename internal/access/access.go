// Package access answers three questions about the resolved organization:
// who can reach what (Matrix), why a principal reaches an account or how an
// identity is reached (Explain), and what a change to the configuration
// grants and revokes (Compare). Everything is computed from the model in
// package org, with no AWS calls; the functions return values and never
// print, so the command can render them as tables, CSV, JSON, Markdown or
// HTML.
//
// A grant is one (principal, account, access) triple. Principals are the
// Identity Center groups and users of assignments, and the machine-role
// trust sources (a GitHub repository with one branch, tag, environment or
// pull requests; an OIDC issuer with one subject; a SAML provider; an AWS
// principal). Access is a permission set, or a machine role: roles are
// reached directly by their trust sources, and by chaining from every
// permission set their trust lists (trust.permission_sets) in the same
// account.
package access

import (
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Principal types, in the order tables list them.
const (
	TypeGroup  = "group"
	TypeUser   = "user"
	TypeGitHub = "github"
	TypeOIDC   = "oidc"
	TypeSAML   = "saml"
	TypeAWS    = "aws"
)

// PrincipalTypes lists the principal types in table order.
var PrincipalTypes = []string{TypeGroup, TypeUser, TypeGitHub, TypeOIDC, TypeSAML, TypeAWS}

// Access types: what a grant gives.
const (
	AccessPermissionSet = "permission_set"
	AccessRole          = "role"
)

// Grant is one way a principal reaches an account.
type Grant struct {
	PrincipalType string `json:"principal_type"`
	Principal     string `json:"principal"`
	Account       string `json:"account"`
	AccountID     string `json:"account_id"`
	AccessType    string `json:"access_type"`
	// Access is the permission set or machine role name.
	Access      string `json:"access"`
	AccessLevel string `json:"access_level,omitempty"`
	// Via is the permission set a machine role is chained from; empty for
	// permission sets and for roles a trust source assumes directly.
	Via string `json:"via,omitempty"`
	// RoleARN is the role's ARN in the account (roles only).
	RoleARN string `json:"role_arn,omitempty"`
	// Source is where the grant is written: the assignment entry (for a
	// chained role, the assignment of Via), or the machine role of a
	// trust source.
	Source config.Pos `json:"source"`
}

// Key names the grant's principal as tables and Explain show it:
// "group:DevOps", "github:acme/infrastructure (environment apply)".
func (g Grant) Key() string { return g.PrincipalType + ":" + g.Principal }

// AccessLabel is the access as one phrase: "TerraformApplyAccess",
// "role terraform via TerraformApplyAccess", "role planner".
func (g Grant) AccessLabel() string {
	if g.AccessType != AccessRole {
		return g.Access
	}
	if g.Via != "" {
		return "role " + g.Access + " via " + g.Via
	}
	return "role " + g.Access
}

// id is what makes a grant the same grant in two organizations.
func (g Grant) id() string {
	return strings.Join([]string{g.PrincipalType, g.Principal, g.Account, g.AccountID, g.AccessType, g.Access, g.Via}, "\x00")
}

// Grants lists every grant of the organization, sorted (see Less).
func Grants(o *org.Org) []Grant {
	var out []Grant
	// holders indexes assignments by account and permission set, for
	// chaining into roles that trust the set.
	holders := map[[2]string][]org.Assignment{}
	for _, a := range o.Assignments {
		out = append(out, Grant{PrincipalType: principalType(a.PrincipalType), Principal: a.Principal,
			Account: a.Account, AccountID: a.AccountID, AccessType: AccessPermissionSet, Access: a.PermissionSet,
			AccessLevel: setLevel(o, a.PermissionSet), Source: a.Pos})
		k := [2]string{a.Account, a.PermissionSet}
		holders[k] = append(holders[k], a)
	}
	seen := map[string]bool{}
	add := func(g Grant) {
		if id := g.id(); !seen[id] {
			seen[id] = true
			out = append(out, g)
		}
	}
	for _, mr := range o.MachineRoles {
		sources := TrustPrincipals(mr.Trust)
		for _, inst := range mr.Instances {
			base := Grant{Account: inst.Account, AccountID: inst.AccountID, AccessType: AccessRole,
				Access: mr.Name, AccessLevel: mr.AccessLevel, RoleARN: inst.ARN}
			for _, ps := range mr.Trust.PermissionSets {
				for _, a := range holders[[2]string{inst.Account, ps}] {
					g := base
					g.PrincipalType, g.Principal, g.Via, g.Source = principalType(a.PrincipalType), a.Principal, ps, a.Pos
					add(g)
				}
			}
			for _, tp := range sources {
				g := base
				g.PrincipalType, g.Principal, g.Source = tp.Type, tp.Name, mr.Pos
				add(g)
			}
		}
	}
	Sort(out)
	return out
}

// Sort orders grants by principal type (groups, users, then trust sources),
// principal, account, permission sets before roles, access and via.
func Sort(gs []Grant) { sort.SliceStable(gs, func(i, j int) bool { return Less(gs[i], gs[j]) }) }

// Less is the order of Sort.
func Less(a, b Grant) bool {
	if a.PrincipalType != b.PrincipalType {
		return typeRank(a.PrincipalType) < typeRank(b.PrincipalType)
	}
	if a.Principal != b.Principal {
		return a.Principal < b.Principal
	}
	if a.Account != b.Account {
		return a.Account < b.Account
	}
	if a.AccountID != b.AccountID {
		return a.AccountID < b.AccountID
	}
	if a.AccessType != b.AccessType {
		return a.AccessType == AccessPermissionSet
	}
	if a.Access != b.Access {
		return a.Access < b.Access
	}
	return a.Via < b.Via
}

func typeRank(t string) int {
	for i, pt := range PrincipalTypes {
		if pt == t {
			return i
		}
	}
	return len(PrincipalTypes)
}

func principalType(modelType string) string {
	if modelType == org.PrincipalUser {
		return TypeUser
	}
	return TypeGroup
}

func setLevel(o *org.Org, name string) string {
	if ps, ok := o.PermissionSet(name); ok {
		return ps.AccessLevel
	}
	return ""
}
