package access

import (
	"fmt"

	"github.com/spf13/cobra"

	acc "github.com/sesame-cli/sesame/internal/access"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

// gridLimit is the most accounts the table, Markdown and HTML formats show
// as columns under --layout auto; beyond it they fold to one line per
// principal and access.
const gridLimit = 12

// MatrixOptions are the inputs of `sesame access matrix`.
type MatrixOptions struct {
	IO     *iostreams.IOStreams
	Org    func() (*org.Org, error)
	Format string
	Layout string
	Filter acc.Filter
}

// NewMatrixCmd returns `sesame access matrix`.
func NewMatrixCmd(f *cmdutil.Factory, runF func(*MatrixOptions) error) *cobra.Command {
	opts := &MatrixOptions{IO: f.IO, Org: f.Org}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Show who can reach which accounts, with what",
		Long: `Show every principal that can reach an account and what it gets there:
groups and users through their assignments, and the sources machine roles
trust (github:owner/repo (environment apply), oidc:issuer (subject),
saml:provider, aws:principal-arn). A machine role whose trust lists a
permission set (trust.permission_sets) is reachable by everyone holding that
set in the same account; it is shown with "via" naming the set.

The table has a row per principal and a column per account; each cell lists
short codes for the permission sets (upper case) and machine roles (lower
case) reachable there, explained in the legend below the table. With more
than 12 accounts the table folds to one line per principal and access,
listing the accounts (--layout grid or list chooses). --format csv writes
one row per grant (principal_type, principal, account, account_id,
access_type, access, access_level, via, source), which suits any size and
spreadsheets; json writes the accounts, principals and grants; markdown and
html render the table for pull requests and browsers.

Filters take names or globs (* and ?), may be repeated or comma-separated,
and combine: --group, --user and --principal select principals (any of
them), --account selects columns (name or id), --permission-set and --role
select access (a permission set also selects the roles chained from it).
An unknown name is a usage error; filters that match nothing print a
message on stderr and exit 0.`,
		Example: `  # The whole organization
  sesame access matrix --config examples/acme

  # What the Developers group reaches in production accounts
  sesame access matrix --group Developers --account 'plat-prod'

  # Who holds TerraformApplyAccess (and the roles chained from it), one row per grant
  sesame access matrix --permission-set TerraformApplyAccess --format csv

  # Everything GitHub Actions can assume
  sesame access matrix --principal 'github:*'

  # A page for the security review
  sesame access matrix --format html > access.html`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkFormat(opts.Format, "table", "json", "csv", "markdown", "html"); err != nil {
				return err
			}
			if opts.Layout != "auto" && opts.Layout != "grid" && opts.Layout != "list" {
				return cmdutil.FlagErrorf("invalid --layout %q: want auto, grid or list", opts.Layout)
			}
			if runF != nil {
				return runF(opts)
			}
			return runMatrix(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Format, "format", "table", "output `format`: table, json, csv, markdown or html")
	fl.StringVar(&opts.Layout, "layout", "auto", "table, markdown and html `layout`: grid (a column per account), list (a line per principal and access) or auto")
	fl.StringSliceVar(&opts.Filter.Groups, "group", nil, "only these groups (`name`s or globs)")
	fl.StringSliceVar(&opts.Filter.Users, "user", nil, "only these users (`name`s or globs)")
	fl.StringSliceVar(&opts.Filter.Principals, "principal", nil, "only these principals (`key`s such as group:DevOps or github:acme/*, or globs)")
	fl.StringSliceVar(&opts.Filter.Accounts, "account", nil, "only these accounts (`name`s, ids or globs)")
	fl.StringSliceVar(&opts.Filter.PermissionSets, "permission-set", nil, "only these permission sets and the roles chained from them (`name`s or globs)")
	fl.StringSliceVar(&opts.Filter.Roles, "role", nil, "only these machine roles (`name`s or globs)")
	return cmd
}

func runMatrix(opts *MatrixOptions) error {
	o, err := opts.Org()
	if err != nil {
		return err
	}
	m, err := acc.NewMatrix(o, opts.Filter)
	if err != nil {
		return usageError(err)
	}
	empty := len(m.Grants) == 0
	grid := opts.Layout == "grid" || (opts.Layout == "auto" && len(m.Accounts) <= gridLimit)
	out := opts.IO.Out
	switch {
	case opts.Format == "json":
		err = writeJSON(out, m)
	case opts.Format == "csv":
		err = writeMatrixCSV(out, m)
	case empty:
	case opts.Format == "html":
		err = writeMatrixHTML(out, m, grid)
	case opts.Format == "markdown":
		err = writeMatrixMarkdown(out, m, grid)
	default:
		err = writeMatrixTable(out, m, grid)
	}
	if err != nil {
		return err
	}
	if empty {
		return &cmdutil.NoResultError{Message: "no access matches the filters"}
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s, %s, %s\n", plural(len(m.Principals), "principal"), plural(len(m.Accounts), "account"), plural(len(m.Grants), "grant"))
	if opts.Layout == "auto" && !grid && opts.Format != "json" && opts.Format != "csv" {
		fmt.Fprintf(opts.IO.ErrOut, "one line per principal and access (%d accounts are too many for columns); --layout grid for a column per account, --format csv for a row per grant\n", len(m.Accounts))
	}
	return nil
}
