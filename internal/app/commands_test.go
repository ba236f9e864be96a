package app

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
)

// TestCommandTree checks the conventions every command must follow.
func TestCommandTree(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	root, _ := newRootCmd(&cmdutil.Factory{IO: io, Globals: &cmdutil.GlobalOptions{}})
	var visit func(*cobra.Command)
	visit = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		if c.Long == "" || c.Example == "" {
			t.Errorf("%s: every command needs Long help and Examples", c.CommandPath())
		}
		if c != root && (c.PersistentPreRun != nil || c.PersistentPreRunE != nil) {
			t.Errorf("%s: PersistentPreRun would replace the root's global option resolution", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(root)
}
