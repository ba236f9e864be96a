package org_test

import (
	"fmt"
	"testing"

	"github.com/sesame-cli/sesame/bench/gen"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Benchmarks of the whole path a command takes before it does anything:
// read the configuration directory, resolve it and expand the assignments.
// The configuration is the synthetic organization of bench/gen; see
// docs/benchmarks.md for the commands and recorded results.
//
//	go test ./internal/org -run '^$' -bench BenchmarkLoadValidateExpand -benchmem

// scaleDir writes the generated configuration for n accounts into a
// temporary directory that tb removes when it ends.
func scaleDir(tb testing.TB, n int) (string, gen.Summary) {
	tb.Helper()
	files, sum := gen.Build(gen.Scale(n))
	dir := tb.TempDir()
	if err := gen.WriteDir(dir, files); err != nil {
		tb.Fatal(err)
	}
	return dir, sum
}

func loadAndResolve(tb testing.TB, dir string) (*org.Org, config.Diagnostics) {
	cfg, err := config.Load(config.LoadOptions{Path: dir})
	if err != nil {
		tb.Fatal(err)
	}
	return org.Resolve(cfg, org.Options{})
}

func BenchmarkLoadValidateExpand(b *testing.B) {
	for _, n := range gen.Presets {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			dir, _ := scaleDir(b, n) // written once, outside the timed loop
			b.ReportAllocs()
			pairs := 0
			for b.Loop() {
				o, diags := loadAndResolve(b, dir)
				if errs := diags.Errors(); len(errs) > 0 {
					b.Fatalf("%d errors; first: %v", len(errs), errs[:min(len(errs), 5)])
				}
				pairs = len(o.Assignments)
			}
			b.ReportMetric(float64(pairs), "pairs")
		})
	}
	// What `sesame validate` does: load, then resolve the defaults and
	// every profile.
	b.Run("validate/accounts=2000", func(b *testing.B) {
		dir, sum := scaleDir(b, 2000)
		b.ReportAllocs()
		for b.Loop() {
			cfg, err := config.Load(config.LoadOptions{Path: dir})
			if err != nil {
				b.Fatal(err)
			}
			if errs := org.Validate(cfg).Errors(); len(errs) > 0 {
				b.Fatalf("%d errors; first: %v", len(errs), errs[:min(len(errs), 5)])
			}
		}
		b.ReportMetric(float64(sum.Pairs), "pairs")
	})
}

// TestScaleConfigValidates checks the benchmark input itself: the 200
// account organization validates with zero errors in every profile and
// expands into exactly the pairs the generator computed on its own.
func TestScaleConfigValidates(t *testing.T) {
	dir, sum := scaleDir(t, 200)
	cfg, err := config.Load(config.LoadOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if errs := org.Validate(cfg).Errors(); len(errs) > 0 {
		t.Fatalf("%d errors; first: %v", len(errs), errs[0])
	}
	o, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Errors())
	}
	if got := len(o.Assignments); got != sum.Pairs {
		t.Errorf("expanded %d pairs, want %d", got, sum.Pairs)
	}
	if sum.Pairs < 2000 || sum.Pairs > 2040 {
		t.Errorf("generator made %d pairs, want about 2,000", sum.Pairs)
	}
	if len(o.Accounts) != 200 || len(o.Groups) != 30 || len(o.PermissionSets) != 24 {
		t.Errorf("got %d accounts, %d groups, %d permission sets; want 200, 30, 24", len(o.Accounts), len(o.Groups), len(o.PermissionSets))
	}
	for _, p := range o.ProfileNames {
		po, pd := org.Resolve(cfg, org.Options{Profiles: []string{p}})
		if pd.HasErrors() {
			t.Errorf("profile %s: %v", p, pd.Errors())
		}
		if po.Profile.DefaultIdentity == "" {
			t.Errorf("profile %s has no default identity", p)
		}
	}
}
