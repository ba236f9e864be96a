package app

import (
	"context"
	"io"

	"github.com/spf13/pflag"

	"github.com/sesame-cli/sesame/internal/cmd/credprocess"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
)

// hotPath answers `sesame [global flags] credential-process` from the
// credential cache before anything else is set up: no command tree, no
// signal handler (which costs a thread), no build-info parsing. AWS SDKs
// start this program once per credential refresh and Terraform once per
// provider, so its start-up is the latency users feel (docs/security.md,
// "The hot path").
//
// ok is false whenever the command line is anything but a plain
// credential-process invocation, or the cache cannot answer for certain;
// Main then runs the normal path, which parses the same flags with cobra
// and reports errors. Nothing has been written to the streams in that case.
func hotPath(args []string, streams *iostreams.IOStreams, getenv func(string) string) (code int, ok bool) {
	if !mentions(args, credprocess.Name) {
		return 0, false
	}
	fs := pflag.NewFlagSet("sesame", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	raw := &globalFlags{}
	raw.register(fs)
	if fs.Parse(args) != nil || fs.NArg() != 1 || fs.Arg(0) != credprocess.Name {
		return 0, false
	}
	g, err := resolveGlobals(fs, raw, getenv)
	if err != nil {
		return 0, false
	}
	f := &cmdutil.Factory{IO: streams, Globals: &g, Getenv: getenv}
	done, err := credprocess.Fast(context.Background(), f)
	if !done {
		return 0, false
	}
	if err != nil {
		return report(streams.ErrOut, classify(err, false, "sesame "+credprocess.Name)), true
	}
	return cmdutil.ExitOK, true
}

func mentions(args []string, word string) bool {
	for _, a := range args {
		if a == word {
			return true
		}
	}
	return false
}
