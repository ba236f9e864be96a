// Package logout implements `sesame logout`: revoke the Identity Center
// session at the portal and forget it and the credentials cached with it.
package logout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmd/login"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame logout`.
type Options struct {
	F        *cmdutil.Factory
	Provider string
	All      bool
}

// NewCmd returns the logout command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Sign out of IAM Identity Center and forget cached credentials",
		Long: `Revoke the Identity Center session at the portal (so the token stops working
everywhere) and delete it from the credential store, together with every
cached role credential. --all signs out of every Identity Center provider of
the configuration.`,
		Example: `  sesame logout
  sesame logout --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "Identity Center `provider` to sign out of")
	cmd.Flags().BoolVar(&opts.All, "all", false, "sign out of every Identity Center provider")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	s, err := f.NewSession(ctx, cmdutil.SessionOptions{})
	if err != nil {
		return err
	}
	var providers []*org.Provider
	if opts.All {
		for _, p := range s.Org.Providers {
			if p.Kind == org.KindIdentityCenter {
				providers = append(providers, p)
			}
		}
	} else {
		p, err := login.Provider(s, opts.Provider)
		if err != nil {
			return err
		}
		providers = []*org.Provider{p}
	}
	var errs []error
	for _, p := range providers {
		t, err := s.Tokens(p)
		if err == nil {
			err = t.Logout(ctx)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.StartURL, err))
			continue
		}
		fmt.Fprintf(f.IO.ErrOut, "signed out of %s (%s)\n", p.StartURL, p.Region)
	}
	// Cached role credentials outlive the token; forget them too.
	keys, err := s.Store.Keys(ctx, "creds/")
	if err != nil {
		errs = append(errs, err)
	}
	for _, k := range keys {
		if err := s.Store.Delete(ctx, k); err != nil {
			errs = append(errs, err)
		}
	}
	if len(keys) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "forgot %d cached credentials\n", len(keys))
	}
	// The fast path's index and the keyring backend's hot copy go too.
	for _, d := range []string{cmdutil.HotDir(s.CacheDir), filepath.Join(s.CacheDir, "index")} {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return nil
}
