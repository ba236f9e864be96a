package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
)

// TestMain makes the test binary double as `sesame` inside scripts: the
// scripts run the real command tree, built into this binary, without a
// separate go build.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sesame": func() { os.Exit(Main()) },
	})
}

// TestScript runs the CLI scripts in testdata/script.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Under -race every process sleeps 1s at exit waiting for late
			// race reports; each `exec sesame` would pay it.
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			acme, err := filepath.Abs("../../examples/acme")
			if err != nil {
				return err
			}
			env.Setenv("ACME", acme)
			// Discovery must not find the developer's own configuration.
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			return nil
		},
	})
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	io, _, _, errOut := iostreams.Test()
	// An invalid flag value fails; with a cancelled context the
	// failure is reported as an interruption.
	got := Run(ctx, []string{"version", "--format", "bogus"}, io, func(string) string { return "" })
	if got != cmdutil.ExitInterrupted || errOut.String() != "error: interrupted\n" {
		t.Errorf("code %d, stderr %q", got, errOut)
	}
}

func TestRunNoArgsPrintsHelp(t *testing.T) {
	io, _, out, errOut := iostreams.Test()
	if got := Run(context.Background(), nil, io, func(string) string { return "" }); got != 0 {
		t.Fatalf("code %d, stderr %q", got, errOut)
	}
	if out.Len() == 0 {
		t.Error("no help on stdout")
	}
}
