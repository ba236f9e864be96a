package org

import (
	"slices"
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
)

// accountIndex finds the accounts a selector can match without visiting
// every account: by exact name, by the literal prefix of a name glob, by
// tenant, by stage and by exact tag value. Positions refer to
// Org.Accounts, which is sorted by name, so sorted positions are sorted
// names. A selector is matched against every account only when none of
// its conditions narrows the search (all, OUs, tag globs, names that
// start with a wildcard). Without the index, selector matching grew with
// accounts × assignments (docs/benchmarks.md).
type accountIndex struct {
	n        int // len(Org.Accounts) when built
	names    []string
	position map[string]int
	tenant   map[string][]int
	stage    map[string][]int
	tag      map[string][]int // key + "\x00" + value
}

func newAccountIndex(accounts []*Account) *accountIndex {
	ix := &accountIndex{n: len(accounts), names: make([]string, len(accounts)), position: make(map[string]int, len(accounts)),
		tenant: map[string][]int{}, stage: map[string][]int{}, tag: map[string][]int{}}
	for i, a := range accounts {
		ix.names[i] = a.Name
		ix.position[a.Name] = i
		ix.tenant[a.Tenant] = append(ix.tenant[a.Tenant], i)
		ix.stage[a.Stage] = append(ix.stage[a.Stage], i)
		for k, v := range a.Tags {
			ix.tag[k+"\x00"+v] = append(ix.tag[k+"\x00"+v], i)
		}
	}
	return ix
}

// accountIndex returns the index of r.org.Accounts, built on first use.
func (r *resolver) accountIndex() *accountIndex {
	if r.acctIndex == nil || r.acctIndex.n != len(r.org.Accounts) {
		r.acctIndex = newAccountIndex(r.org.Accounts)
	}
	return r.acctIndex
}

// candidates returns sorted positions of the accounts sel may match, and
// false when only a full scan can tell.
func (ix *accountIndex) candidates(sel *config.Selector) ([]int, bool) {
	if sel.All {
		return nil, false
	}
	var best []int
	found := false
	consider := func(c []int, ok bool) {
		if ok && (!found || len(c) < len(best)) {
			best, found = c, true
		}
	}
	if len(sel.Names) > 0 {
		consider(ix.byNames(sel.Names))
	}
	if len(sel.Tenants) > 0 {
		consider(ix.union(ix.tenant, sel.Tenants), true)
	}
	if len(sel.Stages) > 0 {
		consider(ix.union(ix.stage, sel.Stages), true)
	}
	for k, v := range sel.Tags {
		if !isGlob(v) {
			consider(ix.tag[k+"\x00"+v], true)
		}
	}
	return best, found
}

// byNames finds the accounts a list of names and globs may match: a name
// is looked up, a glob's literal prefix is a range of the sorted names.
func (ix *accountIndex) byNames(patterns []string) ([]int, bool) {
	var out []int
	for _, p := range patterns {
		if !isGlob(p) {
			if i, ok := ix.position[p]; ok {
				out = append(out, i)
			}
			continue
		}
		prefix := p[:strings.IndexAny(p, "*?")]
		if prefix == "" {
			return nil, false
		}
		lo := sort.SearchStrings(ix.names, prefix)
		for i := lo; i < len(ix.names) && strings.HasPrefix(ix.names[i], prefix); i++ {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

func (ix *accountIndex) union(m map[string][]int, keys []string) []int {
	if len(keys) == 1 {
		return m[keys[0]]
	}
	var out []int
	for _, k := range keys {
		out = append(out, m[k]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
