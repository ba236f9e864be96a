// Package execcmd implements `sesame exec` and `sesame shell`: run a
// program with an identity's credentials in its environment.
package execcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/awsenv"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/credserver"
	"github.com/sesame-cli/sesame/internal/org"
)

// NestedVar marks a process started by sesame exec or shell; its value is
// the identity.
const NestedVar = "SESAME_EXEC"

// Options are the inputs of exec and shell.
type Options struct {
	F           *cmdutil.Factory
	AllowNested bool
	// Server serves the credentials to the command over a loopback ECS
	// endpoint that renews them, instead of putting keys in its
	// environment.
	Server bool
	Args   []string
}

// NewCmd returns the exec command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND [ARGS...]",
		Short: "Run a command with an identity's credentials",
		Long: `Run COMMAND with the credentials of the identity (--identity, SESAME_IDENTITY or
the profile's default) in its environment. Inherited AWS credential
variables (AWS_PROFILE, keys, web identity, container endpoints) are removed
first; then AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION, AWS_DEFAULT_REGION and SESAME_IDENTITY
are set.

With --server the keys stay out of the environment: sesame serves them on a
loopback port for as long as the command runs (AWS_CONTAINER_CREDENTIALS_FULL_URI
and AWS_CONTAINER_AUTHORIZATION_TOKEN, the ECS credential protocol every AWS
SDK and the AWS CLI read), and renews them before they expire. Use it for
commands that can outlive the credentials, such as a long terraform apply
through a role limited to one hour.

Signals sent to sesame are passed to the command, and sesame exits with the
command's exit code. Running exec inside another exec is refused (the
variable SESAME_EXEC marks it) unless --allow-nested.`,
		Example: `  sesame exec -- aws sts get-caller-identity
  SESAME_PROFILE=devops sesame exec plat-dev/TerraformApplyAccess -- terraform plan
  sesame exec --identity plat-dev/terraform -- terraform apply

  # credentials renewed for as long as the apply runs
  sesame exec --server plat-dev/terraform -- terraform apply`,
		Args:        cobra.MinimumNArgs(1),
		Annotations: map[string]string{cmdutil.IdentityArg: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			// `sesame exec IDENTITY -- cmd` is a shorthand for --identity.
			if dash := cmd.ArgsLenAtDash(); dash == 1 {
				if err := f.SetIdentityArg(args[0]); err != nil {
					return err
				}
				args = args[1:]
			} else if dash > 1 {
				return cmdutil.FlagErrorf("put the command after --, e.g. sesame exec -- %s", args[0])
			}
			if len(args) == 0 {
				return cmdutil.FlagErrorf("no command to run: sesame exec [IDENTITY] -- COMMAND")
			}
			opts.Args = args
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AllowNested, "allow-nested", false, "allow running inside another sesame exec or shell")
	cmd.Flags().BoolVar(&opts.Server, "server", false, "serve renewing credentials on a loopback endpoint instead of keys in the environment")
	return cmd
}

// NewShellCmd returns the shell command.
func NewShellCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Start a shell with an identity's credentials",
		Long: `Start your shell ($SHELL, else /bin/sh) with the identity's credentials in its
environment, as 'sesame exec' does. Exit the shell to drop them.`,
		Example: `  sesame shell --identity plat-dev/TerraformPlanAccess
  SESAME_PROFILE=developers sesame shell

  # credentials that renew themselves for as long as the shell lives
  sesame shell --server --identity plat-dev/TerraformApplyAccess`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sh := f.Getenv("SHELL")
			if sh == "" {
				sh = "/bin/sh"
			}
			opts.Args = []string{sh}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AllowNested, "allow-nested", false, "allow running inside another sesame exec or shell")
	cmd.Flags().BoolVar(&opts.Server, "server", false, "serve renewing credentials on a loopback endpoint instead of keys in the environment")
	return cmd
}

// Run gets the credentials and runs opts.Args with them.
func Run(ctx context.Context, opts *Options) error {
	f := opts.F
	if outer := f.Getenv(NestedVar); outer != "" && !opts.AllowNested {
		return cmdutil.WithHint(fmt.Errorf("already inside sesame exec with identity %s", outer),
			"exit that shell first, or pass --allow-nested")
	}
	s, id, err := f.SelectedIdentity(ctx, cmdutil.SessionOptions{Interactive: true})
	if err != nil {
		return err
	}
	if opts.Server {
		return ExecServer(ctx, f, s, id, opts.Args)
	}
	return Exec(ctx, f, s, id, opts.Args, nil)
}

// ExecServer runs args with a loopback credential endpoint for id that
// lives as long as the command. The first credentials are fetched before
// the command starts: SDKs time out quickly on their first request.
func ExecServer(ctx context.Context, f *cmdutil.Factory, s *cmdutil.Session, id *org.Identity, args []string) error {
	c, err := s.Retrieve(ctx, id)
	if err != nil {
		return err
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return cmdutil.WithExitCode(fmt.Errorf("%s: command not found", args[0]), 127)
	}
	srv, err := credserver.New(s.CredentialSource(id, false))
	if err != nil {
		return err
	}
	l, err := credserver.Listen("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start the credential endpoint: %w", err)
	}
	serveCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, l) }()
	defer func() { stop(); <-served }()
	f.Logger().Debug(fmt.Sprintf("%s: serving credentials on http://%s/ (now valid until %s)", id.Name, l.Addr(), c.Expiration.Format(time.RFC3339)))
	v := awsenv.Values{ContainerURI: "http://" + l.Addr().String() + "/", ContainerToken: srv.Token(),
		Region: s.Region(id), Identity: id.Name}
	env := append(v.Environ(os.Environ()), NestedVar+"="+id.Name)
	return runChild(f, path, args, env)
}

// Exec runs args with the credentials of id, adding extraEnv.
func Exec(ctx context.Context, f *cmdutil.Factory, s *cmdutil.Session, id *org.Identity, args, extraEnv []string) error {
	c, err := s.Retrieve(ctx, id)
	if err != nil {
		return err
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return cmdutil.WithExitCode(fmt.Errorf("%s: command not found", args[0]), 127)
	}
	v := awsenv.Values{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: c.Expiration, Region: s.Region(id), Identity: id.Name}
	env := append(v.Environ(os.Environ()), NestedVar+"="+id.Name)
	return runChild(f, path, args, append(env, extraEnv...))
}

// runChild runs the command and returns its exit status as the error.
// Signals are forwarded; Ctrl-C from a terminal reaches the child directly
// (same process group), so SIGINT is forwarded only without a terminal.
func runChild(f *cmdutil.Factory, path string, args, env []string) error {
	cmd := exec.Command(path, args[1:]...)
	cmd.Args = args
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.IO.In, f.IO.Out, f.IO.ErrOut
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return cmdutil.WithExitCode(err, 126)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGINT && f.IO.InTTY {
					continue
				}
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &cmdutil.SilentError{Code: code}
	}
	return err
}
