// Package whoami implements `sesame whoami`: who AWS says you are with an
// identity's credentials (sts:GetCallerIdentity).
package whoami

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame whoami`.
type Options struct {
	F      *cmdutil.Factory
	Format string
}

// Result is what whoami prints.
type Result struct {
	Identity   string    `json:"identity"`
	Account    string    `json:"account"`
	Arn        string    `json:"arn"`
	UserID     string    `json:"user_id"`
	Expiration time.Time `json:"expiration,omitzero"`
}

// NewCmd returns the whoami command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show who AWS says you are with an identity",
		Long: `Get credentials for the identity (--identity, SESAME_IDENTITY or the profile's
default), signing in if needed, and call sts:GetCallerIdentity with them.
Prints the account, the caller ARN and when the credentials expire.`,
		Example: `  sesame whoami
  sesame whoami --identity plat-dev/terraform --format json | jq -r .arn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.CheckFormat(opts.Format, "text", "json"); err != nil {
				return err
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `format`: text or json")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	s, id, err := f.SelectedIdentity(ctx, cmdutil.SessionOptions{Interactive: true})
	if err != nil {
		return err
	}
	r, err := Caller(ctx, s, id)
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(f.IO.Out, "identity  %s\naccount   %s\narn       %s\n", r.Identity, r.Account, r.Arn)
	if !r.Expiration.IsZero() {
		fmt.Fprintf(f.IO.Out, "expires   %s (in %s)\n", r.Expiration.Local().Format(time.RFC3339), time.Until(r.Expiration).Round(time.Minute))
	}
	return nil
}

// Caller gets the identity's credentials and asks STS who they are.
func Caller(ctx context.Context, s *cmdutil.Session, id *org.Identity) (Result, error) {
	c, err := s.Retrieve(ctx, id)
	if err != nil {
		return Result{}, err
	}
	out, err := s.API(id).GetCallerIdentity(ctx, c.AWS())
	if err != nil {
		return Result{}, err
	}
	return Result{Identity: id.Name, Account: out.Account, Arn: out.Arn, UserID: out.UserID, Expiration: c.Expiration}, nil
}
