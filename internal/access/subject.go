package access

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/org"
)

// resolve fills in the subject (and identity) and returns the grants'
// match.
func (e *Explanation) resolve(o *org.Org, name string) (func(Grant) bool, error) {
	if t, rest, ok := strings.Cut(name, ":"); ok && typeRank(t) < len(PrincipalTypes) {
		return e.principal(o, t, rest)
	}
	_, isGroup := o.Group(name)
	isUser := hasUser(o, name)
	switch {
	case isGroup && isUser:
		return nil, &AmbiguousError{Name: name, Kinds: []string{TypeGroup, TypeUser}}
	case isGroup:
		return e.principal(o, TypeGroup, name)
	case isUser:
		return e.principal(o, TypeUser, name)
	}
	for _, tp := range trustKeys(o) {
		if tp.Name == name {
			return e.principal(o, tp.Type, name)
		}
	}
	if id, ok := o.Identity(name); ok {
		e.Subject.Kind = SubjectIdentity
		e.Identity = &IdentityInfo{Name: id.Name, Kind: id.Kind, Derived: id.Derived, Description: id.Description,
			Account: id.Account, PermissionSet: id.PermissionSet, MachineRole: id.MachineRole, RoleARN: id.RoleARN,
			ViaIdentity: id.ViaIdentity, ViaProvider: id.ViaProvider, Chain: id.Chain, Pos: id.Pos}
		return e.identityTarget(o, id, 0), nil
	}
	if acct, access, ok := strings.Cut(name, "/"); ok {
		if a := findAccount(o, acct); a != nil {
			if _, ok := o.PermissionSet(access); ok {
				e.Subject.Kind = SubjectTarget
				return e.target(a, AccessPermissionSet, access, ""), nil
			}
			if mr, ok := o.MachineRole(access); ok {
				e.Subject.Kind = SubjectTarget
				return e.roleTarget(a, mr), nil
			}
			return nil, unknown("permission set or machine role", access, append(setNames(o), roleNames(o)...))
		}
	}
	var known []string
	known = append(known, groupNames(o)...)
	known = append(known, userNames(o)...)
	for _, id := range o.Identities {
		known = append(known, id.Name)
	}
	return nil, unknown("principal or identity", name, known)
}

func (e *Explanation) principal(o *org.Org, typ, name string) (func(Grant) bool, error) {
	e.Subject = Subject{Kind: SubjectPrincipal, PrincipalType: typ, Principal: name}
	switch typ {
	case TypeGroup:
		if _, ok := o.Group(name); !ok {
			return nil, unknown("group", name, groupNames(o))
		}
	case TypeUser:
		if !hasUser(o, name) {
			return nil, unknown("user", name, userNames(o))
		}
		for _, u := range o.Users {
			if u.Name == name && u.Expires != "" {
				note := "user " + name + " is assigned until " + u.Expires
				if u.Reason != "" {
					note += " (" + u.Reason + ")"
				}
				e.Notes = append(e.Notes, note)
			}
		}
	default:
		var names []string
		found := false
		for _, tp := range trustKeys(o) {
			if tp.Type == typ {
				names = append(names, tp.Name)
				found = found || matchPrincipal(tp.Type, tp.Name, typ, name)
			}
		}
		if !found {
			return nil, unknown(typ+" trust principal", name, names)
		}
	}
	return func(g Grant) bool { return matchPrincipal(g.PrincipalType, g.Principal, typ, name) }, nil
}

// matchPrincipal: a GitHub repository or OIDC issuer matches each of its
// subjects ("acme/infrastructure" matches "acme/infrastructure (branch
// main)").
func matchPrincipal(gotType, got, typ, name string) bool {
	if gotType != typ {
		return false
	}
	return got == name || ((typ == TypeGitHub || typ == TypeOIDC) && strings.HasPrefix(got, name+" ("))
}

// trustKeys lists every trust principal of the organization once, sorted.
func trustKeys(o *org.Org) []TrustPrincipal {
	seen := map[string]bool{}
	var out []TrustPrincipal
	for _, mr := range o.MachineRoles {
		for _, tp := range TrustPrincipals(mr.Trust) {
			if k := tp.Type + ":" + tp.Name; !seen[k] {
				seen[k] = true
				out = append(out, tp)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return typeRank(out[i].Type) < typeRank(out[j].Type)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (e *Explanation) target(a *org.Account, typ, access, arn string) func(Grant) bool {
	e.Subject.Account, e.Subject.AccountID = a.Name, a.ID
	e.Subject.AccessType, e.Subject.Access, e.Subject.RoleARN = typ, access, arn
	return func(g Grant) bool { return g.Account == a.Name && g.AccessType == typ && g.Access == access }
}

func (e *Explanation) roleTarget(a *org.Account, mr *org.MachineRole) func(Grant) bool {
	for _, inst := range mr.Instances {
		if inst.Account == a.Name {
			return e.target(a, AccessRole, mr.Name, inst.ARN)
		}
	}
	e.Subject.Account, e.Subject.AccountID = a.Name, a.ID
	e.Notes = append(e.Notes, fmt.Sprintf("machine role %s is not created in %s", mr.Name, a.Name))
	return nil
}

// identityTarget explains an identity by what it finally reaches: its
// permission set, its machine role, or, for a role sesame does not
// manage, the identity it is assumed from.
func (e *Explanation) identityTarget(o *org.Org, id *org.Identity, depth int) func(Grant) bool {
	a, _ := o.Account(id.Account)
	switch {
	case id.Kind == org.KindPermissionSet && a != nil:
		return e.target(a, AccessPermissionSet, id.PermissionSet, "")
	case id.Kind == org.KindAssumeRole && id.MachineRole != "" && a != nil:
		if mr, ok := o.MachineRole(id.MachineRole); ok {
			return e.roleTarget(a, mr)
		}
	case id.Kind == org.KindAssumeRole:
		for _, mr := range o.MachineRoles {
			for _, inst := range mr.Instances {
				if inst.ARN == id.RoleARN {
					ia, _ := o.Account(inst.Account)
					return e.roleTarget(ia, mr)
				}
			}
		}
		if via, ok := o.Identity(id.ViaIdentity); ok && depth < 8 {
			e.Notes = append(e.Notes, fmt.Sprintf("sesame does not manage %s: its trust policy in AWS decides who may assume it; %s assumes it from identity %s, whose grants follow", id.RoleARN, id.Name, via.Name))
			return e.identityTarget(o, via, depth+1)
		}
		e.Notes = append(e.Notes, fmt.Sprintf("%s assumes %s, which sesame does not manage, from provider %s: no assignment or machine role in the configuration grants it", id.Name, id.RoleARN, id.ViaProvider))
		return nil
	}
	e.Notes = append(e.Notes, fmt.Sprintf("%s is a %s identity of provider %s: no assignment or machine role in the configuration grants it", id.Name, id.Kind, id.ViaProvider))
	return nil
}
