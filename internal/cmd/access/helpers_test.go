package access

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testdata is absolute: the diff tests change directory.
var testdata = func() string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return d
}()

// acmePath is examples/acme as the tests name it; golden files carry it
// in positions.
const acmePath = "../../../examples/acme"

// loaded is a configuration and its organization, as the Factory gives
// them to a command.
type loaded struct {
	cfg *config.Config
	org *org.Org
}

func load(t *testing.T, path string) loaded {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	o, d := org.Resolve(cfg, org.Options{})
	if d.HasErrors() {
		t.Fatal(d.Errors())
	}
	return loaded{cfg, o}
}

// loadYAML writes src to dir/sesame.yaml and loads it.
func loadYAML(t *testing.T, src string) loaded {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sesame.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return load(t, path)
}

func (l loaded) Load() (*config.Config, error) { return l.cfg, nil }
func (l loaded) Org() (*org.Org, error)        { return l.org, nil }

func streams() (*iostreams.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	io, _, out, errOut := iostreams.Test()
	return io, out, errOut
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func isUsage(err error) bool {
	var fe *cmdutil.FlagError
	return errors.As(err, &fe)
}

func noResult(err error) string {
	var nr *cmdutil.NoResultError
	if errors.As(err, &nr) {
		return nr.Message
	}
	return ""
}

func exitCode(err error) int {
	var s *cmdutil.SilentError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &s):
		return s.Code
	}
	return -1
}
