// Package credprocess implements `sesame credential-process`: the AWS
// credential_process protocol, so every AWS SDK and tool can use an
// identity and renew it by itself.
package credprocess

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/auth"
	"github.com/sesame-cli/sesame/internal/awsenv"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/fastpath"
)

// Name is the command's name; internal/app recognises it early to take
// the hot path (Fast) before building the command tree.
const Name = "credential-process"

// NewCmd returns the credential-process command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   Name,
		Short: "Print credentials for the AWS credential_process setting",
		Long: `Print the identity's credentials as the JSON document (Version 1) that AWS
SDKs and the AWS CLI read from a credential_process program. Only the JSON
goes to stdout.

It never waits for a browser: SDKs hide the program's terminal, so a
sign-in would look like a hang. When the Identity Center session has
expired it fails at once with exit code 4 and a message to run
'sesame login'. Cached credentials are returned without any network call
while they have more than the profile's refresh_before left; while the
configuration files are unchanged it does not even read them (see
docs/security.md).`,
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
	if done, err := Fast(ctx, f); done || err != nil {
		return err
	}
	requested := f.Globals.Identity
	s, id, c, err := f.SelectedCredentials(ctx, cmdutil.SessionOptions{Interactive: false})
	if err != nil {
		return err
	}
	if err := write(f, c); err != nil {
		return err
	}
	record(ctx, f, s, requested, id.Name, c)
	return nil
}

func write(f *cmdutil.Factory, c auth.Credentials) error {
	_, err := f.IO.Out.Write(awsenv.Process(awsenv.Values{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration, AccountID: c.AccountID}))
	return err
}

// record remembers which cache entry answered, for the fast path.
func record(ctx context.Context, f *cmdutil.Factory, s *cmdutil.Session, requested, name string, c auth.Credentials) {
	if s.Store.Name() == credstore.BackendMemory {
		return
	}
	cfg, err := f.LoadConfig()
	if err != nil {
		return
	}
	key, err := s.Resolver.CacheKey(name)
	if err != nil {
		return
	}
	stamps, err := fastpath.Fingerprint(cfg.Root)
	if err != nil {
		return
	}
	if s.Store.Name() == credstore.BackendKeyring {
		hot, err := f.HotStore(ctx, s.CacheDir)
		if err != nil {
			return
		}
		if err := (&auth.StoreCache{Store: hot}).Put(ctx, key, c); err != nil {
			return
		}
	}
	_ = fastpath.Save(s.CacheDir, fastpath.Key(cfg.Root, f.Globals.Profiles, requested), &fastpath.Entry{
		Identity: name, CacheKey: key, Backend: s.Store.Name(), RefreshBefore: s.Org.Profile.RefreshBefore.D(),
		AccountID: c.AccountID, Files: stamps})
}

// Fast answers from the cache when the configuration is unchanged since a
// full run recorded the answer. done is false whenever anything is
// uncertain; the full path then runs.
func Fast(ctx context.Context, f *cmdutil.Factory) (done bool, err error) {
	root, err := config.Discover(config.LoadOptions{Path: f.Globals.ConfigPath, UserConfigDir: f.UserConfigDir})
	if err != nil {
		return false, nil
	}
	dir, err := f.CacheDir()
	if err != nil {
		return false, nil
	}
	e, ok := fastpath.Load(dir, fastpath.Key(root, f.Globals.Profiles, f.Globals.Identity))
	if !ok {
		return false, nil
	}
	if b := f.Getenv(credstore.EnvStore); b != "" && b != e.Backend {
		return false, nil
	}
	if !e.Fresh(root) {
		return false, nil
	}
	store, ok := f.FastStore(ctx, e.Backend, dir)
	if !ok {
		return false, nil
	}
	cache := &auth.StoreCache{Store: store, IsNotFound: func(err error) bool { return errors.Is(err, credstore.ErrNotFound) }}
	c, ok, err := cache.Get(ctx, e.CacheKey)
	now := time.Now()
	if err != nil || !ok || !c.ValidFor(now, e.RefreshBefore) {
		return false, nil
	}
	f.Logger().Debug(fmt.Sprintf("%s: cached, expires in %s (configuration unchanged: not read)", e.Identity, c.Expiration.Sub(now).Round(time.Second)))
	return true, write(f, c)
}
