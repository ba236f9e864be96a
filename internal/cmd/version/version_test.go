package version

import (
	"encoding/json"
	"testing"

	"github.com/sesame-cli/sesame/internal/buildinfo"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/iostreams"
)

var info = buildinfo.Info{Version: "v1.2.3", Commit: "abc1234", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"}

func TestRunText(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	if err := run(&Options{IO: io, Format: "text", Info: info}); err != nil {
		t.Fatal(err)
	}
	if want := "sesame v1.2.3 (abc1234, go1.26.8, linux/amd64)\n"; out.String() != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestRunJSON(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	if err := run(&Options{IO: io, Format: "json", Info: info}); err != nil {
		t.Fatal(err)
	}
	var got buildinfo.Info
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got != info {
		t.Errorf("got %+v, want %+v", got, info)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args      []string
		wantFmt   string
		wantUsage bool
	}{
		{nil, "text", false},
		{[]string{"--format", "json"}, "json", false},
		{[]string{"--format", "yaml"}, "", true},
	}
	for _, tt := range tests {
		io, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmd(&cmdutil.Factory{IO: io}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		err := cmd.Execute()
		if tt.wantUsage {
			if !cmdutil.IsUsage(err) {
				t.Errorf("%v: want usage error, got %v", tt.args, err)
			}
			continue
		}
		if err != nil || got == nil || got.Format != tt.wantFmt {
			t.Errorf("%v: err=%v opts=%+v", tt.args, err, got)
		}
	}
}
