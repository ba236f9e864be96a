// Package login implements `sesame login`: sign in to IAM Identity Center
// once; every identity under that Identity Center session then works.
package login

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/auth/sso"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame login`.
type Options struct {
	F        *cmdutil.Factory
	Provider string
	Login    cmdutil.LoginOptions
	Force    bool
}

// NewCmd returns the login command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to IAM Identity Center",
		Long: `Sign in to the Identity Center session (start URL and region) of the selected
identity, or of the organization's Identity Center. One sign-in serves every
account and permission set under it, and is renewed with its refresh token
until the session ends.

sesame opens the browser for an authorization-code sign-in with PKCE and a
loopback redirect. Over SSH, without a display, or with --device-code it uses
the device code flow instead: open the printed URL on any device and confirm
the code. --no-browser prints the URL and code and opens nothing.

On a session that is still valid, login says so and does nothing (--force
signs in again).`,
		Example: `  sesame login
  sesame login --device-code
  SESAME_PROFILE=devops sesame login --no-browser`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "Identity Center `provider` to sign in to (default: that of the identity)")
	cmd.Flags().BoolVar(&opts.Login.DeviceCode, "device-code", false, "use the device code flow")
	cmd.Flags().BoolVar(&opts.Login.NoBrowser, "no-browser", false, "print the sign-in URL and code; do not open a browser")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "sign in again even if the session is valid")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	s, err := f.NewSession(ctx, cmdutil.SessionOptions{Interactive: true, Login: opts.Login})
	if err != nil {
		return err
	}
	p, err := Provider(s, opts.Provider)
	if err != nil {
		return err
	}
	tokens, err := s.Tokens(p)
	if err != nil {
		return err
	}
	res, err := tokens.Login(ctx, opts.Force)
	if err != nil {
		return err
	}
	until := res.Session.ExpiresAt.Local().Format("2006-01-02 15:04 MST")
	switch res.Action {
	case sso.ActionValid:
		fmt.Fprintf(f.IO.ErrOut, "already signed in to %s (%s) until %s\n", p.StartURL, p.Region, until)
	case sso.ActionRefreshed:
		fmt.Fprintf(f.IO.ErrOut, "session renewed: signed in to %s (%s) until %s\n", p.StartURL, p.Region, until)
	default:
		fmt.Fprintf(f.IO.ErrOut, "signed in to %s (%s) until %s\n", p.StartURL, p.Region, until)
	}
	return nil
}

// Provider picks the Identity Center provider: the named one, that of the
// selected identity's chain, or the organization's.
func Provider(s *cmdutil.Session, name string) (*org.Provider, error) {
	if name == "" {
		if id, err := s.Identity(); err == nil && len(id.Chain) > 0 {
			if p, ok := s.Org.Provider(id.Chain[0]); ok && p.Kind == org.KindIdentityCenter {
				return p, nil
			}
		}
		name = org.ImplicitProvider
	}
	p, ok := s.Org.Provider(name)
	if !ok || p.Kind != org.KindIdentityCenter {
		return nil, cmdutil.FlagErrorf("no Identity Center provider %q in the configuration", name)
	}
	return p, nil
}
