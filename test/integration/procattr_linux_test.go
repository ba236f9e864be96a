//go:build linux

package integration

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// setProcAttr makes the kernel kill a peer when the test binary dies, so
// an interrupted run leaves no sandbox or CLI behind.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// chromiumProcs lists the processes that run with the profile directory.
func chromiumProcs(profile string) []int {
	want := []byte("--user-data-dir=" + profile)
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, arg := range bytes.Split(cmdline, []byte{0}) {
			if bytes.Equal(arg, want) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// reapChromium waits up to grace for the profile's processes to exit, then
// kills those left and returns how many it killed.
func reapChromium(profile string, grace time.Duration) int {
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if len(chromiumProcs(profile)) == 0 {
			return 0
		}
		time.Sleep(50 * time.Millisecond)
	}
	left := chromiumProcs(profile)
	for _, pid := range left {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	time.Sleep(200 * time.Millisecond)
	return len(left)
}
