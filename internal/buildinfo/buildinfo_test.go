package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestRead(t *testing.T) {
	vcs := func(modified string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{
				Main: debug.Module{Version: "v0.3.0"},
				Settings: []debug.BuildSetting{
					{Key: "vcs.revision", Value: "0123456789abcdef0123"},
					{Key: "vcs.modified", Value: modified},
				},
			}, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	devel := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true
	}
	tests := []struct {
		name            string
		version, commit string
		readBuild       func() (*debug.BuildInfo, bool)
		wantV, wantC    string
	}{
		{"ldflags win", "v1.0.0", "abc1234", vcs("false"), "v1.0.0", "abc1234"},
		{"module and vcs", "", "", vcs("false"), "v0.3.0", "0123456789ab"},
		{"dirty tree", "", "", vcs("true"), "v0.3.0", "0123456789ab-dirty"},
		{"devel without vcs", "", "", devel, "dev", "unknown"},
		{"no build info", "", "", none, "dev", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := read(tt.version, tt.commit, tt.readBuild)
			if got.Version != tt.wantV || got.Commit != tt.wantC {
				t.Errorf("got %s (%s), want %s (%s)", got.Version, got.Commit, tt.wantV, tt.wantC)
			}
			if got.GoVersion == "" || got.OS == "" || got.Arch == "" {
				t.Errorf("runtime fields missing: %+v", got)
			}
		})
	}
}
