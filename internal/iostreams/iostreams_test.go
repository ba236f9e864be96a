package iostreams

import "testing"

func TestTestStreamsAreBuffers(t *testing.T) {
	s, in, out, errOut := Test()
	in.WriteString("answer\n")
	buf := make([]byte, 6)
	if _, err := s.In.Read(buf); err != nil || string(buf) != "answer" {
		t.Fatalf("In read %q, %v", buf, err)
	}
	if _, err := s.Out.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ErrOut.Write([]byte("note")); err != nil {
		t.Fatal(err)
	}
	if out.String() != "data" || errOut.String() != "note" {
		t.Fatalf("out=%q errOut=%q", out, errOut)
	}
	if s.CanPrompt() || s.ColorEnabled() {
		t.Fatal("test streams must not look interactive")
	}
}

func TestColorAndWidth(t *testing.T) {
	tests := []struct {
		name      string
		s         IOStreams
		wantColor bool
		wantWidth int
	}{
		{"pipe", IOStreams{}, false, 80},
		{"tty", IOStreams{OutTTY: true, width: func() (int, bool) { return 132, true }}, true, 132},
		{"tty NO_COLOR", IOStreams{OutTTY: true, NoColor: true}, false, 80},
		{"tty size unknown", IOStreams{OutTTY: true, width: func() (int, bool) { return 0, false }}, true, 80},
		{"pipe ignores size", IOStreams{width: func() (int, bool) { return 132, true }}, false, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.ColorEnabled(); got != tt.wantColor {
				t.Errorf("ColorEnabled() = %v, want %v", got, tt.wantColor)
			}
			if got := tt.s.TerminalWidth(); got != tt.wantWidth {
				t.Errorf("TerminalWidth() = %d, want %d", got, tt.wantWidth)
			}
		})
	}
}
