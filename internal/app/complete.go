package app

import (
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// registerCompletions completes --identity with the identities of the
// active profile and --profile with the defined profiles, read from the
// configuration the command line (or SESAME_CONFIG) names.
//
// Commands that take an identity as their first argument (annotated with
// cmdutil.IdentityArg) complete it the same way.
func registerCompletions(root *cobra.Command, raw *globalFlags, f *cmdutil.Factory) {
	load := func(cmd *cobra.Command) (*org.Org, bool) {
		g, err := resolveGlobals(cmd.Flags(), raw, f.Getenv)
		if err != nil {
			return nil, false
		}
		cfg, err := config.Load(config.LoadOptions{Path: g.ConfigPath, UserConfigDir: f.UserConfigDir})
		if err != nil {
			return nil, false
		}
		o, diags := org.Resolve(cfg, org.Options{Profiles: g.Profiles})
		return o, !diags.HasErrors()
	}
	identities := func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		o, ok := load(cmd)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, id := range o.Identities {
			if strings.HasPrefix(id.Name, prefix) {
				out = append(out, id.Name+"\t"+id.Description)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	_ = root.RegisterFlagCompletionFunc("identity", identities)
	var annotate func(*cobra.Command)
	annotate = func(c *cobra.Command) {
		if c.Annotations[cmdutil.IdentityArg] != "" && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
				// After the identity, or after "--", comes the command to run.
				// (cobra reports no position for "--" while completing, so
				// look at the words being completed.)
				if len(args) > 0 || slices.Contains(os.Args, "--") {
					return nil, cobra.ShellCompDirectiveDefault
				}
				return identities(cmd, args, prefix)
			}
		}
		for _, sub := range c.Commands() {
			annotate(sub)
		}
	}
	annotate(root) // after addCommands: the commands must exist
	_ = root.RegisterFlagCompletionFunc("profile", func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		o, ok := load(cmd)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// Complete the last item of a comma-separated list.
		head := ""
		if i := strings.LastIndex(prefix, ","); i >= 0 {
			head, prefix = prefix[:i+1], prefix[i+1:]
		}
		var out []string
		for _, p := range o.ProfileNames {
			if strings.HasPrefix(p, prefix) {
				out = append(out, head+p)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}
