package app

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/sesame-cli/sesame/internal/cmdutil"
)

func TestClassify(t *testing.T) {
	base := errors.New("session expired")
	tests := []struct {
		name        string
		err         error
		interrupted bool
		wantCode    int
		wantOut     string
	}{
		{"generic", fmt.Errorf("load org: %w", base), false, 1, "error: load org: session expired\n"},
		{"exit code", &cmdutil.ExitError{Code: cmdutil.ExitAuthRequired, Err: base}, false, 4, "error: session expired\n"},
		{
			"exit code with hint, wrapped",
			fmt.Errorf("exec: %w", cmdutil.WithHint(cmdutil.WithExitCode(base, cmdutil.ExitAuthRequired), "run `sesame login`")),
			false, 4, "error: exec: session expired\nhint: run `sesame login`\n",
		},
		{"usage", cmdutil.FlagErrorf("invalid --format %q", "x"), false, 2, "error: invalid --format \"x\"\nRun 'sesame version --help' for usage.\n"},
		{
			"cobra suggestions become a hint",
			&cmdutil.FlagError{Err: errors.New("unknown command \"verison\" for \"sesame\"\n\nDid you mean this?\n\tversion\n\tversions\n")},
			false, 2, "error: unknown command \"verison\" for \"sesame\"\nhint: did you mean \"version\" or \"versions\"?\nRun 'sesame version --help' for usage.\n",
		},
		{"silent", &cmdutil.SilentError{Code: 5}, false, 5, ""},
		{"no result", &cmdutil.NoResultError{Message: "no identities match \"x\""}, false, 0, "no identities match \"x\"\n"},
		{"interrupted wins", &cmdutil.ExitError{Code: 4, Err: base}, true, 130, "error: interrupted\n"},
		{
			"hints from joined errors",
			errors.Join(cmdutil.WithHint(base, "a"), cmdutil.WithHint(errors.New("denied"), "b"), cmdutil.WithHint(base, "a")),
			false, 1, "error: session expired\ndenied\nsession expired\nhint: a\nhint: b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			code := report(&buf, classify(tt.err, tt.interrupted, "sesame version"))
			if code != tt.wantCode {
				t.Errorf("code = %d, want %d", code, tt.wantCode)
			}
			if buf.String() != tt.wantOut {
				t.Errorf("stderr:\n%s\nwant:\n%s", buf.String(), tt.wantOut)
			}
		})
	}
}

func TestAsUsageErrorKeepsTypedErrors(t *testing.T) {
	exit := &cmdutil.ExitError{Code: 4, Err: errors.New("x")}
	if got := asUsageError(exit); got != exit {
		t.Errorf("typed error was rewrapped: %v", got)
	}
	if !cmdutil.IsUsage(asUsageError(errors.New("unknown flag: --x"))) {
		t.Error("plain cobra error not turned into a usage error")
	}
}

func TestSplitSuggestionsWithoutSuggestions(t *testing.T) {
	msg, hints := splitSuggestions("unknown flag: --x", []string{"h"})
	if msg != "unknown flag: --x" || !slices.Equal(hints, []string{"h"}) {
		t.Errorf("got %q %v", msg, hints)
	}
}
