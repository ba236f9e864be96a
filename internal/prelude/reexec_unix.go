//go:build unix

package prelude

import (
	"os"
	"syscall"
)

// Reexec replaces this process with the same sesame command, started with
// the session bus allowed, when init deferred the bus (BusDeferred). Call
// it after Restore, once the fast path has declined and before anything
// is written. It returns nil without doing anything when the bus was not
// deferred, and an error only when the exec failed.
func Reexec() error {
	if !busDeferred {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, append(os.Environ(), envFull+"=1"))
}
