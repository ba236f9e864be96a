//go:build unix

package execcmd

import (
	"os"
	"syscall"
)

// forwarded are the signals exec and shell pass on to the child.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}
