// Package demo implements `sesame demo`: the quick start. It runs a
// sandbox organization in-process, signs a sandbox user in, and shows the
// main things sesame does, without an AWS account.
package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/auth"
	"github.com/sesame-cli/sesame/internal/cmd/execcmd"
	"github.com/sesame-cli/sesame/internal/cmd/whoami"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// Options are the inputs of `sesame demo`.
type Options struct {
	F        *cmdutil.Factory
	User     string
	Identity string
	Chained  string
	Denied   string
}

// NewCmd returns the demo command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try sesame end to end on a sandbox organization",
		Long: `Start the sandbox in this process with the configuration (default
examples/acme), sign in as a sandbox user (approved automatically), and
show what sesame does:

  1. one sign-in to IAM Identity Center,
  2. credentials for a permission set, checked with sts:GetCallerIdentity,
  3. a role chained from it (SourceIdentity set to the user),
  4. a command run with 'sesame exec' and the credentials in its environment,
  5. an identity the user is not assigned, refused as AWS refuses it,
  6. the chained identity's name in CI (the ci profile, when there is one):
     a GitHub Actions run's OIDC token assumes the machine role.

Nothing is written outside a temporary directory and no AWS account is
needed.`,
		Example: `  sesame demo
  sesame demo --user bob --identity plat-dev/TerraformPlanAccess
  go run ./cmd/sesame demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.User, "user", "alice", "sandbox `user` to sign in as")
	cmd.Flags().StringVar(&opts.Identity, "identity-ps", "plat-dev/TerraformApplyAccess", "permission-set `identity` to show")
	cmd.Flags().StringVar(&opts.Chained, "identity-chained", "plat-dev/terraform", "chained `identity` to show")
	cmd.Flags().StringVar(&opts.Denied, "identity-denied", "plat-prod/AdministratorAccess", "an `identity` the user is not assigned")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	if f.Globals.ConfigPath == "" {
		if _, err := os.Stat("examples/acme"); err == nil {
			f.Globals.ConfigPath = "examples/acme"
		}
	}
	o, err := f.Org()
	if err != nil {
		return err
	}
	sb, err := sandbox.New(o, sandbox.Options{AutoApprove: opts.User})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(sb)
	defer srv.Close()
	tmp, err := os.MkdirTemp("", "sesame-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// A private cache and the memory store: the demo leaves nothing behind.
	getenv := f.Getenv
	f.Getenv = func(k string) string {
		switch k {
		case "SESAME_CACHE_DIR":
			return tmp
		case "SESAME_CREDENTIAL_STORE":
			return "memory"
		}
		return getenv(k)
	}
	defer func() { f.Getenv = getenv }()
	s, err := f.NewSession(ctx, cmdutil.SessionOptions{Login: cmdutil.LoginOptions{NoBrowser: true}, EndpointURL: srv.URL})
	if err != nil {
		return err
	}
	// The demo's narrative is its output: one stream keeps it in order.
	w := f.IO.Out
	fmt.Fprintf(w, "sesame demo: organization %q from %s, sandbox AWS at %s\n\n", o.Name, f.Globals.ConfigPath, srv.URL)

	fmt.Fprintf(w, "1. sign in to IAM Identity Center as %s (approved by the sandbox)\n", opts.User)
	p, _ := o.Provider("identity-center")
	if p == nil {
		return errors.New("the configuration has no Identity Center (organization.identity_center)")
	}
	tokens, err := s.Tokens(p)
	if err != nil {
		return err
	}
	if _, err := tokens.Login(ctx, false); err != nil {
		return err
	}
	fmt.Fprintf(w, "   signed in to %s\n\n", p.StartURL)

	for i, name := range []string{opts.Identity, opts.Chained} {
		id, ok := o.Identity(name)
		if !ok {
			return fmt.Errorf("identity %s is not in the configuration", name)
		}
		what := "a permission set through the SSO portal"
		if id.ViaIdentity != "" {
			what = "a role chained from " + id.ViaIdentity
		}
		fmt.Fprintf(w, "%d. %s: %s\n", i+2, name, what)
		r, err := whoami.Caller(ctx, s, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(f.IO.Out, "   %-12s %s\n   %-12s %s\n", "account", r.Account, "arn", r.Arn)
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "4. sesame exec --identity %s -- <program>: the credentials are in its environment\n", opts.Identity)
	id, _ := o.Identity(opts.Identity)
	script := `echo "   SESAME_IDENTITY=$SESAME_IDENTITY AWS_REGION=$AWS_REGION expires=$AWS_CREDENTIAL_EXPIRATION"`
	if err := execcmd.Exec(ctx, f, s, id, []string{"sh", "-c", script}, nil); err != nil {
		return err
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "5. %s: %s is not assigned it\n", opts.Denied, opts.User)
	if denied, ok := o.Identity(opts.Denied); ok {
		_, err := s.Retrieve(ctx, denied)
		switch {
		case errors.Is(err, auth.ErrAccessDenied):
			fmt.Fprintf(f.IO.Out, "   refused: %v\n", err)
		case err != nil:
			return err
		default:
			fmt.Fprintf(f.IO.Out, "   (%s is assigned it after all)\n", opts.User)
		}
	}
	fmt.Fprintln(w)
	if err := ciStep(ctx, w, f, sb, srv.URL, opts.Chained, 6); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsandbox calls: %s\n", stats(sb.Stats()))
	fmt.Fprintln(w, "next: 'sesame sandbox --config examples/acme' to keep a sandbox running; see README.md")
	return nil
}

func stats(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
