// Package sandboxcmd implements `sesame sandbox`: run the local AWS
// sign-in emulator on a loopback port, seeded from the configuration.
package sandboxcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// Options are the inputs of `sesame sandbox`.
type Options struct {
	IO          *iostreams.IOStreams
	Org         func() (*org.Org, error)
	Addr        string
	AutoApprove string
	StateDir    string
	Format      string
	// Ready, when set, receives the base URL once the sandbox listens.
	Ready func(url string)
}

// NewCmd returns the sandbox command.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Org: f.Org}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the local AWS sign-in emulator",
		Long: `Serve an offline, wire-compatible emulation of the AWS sign-in APIs on one
loopback port: SSO OIDC (device code, authorization code with PKCE, refresh
tokens), the SSO portal (accounts, roles, role credentials), STS
(GetCallerIdentity, AssumeRole, GetSessionToken, with SigV4 verification)
and federation sign-in. It is seeded from the configuration: accounts,
groups, permission sets, assignments, machine roles and sandbox users.

The environment to use it is printed on stdout (AWS_ENDPOINT_URL, the
region, the start URL); point any AWS SDK or the AWS CLI at it. Sandbox
users sign in on the web pages it serves, or automatically with
--auto-approve. The control API under /_sandbox/ (healthz, stats, reset,
approve, faults) is described in docs/sandbox.md.

The sandbox stops cleanly on Ctrl-C or SIGTERM. With --state-dir, issued
clients, tokens and credentials survive a restart.`,
		Example: `  # Start on a random port and sign everyone in as alice; the environment
  # to use it is in sandbox.env once the sandbox listens
  sesame sandbox --config examples/acme --auto-approve alice > sandbox.env &
  sleep 1; . ./sandbox.env

  # A fixed port, state kept across restarts
  sesame sandbox --addr 127.0.0.1:4566 --state-dir ~/.cache/sesame-sandbox

  # Then, in another shell
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 aws sts get-caller-identity`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Format != "env" && opts.Format != "json" {
				return cmdutil.FlagErrorf("invalid --format %q: want env or json", opts.Format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:0", "`address` to listen on (port 0 picks a free port)")
	cmd.Flags().StringVar(&opts.AutoApprove, "auto-approve", "", "sign in as this sandbox `user` without a browser")
	cmd.Flags().StringVar(&opts.StateDir, "state-dir", "", "keep state in this `directory` across restarts")
	cmd.Flags().StringVar(&opts.Format, "format", "env", "how to print the environment: env or json")
	return cmd
}

// Run serves until ctx is cancelled.
func Run(ctx context.Context, opts *Options) error {
	o, err := opts.Org()
	if err != nil {
		return err
	}
	sb, err := sandbox.New(o, sandbox.Options{AutoApprove: opts.AutoApprove, StateDir: opts.StateDir})
	if err != nil {
		return err
	}
	if host, _, err := net.SplitHostPort(opts.Addr); err == nil && !isLoopback(host) {
		return cmdutil.FlagErrorf("--addr %s is not a loopback address; the sandbox only listens on 127.0.0.1, ::1 or localhost", opts.Addr)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	url := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	if err := printEnv(opts, sb.Info(url)); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "sandbox listening on %s (users: %s); stop with Ctrl-C\n", url, strings.Join(sb.Info(url).Users, ", "))
	if opts.Ready != nil {
		opts.Ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, "sandbox stopped")
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func printEnv(opts *Options, info sandbox.Info) error {
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "export AWS_ENDPOINT_URL=%s\nexport AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\nexport SESAME_SANDBOX_START_URL=%s\n",
		info.Endpoint, info.Region, info.Region, info.StartURL)
	return err
}
