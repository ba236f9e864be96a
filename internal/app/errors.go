package app

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sesame-cli/sesame/internal/cmdutil"
)

// outcome is what the user sees when a run fails.
type outcome struct {
	code    int
	msg     string   // printed as "error: <msg>"; empty prints nothing
	plain   bool     // print msg as is, without "error: "
	hints   []string // printed as "hint: <hint>"
	usage   string   // command path for the "--help" pointer; empty for none
	silent  bool     // the command already reported; print nothing
	details string   // printed before the error line, as is
}

// classify is the one place that maps an error to an exit code, a message
// and hints. interrupted says whether the run's context was cancelled by a
// signal; cmdPath names the command that failed ("sesame version").
//
// Domain sentinels (config not found, authentication required, access
// denied, credential store unavailable) are mapped here, next to their
// hints, as the domain packages appear; until then commands wrap them in
// cmdutil.ExitError themselves.
func classify(err error, interrupted bool, cmdPath string) outcome {
	var (
		silent   *cmdutil.SilentError
		noResult *cmdutil.NoResultError
		flagErr  *cmdutil.FlagError
		exitErr  *cmdutil.ExitError
		cfgErr   *cmdutil.ConfigError
	)
	o := outcome{code: cmdutil.ExitFailure, msg: err.Error(), hints: cmdutil.Hints(err)}
	switch {
	case errors.As(err, &silent):
		// Already reported, or a child's exit status (sesame exec), which
		// stands even when the child ended because of the signal.
		return outcome{code: silent.Code, silent: true}
	case interrupted:
		return outcome{code: cmdutil.ExitInterrupted, msg: "interrupted"}
	case errors.As(err, &noResult):
		return outcome{code: cmdutil.ExitOK, msg: noResult.Message, plain: true}
	case errors.As(err, &flagErr):
		o.code, o.usage = cmdutil.ExitUsage, cmdPath
		o.msg, o.hints = splitSuggestions(o.msg, o.hints)
	case errors.As(err, &cfgErr):
		// Every finding on its own line (file:line:col: message), then
		// the summary as the error.
		o.details = cfgErr.Diags.Errors().Error()
		o.hints = append(o.hints, "run 'sesame validate' to see warnings too")
	case errors.As(err, &exitErr):
		o.code = exitErr.Code
	}
	return o
}

// report writes o to w (stderr) and returns the exit code.
func report(w io.Writer, o outcome) int {
	if o.silent {
		return o.code
	}
	if o.details != "" {
		fmt.Fprintln(w, o.details)
	}
	if o.msg != "" {
		if o.plain {
			fmt.Fprintln(w, o.msg)
		} else {
			fmt.Fprintf(w, "error: %s\n", o.msg)
		}
	}
	for _, h := range o.hints {
		fmt.Fprintf(w, "hint: %s\n", h)
	}
	if o.usage != "" {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", o.usage)
	}
	return o.code
}

// asUsageError marks an error that cobra returned before any command code
// ran as a usage error, keeping errors that are already typed.
func asUsageError(err error) error {
	var (
		flagErr *cmdutil.FlagError
		exitErr *cmdutil.ExitError
		silent  *cmdutil.SilentError
	)
	if errors.As(err, &flagErr) || errors.As(err, &exitErr) || errors.As(err, &silent) {
		return err
	}
	return &cmdutil.FlagError{Err: err}
}

// cobraSuggest is how cobra appends "did you mean" suggestions to an
// unknown-command error.
const cobraSuggest = "\n\nDid you mean this?\n"

// splitSuggestions turns cobra's multi-line suggestion block into a hint,
// so every failure has the same "error:" / "hint:" shape.
func splitSuggestions(msg string, hints []string) (string, []string) {
	head, tail, ok := strings.Cut(msg, cobraSuggest)
	if !ok {
		return msg, hints
	}
	var names []string
	for _, line := range strings.Split(tail, "\n") {
		if s := strings.TrimSpace(line); s != "" {
			names = append(names, fmt.Sprintf("%q", s))
		}
	}
	if len(names) == 0 {
		return head, hints
	}
	return head, append([]string{"did you mean " + strings.Join(names, " or ") + "?"}, hints...)
}
