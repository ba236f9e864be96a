// Package access implements `sesame access`: who can reach what (matrix),
// why (explain) and what a change grants and revokes (diff). The answers
// come from internal/access; this package wires flags, loads the
// configurations and renders tables, CSV, JSON, Markdown and HTML.
package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	acc "github.com/sesame-cli/sesame/internal/access"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// NewCmd returns `sesame access` with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Who can reach what, why, and what a change grants",
		Long: `Answer access questions from the static configuration, without calling AWS:

  matrix   who can reach which accounts with which permission sets and
           machine roles (groups, users, and the CI sources machine roles
           trust), as a table, CSV, JSON, Markdown or HTML
  explain  why a group or user reaches an account, or how an identity is
           reached, with the file:line:col of every assignment and trust
           statement involved
  diff     what a change to the configuration grants and revokes, against
           another directory or a git revision (for pull-request checks)

Machine roles are reached two ways: by the sources their trust admits
directly (a GitHub repository and environment, an OIDC subject, a SAML
provider, an AWS principal), and by chaining from the permission sets
their trust lists (trust.permission_sets) in the same account. Both show
up as access; a chained role names the permission set it is reached via.`,
		Example: `  sesame access matrix --config examples/acme
  sesame access explain Developers --account plat-dev
  sesame access diff --base origin/main --format markdown`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewMatrixCmd(f, nil), NewExplainCmd(f, nil), NewDiffCmd(f, nil))
	return cmd
}

// checkFormat is a usage error unless format is one of allowed.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return cmdutil.FlagErrorf("invalid --format %q: want %s", format, orList(allowed))
}

func orList(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

// usageError turns a query naming something undefined into a usage error
// (exit 2); other errors pass through.
func usageError(err error) error {
	var unk *acc.UnknownError
	var amb *acc.AmbiguousError
	if errors.As(err, &unk) || errors.As(err, &amb) {
		return &cmdutil.FlagError{Err: err}
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
