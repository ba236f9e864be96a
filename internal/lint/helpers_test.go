package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// loadCase writes testdata/<name>.txtar into a fresh directory, next to
// testdata/base.yaml unless the archive brings its own base.yaml, and
// resolves it. The configuration must be valid: lint runs only on
// organizations that validate.
func loadCase(t *testing.T, name string) (string, *config.Config, *org.Org) {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{}
	base, err := os.ReadFile(filepath.Join("testdata", "base.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files["base.yaml"] = base
	for _, f := range ar.Files {
		files[f.Name] = f.Data
	}
	for n, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(config.LoadOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	o, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		t.Fatalf("%s does not validate:\n%v", name, diags.Errors())
	}
	return dir, cfg, o
}

// format prints a finding with its file relative to dir:
// "sesame.yaml:12:7: warning: message [rule]".
func format(dir string, f Finding) string {
	file := f.Pos.File
	if r, err := filepath.Rel(dir, file); err == nil {
		file = filepath.ToSlash(r)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", file, f.Pos.Line, f.Pos.Col, f.Severity, f.Message, f.Rule)
}
