// Package keycache parks a small secret (the file store's unwrapped data
// key) in the operating system's in-memory key cache between processes,
// so a hot path such as credential-process skips the passphrase KDF. On
// Linux this is the kernel's per-user keyring (keyctl): the key never
// touches the disk, only this user (and root) can read it, and it expires
// on its own. Elsewhere nothing is cached and callers derive the key.
package keycache

import "time"

// Cache stores secrets by description with a lifetime.
type Cache interface {
	Get(desc string) ([]byte, bool)
	Put(desc string, secret []byte, ttl time.Duration) error
	Delete(desc string)
}

// None caches nothing.
type None struct{}

// Get implements Cache.
func (None) Get(string) ([]byte, bool) { return nil, false }

// Put implements Cache.
func (None) Put(string, []byte, time.Duration) error { return nil }

// Delete implements Cache.
func (None) Delete(string) {}
