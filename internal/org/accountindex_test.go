package org

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sesame-cli/sesame/internal/config"
)

// The index only narrows the search: for any selector, the accounts it
// yields after matching are exactly those a scan of every account yields.
func TestAccountIndexMatchesFullScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tenants := []string{"core", "plat", "data", "sec"}
	stages := []string{"dev", "test", "staging", "prod", "sandbox"}
	teams := []string{"alpha", "beta", "gamma"}
	var accounts []*Account
	for _, tn := range tenants {
		for _, st := range stages {
			for k := range 3 {
				name := fmt.Sprintf("%s-%s", tn, st)
				if k > 0 {
					name = fmt.Sprintf("%s-%s%d", tn, st, k)
				}
				accounts = append(accounts, &Account{Name: name, Tenant: tn, Stage: st, OU: "/" + tn + "/" + st,
					Tags: map[string]string{"team": teams[rng.IntN(len(teams))], "data": []string{"pii", "none"}[rng.IntN(2)]}})
			}
		}
	}
	slices.SortFunc(accounts, func(a, b *Account) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	ix := newAccountIndex(accounts)
	pick := func(list []string) []string {
		var out []string
		for _, s := range list {
			if rng.IntN(3) == 0 {
				out = append(out, s)
			}
		}
		return out
	}
	names := []string{"core-dev", "plat-prod1", "nope", "plat-*", "*-prod", "data-s?aging", "sec-*2", "c*", "?ore-dev"}
	indexed := 0
	for i := range 5000 {
		sel := &config.Selector{All: rng.IntN(10) == 0, Names: pick(names), Tenants: pick(tenants), Stages: pick(stages),
			Exclude: pick([]string{"*-sandbox", "core-dev", "plat-*1"})}
		if rng.IntN(4) == 0 {
			sel.OUs = pick([]string{"/core", "/plat/dev", "/data/"})
		}
		if rng.IntN(3) == 0 {
			sel.Tags = map[string]string{"team": []string{"alpha", "b*", "gamma", "zeta"}[rng.IntN(4)]}
			if rng.IntN(2) == 0 {
				sel.Tags["data"] = "pii"
			}
		}
		var want, got []string
		for _, a := range accounts {
			if matchSelector(sel, a) {
				want = append(want, a.Name)
			}
		}
		cand, ok := ix.candidates(sel)
		if !ok {
			continue
		}
		indexed++
		for _, p := range cand {
			if matchSelector(sel, accounts[p]) {
				got = append(got, accounts[p].Name)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("selector %d %+v:\n index %v\n scan  %v", i, sel, got, want)
		}
	}
	if indexed < 2500 {
		t.Errorf("only %d of 5000 selectors used the index", indexed)
	}
}
