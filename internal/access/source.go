package access

import (
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// AssignmentSource is the assignment entry behind a permission set (or
// behind the permission set a role is chained from).
type AssignmentSource struct {
	// Pos is the assignment entry.
	Pos config.Pos `json:"pos"`
	// PermissionSetPos is where the permission set is named in the entry.
	PermissionSetPos config.Pos `json:"permission_set_pos"`
	// Accounts is the entry's account selector as written ("all",
	// "[plat-dev, plat-sandbox]", "{tenants: [core]}").
	Accounts string `json:"accounts,omitempty"`
	// Matched says why the account matches the selector ("tenant core").
	Matched string `json:"matched,omitempty"`
}

// TrustSource is the trust statement of a machine role that admits a
// principal or a permission set.
type TrustSource struct {
	Pos config.Pos `json:"pos"`
	// Kind is the trust list: permission_sets, github, oidc, saml or aws.
	Kind      string `json:"kind"`
	Statement string `json:"statement"`
}

// source finds where things are written in the configuration. The model
// keeps only the position of each assignment entry and machine role; the
// configuration's index knows the selector and every list item. Without a
// configuration the positions fall back to the model's and the selector
// text is empty.
type source struct {
	o           *org.Org
	cfg         *config.Config
	assignments map[config.Pos]*config.Assignment
}

func newSource(o *org.Org, cfg *config.Config) *source {
	s := &source{o: o, cfg: cfg, assignments: map[config.Pos]*config.Assignment{}}
	if cfg != nil && cfg.File != nil {
		for _, a := range cfg.File.Assignments {
			if a != nil {
				s.assignments[a.Pos] = a
			}
		}
	}
	return s
}

func posOf[T any](s *source, p *T, fallback config.Pos) config.Pos {
	if s.cfg != nil {
		if pos := config.PosOf(s.cfg.Index, p); pos.IsValid() {
			return pos
		}
	}
	return fallback
}

// assignment explains the assignment entry at pos giving set in account.
func (s *source) assignment(pos config.Pos, set, account string) *AssignmentSource {
	as := &AssignmentSource{Pos: pos, PermissionSetPos: pos}
	ca := s.assignments[pos]
	if ca == nil {
		return as
	}
	for i := range ca.PermissionSets {
		if ca.PermissionSets[i] == set {
			as.PermissionSetPos = posOf(s, &ca.PermissionSets[i], pos)
			break
		}
	}
	if ca.Accounts != nil {
		as.Accounts = describeSelector(ca.Accounts)
		if a, ok := s.o.Account(account); ok {
			as.Matched = matchReason(ca.Accounts, a)
		}
	}
	return as
}

// trust finds the statement of machine role g.Access that admits g: the
// trust.permission_sets item naming g.Via, or the trust source entry.
func (s *source) trust(g Grant) *TrustSource {
	mr, ok := s.o.MachineRole(g.Access)
	if !ok {
		return nil
	}
	var cr *config.MachineRole
	if s.cfg != nil && s.cfg.File != nil {
		cr = s.cfg.File.MachineRoles[g.Access]
	}
	fallback := mr.Pos
	if cr != nil && cr.Trust != nil && cr.Trust.Pos.IsValid() {
		fallback = cr.Trust.Pos
	}
	if g.Via != "" {
		ts := &TrustSource{Pos: fallback, Kind: "permission_sets", Statement: "trust.permission_sets: " + g.Via}
		if cr != nil && cr.Trust != nil {
			for i := range cr.Trust.PermissionSets {
				if cr.Trust.PermissionSets[i] == g.Via {
					ts.Pos = posOf(s, &cr.Trust.PermissionSets[i], fallback)
				}
			}
		}
		return ts
	}
	for _, tp := range TrustPrincipals(mr.Trust) {
		if tp.Type != g.PrincipalType || tp.Name != g.Principal {
			continue
		}
		ts := &TrustSource{Pos: fallback, Kind: tp.Type, Statement: tp.Statement}
		if cr != nil && cr.Trust != nil {
			ts.Pos = s.trustItem(cr.Trust, tp, fallback)
		}
		return ts
	}
	return nil
}

// trustItem is where the part of a trust entry admitting tp is written.
// The model drops empty entries, so the entry index counts the others.
func (s *source) trustItem(t *config.Trust, tp TrustPrincipal, fallback config.Pos) config.Pos {
	switch tp.Type {
	case TypeGitHub:
		if e := nth(t.GitHub, tp.Entry); e != nil {
			var list []string
			switch tp.Field {
			case "branches":
				list = e.Branches
			case "tags":
				list = e.Tags
			case "environments":
				list = e.Environments
			case "pull_requests":
				return posOf(s, &e.PullRequests, e.Pos)
			}
			for i := range list {
				if list[i] == tp.Value {
					return posOf(s, &list[i], e.Pos)
				}
			}
			return e.Pos
		}
	case TypeOIDC:
		if e := nth(t.OIDC, tp.Entry); e != nil {
			if tp.Item < len(e.Subjects) {
				return posOf(s, &e.Subjects[tp.Item], e.Pos)
			}
			return e.Pos
		}
	case TypeSAML:
		if e := nth(t.SAML, tp.Entry); e != nil {
			return posOf(s, &e.Provider, e.Pos)
		}
	case TypeAWS:
		if e := nth(t.AWS, tp.Entry); e != nil {
			if tp.Item < len(e.Principals) {
				return posOf(s, &e.Principals[tp.Item], e.Pos)
			}
			return e.Pos
		}
	}
	return fallback
}

// nth returns the n-th non-nil entry of list.
func nth[T any](list []*T, n int) *T {
	for _, e := range list {
		if e == nil {
			continue
		}
		if n == 0 {
			return e
		}
		n--
	}
	return nil
}

// describeSelector writes a selector back in YAML flow style.
func describeSelector(sel *config.Selector) string {
	var parts []string
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+": ["+strings.Join(v, ", ")+"]")
		}
	}
	onlyNames := !sel.All && len(sel.Tenants)+len(sel.Stages)+len(sel.Environments)+len(sel.OUs)+len(sel.Tags)+len(sel.Exclude) == 0
	switch {
	case onlyNames:
		return "[" + strings.Join(sel.Names, ", ") + "]"
	case sel.All && len(sel.Exclude) == 0 && len(sel.Names) == 0 && len(sel.Tenants)+len(sel.Stages)+len(sel.Environments)+len(sel.OUs)+len(sel.Tags) == 0:
		return "all"
	}
	if sel.All {
		parts = append(parts, "all: true")
	}
	add("names", sel.Names)
	add("tenants", sel.Tenants)
	add("stages", sel.Stages)
	add("environments", sel.Environments)
	add("ous", sel.OUs)
	if len(sel.Tags) > 0 {
		keys := make([]string, 0, len(sel.Tags))
		for k := range sel.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var tags []string
		for _, k := range keys {
			tags = append(tags, k+": "+sel.Tags[k])
		}
		parts = append(parts, "tags: {"+strings.Join(tags, ", ")+"}")
	}
	add("exclude", sel.Exclude)
	return "{" + strings.Join(parts, ", ") + "}"
}

// matchReason says which parts of sel account a satisfies.
func matchReason(sel *config.Selector, a *org.Account) string {
	var why []string
	if sel.All {
		why = append(why, "all accounts")
	}
	for _, n := range sel.Names {
		if org.Glob(n, a.Name) {
			if n == a.Name {
				why = append(why, "named")
			} else {
				why = append(why, "name matches "+n)
			}
			break
		}
	}
	if len(sel.Tenants) > 0 {
		why = append(why, "tenant "+a.Tenant)
	}
	if len(sel.Stages) > 0 {
		why = append(why, "stage "+a.Stage)
	}
	if len(sel.Environments) > 0 {
		why = append(why, "environment "+a.Environment)
	}
	if len(sel.OUs) > 0 {
		why = append(why, "ou "+a.OU)
	}
	if len(sel.Tags) > 0 {
		keys := make([]string, 0, len(sel.Tags))
		for k := range sel.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			why = append(why, "tag "+k+"="+a.Tags[k])
		}
	}
	return strings.Join(why, ", ")
}
