// Package envcmd implements `sesame env`: print an identity's credentials
// as environment variables for a shell or a CI system.
package envcmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/awsenv"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// Options are the inputs of `sesame env`.
type Options struct {
	F      *cmdutil.Factory
	Format string
}

// NewCmd returns the env command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print an identity's credentials as environment variables",
		Long: `Print the identity's credentials as environment variables, for eval in a
shell or for another tool. Formats: ` + strings.Join(awsenv.Formats, ", ") + `.

The shell formats first unset inherited AWS credential variables. The values
are static: they stop working at AWS_CREDENTIAL_EXPIRATION. Prefer
'sesame exec' or a credential_process profile, which renew them.

github-actions masks the values in the job log and appends the variables to
the file named by $GITHUB_ENV, so later steps of the job get them.`,
		Example: `  eval "$(sesame env --identity plat-dev/TerraformPlanAccess)"
  sesame env --format fish | source
  sesame env --format github-actions   # in a GitHub Actions step`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := awsenv.Format(awsenv.Values{}, opts.Format); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "bash", "output `format`: "+strings.Join(awsenv.Formats, ", "))
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	s, id, c, err := f.SelectedCredentials(ctx, cmdutil.SessionOptions{Interactive: true})
	if err != nil {
		return err
	}
	v := awsenv.Values{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.Expiration, Region: s.Region(id), Identity: id.Name, AccountID: c.AccountID}
	out, err := awsenv.Format(v, opts.Format)
	if err != nil {
		return err
	}
	if opts.Format == "github-actions" {
		path := f.Getenv("GITHUB_ENV")
		if path == "" {
			return fmt.Errorf("GITHUB_ENV is not set: --format github-actions runs inside a GitHub Actions step")
		}
		fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		if _, err := fh.WriteString(awsenv.GitHubEnv(v)); err != nil {
			fh.Close()
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	_, err = fmt.Fprint(f.IO.Out, out)
	return err
}
