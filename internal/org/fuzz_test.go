package org_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// FuzzLoadAndValidate loads arbitrary bytes as a configuration file and
// validates it (the base and every profile), then resolves it with all
// profiles at once. Nothing may panic, and every finding must name a file.
// Seeds are every YAML file of the testdata archives and examples/acme.
func FuzzLoadAndValidate(f *testing.F) {
	n := 0
	archives, _ := filepath.Glob(filepath.Join("testdata", "*", "*.txtar"))
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if strings.HasSuffix(file.Name, ".yaml") || strings.HasSuffix(file.Name, ".yml") {
				f.Add(file.Data)
				n++
			}
		}
	}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "acme", "*.yaml"))
	profiles, _ := filepath.Glob(filepath.Join("..", "..", "examples", "acme", "profiles", "*.yaml"))
	for _, p := range append(examples, profiles...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		n++
	}
	if n < 50 {
		f.Fatalf("only %d fuzz seeds found; is the corpus in place?", n)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := config.LoadBytes("fuzz.yaml", data)
		check := func(stage string, ds config.Diagnostics) {
			for _, d := range ds {
				if !d.Pos.IsValid() {
					t.Errorf("%s: finding without a file: %q", stage, d.Error())
				}
				if d.Pos.Line < 0 || d.Pos.Col < 0 || strings.TrimSpace(d.Msg) == "" {
					t.Errorf("%s: malformed finding: %q", stage, d.Error())
				}
			}
		}
		check("load", cfg.Diags)
		check("validate", org.Validate(cfg))
		var names []string
		for name := range cfg.File.Profiles {
			names = append(names, name)
		}
		o, diags := org.Resolve(cfg, org.Options{Profiles: names})
		check("resolve", diags)
		if o == nil {
			t.Fatal("Resolve returned no organization")
		}
	})
}
