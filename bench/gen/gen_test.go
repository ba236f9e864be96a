package gen_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/sesame-cli/sesame/bench/gen"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// TestGeneratedConfigValidates writes each preset, loads it like a real
// configuration directory and checks that it validates with zero errors
// (base and every profile) and that the expansion has the pair count the
// generator computed on its own.
func TestGeneratedConfigValidates(t *testing.T) {
	for _, n := range gen.Presets {
		t.Run(fmt.Sprintf("accounts=%d", n), func(t *testing.T) {
			if n > 2000 && os.Getenv("SESAME_SCALE_TESTS") == "" {
				t.Skip("the 10,000-account preset takes minutes under -race; set SESAME_SCALE_TESTS=1 to run it")
			}
			opts := gen.Scale(n)
			files, sum := gen.Build(opts)
			dir := t.TempDir()
			if err := gen.WriteDir(dir, files); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(config.LoadOptions{Path: dir})
			if err != nil {
				t.Fatal(err)
			}
			diags := org.Validate(cfg)
			if errs := diags.Errors(); len(errs) > 0 {
				t.Fatalf("%d errors, first: %v", len(errs), errs[:min(len(errs), 10)])
			}
			if w := diags.Warnings(); len(w) > 0 {
				t.Errorf("%d warnings, first: %v", len(w), w[:min(len(w), 10)])
			}
			o, diags := org.Resolve(cfg, org.Options{})
			if diags.HasErrors() {
				t.Fatal(diags.Errors())
			}
			if got := len(o.Assignments); got != sum.Pairs {
				t.Errorf("org expanded %d pairs; the generator computed %d", got, sum.Pairs)
			}
			if lo, hi := opts.Pairs, opts.Pairs+opts.Pairs/50; sum.Pairs < lo || sum.Pairs > hi {
				t.Errorf("pairs = %d, want %d..%d", sum.Pairs, lo, hi)
			}
			if got := len(o.Accounts); got != n {
				t.Errorf("accounts = %d, want %d", got, n)
			}
			if got := len(o.PermissionSets); got != opts.PermissionSets || got != sum.PermissionSets {
				t.Errorf("permission sets = %d, want %d", got, opts.PermissionSets)
			}
			if got := len(o.Groups); got != opts.Groups {
				t.Errorf("groups = %d, want %d", got, opts.Groups)
			}
			inst := 0
			for _, r := range o.MachineRoles {
				inst += len(r.Instances)
			}
			if inst != sum.RoleInstances {
				t.Errorf("role instances = %d, generator says %d", inst, sum.RoleInstances)
			}
			if len(o.ProfileNames) != 3 {
				t.Errorf("profiles = %v", o.ProfileNames)
			}
			t.Logf("%+v", sum)
		})
	}
}

func TestDeterministic(t *testing.T) {
	a, b := gen.Generate(gen.Scale(300)), gen.Generate(gen.Scale(300))
	if len(a) != len(b) {
		t.Fatal("file sets differ")
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between runs", name)
		}
	}
}
