// Package cmdutil is what every sesame command shares: the Factory that
// hands a command its streams, global options and environment, the typed
// errors a command returns to choose an exit code and a hint, and small
// flag helpers. It holds no state of its own; internal/app builds one
// Factory per run.
package cmdutil

import (
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
)

// Factory carries the dependencies of a command. Commands receive it in
// NewCmd and read fields lazily inside RunE: Globals is filled in only after
// flag parsing, just before the command runs.
type Factory struct {
	IO *iostreams.IOStreams

	// Globals points at the resolved global options (flags and their SESAME_*
	// env twins). The pointer is stable; its contents are set before RunE.
	Globals *GlobalOptions

	// Getenv is the process environment; tests pass a map lookup. Commands
	// use it instead of os.Getenv.
	Getenv func(string) string

	// Version is the running sesame version, for user agents and reports.
	Version string

	// UserConfigDir overrides the per-user configuration directory that
	// discovery falls back to (tests point it at an empty directory).
	UserConfigDir string

	// The configuration, read once per run by LoadConfig (see org.go).
	cfg    *config.Config
	cfgErr error
}

// GlobalOptions are the flags every command accepts, after merging each
// flag with its environment twin (flags win).
type GlobalOptions struct {
	// ConfigPath is --config / SESAME_CONFIG; empty means discovery.
	ConfigPath string
	// Profiles is --profile / SESAME_PROFILE, in application order,
	// without empty items or duplicates.
	Profiles []string
	// Identity is --identity / SESAME_IDENTITY.
	Identity string
	// Debug is --debug / SESAME_DEBUG.
	Debug bool
	// NoInput is --no-input / SESAME_NO_INPUT: never prompt, never open a
	// browser; fail with a hint instead.
	NoInput bool
}
