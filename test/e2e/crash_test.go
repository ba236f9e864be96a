//go:build linux

package e2e

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashIdentities share first hops (plat-dev/terraform comes via
// plat-dev/TerraformApplyAccess), so killed processes race on the same
// cache entries as well as on different ones.
var crashIdentities = []string{
	"plat-dev/terraform", "plat-prod/terraform", "core-root/planner",
	"plat-dev/TerraformApplyAccess", "plat-staging/TerraformApplyAccess",
}

// unreadable matches what sesame says about a damaged cache entry.
var unreadable = regexp.MustCompile(`(?i)unreadable|corrupt|tampered`)

// SIGKILL at random moments of 200 credential-process runs that write the
// cache never leaves a corrupt entry; leftover temp files are only ever
// the atomic writer's, and the next write of their target removes them
// once stale. A cache file truncated on purpose is a miss with a warning.
func TestKill9MidWrite(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t, sb)
	// 20 s role credentials are inside the 15 min renewal window: every
	// run fetches and writes its chain's entries (and the fast-path index).
	sb.faults(t, `{"lifetimes":{"role_credentials":"20s"}}`)
	e.login(t)
	sessionEntries := entryFiles(t, e.storeDir())

	// Aim the kills at the whole life of a run, from exec to the last
	// write. How long a run takes depends on the machine's load, so every
	// tenth run is a probe that is not killed, and kills land uniformly
	// in [1ms, 1.2 × the median probe]. Runs that finish before their
	// kill do not count: the loop goes on until 200 runs were killed.
	const kills, workers, maxRuns = 200, 4, 800
	var (
		mu                  sync.Mutex
		probes              []time.Duration
		runs, killed, early int
		failures            []string
		delays              []time.Duration
		wg                  sync.WaitGroup
		start               = time.Now()
	)
	for i, id := range crashIdentities { // first probes, one at a time
		r := e.run(t, nil, "credential-process", "--identity", id)
		mustCreds(t, "credential-process --identity "+id, r)
		if i > 0 {
			probes = append(probes, r.Elapsed)
		}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if killed >= kills || runs >= maxRuns {
					mu.Unlock()
					return
				}
				runs++
				id := crashIdentities[(runs+w)%len(crashIdentities)]
				probe := runs%10 == 0
				sorted := slices.Sorted(slices.Values(probes))
				window := sorted[len(sorted)/2] * 6 / 5
				mu.Unlock()

				delay := time.Millisecond + time.Duration(rand.Int64N(int64(window)))
				p, err := e.spawn(nil, "credential-process", "--identity", id)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				if !probe {
					time.Sleep(time.Until(p.start.Add(delay)))
					_ = p.cmd.Process.Signal(syscall.SIGKILL) // harmless on a zombie: it is not reaped yet
				}
				r := p.wait()
				mu.Lock()
				switch {
				case r.Signal == syscall.SIGKILL:
					killed++
					delays = append(delays, delay)
				case r.Code != 0:
					failures = append(failures, id+": "+r.String())
				case probe:
					probes = append(probes, r.Elapsed)
				default:
					early++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(delays)
	slices.Sort(probes)
	q := func(d []time.Duration, f float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[int(f*float64(len(d)-1))].Round(time.Millisecond)
	}
	t.Logf("%d runs in %s: %d killed %s / %s / %s after start (min, median, max); %d finished before their kill; unkilled runs took %s / %s / %s",
		runs, time.Since(start).Round(time.Millisecond), killed, q(delays, 0), q(delays, 0.5), q(delays, 1), early,
		q(probes, 0), q(probes, 0.5), q(probes, 1))
	for i, f := range failures {
		if i == 3 {
			t.Errorf("… and %d more failures", len(failures)-3)
			break
		}
		t.Errorf("a run that was not killed failed: %s", f)
	}
	if killed < kills {
		t.Errorf("only %d runs of %d were killed before they finished; want %d", killed, runs, kills)
	}

	// Every entry on disk decrypts and parses.
	keys, err := e.openStore(t).Keys(context.Background(), "")
	if err != nil {
		t.Errorf("the store has damaged entries after the kills: %v", err)
	}
	indexDir := filepath.Join(e.cacheDir, "index")
	leftovers := append(tempFiles(e.storeDir()), tempFiles(indexDir)...)
	t.Logf("store: %d entries, %d temp files left by killed writers", len(keys), len(leftovers))

	// Temp files of killed writers are removed by the next write of the
	// same file once they are older than ten minutes: age them.
	old := time.Now().Add(-11 * time.Minute)
	for _, f := range leftovers {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Error(err)
		}
	}

	// A normal run of each identity succeeds without a word about
	// damaged entries (and rewrites every entry the killed runs wrote).
	for _, id := range crashIdentities {
		r := e.run(t, nil, "credential-process", "--identity", id)
		mustCreds(t, "credential-process --identity "+id+" after the kills", r)
		if unreadable.MatchString(r.Stderr) {
			t.Errorf("credential-process --identity %s found a damaged cache entry after the kills:\n%s", id, r.Stderr)
		}
	}
	for _, f := range append(tempFiles(e.storeDir()), tempFiles(indexDir)...) {
		target := strings.TrimPrefix(filepath.Base(f), ".")
		target = target[:strings.LastIndex(target, ".tmp-")]
		if !sessionEntries[target] && target != "store.json" { // those two are not rewritten here
			t.Errorf("temp file %s is still there after its target was rewritten", f)
		}
	}

	// A cache file truncated on purpose: a miss with a warning, refetched.
	t.Run("truncated", func(t *testing.T) {
		sb.clearFaults(t)
		e := newEnv(t, sb)
		e.login(t)
		entries := entryFiles(t, e.storeDir())
		newEntry := func(what string) string {
			t.Helper()
			var added []string
			for name := range entryFiles(t, e.storeDir()) {
				if !entries[name] {
					added = append(added, name)
					entries[name] = true
				}
			}
			if len(added) != 1 {
				t.Fatalf("%s added %d store entries, want 1: %v", what, len(added), added)
			}
			return added[0]
		}
		mustCreds(t, "plat-dev/TerraformApplyAccess", e.run(t, nil, "credential-process", "--identity", "plat-dev/TerraformApplyAccess"))
		newEntry("plat-dev/TerraformApplyAccess")
		mustCreds(t, "plat-dev/terraform", e.run(t, nil, "credential-process", "--identity", "plat-dev/terraform"))
		roleEntry := newEntry("the chained plat-dev/terraform")

		before := sb.stats(t)
		mustCreds(t, "plat-dev/terraform, cached", e.run(t, nil, "credential-process", "--identity", "plat-dev/terraform"))
		if d := delta(before, sb.stats(t)); len(d) != 0 {
			t.Fatalf("cached credentials: want no call, got %v", d)
		}

		path := filepath.Join(e.storeDir(), roleEntry)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		before = sb.stats(t)
		r := e.run(t, nil, "credential-process", "--identity", "plat-dev/terraform")
		mustCreds(t, "plat-dev/terraform with a truncated cache file", r)
		d := delta(before, sb.stats(t))
		t.Logf("after truncating the cache file: upstream calls %v; stderr: %q", d, r.Stderr)
		if !strings.Contains(r.Stderr, "warning") || !unreadable.MatchString(r.Stderr) {
			t.Errorf("a truncated cache file gave no warning on stderr: %q", r.Stderr)
		}
		if d["AssumeRole"] != 1 || d["GetRoleCredentials"] != 0 {
			t.Errorf("want the damaged entry refetched (AssumeRole 1) and its intact parent reused (GetRoleCredentials 0); got %v", d)
		}
		if _, err := e.openStore(t).Keys(context.Background(), ""); err != nil {
			t.Errorf("the damaged entry was not replaced: %v", err)
		}

		before = sb.stats(t)
		r = e.run(t, nil, "credential-process", "--identity", "plat-dev/terraform")
		mustCreds(t, "plat-dev/terraform after the refetch", r)
		if d := delta(before, sb.stats(t)); len(d) != 0 || r.Stderr != "" {
			t.Errorf("after the refetch: want no call and no warning; got %v, stderr %q", d, r.Stderr)
		}
	})
}
