package access

import (
	"bytes"
	"encoding/json"

	"github.com/sesame-cli/sesame/internal/org"
)

// Diff is what a change to the configuration grants and revokes.
type Diff struct {
	// Added grants exist only in head; Removed only in base. Both are
	// sorted like Grants; their Source is in head and base respectively.
	Added   []Grant `json:"added"`
	Removed []Grant `json:"removed"`
	// Changed grants exist in both, with another access level.
	Changed []LevelChange `json:"changed"`
	// Modified are permission sets and machine roles in both whose
	// policies, session length or trust changed: every holder's access
	// changes with them.
	Modified []Definition `json:"modified"`
}

// LevelChange is a grant whose access level changed; the embedded grant
// is head's.
type LevelChange struct {
	Grant
	From string `json:"from"`
	To   string `json:"to"`
}

// Definition is a permission set or machine role that changed.
type Definition struct {
	Kind    string   `json:"kind"` // AccessPermissionSet or AccessRole
	Name    string   `json:"name"`
	Changes []string `json:"changes"` // "inline policy", "trust", ...
	// Grants is how many grants of head reach it.
	Grants int `json:"grants"`
}

// Empty reports whether the two organizations give the same access.
func (d *Diff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Modified) == 0
}

// Compare computes what head grants and revokes relative to base. A grant
// is the same in both when principal, account (name and id), access and
// via are; a renamed or renumbered account is a removal and an addition.
func Compare(base, head *org.Org) *Diff {
	d := &Diff{Added: []Grant{}, Removed: []Grant{}, Changed: []LevelChange{}, Modified: []Definition{}}
	bg, hg := Grants(base), Grants(head)
	before := make(map[string]Grant, len(bg))
	for _, g := range bg {
		before[g.id()] = g
	}
	after := make(map[string]bool, len(hg))
	uses := map[string]int{}
	for _, g := range hg {
		after[g.id()] = true
		uses[g.AccessType+"\x00"+g.Access]++
		b, ok := before[g.id()]
		switch {
		case !ok:
			d.Added = append(d.Added, g)
		case b.AccessLevel != g.AccessLevel:
			d.Changed = append(d.Changed, LevelChange{Grant: g, From: b.AccessLevel, To: g.AccessLevel})
		}
	}
	for _, g := range bg {
		if !after[g.id()] {
			d.Removed = append(d.Removed, g)
		}
	}
	for _, hp := range head.PermissionSets {
		bp, ok := base.PermissionSet(hp.Name)
		if !ok {
			continue
		}
		if ch := setChanges(bp, hp); len(ch) > 0 {
			d.Modified = append(d.Modified, Definition{Kind: AccessPermissionSet, Name: hp.Name, Changes: ch,
				Grants: uses[AccessPermissionSet+"\x00"+hp.Name]})
		}
	}
	for _, hr := range head.MachineRoles {
		br, ok := base.MachineRole(hr.Name)
		if !ok {
			continue
		}
		if ch := roleChanges(br, hr); len(ch) > 0 {
			d.Modified = append(d.Modified, Definition{Kind: AccessRole, Name: hr.Name, Changes: ch,
				Grants: uses[AccessRole+"\x00"+hr.Name]})
		}
	}
	return d
}

// changes names the fields, in order, whose two values differ.
type changes []string

func (c *changes) check(what string, x, y any) {
	if !same(x, y) {
		*c = append(*c, what)
	}
}

func setChanges(a, b *org.PermissionSet) []string {
	var c changes
	c.check("access level", a.AccessLevel, b.AccessLevel)
	c.check("managed policies", a.ManagedPolicyARNs, b.ManagedPolicyARNs)
	c.check("customer managed policies", a.CustomerManagedPolicies, b.CustomerManagedPolicies)
	c.check("inline policy", a.InlinePolicy, b.InlinePolicy)
	c.check("permissions boundary", []any{a.BoundaryManagedARN, a.BoundaryCustomer}, []any{b.BoundaryManagedARN, b.BoundaryCustomer})
	c.check("session duration", a.SessionDuration, b.SessionDuration)
	return c
}

func roleChanges(a, b *org.MachineRole) []string {
	var c changes
	c.check("access level", a.AccessLevel, b.AccessLevel)
	c.check("managed policies", a.ManagedPolicyARNs, b.ManagedPolicyARNs)
	c.check("customer managed policies", a.CustomerManagedPolicies, b.CustomerManagedPolicies)
	c.check("inline policy", inline(a, b), inline(b, a))
	c.check("permissions boundary", a.BoundaryARN, b.BoundaryARN)
	c.check("max session duration", a.MaxSessionDuration, b.MaxSessionDuration)
	c.check("trust", a.Trust, b.Trust)
	return c
}

// inline is r's inline policy in each account where other is created too
// (a role created in more or fewer accounts shows as grants).
func inline(r, other *org.MachineRole) map[string]any {
	in := map[string]bool{}
	for _, inst := range other.Instances {
		in[inst.Account] = true
	}
	m := map[string]any{}
	for _, inst := range r.Instances {
		if in[inst.Account] {
			m[inst.Account] = inst.InlinePolicy
		}
	}
	return m
}

// same compares two values by their JSON, which is what Terraform would
// render from them.
func same(x, y any) bool {
	a, errA := json.Marshal(x)
	b, errB := json.Marshal(y)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
