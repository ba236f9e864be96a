package app

import (
	"errors"
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/cmdutil"
)

func resolve(t *testing.T, args []string, env map[string]string) (cmdutil.GlobalOptions, error) {
	t.Helper()
	raw := &globalFlags{}
	fs := pflag.NewFlagSet("sesame", pflag.ContinueOnError)
	raw.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return resolveGlobals(fs, raw, func(k string) string { return env[k] })
}

func TestResolveGlobals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want cmdutil.GlobalOptions
	}{
		{name: "defaults"},
		{
			name: "env twins",
			env: map[string]string{
				"SESAME_CONFIG": "org/", "SESAME_PROFILE": "devops, ci,,devops", "SESAME_IDENTITY": "plat-dev/admin",
				"SESAME_DEBUG": "yes", "SESAME_NO_INPUT": "1",
			},
			want: cmdutil.GlobalOptions{ConfigPath: "org/", Profiles: []string{"devops", "ci"}, Identity: "plat-dev/admin", Debug: true, NoInput: true},
		},
		{
			name: "flags win over env",
			args: []string{"--config", "a.yaml", "--profile", "x", "-i", "id", "--debug=false", "--no-input=false"},
			env: map[string]string{
				"SESAME_CONFIG": "b.yaml", "SESAME_PROFILE": "y", "SESAME_IDENTITY": "other",
				"SESAME_DEBUG": "true", "SESAME_NO_INPUT": "true",
			},
			want: cmdutil.GlobalOptions{ConfigPath: "a.yaml", Profiles: []string{"x"}, Identity: "id"},
		},
		{
			name: "repeated profile flags merge left to right",
			args: []string{"--profile", "b,a", "--profile", "c,,b", "--profile=d"},
			env:  map[string]string{"SESAME_PROFILE": "env"},
			want: cmdutil.GlobalOptions{Profiles: []string{"b", "a", "c", "d"}},
		},
		{
			name: "boolean flag set, env unset",
			args: []string{"--debug", "--no-input"},
			want: cmdutil.GlobalOptions{Debug: true, NoInput: true},
		},
		{
			name: "falsy env",
			env:  map[string]string{"SESAME_DEBUG": "0", "SESAME_NO_INPUT": "False"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got.ConfigPath != tt.want.ConfigPath || got.Identity != tt.want.Identity ||
				got.Debug != tt.want.Debug || got.NoInput != tt.want.NoInput || !slices.Equal(got.Profiles, tt.want.Profiles) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestResolveGlobalsRejectsUnclearBooleans(t *testing.T) {
	for _, name := range []string{"SESAME_DEBUG", "SESAME_NO_INPUT"} {
		_, err := resolve(t, nil, map[string]string{name: "tru"})
		var exit *cmdutil.ExitError
		if !errors.As(err, &exit) || exit.Code != cmdutil.ExitUsage {
			t.Errorf("%s=tru: want usage exit error, got %v", name, err)
		}
		if len(cmdutil.Hints(err)) == 0 {
			t.Errorf("%s=tru: want a hint", name)
		}
	}
}
