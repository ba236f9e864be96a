//go:build linux

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/lock"
)

// waitingForFetch is what a process prints while another one fetches the
// same identity; waitingForSignIn while another one signs in.
const (
	waitingForFetch  = "waiting for another sesame process to fetch"
	waitingForSignIn = "waiting for another sesame process to finish signing in"
)

// 200 processes that need the same chained identity on a cold cache make
// one GetRoleCredentials and one AssumeRole between them, and all answer.
func TestColdCacheSingleFlight(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t, sb)
	e.login(t)

	n := 200
	if _, ok := e.parkedKey(); !ok {
		if keyringWorks() {
			t.Fatalf("sesame login did not park the file store's key in the kernel keyring as %q (did the description change? update keyDesc)", keyDesc(e.storeDir()))
		}
		// Without the kernel keyring (e.g. a container whose seccomp
		// profile forbids keyctl) every process derives the store key
		// itself: 64 MiB of Argon2id each. 200 at once would need 13 GB.
		n = 25
		t.Logf("no kernel keyring here: every process derives the store key; running %d processes instead of 200", n)
	}

	// The start barrier: a proxy in front of the sandbox holds every
	// GetRoleCredentials until all the other processes say they wait for
	// the one that called it. So all n run at once on a cold cache, and
	// the call completes only then.
	g := newGate(t, sb, "/federation/credentials")
	env := withVar(e.vars, "AWS_ENDPOINT_URL="+g.url)
	before := sb.stats(t)
	start := time.Now()
	ps := make([]*proc, n)
	for i := range ps {
		ps[i] = e.startEnv(t, env, "credential-process", "--identity", "plat-dev/terraform")
	}
	launched := time.Since(start)
	deadline := time.Now().Add(45 * time.Second)
	for {
		waiting, exited := 0, 0
		for _, p := range ps {
			if p.exited() {
				exited++
			} else if strings.Contains(p.stderr.String(), waitingForFetch) {
				waiting++
			}
		}
		if exited > 0 {
			t.Errorf("%d processes ended while GetRoleCredentials was held", exited)
			break
		}
		if waiting == n-1 && g.held() == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after 45s: %d processes wait for another and %d GetRoleCredentials are held; want %d and 1", waiting, g.held(), n-1)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	queued := time.Since(start)
	g.open()
	rs := make([]result, n)
	for i, p := range ps {
		rs[i] = p.wait()
	}
	elapsed := time.Since(start)
	d := delta(before, sb.stats(t))

	keys := map[string]int{}
	waited, failed := 0, 0
	var slowest time.Duration
	for i, r := range rs {
		slowest = max(slowest, r.Elapsed)
		if strings.Contains(r.Stderr, waitingForFetch) {
			waited++
		}
		c, err := decodeCreds(r)
		if err != nil {
			if failed++; failed <= 3 {
				t.Errorf("process %d: %v", i, err)
			}
			continue
		}
		keys[c.AccessKeyID]++
		if c.AccountID != "666666666666" {
			t.Errorf("process %d: AccountId %q, want plat-dev's 666666666666", i, c.AccountID)
		}
	}
	t.Logf("%d processes launched in %s, all queued behind one after %s, all done %s later (slowest %s); %d printed that they waited for another; upstream calls: %v",
		n, launched.Round(time.Millisecond), queued.Round(time.Millisecond), (elapsed - queued).Round(time.Millisecond),
		slowest.Round(time.Millisecond), waited, d)
	if failed > 0 {
		t.Errorf("%d of %d processes failed", failed, n)
	}
	if waited < n-1 { // the fetcher may wait too, for the AssumeRole hop
		t.Errorf("%d of %d processes printed that they waited for another; want all but the one that fetched", waited, n)
	}
	if len(keys) != 1 {
		t.Errorf("the processes printed %d different access keys, want 1: %v", len(keys), keys)
	}
	if d["GetRoleCredentials"] != 1 || d["AssumeRole"] != 1 {
		t.Errorf("GetRoleCredentials %d, AssumeRole %d reached the sandbox; want exactly 1 each (all: %v)",
			d["GetRoleCredentials"], d["AssumeRole"], d)
	}
	for _, op := range []string{"RegisterClient", "StartDeviceAuthorization", "CreateToken"} {
		if d[op] != 0 {
			t.Errorf("%s was called %d times with a valid session; want 0", op, d[op])
		}
	}

	// Now hot: another burst makes no call at all.
	before = sb.stats(t)
	for i, r := range e.runMany(t, 20, nil, "credential-process", "--identity", "plat-dev/terraform") {
		if _, err := decodeCreds(r); err != nil {
			t.Errorf("hot process %d: %v", i, err)
		}
	}
	if d := delta(before, sb.stats(t)); len(d) != 0 {
		t.Errorf("20 processes on a warm cache called the sandbox: %v; want no call", d)
	}
}

// With an expired session (access and refresh token), non-interactive
// processes fail fast and start no sign-in; 50 concurrent `sesame login`
// run exactly one sign-in flow and the other 49 wait for it.
func TestExpiredSessionSingleSignIn(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t, sb)

	// A session whose access token lasts 1 s and whose refresh token (the
	// sign-in session) 2 s; later sign-ins get the normal lifetimes.
	sb.faults(t, `{"lifetimes":{"access_token":"1s","refresh_token":"2s"}}`)
	signedIn := e.login(t)
	sb.clearFaults(t)
	time.Sleep(time.Until(signedIn.Add(2500 * time.Millisecond)))

	// 50 credential-process: exit 4 with `run "sesame login"`, no sign-in.
	before := sb.stats(t)
	start := time.Now()
	rs := e.runMany(t, 50, []string{"SESAME_NO_INPUT=1"}, "credential-process", "--identity", "plat-dev/terraform")
	elapsed := time.Since(start)
	d := delta(before, sb.stats(t))
	var slowest time.Duration
	bad := 0
	for i, r := range rs {
		slowest = max(slowest, r.Elapsed)
		if r.Code != 4 || !strings.Contains(r.Stderr, `run "sesame login"`) || r.Stdout != "" {
			if bad++; bad <= 3 {
				t.Errorf("credential-process %d on an expired session: want exit 4, nothing on stdout and `run \"sesame login\"` on stderr; got %s", i, r)
			}
		}
	}
	t.Logf("50 credential-process on an expired session: all done in %s (slowest %s); upstream calls: %v",
		elapsed.Round(time.Millisecond), slowest.Round(time.Millisecond), d)
	if slowest > 15*time.Second {
		t.Errorf("a credential-process took %s to say the session expired; want it to fail fast", slowest)
	}
	for _, op := range []string{"RegisterClient", "StartDeviceAuthorization", "GetRoleCredentials", "AssumeRole"} {
		if d[op] != 0 {
			t.Errorf("non-interactive credential-process called %s %d times; want 0", op, d[op])
		}
	}

	// 50 `sesame login`. The start barrier is the session's own lock,
	// held by the test until all 50 say they wait for it; then one signs
	// in while the others keep waiting, and find the session fresh.
	locks, _ := filepath.Glob(filepath.Join(e.cacheDir, "locks", "sso_*.lock"))
	if len(locks) != 1 {
		t.Fatalf("want exactly one sign-in session lock file after login, got %v", locks)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	release, err := (&lock.Lock{}).Acquire(ctx, strings.TrimSuffix(locks[0], ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			_ = release()
		}
	}()

	before = sb.stats(t)
	start = time.Now()
	ps := make([]*proc, 50)
	for i := range ps {
		ps[i] = e.start(t, nil, "login", "--no-browser")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		queued := 0
		for _, p := range ps {
			if p.exited() {
				t.Fatalf("a login ended while the test held the session lock: %s", p.wait())
			}
			if strings.Contains(p.stderr.String(), waitingForSignIn) {
				queued++
			}
		}
		if queued == len(ps) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s only %d of %d logins said %q", queued, len(ps), waitingForSignIn)
		}
		time.Sleep(20 * time.Millisecond)
	}
	queuedAfter := time.Since(start)
	released = true
	if err := release(); err != nil {
		t.Fatal(err)
	}

	signedIns, already := 0, 0
	for i, p := range ps {
		r := p.wait()
		if r.Code != 0 {
			t.Errorf("login %d: %s", i, r)
			continue
		}
		switch {
		case strings.Contains(r.Stderr, "already signed in to"):
			already++
		case strings.Contains(r.Stderr, "signed in to"):
			signedIns++
		default:
			t.Errorf("login %d: neither signed in nor found the session signed in:\n%s", i, r.Stderr)
		}
	}
	d = delta(before, sb.stats(t))
	t.Logf("50 logins queued in %s, all done %s after the barrier opened; %d signed in, %d found the session signed in; upstream calls: %v",
		queuedAfter.Round(time.Millisecond), (time.Since(start) - queuedAfter).Round(time.Millisecond), signedIns, already, d)
	if signedIns != 1 || already != 49 {
		t.Errorf("%d logins signed in and %d found the session signed in; want 1 and 49", signedIns, already)
	}
	if d["StartDeviceAuthorization"] != 1 {
		t.Errorf("StartDeviceAuthorization %d times; want exactly one sign-in flow (all: %v)", d["StartDeviceAuthorization"], d)
	}
	if d["RegisterClient"] > 1 {
		t.Errorf("RegisterClient %d times; want at most 1 (the device registration is reused when still valid)", d["RegisterClient"])
	}

	// And the new session works for everybody.
	mustCreds(t, "credential-process after the sign-in", e.run(t, []string{"SESAME_NO_INPUT=1"},
		"credential-process", "--identity", "plat-dev/terraform"))
}
