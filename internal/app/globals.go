package app

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// Environment twins of the global flags.
const (
	envConfig   = "SESAME_CONFIG"
	envProfile  = "SESAME_PROFILE"
	envIdentity = "SESAME_IDENTITY"
	envDebug    = "SESAME_DEBUG"
	envNoInput  = "SESAME_NO_INPUT"
)

// globalFlags receives the raw persistent flag values before they are
// merged with the environment.
type globalFlags struct {
	config   string
	profiles []string
	identity string
	debug    bool
	noInput  bool
}

func (g *globalFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&g.config, "config", "", "configuration `path`, a YAML file or a directory (env "+envConfig+"; default: discover ./sesame.yaml, ./sesame/, then the user config dir)")
	// StringArray, not StringSlice: we split on commas ourselves, without
	// StringSlice's CSV quoting rules.
	fs.StringArrayVar(&g.profiles, "profile", nil, "comma-separated `profiles` to apply in order; repeatable (env "+envProfile+")")
	fs.StringVarP(&g.identity, "identity", "i", "", "identity `name` to act as (env "+envIdentity+")")
	fs.BoolVar(&g.debug, "debug", false, "log each decision to stderr, secrets redacted (env "+envDebug+")")
	fs.BoolVar(&g.noInput, "no-input", false, "never prompt or open a browser; fail with a hint instead (env "+envNoInput+")")
}

// resolveGlobals merges the parsed flags in fs with their environment
// twins. A flag that was set on the command line wins over its twin, even
// when set to false or empty.
func resolveGlobals(fs *pflag.FlagSet, raw *globalFlags, getenv func(string) string) (cmdutil.GlobalOptions, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	changed := func(name string) bool {
		f := fs.Lookup(name)
		return f != nil && f.Changed
	}
	g := cmdutil.GlobalOptions{ConfigPath: raw.config, Identity: raw.identity, Debug: raw.debug, NoInput: raw.noInput}
	if !changed("config") {
		g.ConfigPath = getenv(envConfig)
	}
	if !changed("identity") {
		g.Identity = getenv(envIdentity)
	}
	if changed("profile") {
		g.Profiles = cmdutil.ParseProfiles(raw.profiles...)
	} else {
		g.Profiles = cmdutil.ParseProfiles(getenv(envProfile))
	}
	var err error
	if !changed("debug") {
		if g.Debug, err = parseEnvBool(envDebug, getenv(envDebug)); err != nil {
			return g, err
		}
	}
	if !changed("no-input") {
		if g.NoInput, err = parseEnvBool(envNoInput, getenv(envNoInput)); err != nil {
			return g, err
		}
	}
	return g, nil
}

// parseEnvBool reads a boolean environment variable. Anything that is not
// clearly true or false is rejected rather than guessed: SESAME_NO_INPUT=tru
// silently meaning "prompt" would hang a CI job.
func parseEnvBool(name, value string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	// A usage error, but not a FlagError: pointing at --help would not
	// help with an environment variable.
	return false, cmdutil.WithHint(
		cmdutil.WithExitCode(fmt.Errorf("invalid %s value %q", name, value), cmdutil.ExitUsage),
		"use 1, true or yes to enable; 0, false, no or leave it unset to disable")
}
