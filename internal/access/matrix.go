package access

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Filter narrows a matrix. Every field is a list of names or globs (* and
// ?); an empty field does not filter. Groups, Users and Principals widen
// each other (a grant passes if its principal matches any of them), as do
// PermissionSets and Roles; the three kinds of filter narrow together.
type Filter struct {
	Groups []string
	Users  []string
	// Principals match the principal key ("github:acme/*") or its name.
	Principals []string
	// Accounts match account names or ids.
	Accounts []string
	// PermissionSets match permission sets and the roles chained from
	// them.
	PermissionSets []string
	Roles          []string
}

// UnknownError is a filter or query naming something the organization
// does not define.
type UnknownError struct {
	Kind       string // "group", "account", ...
	Name       string
	Suggestion string
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.Kind, e.Name)
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return msg
}

func unknown(kind, name string, defined []string) *UnknownError {
	return &UnknownError{Kind: kind, Name: name, Suggestion: config.Suggest(name, defined)}
}

// Check reports the first name (not glob) that o does not define.
func (f Filter) Check(o *org.Org) error {
	check := func(kind string, list []string, exists func(string) bool, defined func() []string) error {
		for _, n := range list {
			if !isGlob(n) && !exists(n) {
				return unknown(kind, n, defined())
			}
		}
		return nil
	}
	if err := check("group", f.Groups, func(n string) bool { _, ok := o.Group(n); return ok }, func() []string { return groupNames(o) }); err != nil {
		return err
	}
	if err := check("user", f.Users, func(n string) bool { return hasUser(o, n) }, func() []string { return userNames(o) }); err != nil {
		return err
	}
	if err := check("account", f.Accounts, func(n string) bool { return findAccount(o, n) != nil }, func() []string { return accountNames(o) }); err != nil {
		return err
	}
	if err := check("permission set", f.PermissionSets, func(n string) bool { _, ok := o.PermissionSet(n); return ok }, func() []string { return setNames(o) }); err != nil {
		return err
	}
	return check("machine role", f.Roles, func(n string) bool { _, ok := o.MachineRole(n); return ok }, func() []string { return roleNames(o) })
}

// Match reports whether g passes the filter.
func (f Filter) Match(g Grant) bool {
	if len(f.Groups)+len(f.Users)+len(f.Principals) > 0 {
		ok := (g.PrincipalType == TypeGroup && anyGlob(f.Groups, g.Principal)) ||
			(g.PrincipalType == TypeUser && anyGlob(f.Users, g.Principal)) ||
			anyGlob(f.Principals, g.Key()) || anyGlob(f.Principals, g.Principal)
		if !ok {
			return false
		}
	}
	if len(f.Accounts) > 0 && !anyGlob(f.Accounts, g.Account) && !anyGlob(f.Accounts, g.AccountID) {
		return false
	}
	if len(f.PermissionSets)+len(f.Roles) > 0 {
		ok := (g.AccessType == AccessPermissionSet && anyGlob(f.PermissionSets, g.Access)) ||
			(g.AccessType == AccessRole && (anyGlob(f.Roles, g.Access) || (g.Via != "" && anyGlob(f.PermissionSets, g.Via))))
		if !ok {
			return false
		}
	}
	return true
}

func (f Filter) matchAccount(a *org.Account) bool {
	return len(f.Accounts) == 0 || anyGlob(f.Accounts, a.Name) || anyGlob(f.Accounts, a.ID)
}

// Account is a matrix column.
type Account struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Matrix is who can reach what: the accounts (columns), the principals
// with at least one grant (rows, as Grant.Key) and every grant, sorted.
type Matrix struct {
	Accounts   []Account `json:"accounts"`
	Principals []string  `json:"principals"`
	Grants     []Grant   `json:"grants"`
}

// NewMatrix builds the matrix of o narrowed by f. It fails only when f
// names something o does not define (an *UnknownError).
func NewMatrix(o *org.Org, f Filter) (*Matrix, error) {
	if err := f.Check(o); err != nil {
		return nil, err
	}
	m := &Matrix{Accounts: []Account{}, Principals: []string{}, Grants: []Grant{}}
	for _, a := range o.Accounts {
		if f.matchAccount(a) {
			m.Accounts = append(m.Accounts, Account{Name: a.Name, ID: a.ID})
		}
	}
	for _, g := range Grants(o) {
		if !f.Match(g) {
			continue
		}
		if n := len(m.Principals); n == 0 || m.Principals[n-1] != g.Key() {
			m.Principals = append(m.Principals, g.Key())
		}
		m.Grants = append(m.Grants, g)
	}
	return m, nil
}

// Row is one principal of a matrix with its grants per account: Cells[i]
// holds the grants in Accounts[i], permission sets first.
type Row struct {
	Principal string
	Cells     [][]Grant
}

// Rows arranges the grants as a grid, one row per principal.
func (m *Matrix) Rows() []Row {
	col := make(map[string]int, len(m.Accounts))
	for i, a := range m.Accounts {
		col[a.Name] = i
	}
	var rows []Row
	for _, g := range m.Grants {
		if len(rows) == 0 || rows[len(rows)-1].Principal != g.Key() {
			rows = append(rows, Row{Principal: g.Key(), Cells: make([][]Grant, len(m.Accounts))})
		}
		r := &rows[len(rows)-1]
		if i, ok := col[g.Account]; ok {
			r.Cells[i] = append(r.Cells[i], g)
		}
	}
	return rows
}

// Line is one principal and access with every account it reaches: the
// matrix folded for organizations with too many accounts for columns.
type Line struct {
	Principal   string
	AccessType  string
	Access      string
	AccessLevel string
	Via         string
	Accounts    []string
}

// Lines folds the grants into one line per principal and access (and
// via), keeping the order of the grants.
func (m *Matrix) Lines() []Line {
	idx := map[string]int{}
	var out []Line
	for _, g := range m.Grants {
		k := g.Key() + "\x00" + g.AccessType + "\x00" + g.Access + "\x00" + g.Via
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Line{Principal: g.Key(), AccessType: g.AccessType, Access: g.Access,
				AccessLevel: g.AccessLevel, Via: g.Via})
		}
		if n := len(out[i].Accounts); n == 0 || out[i].Accounts[n-1] != g.Account {
			out[i].Accounts = append(out[i].Accounts, g.Account)
		}
	}
	// Grants are sorted by account within a principal, so each line's
	// accounts are sorted too; order the lines by access within their
	// principal, keeping the principals' order.
	rank := map[string]int{}
	for _, l := range out {
		if _, ok := rank[l.Principal]; !ok {
			rank[l.Principal] = len(rank)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Principal != b.Principal {
			return rank[a.Principal] < rank[b.Principal]
		}
		if a.AccessType != b.AccessType {
			return a.AccessType == AccessPermissionSet
		}
		if a.Access != b.Access {
			return a.Access < b.Access
		}
		return a.Via < b.Via
	})
	return out
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?") }

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if org.Glob(p, s) {
			return true
		}
	}
	return false
}

func findAccount(o *org.Org, nameOrID string) *org.Account {
	if a, ok := o.Account(nameOrID); ok {
		return a
	}
	if a, ok := o.AccountByID(nameOrID); ok {
		return a
	}
	return nil
}

func hasUser(o *org.Org, name string) bool {
	for _, u := range o.Users {
		if u.Name == name {
			return true
		}
	}
	return false
}

func groupNames(o *org.Org) []string {
	out := make([]string, len(o.Groups))
	for i, g := range o.Groups {
		out[i] = g.Name
	}
	return out
}

func userNames(o *org.Org) []string {
	out := make([]string, len(o.Users))
	for i, u := range o.Users {
		out[i] = u.Name
	}
	return out
}

func accountNames(o *org.Org) []string {
	out := make([]string, len(o.Accounts))
	for i, a := range o.Accounts {
		out[i] = a.Name
	}
	return out
}

func setNames(o *org.Org) []string {
	out := make([]string, len(o.PermissionSets))
	for i, p := range o.PermissionSets {
		out[i] = p.Name
	}
	return out
}

func roleNames(o *org.Org) []string {
	out := make([]string, len(o.MachineRoles))
	for i, r := range o.MachineRoles {
		out[i] = r.Name
	}
	return out
}
