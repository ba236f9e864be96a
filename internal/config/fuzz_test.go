package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// fuzzSeeds returns every YAML file of the bad-input corpus archives
// (internal/org/testdata/bad) and of examples/acme, relative to a test in
// internal/<pkg>.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	archives, _ := filepath.Glob(filepath.Join("..", "org", "testdata", "*", "*.txtar"))
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if isYAML(f.Name) {
				seeds = append(seeds, f.Data)
			}
		}
	}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "acme", "*.yaml"))
	profiles, _ := filepath.Glob(filepath.Join("..", "..", "examples", "acme", "profiles", "*.yaml"))
	for _, p := range append(examples, profiles...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	if len(seeds) < 50 {
		t.Fatalf("only %d fuzz seeds found; is the corpus in place?", len(seeds))
	}
	return seeds
}

// FuzzDecode feeds arbitrary bytes to the loader. It must not panic, and
// every finding must name the file it is about.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := LoadBytes("fuzz.yaml", data)
		if cfg == nil || cfg.File == nil || cfg.Index == nil {
			t.Fatal("LoadBytes returned no configuration")
		}
		for _, d := range cfg.Diags {
			if d.Pos.File != "fuzz.yaml" {
				t.Errorf("finding without its file: %q", d.Error())
			}
			if d.Pos.Line < 0 || d.Pos.Col < 0 || strings.TrimSpace(d.Msg) == "" {
				t.Errorf("malformed finding: %q", d.Error())
			}
		}
	})
}
