// Package buildinfo says which sesame is running. Release builds stamp
// Version and Commit with -ldflags (see the Makefile); a plain `go build` or
// `go install` falls back to the module version and VCS data the Go
// toolchain embeds, so bug reports always name a build.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X github.com/sesame-cli/sesame/internal/buildinfo.Version=v1.2.3
// -X github.com/sesame-cli/sesame/internal/buildinfo.Commit=abc1234".
var (
	Version = ""
	Commit  = ""
)

// Info describes the running binary.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// Read returns the build information of the running binary.
func Read() Info { return read(Version, Commit, debug.ReadBuildInfo) }

// shortCommit is the length of commit ids shown to people, as git does.
const shortCommit = 12

func read(version, commit string, readBuild func() (*debug.BuildInfo, bool)) Info {
	info := Info{Version: version, Commit: commit, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, ok := readBuild(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		if info.Commit == "" {
			info.Commit = vcsCommit(bi.Settings)
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// vcsCommit renders the embedded VCS revision, marking builds from a
// modified work tree so they are never mistaken for the commit itself.
func vcsCommit(settings []debug.BuildSetting) string {
	var rev string
	var dirty bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	if len(rev) > shortCommit {
		rev = rev[:shortCommit]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
