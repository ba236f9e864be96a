// Package lint implements `sesame lint`: resolve the organization and run
// the least-privilege and trust-policy rules of internal/lint over it,
// reporting each finding with its file:line:col, rule and hint.
package lint

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	rules "github.com/sesame-cli/sesame/internal/lint"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame lint`.
type Options struct {
	IO     *iostreams.IOStreams
	Load   func() (*config.Config, error)
	Org    func() (*org.Org, error)
	Now    func() time.Time
	Format string
	Strict bool
	List   bool
}

// NewCmd returns the lint command.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Load: f.LoadConfig, Org: f.Org, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Check the organization for least privilege and risky trust",
		Long: `Run sesame's rules over the resolved organization and report what is legal
but risky: admin-equivalent permission sets in the management account or
given to users, sets whose access_level says read but whose policies
write, ReadOnlyAccess where it reads Terraform state, wildcard and
escalation statements, long sessions, GitHub trust without a repository
id or workflow pin, trust policies close to the size quota, and dead
definitions. 'sesame lint --list' prints every rule; docs/lint.md explains
each one and how to fix it.

The configuration must validate first: a configuration with errors prints
them as 'sesame validate' does and exits 1. --profile selects the
profiles the organization is resolved with; the rules look at accounts,
permission sets, assignments and machine roles, which profiles do not
change.

Findings go to stdout, one per line (file:line:col: [warning: ]message
[rule]) followed by an indented hint; a summary goes to stderr. The exit
code is 1 when there are errors, or warnings under --strict, and 0
otherwise. --format json prints {"passed", "errors", "warnings",
"findings"} for tools.`,
		Example: `  # Lint the example organization
  sesame lint --config examples/acme

  # In CI: fail on warnings too, machine-readable output
  sesame lint --strict --format json > lint.json

  # Every rule with its severity, group and item
  sesame lint --list`,
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
	cmd.Flags().BoolVar(&opts.List, "list", false, "list the rules instead of running them")
	return cmd
}

// Finding is one finding in JSON output.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"col,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	Subject  string `json:"subject,omitempty"`
}

func run(opts *Options) error {
	if opts.List {
		return list(opts)
	}
	cfg, err := opts.Load()
	if err != nil {
		return err
	}
	o, err := opts.Org()
	if err != nil {
		return err
	}
	findings := rules.RunWith(o, rules.Options{Config: cfg, Now: opts.Now()})
	nerr, nwarn := rules.Count(findings)
	failed := nerr > 0 || (opts.Strict && nwarn > 0)
	if opts.Format == "json" {
		out := struct {
			Passed   bool      `json:"passed"`
			Errors   int       `json:"errors"`
			Warnings int       `json:"warnings"`
			Findings []Finding `json:"findings"`
		}{Passed: !failed, Errors: nerr, Warnings: nwarn, Findings: make([]Finding, 0, len(findings))}
		for _, f := range findings {
			out.Findings = append(out.Findings, Finding{Rule: f.Rule, Severity: f.Severity, File: f.Pos.File,
				Line: f.Pos.Line, Column: f.Pos.Col, Message: f.Message, Hint: f.Hint, Subject: f.Subject})
		}
		if err := writeJSON(opts, out); err != nil {
			return err
		}
	} else {
		for _, f := range findings {
			// The same line shape as `sesame validate`, with the rule.
			d := config.Diagnostic{Pos: f.Pos, Msg: f.Message}
			if f.Severity == rules.Warning {
				d.Severity = config.SevWarning
			}
			fmt.Fprintf(opts.IO.Out, "%s [%s]\n", d.Error(), f.Rule)
			if f.Hint != "" {
				fmt.Fprintf(opts.IO.Out, "    hint: %s\n", f.Hint)
			}
		}
	}
	summary := fmt.Sprintf("%s: %s, %s", cfg.Root, plural(nerr, "error"), plural(nwarn, "warning"))
	if failed {
		fmt.Fprintln(opts.IO.ErrOut, "failed: "+summary)
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	fmt.Fprintln(opts.IO.ErrOut, "passed: "+summary)
	return nil
}

func list(opts *Options) error {
	all := rules.Rules()
	if opts.Format == "json" {
		return writeJSON(opts, all)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tREF\tDESCRIPTION")
	for _, r := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Ref, r.Description)
	}
	return tw.Flush()
}

func writeJSON(opts *Options, v any) error {
	enc := json.NewEncoder(opts.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
