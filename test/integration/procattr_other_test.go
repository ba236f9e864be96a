//go:build !linux

package integration

import (
	"os/exec"
	"time"
)

func setProcAttr(*exec.Cmd) {}

// Without /proc the browser's children cannot be found; chromedp's own
// cleanup has to do.
func chromiumProcs(string) []int { return nil }

func reapChromium(string, time.Duration) int { return 0 }
