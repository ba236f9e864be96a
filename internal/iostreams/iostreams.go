// Package iostreams is the only door between sesame and the process's
// standard streams. Commands write data to Out and everything meant for a
// human (progress, prompts, hints, errors) to ErrOut, and ask this package,
// never os.Stdout, whether they may prompt or use colour. Tests swap the
// whole set for buffers with Test.
package iostreams

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// defaultWidth is what TerminalWidth reports when stdout is not a terminal
// or its size cannot be read.
const defaultWidth = 80

// IOStreams bundles the standard streams with what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// InTTY, OutTTY and ErrTTY report whether the stream is an interactive
	// terminal. Tests set them to exercise prompting and colour paths.
	InTTY  bool
	OutTTY bool
	ErrTTY bool

	// NoColor disables colour even on a terminal (NO_COLOR, TERM=dumb).
	NoColor bool

	// width reports the terminal width; nil means defaultWidth.
	width func() (int, bool)
}

// System returns the streams of the running process. It is called once,
// by app.Main.
func System() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In:      os.Stdin,
		Out:     os.Stdout,
		ErrOut:  os.Stderr,
		InTTY:   isTerminal(os.Stdin),
		OutTTY:  isTerminal(os.Stdout),
		ErrTTY:  isTerminal(os.Stderr),
		NoColor: noColor || os.Getenv("TERM") == "dumb",
		width: func() (int, bool) {
			w, _, err := term.GetSize(int(os.Stdout.Fd()))
			return w, err == nil && w > 0
		},
	}
}

// Test returns streams backed by buffers: stdin reads from in, and out and
// errOut collect what the code under test writes. No stream is a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer)
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// ColorEnabled reports whether output on Out may carry ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.OutTTY && !s.NoColor }

// CanPrompt reports whether an interactive question can be asked: someone
// must be able to both read it (stderr) and answer it (stdin). Commands
// still honour --no-input on top of this.
func (s *IOStreams) CanPrompt() bool { return s.InTTY && s.ErrTTY }

// TerminalWidth is the width of the terminal behind Out, or 80 when Out is
// not a terminal (tables piped to a file keep a stable layout).
func (s *IOStreams) TerminalWidth() int {
	if !s.OutTTY || s.width == nil {
		return defaultWidth
	}
	if w, ok := s.width(); ok {
		return w
	}
	return defaultWidth
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// ReadSecret prompts on stderr and reads a line from stdin without echo
// when stdin is a terminal.
func (s *IOStreams) ReadSecret(prompt string) (string, error) {
	fmt.Fprint(s.ErrOut, prompt)
	defer fmt.Fprintln(s.ErrOut)
	if f, ok := s.In.(*os.File); ok && s.InTTY {
		b, err := term.ReadPassword(int(f.Fd()))
		return string(b), err
	}
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
