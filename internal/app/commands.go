package app

import (
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmd/access"
	"github.com/sesame-cli/sesame/internal/cmd/awsconfig"
	"github.com/sesame-cli/sesame/internal/cmd/completion"
	"github.com/sesame-cli/sesame/internal/cmd/configcmd"
	"github.com/sesame-cli/sesame/internal/cmd/console"
	"github.com/sesame-cli/sesame/internal/cmd/credprocess"
	"github.com/sesame-cli/sesame/internal/cmd/demo"
	"github.com/sesame-cli/sesame/internal/cmd/envcmd"
	"github.com/sesame-cli/sesame/internal/cmd/execcmd"
	"github.com/sesame-cli/sesame/internal/cmd/identities"
	"github.com/sesame-cli/sesame/internal/cmd/lint"
	"github.com/sesame-cli/sesame/internal/cmd/login"
	"github.com/sesame-cli/sesame/internal/cmd/logout"
	"github.com/sesame-cli/sesame/internal/cmd/sandboxcmd"
	"github.com/sesame-cli/sesame/internal/cmd/serve"
	"github.com/sesame-cli/sesame/internal/cmd/validate"
	"github.com/sesame-cli/sesame/internal/cmd/version"
	"github.com/sesame-cli/sesame/internal/cmd/whoami"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// addCommands registers every top-level command. This is the single list:
// a new command is one package under internal/cmd and one line here.
//
// Subcommands must not set PersistentPreRun(E): cobra would run it instead
// of the root's, which resolves the global options (a test enforces this).
func addCommands(root *cobra.Command, f *cmdutil.Factory) {
	root.AddCommand(
		version.NewCmd(f, nil),
		completion.NewCmd(f),
		validate.NewCmd(f, nil),
		lint.NewCmd(f, nil),
		configcmd.NewCmd(f),
		identities.NewCmd(f, nil),
		access.NewCmd(f),
		sandboxcmd.NewCmd(f, nil),
		login.NewCmd(f),
		logout.NewCmd(f),
		whoami.NewCmd(f),
		execcmd.NewCmd(f),
		execcmd.NewShellCmd(f),
		envcmd.NewCmd(f),
		credprocess.NewCmd(f),
		serve.NewCmd(f),
		awsconfig.NewCmd(f),
		console.NewCmd(f),
		demo.NewCmd(f),
	)
}
