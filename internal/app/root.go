package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/buildinfo"
	"github.com/sesame-cli/sesame/internal/cmd/version"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// newRootCmd builds the command tree. started turns true once cobra has
// parsed and validated the command line and handed control to our code;
// any error before that is a usage error.
func newRootCmd(f *cmdutil.Factory) (root *cobra.Command, started *bool) {
	started = new(bool)
	raw := &globalFlags{}
	root = &cobra.Command{
		Use:   "sesame",
		Short: "AWS organization identity and authentication",
		Long: `sesame gives an AWS organization one static YAML source of truth for accounts,
groups, permission sets and identities, signs people in once through IAM
Identity Center, and hands every AWS tool the right credentials.

Data goes to stdout; progress, prompts, errors and hints go to stderr.
Every global flag has an environment twin (SESAME_CONFIG, SESAME_PROFILE,
SESAME_IDENTITY, SESAME_DEBUG, SESAME_NO_INPUT); flags win.`,
		Example: `  # Show the version of this build
  sesame version

  # Use a specific configuration and the developers profile
  sesame --config ./org/sesame.yaml --profile developers validate

  # The same through the environment, e.g. in CI
  SESAME_CONFIG=./org SESAME_PROFILE=ci SESAME_NO_INPUT=1 sesame validate`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// Cobra checks required flags and flag groups only after this
			// hook; check them first so their errors count as usage errors.
			if err := cmd.ValidateRequiredFlags(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if err := cmd.ValidateFlagGroups(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			*started = true
			g, err := resolveGlobals(cmd.Flags(), raw, f.Getenv)
			if err != nil {
				return err
			}
			*f.Globals = g
			return nil
		},
	}
	// `sesame --version` is a shortcut for `sesame version`.
	root.Version = version.Line(buildinfo.Read())
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().Bool("version", false, "print the version (same as 'sesame version')")
	root.CompletionOptions.DisableDefaultCmd = true // internal/cmd/completion replaces it
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err}
	})
	raw.register(root.PersistentFlags())
	addCommands(root, f)
	registerCompletions(root, raw, f)
	requireSubcommands(root)
	return root, started
}

// requireSubcommands makes a command that only groups subcommands
// (`sesame config`, `sesame access`) refuse an unknown subcommand as a
// usage error; cobra would print the help and exit 0, so a typo in a
// script would pass silently.
func requireSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		if sub.HasSubCommands() && !sub.Runnable() {
			sub.Args = cobra.ArbitraryArgs
			sub.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return &cmdutil.FlagError{Err: fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
				}
				return cmd.Help()
			}
		}
		requireSubcommands(sub)
	}
}
