package lock

import (
	"bufio"
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestAcquireExcludesAndTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "token.json")
	var l Lock
	release, err := l.Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, LockPath(path)); m != 0o600 {
		t.Errorf("lock file mode = %v, want 0600", m)
	}
	if m := mode(t, filepath.Dir(path)); m != 0o700 {
		t.Errorf("lock directory mode = %v, want 0700", m)
	}

	var waits atomic.Int32
	waiter := Lock{PollInterval: time.Millisecond, OnWait: func() { waits.Add(1) }}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := waiter.Acquire(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Acquire err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, want about 50ms", d)
	}
	if n := waits.Load(); n != 1 {
		t.Errorf("OnWait called %d times, want 1", n)
	}

	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	release2, err := waiter.Acquire(context.Background(), path)
	if err != nil {
		t.Fatalf("Acquire after release: %v", err)
	}
	release2()
	if n := waits.Load(); n != 1 {
		t.Errorf("OnWait called for a free lock (%d calls)", n)
	}
}

// The kernel releases the lock of a process killed with SIGKILL: no stale
// lock files, no manual cleanup.
func TestAcquireAfterHolderIsKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	cmd := helper(t, "hold", path, "")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line := readLine(t, bufio.NewReader(out), 30*time.Second); line != "locked" {
		t.Fatalf("helper said %q", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	if _, err := (&Lock{}).Acquire(ctx, path); err == nil {
		t.Fatal("acquired a lock another process holds")
	}
	cancel()

	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	release, err := (&Lock{}).Acquire(ctx, path)
	if err != nil {
		t.Fatalf("lock still held after its holder died: %v", err)
	}
	release()
}
