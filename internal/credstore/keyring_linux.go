package credstore

import (
	"errors"
	"syscall"
)

// backendHint explains errors whose errno alone would puzzle a user. The
// kernel keyring (keyctl) counts every key of a non-root user against
// kernel.keys.maxbytes, 20000 bytes by default: a few credentials fill it.
func backendHint(err error) string {
	if errors.Is(err, syscall.EDQUOT) {
		return " (the kernel keyring's per-user quota is full: kernel.keys.maxbytes, 20000 bytes by default, " +
			"holds only a few credentials)"
	}
	return ""
}
