// Package identities implements `sesame identities`: every identity the
// selected profile shows, derived from assignments or declared, with where
// its credentials come from.
package identities

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame identities`.
type Options struct {
	IO     *iostreams.IOStreams
	Org    func() (*org.Org, error)
	Format string
}

// NewCmd returns the identities command.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Org: f.Org}
	cmd := &cobra.Command{
		Use:     "identities",
		Aliases: []string{"ids"},
		Short:   "List the identities you can use",
		Long: `List the identities of the selected profile. Every account/permission-set pair
that an assignment gives to anyone is an identity named
<account>/<PermissionSet> without any YAML; declared identities chain roles
from those or start from another provider (GitHub OIDC in CI, for example).

The profile (--profile / SESAME_PROFILE) decides which identities are shown
and which one is the default (marked with *). JSON output lists each
identity with its kind, account id, permission set or role ARN and chain.`,
		Example: `  sesame identities --config examples/acme
  SESAME_PROFILE=developers sesame identities
  sesame identities --profile ci --format json | jq -r '.[] | select(.default) | .name'`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if opts.Format != "table" && opts.Format != "json" {
				return cmdutil.FlagErrorf("invalid --format %q: want table or json", opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output `format`: table or json")
	return cmd
}

func run(opts *Options) error {
	o, err := opts.Org()
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		ids := o.Identities
		if ids == nil {
			ids = []*org.Identity{}
		}
		return enc.Encode(ids)
	}
	if len(o.Identities) == 0 {
		return &cmdutil.NoResultError{Message: "no identities: the profile's include/exclude hides all of them, or nothing is assigned"}
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  IDENTITY\tKIND\tACCOUNT\tACCOUNT ID\tTARGET\tVIA")
	for _, id := range o.Identities {
		mark := " "
		if id.Default {
			mark = "*"
		}
		target := id.PermissionSet
		if id.RoleARN != "" {
			target = id.RoleARN
		}
		via := id.ViaProvider
		if id.ViaIdentity != "" {
			via = id.ViaIdentity
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\n", mark, id.Name, strings.TrimPrefix(id.Kind, "aws/"), dash(id.Account), dash(id.AccountID), target, via)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	profile := "defaults"
	if len(o.Profile.Names) > 0 {
		profile = "profile " + strings.Join(o.Profile.Names, ",")
	}
	fmt.Fprintf(opts.IO.ErrOut, "%d identities (%s); * marks the default\n", len(o.Identities), profile)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
