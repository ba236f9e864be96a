package lock

import (
	"context"
	"errors"
	"fmt"
)

// Do makes one process out of many do an expensive fetch, for example the
// GetRoleCredentials call or the browser sign-in behind a cache entry.
//
// lookup reads the cache; it reports (value, true, nil) on a hit and
// (zero, false, nil) on a miss, and must treat a corrupt entry as a miss.
// Do first calls lookup without any lock, the hot path that costs nothing
// extra. On a miss it takes the lock guarding path (see Lock.Acquire), calls
// lookup again, because another process may have filled the cache while this
// one waited, and only if that misses too calls fetch while still holding
// the lock. fetch is expected to store its result where lookup finds it
// before it returns (with WriteFileAtomic or a credential store).
//
// fetched reports whether this call ran fetch. An error from fetch is
// returned as is, and the next waiter then tries fetch itself.
func Do[T any](ctx context.Context, path string, lookup func() (T, bool, error),
	fetch func(context.Context) (T, error), opts ...Option) (value T, fetched bool, err error) {
	var zero T
	if v, ok, err := lookup(); err != nil {
		return zero, false, fmt.Errorf("single flight %s: lookup: %w", path, err)
	} else if ok {
		return v, false, nil
	}

	var l Lock
	for _, opt := range opts {
		opt(&l)
	}
	release, err := l.Acquire(ctx, path)
	if err != nil {
		return zero, false, fmt.Errorf("single flight: %w", err)
	}
	defer func() {
		if rerr := release(); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()

	if v, ok, err := lookup(); err != nil {
		return zero, false, fmt.Errorf("single flight %s: lookup: %w", path, err)
	} else if ok {
		return v, false, nil
	}
	v, err := fetch(ctx)
	if err != nil {
		return zero, true, err
	}
	return v, true, nil
}
