package org

import (
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
)

// selectAccounts expands a selector into account names (sorted). what names
// the selector in messages ("assignment", "machine role x").
func (r *resolver) selectAccounts(sel *config.Selector, fallback config.Pos, what string) []string {
	if sel == nil {
		r.errorf(fallback, "%s has no accounts; write accounts: all, a list of names, or a selector", what)
		return nil
	}
	pos := sel.Pos
	if !pos.IsValid() {
		pos = fallback
	}
	r.checkNames(sel.Names, pos)
	r.checkNames(sel.Exclude, pos)
	if !sel.All && len(sel.Names) == 0 && len(sel.Tenants) == 0 && len(sel.Stages) == 0 &&
		len(sel.Environments) == 0 && len(sel.OUs) == 0 && len(sel.Tags) == 0 {
		r.errorf(pos, "%s selects no accounts: give all, names, tenants, stages, environments, ous or tags", what)
		return nil
	}
	// r.org.Accounts is sorted by name (accounts() builds it from
	// sortedKeys), so the result is sorted without sorting per selector.
	var out []string
	if cand, ok := r.accountIndex().candidates(sel); ok {
		for _, i := range cand {
			if a := r.org.Accounts[i]; matchSelector(sel, a) {
				out = append(out, a.Name)
			}
		}
	} else {
		for _, a := range r.org.Accounts {
			if matchSelector(sel, a) {
				out = append(out, a.Name)
			}
		}
	}
	if len(out) == 0 {
		r.errorf(pos, "%s selects no accounts: nothing matches %s", what, describeSelector(sel))
	}
	return out
}

// checkNames reports names that are neither defined accounts nor globs.
func (r *resolver) checkNames(list []string, fallback config.Pos) {
	for i := range list {
		n := list[i]
		if isGlob(n) {
			continue
		}
		if _, ok := r.org.accounts[n]; !ok {
			r.unknown(posOf(r, &list[i], fallback), "account", n, sortedKeys(r.org.accounts))
		}
	}
}

func matchSelector(sel *config.Selector, a *Account) bool {
	if anyGlob(sel.Exclude, a.Name) {
		return false
	}
	if sel.All {
		return true
	}
	if len(sel.Names) > 0 && !anyGlob(sel.Names, a.Name) {
		return false
	}
	if len(sel.Tenants) > 0 && !contains(sel.Tenants, a.Tenant) {
		return false
	}
	if len(sel.Stages) > 0 && !contains(sel.Stages, a.Stage) {
		return false
	}
	if len(sel.Environments) > 0 && !contains(sel.Environments, a.Environment) {
		return false
	}
	if len(sel.OUs) > 0 && !anyOU(sel.OUs, a.OU) {
		return false
	}
	for k, v := range sel.Tags {
		if got, ok := a.Tags[k]; !ok || !Glob(v, got) {
			return false
		}
	}
	return true
}

// anyOU matches an account's OU against OU paths; /platform also matches
// /platform/dev.
func anyOU(ous []string, ou string) bool {
	for _, o := range ous {
		if ou == o || strings.HasPrefix(ou, strings.TrimSuffix(o, "/")+"/") {
			return true
		}
	}
	return false
}

func describeSelector(sel *config.Selector) string {
	var parts []string
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+"="+strings.Join(v, ","))
		}
	}
	add("names", sel.Names)
	add("tenants", sel.Tenants)
	add("stages", sel.Stages)
	add("environments", sel.Environments)
	add("ous", sel.OUs)
	for _, k := range sortedKeys(sel.Tags) {
		parts = append(parts, "tags."+k+"="+sel.Tags[k])
	}
	add("exclude", sel.Exclude)
	if sel.All {
		parts = append([]string{"all"}, parts...)
	}
	return strings.Join(parts, " ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if Glob(p, s) {
			return true
		}
	}
	return false
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?") }

// Glob matches s against a pattern where * matches any run of characters
// (including /) and ? one character.
func Glob(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

func (r *resolver) assignments() {
	type key struct{ pt, p, acct, ps string }
	seen := map[key]bool{}
	groupNames, userNames, psNames := sortedKeys(r.org.groups), sortedKeys(r.org.users), sortedKeys(r.org.permSets)
	for i, a := range r.f.Assignments {
		if a == nil {
			continue
		}
		what := "assignment"
		var pt, principal string
		switch {
		case a.Group != "" && a.User != "":
			r.errorf(a.Pos, "an assignment has a group or a user, not both")
			continue
		case a.Group != "":
			pt, principal = PrincipalGroup, a.Group
			what = "assignment of group " + a.Group
			if _, ok := r.org.groups[a.Group]; !ok {
				r.unknown(posOf(r, &a.Group, a.Pos), "group", a.Group, groupNames)
			}
		case a.User != "":
			pt, principal = PrincipalUser, a.User
			what = "assignment of user " + a.User
			if _, ok := r.org.users[a.User]; !ok {
				r.unknown(posOf(r, &a.User, a.Pos), "user", a.User, userNames)
			}
		default:
			r.errorf(a.Pos, "assignment %d names no group or user", i+1)
			continue
		}
		if len(a.PermissionSets) == 0 {
			r.errorf(a.Pos, "%s lists no permission_sets", what)
		}
		var sets []string
		for j := range a.PermissionSets {
			ps := a.PermissionSets[j]
			if _, ok := r.org.permSets[ps]; !ok {
				r.unknown(posOf(r, &a.PermissionSets[j], a.Pos), "permission set", ps, psNames)
				continue
			}
			sets = append(sets, ps)
		}
		for _, acct := range r.selectAccounts(a.Accounts, a.Pos, what) {
			for _, ps := range sets {
				k := key{pt, principal, acct, ps}
				if seen[k] {
					continue
				}
				seen[k] = true
				r.org.Assignments = append(r.org.Assignments, Assignment{PrincipalType: pt, Principal: principal,
					Account: acct, AccountID: r.org.accounts[acct].ID, PermissionSet: ps, Pos: a.Pos})
			}
		}
	}
	sort.Slice(r.org.Assignments, func(i, j int) bool {
		a, b := r.org.Assignments[i], r.org.Assignments[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.PermissionSet != b.PermissionSet {
			return a.PermissionSet < b.PermissionSet
		}
		if a.PrincipalType != b.PrincipalType {
			return a.PrincipalType < b.PrincipalType
		}
		return a.Principal < b.Principal
	})
	if len(r.org.Assignments) > 0 && r.org.IdentityCenter == nil && r.f.Organization != nil {
		r.errorf(r.f.Organization.Pos, "organization.identity_center (start_url and region) is required: assignments give people permission sets through it")
	}
}
