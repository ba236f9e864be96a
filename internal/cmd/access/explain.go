package access

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	acc "github.com/sesame-cli/sesame/internal/access"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

// ExplainOptions are the inputs of `sesame access explain`.
type ExplainOptions struct {
	IO     *iostreams.IOStreams
	Load   func() (*config.Config, error)
	Org    func() (*org.Org, error)
	Query  acc.Query
	Format string
}

// NewExplainCmd returns `sesame access explain`.
func NewExplainCmd(f *cmdutil.Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IO, Load: f.LoadConfig, Org: f.Org}
	cmd := &cobra.Command{
		Use:   "explain PRINCIPAL|IDENTITY",
		Short: "Explain why a principal has access, or how an identity is reached",
		Long: `Explain access with the configuration that creates it.

For a principal (a group or user name, or a typed key: group:NAME,
user:NAME, github:owner/repo, github:owner/repo (environment apply),
oidc:issuer, saml:provider, aws:arn), list every permission set and machine
role it reaches, account by account. Each permission set names the
assignment entry that gives it (file:line:col), the entry's account
selector and why the account matches it; each machine role names the
trust statement that admits it (trust.permission_sets for a role chained
from a permission set, trust.github and the like for a CI source).

For an identity (plat-dev/TerraformApplyAccess, plat-dev/terraform), or an
account/PermissionSet or account/machine-role pair that is not declared as
one, list every principal that reaches it and how. --profile decides how a
declared identity is defined (CI profiles reach plat-dev/terraform through
GitHub), not who reaches its target.

--account (name or id) and --permission-set narrow the answer. When nothing
grants what was asked ("does Developers hold TerraformApplyAccess in
plat-prod?"), the answer is printed on stderr and the exit code is 0, as
for any empty answer; an unknown name is a usage error (exit 2).
--format json prints the subject, the identity and every grant with its
positions.`,
		Example: `  # Why can the Developers group reach plat-dev?
  sesame access explain Developers --account plat-dev

  # Does it hold TerraformApplyAccess in plat-prod? (no: said on stderr, exit 0)
  sesame access explain Developers --account plat-prod --permission-set TerraformApplyAccess

  # Who can reach the terraform role in plat-dev, and through which trust
  sesame access explain plat-dev/terraform

  # Everything a GitHub repository can assume
  sesame access explain github:acme/infrastructure --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkFormat(opts.Format, "text", "json"); err != nil {
				return err
			}
			opts.Query.Subject = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runExplain(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Query.Account, "account", "", "only this `account` (name or id)")
	cmd.Flags().StringVar(&opts.Query.PermissionSet, "permission-set", "", "only this permission `set` and the roles chained from it")
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `format`: text or json")
	return cmd
}

func runExplain(opts *ExplainOptions) error {
	o, err := opts.Org()
	if err != nil {
		return err
	}
	cfg, err := opts.Load()
	if err != nil {
		return err
	}
	e, err := acc.Explain(o, cfg, opts.Query)
	if err != nil {
		return usageError(err)
	}
	if opts.Format == "json" {
		err = writeJSON(opts.IO.Out, e)
	} else {
		err = writeExplanation(opts.IO.Out, e)
	}
	if err != nil {
		return err
	}
	if e.Missing != "" {
		return &cmdutil.NoResultError{Message: e.Missing}
	}
	return nil
}

func writeExplanation(w io.Writer, e *acc.Explanation) error {
	var b strings.Builder
	s := e.Subject
	if id := e.Identity; id != nil {
		fmt.Fprintf(&b, "identity %s (%s", id.Name, id.Kind)
		if id.Derived {
			b.WriteString(", derived from assignments")
		} else if id.Pos.IsValid() {
			fmt.Fprintf(&b, ", declared at %s", id.Pos)
		}
		b.WriteString(")\n")
		if len(id.Chain) > 0 {
			fmt.Fprintf(&b, "  chain: %s\n", strings.Join(id.Chain, " -> "))
		}
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if b.Len() > 0 && len(e.Reasons) > 0 {
		b.WriteString("\n")
	}
	if len(e.Reasons) == 0 {
		// Missing goes to stderr; stdout keeps what is known.
		_, err := io.WriteString(w, b.String())
		return err
	}
	if s.Kind == acc.SubjectPrincipal {
		writePrincipalReasons(&b, e)
	} else {
		writeTargetReasons(&b, e)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePrincipalReasons lists a principal's grants account by account.
func writePrincipalReasons(b *strings.Builder, e *acc.Explanation) {
	accounts := 0
	for i, r := range e.Reasons {
		if i == 0 || r.Account != e.Reasons[i-1].Account {
			accounts++
		}
	}
	fmt.Fprintf(b, "%s reaches %s with %s:\n", e.Subject.Label(), plural(accounts, "account"), plural(len(e.Reasons), "grant"))
	for i, r := range e.Reasons {
		if i == 0 || r.Account != e.Reasons[i-1].Account {
			fmt.Fprintf(b, "\n%s (%s)\n", r.Account, r.AccountID)
		}
		who := ""
		if e.Subject.PrincipalType != r.PrincipalType || e.Subject.Principal != r.Principal {
			who = "  [" + r.Key() + "]" // a repository or issuer covers several subjects
		}
		fmt.Fprintf(b, "  %s (%s)%s\n", r.AccessLabel(), dash(r.AccessLevel), who)
		writeSources(b, r)
	}
}

// writeTargetReasons lists who reaches an identity or account/access.
func writeTargetReasons(b *strings.Builder, e *acc.Explanation) {
	s := e.Subject
	what := s.Label()
	if s.RoleARN != "" {
		what += " (" + s.RoleARN + ")"
	} else {
		what = s.Access + " in " + s.Account + " (" + s.AccountID + ")"
	}
	principals := 0
	for i, r := range e.Reasons {
		if i == 0 || r.Key() != e.Reasons[i-1].Key() {
			principals++
		}
	}
	verb := "reach"
	if principals == 1 {
		verb = "reaches"
	}
	fmt.Fprintf(b, "%s %s %s:\n\n", plural(principals, "principal"), verb, what)
	for _, r := range e.Reasons {
		line := r.Key()
		if r.Via != "" {
			line += " via " + r.Via
		}
		fmt.Fprintf(b, "%s\n", line)
		writeSources(b, r)
	}
}

func writeSources(b *strings.Builder, r acc.Reason) {
	if a := r.Assignment; a != nil {
		fmt.Fprintf(b, "    assignment  %s", a.Pos)
		if a.Accounts != "" {
			fmt.Fprintf(b, "  accounts: %s", a.Accounts)
			if a.Matched != "" {
				fmt.Fprintf(b, " (%s)", a.Matched)
			}
		}
		b.WriteString("\n")
	}
	if t := r.Trust; t != nil {
		fmt.Fprintf(b, "    trust       %s  %s\n", t.Pos, t.Statement)
	}
}
