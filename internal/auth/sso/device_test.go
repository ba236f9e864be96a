package sso

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// deviceRig is a device-flow sign-in against an in-process sandbox on a
// fake clock: polling takes no real time.
type deviceRig struct {
	clk   *clock
	s     *sandbox.Sandbox
	store *memStore
	n     *recNotifier
	o     Options
}

func newDeviceRig(t *testing.T, autoApprove string) *deviceRig {
	r := &deviceRig{clk: newClock(), store: newMemStore(), n: &recNotifier{}}
	r.s = newSandbox(t, r.clk, autoApprove)
	r.o = baseOptions(r.s, r.clk, r.store, nil)
	r.o.Notifier = r.n
	return r
}

func TestDeviceLoginApprovedByAPerson(t *testing.T) {
	r := newDeviceRig(t, "")
	r.n.onCode = func(uri, code string) {
		if !strings.Contains(uri, "/device?user_code=") {
			t.Errorf("verification URI %q is not the complete one", uri)
		}
		if err := r.s.Approve(code, "bob"); err != nil {
			t.Error(err)
		}
	}
	res, err := newProvider(t, r.o).Login(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Flow != FlowDeviceCode || res.Session.RefreshToken == "" || len(r.n.codes) != 1 || r.n.dones == 0 {
		t.Errorf("result %+v, notifier %+v", res, r.n)
	}
	st := r.s.Stats()
	if st["RegisterClient"] != 1 || st["StartDeviceAuthorization"] != 1 || st["CreateToken"] != 2 {
		t.Errorf("calls %v: want one attempt before the code and one poll after approval", st)
	}
}

func TestDevicePollingSlowsDown(t *testing.T) {
	r := newDeviceRig(t, "")
	var mu sync.Mutex
	var sleeps []time.Duration
	var code string
	r.n.onCode = func(_, c string) { code = c }
	r.o.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		sleeps = append(sleeps, d)
		n := len(sleeps)
		mu.Unlock()
		switch n {
		case 1:
			r.clk.Advance(d / 2) // too soon: the sandbox answers slow_down
		case 3:
			_ = r.s.Approve(code, "carol")
			r.clk.Advance(d)
		default:
			r.clk.Advance(d)
		}
		return nil
	}
	if _, err := newProvider(t, r.o).Login(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 6 * time.Second, 6 * time.Second}
	if len(sleeps) != 3 || sleeps[0] != want[0] || sleeps[1] != want[1] || sleeps[2] != want[2] {
		t.Errorf("sleeps %v, want %v (interval, then +5 s after SlowDownException)", sleeps, want)
	}
}

func TestDeviceDenied(t *testing.T) {
	r := newDeviceRig(t, "")
	r.n.onCode = func(_, code string) {
		c := &http.Client{Transport: r.s.Transport()}
		resp, err := c.PostForm(sandbox.InProcessURL+"/device", url.Values{"user_code": {code}, "action": {"deny"}})
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	_, err := newProvider(t, r.o).Login(t.Context(), false)
	if err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("err = %v, want a denied sign-in", err)
	}
}

func TestDeviceCodeExpires(t *testing.T) {
	r := newDeviceRig(t, "") // nobody approves; the fake clock runs out the 600 s
	_, err := newProvider(t, r.o).Login(t.Context(), false)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("err = %v, want an expired device code", err)
	}
	if s, _ := r.store.Get(t.Context(), Key(r.o.StartURL, r.o.Region)); s != nil {
		t.Error("a failed sign-in stored a session")
	}
}

func TestDeviceHonoursContext(t *testing.T) {
	r := newDeviceRig(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	r.n.onCode = func(string, string) { cancel() }
	r.o.Sleep = sleep // real waiting, cut short by the context
	done := make(chan error, 1)
	go func() { _, err := newProvider(t, r.o).Login(ctx, false); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Login ignored the cancelled context")
	}
}

func TestNoBrowserShowsCodeAndOpensNothing(t *testing.T) {
	r := newDeviceRig(t, "")
	r.o.Flow, r.o.NoBrowser, r.o.GOOS = FlowAuto, true, "darwin"
	r.o.OpenBrowser = func(string) error { t.Error("a browser was opened with --no-browser"); return nil }
	r.n.onCode = func(_, code string) { _ = r.s.Approve(code, "dave") }
	res, err := newProvider(t, r.o).Login(t.Context(), false)
	if err != nil || res.Flow != FlowDeviceCode || len(r.n.codes) != 1 {
		t.Fatalf("err %v, result %+v, codes %v", err, res, r.n.codes)
	}
}

func TestDeviceCodeForcedOnADesktopOpensTheVerificationPage(t *testing.T) {
	r := newDeviceRig(t, "")
	var opened []string
	r.o.GOOS = "darwin"
	r.o.OpenBrowser = func(u string) error { opened = append(opened, u); return nil }
	r.n.onCode = func(_, code string) { _ = r.s.Approve(code, "dave") }
	if _, err := newProvider(t, r.o).Login(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 || !strings.Contains(opened[0], "/device?user_code=") {
		t.Errorf("opened %v, want the verification page", opened)
	}
}
