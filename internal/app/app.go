// Package app is the edge of the sesame process: it builds the command
// tree, runs it with a context that Ctrl-C cancels, and turns whatever
// error comes back into an exit code and a message in one place
// (errors.go). Everything below app returns values and errors; nothing
// below it prints errors or exits.
package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sesame-cli/sesame/internal/buildinfo"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/prelude"
)

// Main runs sesame as a process and returns its exit code.
func Main() int {
	streams := iostreams.System()
	if code, ok := hotPath(os.Args[1:], streams, os.Getenv); ok {
		return code
	}
	// credential-process started without the D-Bus session (prelude);
	// the full path may need the OS keyring's Secret Service.
	if err := prelude.Reexec(); err != nil {
		fmt.Fprintf(streams.ErrOut, "warning: could not restart sesame with the session bus (%v); the OS keyring may be unavailable\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, restore the default handlers so a second
	// Ctrl-C kills a command that is slow to notice cancellation.
	go func() {
		<-ctx.Done()
		stop()
	}()
	return run(ctx, os.Args[1:], streams, os.Getenv)
}

// Run executes one sesame invocation with explicit arguments (without the
// program name), streams and environment, and returns the exit code. It
// is what in-process tests call. A cancelled ctx means the user
// interrupted the run.
func Run(ctx context.Context, args []string, streams *iostreams.IOStreams, getenv func(string) string) int {
	if code, ok := hotPath(args, streams, getenv); ok {
		return code
	}
	return run(ctx, args, streams, getenv)
}

// run is Run after the hot path declined.
func run(ctx context.Context, args []string, streams *iostreams.IOStreams, getenv func(string) string) int {
	if args == nil {
		args = []string{} // cobra falls back to os.Args on nil
	}
	f := &cmdutil.Factory{
		IO:      streams,
		Globals: &cmdutil.GlobalOptions{},
		Getenv:  getenv,
		Version: buildinfo.Read().Version,
	}
	root, started := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if !*started {
		// Cobra failed before any of our code ran: unknown command or flag,
		// wrong number of arguments.
		err = asUsageError(err)
	}
	return report(streams.ErrOut, classify(err, ctx.Err() != nil, cmd.CommandPath()))
}
