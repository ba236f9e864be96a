// Package identities implements `sesame identities`: every identity the
// selected profile shows, derived from assignments or declared, with where
// its credentials come from.
package identities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame identities`.
type Options struct {
	IO  *iostreams.IOStreams
	Org func() (*org.Org, error)
	// Session opens the credential store without prompting, for the
	// cache state of each identity.
	Session func(context.Context) (*cmdutil.Session, error)
	Now     func() time.Time
	Format  string
}

// NewCmd returns the identities command.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Org: f.Org, Now: time.Now,
		Session: func(ctx context.Context) (*cmdutil.Session, error) {
			return f.NewSession(ctx, cmdutil.SessionOptions{Interactive: false})
		}}
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
identity with its kind, account id, permission set or role ARN and chain.

STATE is what the credential store holds for the identity, read without
any network call or prompt: "valid until 15:04", "expired", "not cached"
(the next use fetches credentials), "not signed in" (nothing usable cached
and no Identity Center session: run 'sesame login'), or "unknown" when
the store cannot be read. JSON carries it as "state" and "expires_at".`,
		Example: `  sesame identities --config examples/acme
  SESAME_PROFILE=developers sesame identities
  sesame identities --profile ci --format json | jq -r '.[] | select(.default) | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Format != "table" && opts.Format != "json" {
				return cmdutil.FlagErrorf("invalid --format %q: want table or json", opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output `format`: table or json")
	return cmd
}

// row is one identity with its cache state, as JSON shows it.
type row struct {
	*org.Identity
	cacheState
}

func run(ctx context.Context, opts *Options) error {
	o, err := opts.Org()
	if err != nil {
		return err
	}
	now := opts.Now()
	warn := func(msg string) { fmt.Fprintln(opts.IO.ErrOut, "warning: "+msg) }
	var cs []cacheState
	var sessions []sessionState
	if s, err := opts.Session(ctx); err != nil {
		warn(fmt.Sprintf("cannot open the credential store (%v); STATE shows %s", err, StateUnknown))
		cs = make([]cacheState, len(o.Identities))
		for i := range cs {
			cs[i] = cacheState{State: StateUnknown}
		}
	} else {
		cs, sessions = states(ctx, s, o.Identities, now, warn)
	}
	if opts.Format == "json" {
		rows := make([]row, len(o.Identities))
		for i, id := range o.Identities {
			rows[i] = row{id, cs[i]}
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(o.Identities) == 0 {
		return &cmdutil.NoResultError{Message: "no identities: the profile's include/exclude hides all of them, or nothing is assigned"}
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  IDENTITY\tKIND\tACCOUNT\tACCOUNT ID\tTARGET\tVIA\tSTATE")
	for i, id := range o.Identities {
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
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, id.Name, strings.TrimPrefix(id.Kind, "aws/"), dash(id.Account), dash(id.AccountID), target, via, cs[i].label(now))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	profile := "defaults"
	if len(o.Profile.Names) > 0 {
		profile = "profile " + strings.Join(o.Profile.Names, ",")
	}
	fmt.Fprintf(opts.IO.ErrOut, "%d identities (%s); * marks the default\n", len(o.Identities), profile)
	for _, st := range sessions {
		p := st.Provider
		switch {
		case st.SignedIn && now.Before(st.ExpiresAt):
			fmt.Fprintf(opts.IO.ErrOut, "signed in to %s (%s) until %s\n", p.StartURL, p.Region, clock(st.ExpiresAt, now))
		case st.SignedIn:
			fmt.Fprintf(opts.IO.ErrOut, "signed in to %s (%s); the token renews on the next use\n", p.StartURL, p.Region)
		default:
			fmt.Fprintf(opts.IO.ErrOut, "not signed in to %s (%s): run 'sesame login'\n", p.StartURL, p.Region)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
