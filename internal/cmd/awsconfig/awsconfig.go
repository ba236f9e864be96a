// Package awsconfig implements `sesame aws-config`: a profile in the AWS
// shared config file for every identity of the profile, each getting its
// credentials from `sesame credential-process`, so any AWS tool can use
// `--profile plat-dev/TerraformPlanAccess` or AWS_PROFILE.
package awsconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/awsfiles"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/lock"
	"github.com/sesame-cli/sesame/internal/org"
)

// Options are the inputs of `sesame aws-config`.
type Options struct {
	F       *cmdutil.Factory
	Write   bool
	File    string
	Command string
}

// NewCmd returns the aws-config command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "aws-config",
		Short: "Write an AWS CLI profile for every identity",
		Long: `Generate one profile per identity of the profile in the AWS shared config
file (AWS_CONFIG_FILE, else ~/.aws/config). Each runs
'sesame credential-process' for its identity, so the AWS CLI, every SDK and
Terraform get renewing credentials from sesame:

  [profile plat-dev/TerraformPlanAccess]
  credential_process = sesame --config /org credential-process --identity plat-dev/TerraformPlanAccess
  region = us-east-1

The profiles live in one block between marker lines that sesame owns: each
--write replaces the block, so profiles of identities that are gone are
removed, and everything outside it is kept byte for byte. A profile name you
defined yourself outside the block is left alone and reported.

Without --write the block is printed on stdout and nothing changes; the
summary on stderr says what --write would do. The profiles carry
--config (absolute) and --profile, so they resolve the same organization
from any directory.`,
		Example: `  sesame aws-config                      # show the block
  sesame aws-config --write              # update ~/.aws/config
  SESAME_PROFILE=devops sesame aws-config --write
  aws sts get-caller-identity --profile plat-dev/TerraformPlanAccess`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.Write, "write", false, "update the file (default: print the block)")
	cmd.Flags().StringVar(&opts.File, "file", "", "config `file` to update (default: AWS_CONFIG_FILE, else ~/.aws/config)")
	cmd.Flags().StringVar(&opts.Command, "command", "", "how AWS tools start sesame (default: sesame when it is on PATH, else this binary's path)")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	o, err := f.Org()
	if err != nil {
		return err
	}
	cfg, err := f.LoadConfig()
	if err != nil {
		return err
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return err
	}
	command := opts.Command
	if command == "" {
		command = selfCommand()
	}
	prefix := []string{command, "--config", root}
	if len(f.Globals.Profiles) > 0 {
		prefix = append(prefix, "--profile", strings.Join(f.Globals.Profiles, ","))
	}
	profiles := Profiles(o, prefix)

	path := opts.File
	if path == "" {
		if path, err = awsfiles.ConfigPath(f.Getenv); err != nil {
			return err
		}
	}
	var release func() error
	if opts.Write {
		dir, err := f.CacheDir()
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(path))
		release, err = (&lock.Lock{}).Acquire(ctx, filepath.Join(dir, "locks", "aws-config-"+hex.EncodeToString(sum[:8])))
		if err != nil {
			return err
		}
		defer func() { _ = release() }()
	}
	old, err := awsfiles.ReadConfig(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	res, err := awsfiles.Merge(old, profiles)
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("%s: %w", path, err), "sesame changes nothing in the file until the block is whole again")
	}
	for _, s := range res.Shadowed {
		fmt.Fprintf(f.IO.ErrOut, "warning: profile %s is already defined outside sesame's block of %s; left out\n", s, path)
	}
	verb := "would write"
	if opts.Write {
		verb = "wrote"
		if res.Changed(old) {
			if err := write(path, res.Content); err != nil {
				return err
			}
		} else {
			verb = "unchanged:"
		}
	} else {
		if _, err := f.IO.Out.Write(awsfiles.Block(keepNames(profiles, res))); err != nil {
			return err
		}
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s: %d profiles (%d added, %d removed, %d kept)\n", verb, path,
		len(res.Added)+len(res.Kept), len(res.Added), len(res.Removed), len(res.Kept))
	return nil
}

// Profiles builds one AWS profile per identity; prefix is the command
// that starts sesame with its global flags.
func Profiles(o *org.Org, prefix []string) []awsfiles.Profile {
	out := make([]awsfiles.Profile, 0, len(o.Identities))
	for _, id := range o.Identities {
		args := append(append([]string(nil), prefix...), "credential-process", "--identity", id.Name)
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = shellQuote(a)
		}
		p := awsfiles.Profile{Name: id.Name, Settings: [][2]string{{"credential_process", strings.Join(quoted, " ")}}}
		if r := o.Region(id, ""); r != "" {
			p.Settings = append(p.Settings, [2]string{"region", r})
		}
		out = append(out, p)
	}
	return out
}

func keepNames(profiles []awsfiles.Profile, res *awsfiles.Result) []awsfiles.Profile {
	shadowed := map[string]bool{}
	for _, s := range res.Shadowed {
		shadowed[strings.SplitN(s, " (", 2)[0]] = true
	}
	var out []awsfiles.Profile
	for _, p := range profiles {
		if !shadowed[p.Name] {
			out = append(out, p)
		}
	}
	return out
}

// selfCommand is "sesame" when that name on PATH is this binary, else
// this binary's absolute path.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "sesame"
	}
	if p, err := exec.LookPath("sesame"); err == nil {
		a, errA := os.Stat(p)
		b, errB := os.Stat(exe)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return "sesame"
		}
	}
	return exe
}

// shellQuote quotes s for the POSIX-style splitting AWS tools apply to
// credential_process (botocore's shell split, the Go SDK's sh -c).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// write replaces path atomically, keeping an existing file's mode (the
// config holds no secrets) or 0600 for a new one in a 0700 directory.
func write(path string, data []byte) error {
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return lock.WriteFileAtomic(path, data, mode)
}
