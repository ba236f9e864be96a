// Package console implements `sesame console`: open the AWS Management
// Console signed in as an identity.
package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cli/browser"
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/console"
)

// Options are the inputs of `sesame console`.
type Options struct {
	F           *cmdutil.Factory
	Service     string
	Destination string
	Region      string
	Duration    time.Duration
	Print       bool
}

// NewCmd returns the console command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "console [IDENTITY]",
		Short: "Open the AWS console signed in as an identity",
		Long: `Sign in to the AWS Management Console with the identity's credentials
(the federation endpoint's getSigninToken and login) and open it in the
browser, on the console home of the identity's region, a service's page
(--service s3) or any console URL (--destination).

With --print, or when no browser can be opened, the sign-in URL is printed on
stdout instead. It signs whoever opens it in as the identity and works for
15 minutes: treat it like the credentials.

--duration sets the console session length (15m to 12h) for credentials of
a permission set or a role assumed directly; AWS refuses it for a role
reached through another role, and the session then lasts as long as the
credentials.`,
		Example: `  sesame console plat-dev/TerraformPlanAccess
  sesame console --identity plat-prod/ReadOnlyAccess --service cloudwatch --region eu-west-1
  sesame console --print plat-dev/terraform | pbcopy`,
		Args:        cobra.MaximumNArgs(1),
		Annotations: map[string]string{cmdutil.IdentityArg: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if err := f.SetIdentityArg(args[0]); err != nil {
					return err
				}
			}
			if opts.Duration != 0 && (opts.Duration < 15*time.Minute || opts.Duration > 12*time.Hour) {
				return cmdutil.FlagErrorf("--duration %s: the console session lasts 15m to 12h", opts.Duration)
			}
			if opts.Service != "" && opts.Destination != "" {
				return cmdutil.FlagErrorf("--service and --destination both name the page; give one")
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Service, "service", "", "console `service` page to open (s3, ec2, cloudwatch, iam, ...)")
	cmd.Flags().StringVar(&opts.Destination, "destination", "", "console `URL` to open")
	cmd.Flags().StringVar(&opts.Region, "region", "", "console `region` (default: the identity's)")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 0, "console session `length`, 15m to 12h (not for chained roles)")
	cmd.Flags().BoolVar(&opts.Print, "print", false, "print the sign-in URL instead of opening a browser")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	s, id, c, err := f.SelectedCredentials(ctx, cmdutil.SessionOptions{Interactive: true})
	if err != nil {
		return err
	}
	if opts.Duration != 0 && id.ViaIdentity != "" {
		return cmdutil.FlagErrorf("--duration: %s is a role reached through %s; AWS does not let its console session be set", id.Name, id.ViaIdentity)
	}
	region := opts.Region
	if region == "" {
		region = s.Region(id)
	}
	partition := s.Org.Partition
	dest := opts.Destination
	if dest == "" {
		dest = console.Destination(partition, region, opts.Service)
	}
	u, err := console.SigninURL(ctx, console.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken},
		console.Options{Endpoint: federationEndpoint(f.Getenv), Destination: dest, Partition: partition, Region: region, Duration: opts.Duration,
			HTTP: s.HTTPClient()})
	if err != nil {
		return fmt.Errorf("identity %s: %w", id.Name, err)
	}
	if !opts.Print {
		browser.Stdout, browser.Stderr = f.IO.ErrOut, f.IO.ErrOut
		if err := browser.OpenURL(u); err == nil {
			fmt.Fprintf(f.IO.ErrOut, "opened the AWS console as %s\n", id.Name)
			return nil
		}
		fmt.Fprintln(f.IO.ErrOut, "could not open a browser; open this URL (it signs you in as "+id.Name+" for 15 minutes):")
	}
	_, err = fmt.Fprintln(f.IO.Out, u)
	return err
}

// federationEndpoint honours the SDKs' endpoint variables: the signin
// service's own, else AWS_ENDPOINT_URL with /federation (a sandbox).
func federationEndpoint(getenv func(string) string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if u := getenv("AWS_ENDPOINT_URL_SIGNIN"); u != "" {
		return strings.TrimRight(u, "/") + "/federation"
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		return strings.TrimRight(u, "/") + "/federation"
	}
	return ""
}
