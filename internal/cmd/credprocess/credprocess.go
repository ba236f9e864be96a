// Package credprocess implements `sesame credential-process`: the AWS
// credential_process protocol, so every AWS SDK and tool can use an
// identity and renew it by itself.
package credprocess

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/awsenv"
	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// NewCmd returns the credential-process command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credential-process",
		Short: "Print credentials for the AWS credential_process setting",
		Long: `Print the identity's credentials as the JSON document (Version 1) that AWS
SDKs and the AWS CLI read from a credential_process program. Only the JSON
goes to stdout.

It never waits for a browser: SDKs hide the program's terminal, so a
sign-in would look like a hang. When the Identity Center session has
expired it fails at once with exit code 4 and a message to run
'sesame login'. Cached credentials are returned without any network call
while they have more than the profile's refresh_before left.`,
		Example: `  # ~/.aws/config
  [profile plat-dev-plan]
  credential_process = sesame credential-process --identity plat-dev/TerraformPlanAccess

  sesame credential-process --identity plat-dev/terraform | jq .Expiration`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), f) },
	}
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory) error {
	s, err := f.NewSession(ctx, cmdutil.SessionOptions{Interactive: false})
	if err != nil {
		return err
	}
	id, err := s.Identity()
	if err != nil {
		return err
	}
	c, err := s.Retrieve(ctx, id)
	if err != nil {
		return err
	}
	_, err = f.IO.Out.Write(awsenv.Process(awsenv.Values{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration, AccountID: c.AccountID}))
	return err
}
