// Package version implements `sesame version`: which build is running,
// for humans and for bug-report templates that want JSON.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/buildinfo"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
)

// Options are the inputs of `sesame version`.
type Options struct {
	IO     *iostreams.IOStreams
	Format string
	Info   buildinfo.Info
}

// NewCmd returns the version command. runF replaces the command's action
// in tests of flag wiring; nil means the real one.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the sesame version",
		Long: `Print the version of this sesame build, the commit it was built from, the Go
version and the platform. Include it in bug reports.

Text output is one line: sesame <version> (<commit>, <go version>, <os>/<arch>).
With --format json the same fields are printed as a JSON object.`,
		Example: `  sesame version
  sesame version --format json | jq -r .version`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := cmdutil.CheckFormat(opts.Format, "text", "json"); err != nil {
				return err
			}
			opts.Info = buildinfo.Read()
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `format`: text or json")
	return cmd
}

func run(opts *Options) error {
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(opts.Info)
	}
	_, err := fmt.Fprintln(opts.IO.Out, Line(opts.Info))
	return err
}

// Line is the one-line description of a build, also used by `sesame --version`.
func Line(i buildinfo.Info) string {
	return fmt.Sprintf("sesame %s (%s, %s, %s/%s)", i.Version, i.Commit, i.GoVersion, i.OS, i.Arch)
}
