package cmdutil

import (
	"errors"
	"fmt"
	"strings"
)

// The error types below are how a command talks to internal/app: a command
// returns one, app maps it to an exit code, an "error:" line and "hint:"
// lines on stderr. Commands never print errors or call os.Exit themselves.

// ExitError gives an error a specific exit code (one of the Exit*
// constants).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// WithExitCode wraps err so the process exits with code; nil stays nil.
func WithExitCode(err error, code int) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// FlagError is a usage mistake: bad flag value, wrong arguments. It exits
// with ExitUsage and points at the command's --help.
type FlagError struct {
	Err error
}

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError from a format string.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// SilentError ends the run with Code without printing anything more: the
// command has already told the user what went wrong.
type SilentError struct {
	Code int
}

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// NoResultError means a valid query matched nothing. Its message is
// printed to stderr without an "error:" prefix, and the run still
// succeeds (exit 0): an empty answer is an answer.
type NoResultError struct {
	Message string
}

func (e *NoResultError) Error() string { return e.Message }

// HintError attaches a remediation hint ("run `sesame login`") to an
// error. Hints are added at the CLI edge from typed domain errors, once;
// the hint is not part of Error().
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches hint to err; nil stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// Hints returns every hint attached anywhere in err's tree (including
// errors.Join branches), outermost first, without duplicates.
func Hints(err error) []string {
	var hints []string
	seen := make(map[string]bool)
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if h, ok := err.(*HintError); ok && h.Hint != "" && !seen[h.Hint] {
			seen[h.Hint] = true
			hints = append(hints, h.Hint)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return hints
}

// IsUsage reports whether err is a usage mistake.
func IsUsage(err error) bool {
	var fe *FlagError
	return errors.As(err, &fe)
}

// CheckFormat is the usage error for a --format value not among allowed.
func CheckFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return FlagErrorf("invalid --format %q: want %s", format, strings.Join(allowed[:len(allowed)-1], ", ")+" or "+allowed[len(allowed)-1])
}
