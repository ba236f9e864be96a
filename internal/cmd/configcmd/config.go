// Package configcmd implements `sesame config`: show the resolved
// configuration and print the JSON Schema for editors.
package configcmd

import (
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/schema"
)

// NewCmd returns `sesame config` with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the resolved configuration or its schema",
		Long: `Work with the static configuration: 'config show' prints the fully resolved
model (profiles merged, identities derived, assignments expanded) and
'config schema' prints the JSON Schema editors use to complete and check
the YAML.`,
		Example: `  sesame config show --config examples/acme --format json | jq '.assignments | length'
  sesame config schema > schema/sesame.schema.json`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newShowCmd(f, nil), newSchemaCmd(f, nil))
	return cmd
}

// ShowOptions are the inputs of `sesame config show`.
type ShowOptions struct {
	IO     *iostreams.IOStreams
	Org    func() (*org.Org, error)
	Format string
}

func newShowCmd(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IO, Org: f.Org}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the fully resolved configuration",
		Long: `Print the configuration as sesame sees it after resolution, for the selected
profiles (--profile / SESAME_PROFILE): accounts with tenant and stage,
permission sets with compiled policies and managed policy ARNs, the
explicit sorted list of assignments, machine roles with their role ARN and
trust policy in every account, providers, the identities the profile shows
(derived <account>/<PermissionSet> ones and declared ones, with their chain)
and the merged profile settings.

The output is YAML (default) or JSON. A configuration with errors prints the
errors instead and exits 1.`,
		Example: `  sesame config show --config examples/acme
  sesame config show --profile ci --format json | jq '.identities[].name'
  SESAME_PROFILE=developers sesame config show --format json | jq .profile`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if opts.Format != "yaml" && opts.Format != "json" {
				return cmdutil.FlagErrorf("invalid --format %q: want yaml or json", opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return runShow(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "yaml", "output `format`: yaml or json")
	return cmd
}

func runShow(opts *ShowOptions) error {
	o, err := opts.Org()
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		_, err = fmt.Fprintln(opts.IO.Out, string(js))
		return err
	}
	y, err := yaml.JSONToYAML(js)
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(y)
	return err
}

// SchemaOptions are the inputs of `sesame config schema`.
type SchemaOptions struct {
	IO *iostreams.IOStreams
	// Profile selects the schema of a profile file.
	Profile bool
}

func newSchemaCmd(f *cmdutil.Factory, runF func(*SchemaOptions) error) *cobra.Command {
	opts := &SchemaOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "schema [config|profile]",
		Short: "Print the JSON Schema of the configuration",
		Long: `Print the JSON Schema (draft 2020-12) of a configuration file (config, the
default) or of a profile file (profile: profiles/<name>.yaml). Editors that use
yaml-language-server pick it up from a modeline at the top of the file:

  # yaml-language-server: $schema=../schema/sesame.schema.json

The schema knows every key, its type, allowed values and a description; it
cannot check cross-references (use 'sesame validate' for those).`,
		Example: `  sesame config schema > schema/sesame.schema.json
  sesame config schema profile > schema/sesame-profile.schema.json`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"config", "profile"},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				switch args[0] {
				case "config":
				case "profile":
					opts.Profile = true
				default:
					return cmdutil.FlagErrorf("unknown schema %q: want config or profile", args[0])
				}
			}
			if runF != nil {
				return runF(opts)
			}
			b := schema.Config()
			if opts.Profile {
				b = schema.Profile()
			}
			_, err := opts.IO.Out.Write(b)
			return err
		},
	}
	return cmd
}
