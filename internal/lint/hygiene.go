package lint

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Hygiene (docs/lint.md, C): configuration that is legal but dead,
// redundant, unexplained or mislabelled.

func checkUnusedPermissionSets(c *checker) {
	used := map[string]bool{}
	for _, a := range c.o.Assignments {
		used[a.PermissionSet] = true
	}
	for _, ps := range c.o.PermissionSets {
		if !used[ps.Name] {
			c.report(ps.Pos, "permission set "+ps.Name,
				"assign it under assignments:, or delete it; machine-role trust alone does not make it reachable",
				fmt.Sprintf("permission set %s is never assigned", ps.Name))
		}
	}
}

func checkUnusedGroups(c *checker) {
	used := map[string]bool{}
	for _, a := range c.o.Assignments {
		if a.PrincipalType == org.PrincipalGroup {
			used[a.Principal] = true
		}
	}
	for _, g := range c.o.Groups {
		if !used[g.Name] {
			c.report(g.Pos, "group "+g.Name, "assign the group permission sets, or delete it",
				fmt.Sprintf("group %s is never assigned a permission set", g.Name))
		}
	}
}

func checkUnusedUsers(c *checker) {
	used := usersWithAssignments(c.o)
	for _, u := range c.o.Users {
		if !used[u.Name] {
			c.report(u.Pos, "user "+u.Name, "users: lists people with direct assignments only; delete the entry",
				fmt.Sprintf("user %s has no direct assignment", u.Name))
		}
	}
}

func usersWithAssignments(o *org.Org) map[string]bool {
	used := map[string]bool{}
	for _, a := range o.Assignments {
		if a.PrincipalType == org.PrincipalUser {
			used[a.Principal] = true
		}
	}
	return used
}

func checkAccountsWithoutAccess(c *checker) {
	used := map[string]bool{}
	for _, a := range c.o.Assignments {
		used[a.Account] = true
	}
	for _, mr := range c.o.MachineRoles {
		for _, inst := range mr.Instances {
			used[inst.Account] = true
		}
	}
	for _, a := range c.o.Accounts {
		if !used[a.Name] {
			c.report(a.Pos, "account "+a.Name,
				"assign someone a permission set there (or a machine role), or remove the account if it is closed",
				fmt.Sprintf("account %s has no assignments and no machine roles: nobody can reach it through sesame", a.Name))
		}
	}
}

func checkOverlappingAdminSets(c *checker) {
	reasons := c.adminSets()
	type held struct {
		set string
		pos config.Pos
	}
	type principalAccount struct{ pt, p, account string }
	byPA := map[principalAccount][]held{}
	var order []principalAccount
	for _, a := range c.o.Assignments {
		if reasons[a.PermissionSet] == "" {
			continue
		}
		k := principalAccount{a.PrincipalType, a.Principal, a.Account}
		if byPA[k] == nil {
			order = append(order, k)
		}
		byPA[k] = append(byPA[k], held{a.PermissionSet, c.src.assignmentSet(a)})
	}
	// One finding per principal and pair of sets (and places they are
	// assigned), listing the accounts.
	type pair struct {
		pt, p  string
		a, b   held
		report config.Pos
	}
	accounts := map[pair][]string{}
	var pairs []pair
	for _, k := range order {
		hs := byPA[k]
		sort.Slice(hs, func(i, j int) bool { return hs[i].set < hs[j].set })
		for i := range hs {
			for j := i + 1; j < len(hs); j++ {
				pr := pair{pt: k.pt, p: k.p, a: hs[i], b: hs[j], report: later(hs[i].pos, hs[j].pos)}
				if accounts[pr] == nil {
					pairs = append(pairs, pr)
				}
				accounts[pr] = append(accounts[pr], k.account)
			}
		}
	}
	for _, pr := range pairs {
		accts := accounts[pr]
		where := "in " + accts[0]
		if len(accts) > 1 {
			where = fmt.Sprintf("in %d accounts (%s)", len(accts), listNames(accts, 3))
		}
		principal := principalName(pr.pt, pr.p)
		c.report(pr.report, principal,
			"keep one admin-equivalent set per principal and account; every extra one is another role to audit and another way in",
			fmt.Sprintf("%s holds two admin-equivalent permission sets %s: %s (%s) and %s (%s)",
				principal, where, pr.a.set, reasons[pr.a.set], pr.b.set, reasons[pr.b.set]))
	}
}

func principalName(pt, p string) string { return strings.ToLower(pt) + " " + p }

// later is the position further down (the second of two places).
func later(a, b config.Pos) config.Pos {
	switch {
	case a.File != b.File:
		if a.File > b.File {
			return a
		}
		return b
	case a.Line != b.Line:
		if a.Line > b.Line {
			return a
		}
		return b
	case a.Col > b.Col:
		return a
	}
	return b
}

func checkUserJustification(c *checker) {
	used := usersWithAssignments(c.o)
	for _, u := range c.o.Users {
		if !used[u.Name] {
			continue
		}
		var missing []string
		if u.Expires == "" {
			missing = append(missing, "no expires date")
		}
		if u.Reason == "" {
			missing = append(missing, "no reason")
		}
		if len(missing) == 0 {
			continue
		}
		c.report(u.Pos, "user "+u.Name,
			`add expires: "YYYY-MM-DD" and reason: (why, with a ticket) to the user, or give the access through a group`,
			fmt.Sprintf("user %s has direct assignments but %s", u.Name, strings.Join(missing, " and ")))
	}
}

func checkUserExpired(c *checker) {
	if c.now.IsZero() {
		return
	}
	today := c.now.UTC().Format(time.DateOnly)
	used := usersWithAssignments(c.o)
	for _, u := range c.o.Users {
		if !used[u.Name] || u.Expires == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, u.Expires); err != nil || u.Expires >= today {
			continue
		}
		pos := u.Pos
		if cu := c.src.user(u.Name); cu != nil {
			pos = at(c.src, &cu.Expires, u.Pos)
		}
		c.report(pos, "user "+u.Name, "remove the user's assignments, or extend expires with a new reason",
			fmt.Sprintf("user %s's direct assignments expired on %s", u.Name, u.Expires))
	}
}
