// Package completion implements `sesame completion SHELL`, which prints a
// shell completion script generated from the live command tree, so
// completions never drift from the commands and flags that exist.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/cmdutil"
)

var shells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmd returns the completion command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion {bash|zsh|fish|powershell}",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell to stdout. Load it once to try it,
or install it so every new shell has it.

Bash (needs the bash-completion package):
  # current shell
  source <(sesame completion bash)
  # every shell, Linux
  sesame completion bash | sudo tee /etc/bash_completion.d/sesame >/dev/null
  # every shell, macOS with Homebrew
  sesame completion bash > "$(brew --prefix)/etc/bash_completion.d/sesame"

Zsh:
  # enable completion once, if not done yet
  echo "autoload -U compinit; compinit" >> ~/.zshrc
  # install into a directory on $fpath, then start a new shell
  sesame completion zsh > "${fpath[1]}/_sesame"

Fish:
  # current shell
  sesame completion fish | source
  # every shell
  sesame completion fish > ~/.config/fish/completions/sesame.fish

PowerShell:
  # current session
  sesame completion powershell | Out-String | Invoke-Expression
  # every session: add the line above to your profile ($PROFILE)`,
		Example: `  source <(sesame completion bash)
  sesame completion zsh > "${fpath[1]}/_sesame"
  sesame completion fish --no-descriptions > ~/.config/fish/completions/sesame.fish`,
		ValidArgs:             shells,
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return write(cmd.Root(), f, args[0], !noDesc)
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "leave command and flag descriptions out of completions")
	return cmd
}

func write(root *cobra.Command, f *cmdutil.Factory, shell string, desc bool) error {
	w := f.IO.Out
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, desc)
	case "zsh":
		if desc {
			return root.GenZshCompletion(w)
		}
		return root.GenZshCompletionNoDesc(w)
	case "fish":
		return root.GenFishCompletion(w, desc)
	case "powershell":
		if desc {
			return root.GenPowerShellCompletionWithDesc(w)
		}
		return root.GenPowerShellCompletion(w)
	}
	return cmdutil.FlagErrorf("unsupported shell %q", shell)
}
