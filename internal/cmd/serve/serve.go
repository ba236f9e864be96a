// Package serve implements `sesame serve`: a long-lived loopback
// credential endpoint (the ECS container-credential protocol) for the
// identities of the profile, renewing their credentials as they near
// expiry.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/auth"
	"github.com/sesame-cli/sesame/internal/auth/sso"
	"github.com/sesame-cli/sesame/internal/awsenv"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/credserver"
)

// Options are the inputs of `sesame serve`.
type Options struct {
	F      *cmdutil.Factory
	Addr   string
	Format string
}

// NewCmd returns the serve command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve renewing credentials to AWS tools on a loopback endpoint",
		Long: `Serve credentials on a loopback port with the ECS container-credential
protocol, which every AWS SDK and the AWS CLI read from
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN. Tools
ask again before their credentials expire and get renewed ones, for as long
as the server runs.

  /                   the selected identity (--identity, SESAME_IDENTITY or
                      the profile's default)
  /identities/NAME    any identity of the profile (NAME URL-escaped:
                      plat-dev%2Fterraform)

The variables to set are printed on stdout (--format, as 'sesame env'), then
the server runs until interrupted. The token is new for every run; requests
without it are refused. Only loopback addresses can be served.`,
		Example: `  # in one terminal
  sesame serve --identity plat-dev/TerraformApplyAccess
  # in another: paste the two exports it printed, then
  aws sts get-caller-identity

  # another identity from the same server
  AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/identities/plat-dev%2Fterraform terraform plan`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := awsenv.Format(awsenv.Values{}, opts.Format); err != nil || opts.Format == "github-actions" {
				return cmdutil.FlagErrorf("invalid --format %q: want one of bash, zsh, fish, powershell, dotenv, json", opts.Format)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:0", "loopback `address` to listen on (port 0: any free port)")
	cmd.Flags().StringVar(&opts.Format, "format", "bash", "`format` of the variables printed on stdout")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	s, id, err := f.SelectedIdentity(ctx, cmdutil.SessionOptions{Interactive: true})
	if err != nil {
		return err
	}
	// Sign in and fetch now, while a person is watching, rather than on
	// the first request of a tool that gives up after a few seconds.
	if _, err := s.Retrieve(ctx, id); err != nil {
		return err
	}
	srv, err := credserver.New(s.CredentialSource(id, true))
	if err != nil {
		return err
	}
	srv.Classify = classify
	l, err := credserver.Listen(opts.Addr)
	if err != nil {
		return cmdutil.FlagErrorf("--addr: %v", err)
	}
	url := "http://" + l.Addr().String() + "/"
	out, err := awsenv.Format(awsenv.Values{ContainerURI: url, ContainerToken: srv.Token(), Region: s.Region(id), Identity: id.Name}, opts.Format)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprint(f.IO.Out, out); err != nil {
		return err
	}
	names := make([]string, 0, len(s.Org.Identities))
	for _, i := range s.Org.Identities {
		names = append(names, i.Name)
	}
	sort.Strings(names)
	fmt.Fprintf(f.IO.ErrOut, "serving %s at %s and %d identities at %sidentities/NAME; Ctrl-C stops\n",
		id.Name, url, len(names), url)
	err = srv.Serve(ctx, l)
	if ctx.Err() != nil {
		fmt.Fprintln(f.IO.ErrOut, "stopped")
		return nil
	}
	return err
}

// classify turns retrieval errors into answers SDKs report well: a needed
// sign-in or a refusal is not worth retrying.
func classify(err error) (int, string) {
	switch {
	case errors.Is(err, credserver.ErrUnknownIdentity):
		return http.StatusNotFound, "NotFound"
	case errors.Is(err, sso.ErrLoginRequired):
		return http.StatusUnauthorized, "LoginRequired"
	case errors.Is(err, auth.ErrAccessDenied):
		return http.StatusForbidden, "AccessDenied"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "Timeout"
	}
	return http.StatusInternalServerError, "CredentialsUnavailable"
}
