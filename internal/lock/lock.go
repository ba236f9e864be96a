package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// DefaultPollInterval is how often a waiting process retries a held lock.
// flock(2) has no portable "block until this context ends", so waiters poll;
// 20ms keeps the hand-over fast without measurable CPU.
const DefaultPollInterval = 20 * time.Millisecond

// Lock takes exclusive, cross-process locks on files. The zero value is
// ready to use. A Lock holds no state between calls and is safe for
// concurrent use; two goroutines of one process exclude each other too,
// because each Acquire opens its own file description.
type Lock struct {
	// PollInterval is the retry interval while another process holds the
	// lock; zero means DefaultPollInterval.
	PollInterval time.Duration

	// OnWait, when set, is called once per Acquire if the lock was not free
	// at the first attempt, before waiting starts; for example to tell the
	// user "waiting for another sesame process". It must not block.
	OnWait func()
}

// Option configures the Lock that Do uses.
type Option func(*Lock)

// WithOnWait sets Lock.OnWait.
func WithOnWait(f func()) Option { return func(l *Lock) { l.OnWait = f } }

// WithPollInterval sets Lock.PollInterval.
func WithPollInterval(d time.Duration) Option { return func(l *Lock) { l.PollInterval = d } }

// LockPath is the lock file that guards path: it lives beside it, so it
// shares the directory's permissions and file system.
func LockPath(path string) string { return path + ".lock" }

// Acquire takes the exclusive lock guarding path (the file LockPath(path),
// created 0600, its directory 0700 when missing). It blocks until the lock
// is held or ctx is done; then it returns ctx's error. Call release exactly
// once when done; it is also released if the process dies.
func (l *Lock) Acquire(ctx context.Context, path string) (release func() error, err error) {
	lockPath := LockPath(path)
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: create directory: %w", lockPath, err)
	}
	fl := flock.New(lockPath, flock.SetPermissions(0o600))

	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	if !ok {
		if l.OnWait != nil {
			l.OnWait()
		}
		interval := l.PollInterval
		if interval <= 0 {
			interval = DefaultPollInterval
		}
		ok, err = fl.TryLockContext(ctx, interval)
		if err == nil && !ok {
			err = ctx.Err()
		}
		if err != nil {
			fl.Close()
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("lock %s: gave up waiting for another process: %w", lockPath, err)
			}
			return nil, fmt.Errorf("lock %s: %w", lockPath, err)
		}
	}

	released := false
	return func() error {
		if released {
			return nil
		}
		released = true
		if err := fl.Unlock(); err != nil {
			return fmt.Errorf("unlock %s: %w", lockPath, err)
		}
		return nil
	}, nil
}
