package access

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	acc "github.com/sesame-cli/sesame/internal/access"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

// DiffOptions are the inputs of `sesame access diff`.
type DiffOptions struct {
	IO *iostreams.IOStreams
	// Load reads the current configuration: the default head, and the
	// path a revision is read at.
	Load     func() (*config.Config, error)
	Base     string
	Head     string
	Format   string
	ExitCode bool
	// Git is the git command for revisions.
	Git string
}

// NewDiffCmd returns `sesame access diff`.
func NewDiffCmd(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IO, Load: f.LoadConfig, Git: "git"}
	cmd := &cobra.Command{
		Use:   "diff --base REV|DIR [--head REV|DIR]",
		Short: "Show what a configuration change grants and revokes",
		Long: `Compare the access two configurations give: grants only the head has
(added, +), grants only the base has (removed, -), grants whose access
level changed (~), and permission sets and machine roles whose policies,
session length or trust changed (every holder is affected).

--base is a directory or file (another checkout, a copy of the
configuration) or a git revision (main, origin/main, HEAD~1, a commit) of
the repository holding the configuration. A revision is read with git at
the configuration's path in the repository (a file or a directory, plus
any policy files it names), into a temporary directory that is removed
afterwards. A base directory that contains the head configuration's
relative path (--base ../main-checkout with --config sesame/) is read at
that path. --head defaults to the current configuration (--config or
discovery) and takes a directory or a revision as well. Both are resolved
without profiles: profiles change identities, not access.

The table marks each grant with +, - or ~ and names where it is written:
head positions for added and changed grants, base positions for removed
ones (REV:path for a revision). --format markdown is made for pull-request
comments, json for tools. The exit code is 0 whatever the differences,
unless --exit-code is given: then 1 when there are differences, as with
git diff --exit-code.`,
		Example: `  # What does my working tree change, compared with main?
  sesame access diff --base main

  # In a pull-request check: a Markdown comment, and fail when access changes
  sesame access diff --base origin/main --format markdown --exit-code > access.md

  # Two copies of the configuration
  sesame access diff --base ../acme-before --head examples/acme`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(opts.Format, "table", "json", "markdown"); err != nil {
				return err
			}
			if opts.Base == "" {
				return cmdutil.FlagErrorf("--base is required: a directory or a git revision to compare with")
			}
			if runF != nil {
				return runF(opts)
			}
			return runDiff(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Base, "base", "", "the configuration to compare with: a `REV` of the git repository or a DIR")
	cmd.Flags().StringVar(&opts.Head, "head", "", "the changed configuration: a `DIR` or a git revision (default: the current configuration)")
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output `format`: table, json or markdown")
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 1 when access differs")
	return cmd
}

// side is one configuration of the comparison.
type side struct {
	label string
	org   *org.Org
	snap  *snapshot // when read from a revision
}

func (s *side) relabel(p config.Pos) config.Pos {
	if s.snap == nil {
		return p
	}
	return s.snap.Relabel(p)
}

func runDiff(ctx context.Context, opts *DiffOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// The current configuration: head by default, and the path whose
	// history a revision is read from. Reading it is deferred so that
	// --base DIR --head DIR works without one.
	var current string
	currentPath := func() (string, error) {
		if current != "" {
			return current, nil
		}
		if opts.Head != "" && exists(opts.Head) {
			current = opts.Head
			return current, nil
		}
		cfg, err := opts.Load()
		if err != nil {
			return "", err
		}
		current = cfg.Root
		return current, nil
	}
	var head *side
	var err error
	if opts.Head == "" {
		cfg, err := opts.Load()
		if err != nil {
			return err
		}
		current = cfg.Root
		head, err = resolveSide("head", cfg.Root, cfg, nil)
		if err != nil {
			return err
		}
	} else if head, err = loadSide(ctx, opts, "head", opts.Head, "", currentPath); err != nil {
		return err
	}
	if head.snap != nil {
		defer head.snap.Remove()
	}
	headPath, _ := currentPath()
	base, err := loadSide(ctx, opts, "base", opts.Base, headPath, currentPath)
	if err != nil {
		return err
	}
	if base.snap != nil {
		defer base.snap.Remove()
	}
	d := acc.Compare(base.org, head.org)
	for i := range d.Removed {
		d.Removed[i].Source = base.relabel(d.Removed[i].Source)
	}
	for i := range d.Added {
		d.Added[i].Source = head.relabel(d.Added[i].Source)
	}
	for i := range d.Changed {
		d.Changed[i].Source = head.relabel(d.Changed[i].Source)
	}
	switch opts.Format {
	case "json":
		err = writeJSON(opts.IO.Out, struct {
			Base string `json:"base"`
			Head string `json:"head"`
			*acc.Diff
		}{base.label, head.label, d})
	case "markdown":
		err = writeDiffMarkdown(opts.IO.Out, d, base.label, head.label)
	default:
		err = writeDiffTable(opts.IO.Out, d)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "base %s, head %s: %s\n", base.label, head.label, diffSummary(d))
	if opts.ExitCode && !d.Empty() {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	return nil
}

// loadSide reads spec: a file or directory if one exists there, else a
// git revision of the repository holding the current configuration.
// mirror is the head configuration's path, tried inside a base directory.
func loadSide(ctx context.Context, opts *DiffOptions, role, spec, mirror string, currentPath func() (string, error)) (*side, error) {
	if exists(spec) {
		path := spec
		if st, err := os.Stat(spec); err == nil && st.IsDir() && mirror != "" && !filepath.IsAbs(mirror) {
			if rel := filepath.Clean(mirror); rel != "." && !strings.HasPrefix(rel, "..") && exists(filepath.Join(spec, rel)) {
				path = filepath.Join(spec, rel)
			}
		}
		cfg, err := config.Load(config.LoadOptions{Path: path})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", role, spec, err)
		}
		return resolveSide(role, path, cfg, nil)
	}
	path, err := currentPath()
	if err != nil {
		return nil, fmt.Errorf("--%s %s is not a directory; reading it as a git revision needs the configuration's path: %w", role, spec, err)
	}
	snap, err := checkout(ctx, opts.Git, path, spec)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--%s: %w", role, err)
	}
	cfg, err := config.Load(config.LoadOptions{Path: snap.Root})
	if err != nil {
		snap.Remove()
		return nil, fmt.Errorf("%s %s: %w", role, spec, err)
	}
	s, err := resolveSide(role, spec+" ("+snap.RepoRel+")", cfg, snap)
	if err != nil {
		snap.Remove()
		return nil, err
	}
	return s, nil
}

func resolveSide(role, label string, cfg *config.Config, snap *snapshot) (*side, error) {
	o, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		if snap != nil {
			for i := range diags {
				diags[i].Pos = snap.Relabel(diags[i].Pos)
			}
		}
		return nil, fmt.Errorf("%s %s: %w", role, label, &cmdutil.ConfigError{Diags: diags})
	}
	return &side{label: label, org: o, snap: snap}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func diffSummary(d *acc.Diff) string {
	if d.Empty() {
		return "no access changes"
	}
	parts := []string{
		fmt.Sprintf("%d added", len(d.Added)),
		fmt.Sprintf("%d removed", len(d.Removed)),
		fmt.Sprintf("%d level %s", len(d.Changed), pluralWord(len(d.Changed), "change")),
	}
	if len(d.Modified) > 0 {
		parts = append(parts, fmt.Sprintf("%s changed", plural(len(d.Modified), "definition")))
	}
	return strings.Join(parts, ", ")
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
