package lock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fileCache is the cache the single-flight tests share: a value file that
// lookup reads and fetch writes, and a count file that every fetch appends a
// line to with O_APPEND, so concurrent processes can count fetches.
type fileCache struct{ value, count string }

func newFileCache(dir string) fileCache {
	return fileCache{value: filepath.Join(dir, "value"), count: filepath.Join(dir, "fetches")}
}

func (c fileCache) lookup() (string, bool, error) {
	data, err := os.ReadFile(c.value)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	return string(data), err == nil, err
}

func (c fileCache) fetch(who string, delay time.Duration) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		f, err := os.OpenFile(c.count, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(f, who)
		f.Close()
		time.Sleep(delay) // the upstream call; everyone else piles up meanwhile
		v := "credentials from " + who
		return v, WriteFileAtomic(c.value, []byte(v), 0o600)
	}
}

func (c fileCache) fetches(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(c.count)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}

// flightHelper waits for the start signal (the file dir/go), then runs Do
// and prints "<fetched> <value>" and whether it had to wait.
func flightHelper(dir, who string) error {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	c := newFileCache(dir)
	var waited atomic.Bool
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, fetched, err := Do(ctx, c.value, c.lookup, c.fetch(who, 300*time.Millisecond),
		WithOnWait(func() { waited.Store(true) }))
	if err != nil {
		return err
	}
	fmt.Printf("%t %t %s\n", fetched, waited.Load(), v)
	return nil
}

func TestDoSingleFlightAcross50Processes(t *testing.T) {
	dir := t.TempDir()
	const n = 50
	type result struct {
		line string
		err  error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for i := range n {
		cmd := helper(t, "flight", dir, fmt.Sprintf("proc%d", i))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			line, _ := bufio.NewReader(out).ReadString('\n')
			if err := cmd.Wait(); err != nil {
				results <- result{err: fmt.Errorf("%v: %s", err, stderr.String())}
				return
			}
			results <- result{line: strings.TrimSpace(line)}
		})
	}
	time.Sleep(200 * time.Millisecond) // let the processes start and poll
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(results)

	var values = map[string]int{}
	var fetchedBy, waited int
	for r := range results {
		if r.err != nil {
			t.Errorf("process failed: %v", r.err)
			continue
		}
		f := strings.SplitN(r.line, " ", 3)
		if len(f) != 3 {
			t.Errorf("odd output %q", r.line)
			continue
		}
		if f[0] == "true" {
			fetchedBy++
		}
		if f[1] == "true" {
			waited++
		}
		values[f[2]]++
	}
	c := newFileCache(dir)
	if got := c.fetches(t); len(got) != 1 {
		t.Errorf("fetch ran %d times (%v), want exactly once", len(got), got)
	}
	if fetchedBy != 1 || len(values) != 1 {
		t.Errorf("%d processes report fetching, values %v; want 1 fetcher and one value", fetchedBy, values)
	}
	t.Logf("%d processes: 1 fetch, %d waited on the lock, the rest hit the cache", n, waited)
}

func TestDoHitTakesNoLock(t *testing.T) {
	dir := t.TempDir()
	c := newFileCache(dir)
	if err := os.WriteFile(c.value, []byte("cached"), 0o600); err != nil {
		t.Fatal(err)
	}
	v, fetched, err := Do(context.Background(), c.value, c.lookup, c.fetch("me", 0))
	if err != nil || fetched || v != "cached" {
		t.Fatalf("Do = %q, %v, %v; want the cached value", v, fetched, err)
	}
	if _, err := os.Stat(LockPath(c.value)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cache hit created the lock file (%v)", err)
	}
}

func TestDoLooksUpAgainAfterWaiting(t *testing.T) {
	c := newFileCache(t.TempDir())
	release, err := (&Lock{}).Acquire(context.Background(), c.value)
	if err != nil {
		t.Fatal(err)
	}
	var onWait atomic.Int32
	type out struct {
		v       string
		fetched bool
		err     error
	}
	done := make(chan out)
	go func() {
		v, fetched, err := Do(context.Background(), c.value, c.lookup, c.fetch("waiter", 0),
			WithOnWait(func() { onWait.Add(1) }), WithPollInterval(time.Millisecond))
		done <- out{v, fetched, err}
	}()
	for onWait.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// The lock holder fills the cache, as another process would.
	if err := WriteFileAtomic(c.value, []byte("from the holder"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil || got.fetched || got.v != "from the holder" {
		t.Fatalf("Do = %+v; want the holder's value without a fetch", got)
	}
	if n := onWait.Load(); n != 1 {
		t.Errorf("OnWait called %d times, want 1", n)
	}
	if f := c.fetches(t); len(f) != 0 {
		t.Errorf("fetch ran: %v", f)
	}
}

func TestDoFetchErrorLetsTheNextCallerTry(t *testing.T) {
	c := newFileCache(t.TempDir())
	boom := errors.New("upstream said no")
	_, fetched, err := Do(context.Background(), c.value, c.lookup,
		func(context.Context) (string, error) { return "", boom })
	if !errors.Is(err, boom) || !fetched {
		t.Fatalf("Do = %v, %v; want the fetch error", fetched, err)
	}
	v, fetched, err := Do(context.Background(), c.value, c.lookup, c.fetch("second", 0))
	if err != nil || !fetched || v != "credentials from second" {
		t.Fatalf("second Do = %q, %v, %v", v, fetched, err)
	}
}

func TestDoLookupErrorStops(t *testing.T) {
	bad := errors.New("cannot read cache")
	_, _, err := Do(context.Background(), filepath.Join(t.TempDir(), "x"),
		func() (int, bool, error) { return 0, false, bad },
		func(context.Context) (int, error) { t.Fatal("fetch ran"); return 0, nil })
	if !errors.Is(err, bad) {
		t.Fatalf("err = %v, want the lookup error", err)
	}
}
