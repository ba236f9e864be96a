//go:build !unix

package prelude

// Reexec does nothing: the bus is deferred only on Linux.
func Reexec() error { return nil }
