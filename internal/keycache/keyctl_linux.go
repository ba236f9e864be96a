//go:build linux

package keycache

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Kernel caches secrets in the calling user's kernel keyring.
type Kernel struct{}

// System returns the platform's cache: the kernel keyring on Linux.
func System() Cache { return Kernel{} }

// Get implements Cache.
func (Kernel) Get(desc string) ([]byte, bool) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
	if err != nil {
		return nil, false
	}
	buf := make([]byte, 256)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if err != nil || n > len(buf) {
		return nil, false
	}
	return buf[:n], true
}

// Put implements Cache.
func (Kernel) Put(desc string, secret []byte, ttl time.Duration) error {
	id, err := unix.AddKey("user", desc, secret, unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return fmt.Errorf("kernel keyring: %w", err)
	}
	// Possessor and user may read; nobody else.
	_, _ = unix.KeyctlInt(unix.KEYCTL_SETPERM, id, 0x3f3f0000, 0, 0)
	if ttl > 0 {
		if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, int(ttl/time.Second), 0, 0); err != nil {
			return fmt.Errorf("kernel keyring timeout: %w", err)
		}
	}
	return nil
}

// Delete implements Cache.
func (Kernel) Delete(desc string) {
	if id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0); err == nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0)
	}
}
