// Package prelude runs before any other sesame dependency is initialised
// and keeps the OS keyring library from doing expensive or surprising work
// at program start. github.com/99designs/keyring connects to the D-Bus
// session bus in its package init (for Secret Service and KWallet). With no
// bus running, godbus would "autolaunch" a dbus-daemon that outlives
// sesame, once per invocation. This package, imported first by
// cmd/sesame, turns that off; Restore puts the environment back before
// any command runs, so child processes see the user's environment.
//
// With a bus running, the connection costs a D-Bus handshake (about 1 ms)
// on every start. `sesame credential-process` answers from its cache
// without the OS keyring (the hot copy, docs/security.md), so for that
// command the connection is deferred too: the keyring library then
// registers no Secret Service backend, and when the cache cannot answer,
// Reexec starts the same command again with the bus allowed.
//
// Go initialises packages in dependency order, choosing the package with
// the lexically smallest import path among those ready (Go 1.21 spec).
// This package depends only on os, path/filepath and runtime; it is ready
// long before godbus (which needs net, os/exec and more) and its path
// sorts before them, so its init runs first.
package prelude

import (
	"os"
	"path/filepath"
	"runtime"
)

const (
	envBus     = "DBUS_SESSION_BUS_ADDRESS"
	busOff     = "disabled:"
	hotCommand = "credential-process"
	// envFull marks a process started by Reexec: connect to the bus.
	envFull = "SESAME_PRELUDE_FULL"
)

type saved struct {
	name, value string
	had         bool
}

var (
	changed     []saved
	busDeferred bool
)

func init() {
	full := os.Getenv(envFull) != ""
	if full {
		_ = os.Unsetenv(envFull) // ours alone: nothing below sees it
	}
	hasBus := os.Getenv(envBus) != "" || hasRuntimeBus()
	switch {
	case !hasBus:
		// No session bus, no Secret Service: make godbus fail at once
		// instead of spawning a daemon.
		set(envBus, busOff)
	case !full && runtime.GOOS == "linux" && mentions(os.Args[1:], hotCommand):
		set(envBus, busOff)
		busDeferred = true
	}
	// sesame never uses KWallet; skip its probe of the bus.
	if os.Getenv("DISABLE_KWALLET") == "" {
		set("DISABLE_KWALLET", "1")
	}
}

func mentions(args []string, word string) bool {
	for _, a := range args {
		if a == word {
			return true
		}
	}
	return false
}

func hasRuntimeBus() bool {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil && st.Mode()&os.ModeSocket != 0
}

func set(k, v string) {
	old, had := os.LookupEnv(k)
	if os.Setenv(k, v) == nil {
		changed = append(changed, saved{k, old, had})
	}
}

// Restore puts back what init changed. cmd/sesame calls it first thing
// in main.
func Restore() {
	for i := len(changed) - 1; i >= 0; i-- {
		c := changed[i]
		if c.had {
			_ = os.Setenv(c.name, c.value)
		} else {
			_ = os.Unsetenv(c.name)
		}
	}
	changed = nil
}

// BusDeferred reports whether this process started without the session
// bus although one is running (credential-process), so the OS keyring's
// Secret Service backend is not available in it.
func BusDeferred() bool { return busDeferred }
