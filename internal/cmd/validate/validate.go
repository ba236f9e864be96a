// Package validate implements `sesame validate`: read the whole
// configuration, resolve it for the defaults and every profile, and report
// every error and warning with its file:line:col in one run.
package validate

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame validate`.
type Options struct {
	IO     *iostreams.IOStreams
	Load   func() (*config.Config, error)
	Format string
	Strict bool
}

// NewCmd returns the validate command.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Load: f.LoadConfig}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration and report every problem",
		Long: `Read the configuration (a file or a directory of YAML files), resolve it for
the defaults and for every profile, and report every error and warning with
its position (file:line:col). All mistakes of all files are reported in one
run.

Findings go to stdout, one per line; a summary goes to stderr. The exit code
is 0 when there are no errors (warnings alone pass, unless --strict) and 1
otherwise. --format json prints {"valid", "errors", "warnings"} for tools.`,
		Example: `  # Check the example organization
  sesame validate --config examples/acme

  # In CI: fail on warnings too, machine-readable output
  sesame validate --strict --format json > findings.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := cmdutil.CheckFormat(opts.Format, "text", "json"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `format`: text or json")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "treat warnings as errors")
	return cmd
}

// Finding is one diagnostic in JSON output.
type Finding struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func run(opts *Options) error {
	cfg, err := opts.Load()
	if err != nil {
		return err
	}
	diags := org.Validate(cfg)
	errs, warns := diags.Errors(), diags.Warnings()
	failed := len(errs) > 0 || (opts.Strict && len(warns) > 0)
	if opts.Format == "json" {
		out := struct {
			Valid    bool      `json:"valid"`
			Errors   []Finding `json:"errors"`
			Warnings []Finding `json:"warnings"`
		}{Valid: !failed, Errors: findings(errs), Warnings: findings(warns)}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, d := range diags {
			fmt.Fprintln(opts.IO.Out, d.Error())
		}
	}
	summary := fmt.Sprintf("%s: %d files, %s, %s", cfg.Root, len(cfg.Sources), plural(len(errs), "error"), plural(len(warns), "warning"))
	if failed {
		fmt.Fprintln(opts.IO.ErrOut, "invalid: "+summary)
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	fmt.Fprintln(opts.IO.ErrOut, "valid: "+summary)
	return nil
}

func findings(ds config.Diagnostics) []Finding {
	out := make([]Finding, 0, len(ds))
	for _, d := range ds {
		out = append(out, Finding{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Severity: d.Severity.String(), Message: d.Msg})
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
