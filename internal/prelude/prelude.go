// Package prelude runs before any other sesame dependency is initialised
// and keeps the OS keyring library from doing expensive or surprising work
// at program start. github.com/99designs/keyring connects to the D-Bus
// session bus in its package init (for Secret Service and KWallet). With no
// bus running, godbus would "autolaunch" a dbus-daemon that outlives
// sesame, once per invocation. This package, imported first by
// cmd/sesame, turns that off; Restore puts the environment back before
// any command runs, so child processes see the user's environment.
//
// Go initialises packages in dependency order, choosing the package with
// the lexically smallest import path among those ready (Go 1.21 spec).
// This package depends only on os and path/filepath; it is ready long
// before godbus (which needs net, os/exec and more) and its path sorts
// before them, so its init runs first.
package prelude

import (
	"os"
	"path/filepath"
)

var changed []string

func init() {
	// Without a session bus there is no Secret Service to use: make
	// godbus fail at once instead of spawning a daemon.
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" && !hasRuntimeBus() {
		set("DBUS_SESSION_BUS_ADDRESS", "disabled:")
	}
	// sesame never uses KWallet; skip its probe of the bus.
	if os.Getenv("DISABLE_KWALLET") == "" {
		set("DISABLE_KWALLET", "1")
	}
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
	if os.Setenv(k, v) == nil {
		changed = append(changed, k)
	}
}

// Restore removes what init set. cmd/sesame calls it first thing in main.
func Restore() {
	for _, k := range changed {
		_ = os.Unsetenv(k)
	}
	changed = nil
}
