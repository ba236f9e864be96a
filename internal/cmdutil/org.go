package cmdutil

import (
	"errors"
	"fmt"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// ConfigError means the configuration has errors. The app prints every
// diagnostic, then a one-line summary.
type ConfigError struct {
	Diags config.Diagnostics
}

func (e *ConfigError) Error() string {
	n := len(e.Diags.Errors())
	if n == 1 {
		return "the configuration has 1 error"
	}
	return fmt.Sprintf("the configuration has %d errors", n)
}

// LoadConfig reads the configuration named by --config (or found by
// discovery). It does not resolve it.
func (f *Factory) LoadConfig() (*config.Config, error) {
	if f.cfg != nil || f.cfgErr != nil {
		return f.cfg, f.cfgErr
	}
	opts := config.LoadOptions{Path: f.Globals.ConfigPath}
	if f.UserConfigDir != "" {
		opts.UserConfigDir = f.UserConfigDir
	}
	f.cfg, f.cfgErr = config.Load(opts)
	if errors.Is(f.cfgErr, config.ErrNoConfig) {
		f.cfgErr = WithExitCode(WithHint(f.cfgErr,
			"pass --config PATH (or set SESAME_CONFIG), or create ./sesame.yaml; try --config examples/acme"), ExitConfigNotFound)
	} else if f.cfgErr != nil {
		f.cfgErr = WithExitCode(f.cfgErr, ExitConfigNotFound)
	}
	return f.cfg, f.cfgErr
}

// Org loads and resolves the configuration for the selected profiles. A
// configuration with errors returns a *ConfigError.
func (f *Factory) Org() (*org.Org, error) {
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	o, diags := org.Resolve(cfg, org.Options{Profiles: f.Globals.Profiles})
	if diags.HasErrors() {
		return nil, &ConfigError{Diags: diags}
	}
	return o, nil
}
