//go:build linux

package e2e

import (
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// With a D-Bus session running, the OS keyring library connects to it in
// its package init. credential-process answers from the hot copy without
// the keyring, so sesame defers that connection (internal/prelude) and,
// when the cache cannot answer, re-executes itself with the bus allowed.
// This runs inside test/secret-service.sh, which provides a real Secret
// Service (gnome-keyring) on a private bus.
func TestKeyringHotPathSkipsTheBus(t *testing.T) {
	if os.Getenv("SESAME_TEST_SECRET_SERVICE") != "1" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("needs a Secret Service session: run test/secret-service.sh")
	}
	sb := startSandbox(t)
	e := newEnv(t, sb)
	e.vars = withVar(e.vars, "SESAME_CREDENTIAL_STORE=keyring")
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME"} {
		e.vars = append(e.vars, k+"="+os.Getenv(k))
	}
	e.login(t)

	// First call: no recorded answer, so the full path runs, re-executed
	// with the bus, and reads the Identity Center session from the
	// Secret Service.
	before := sb.stats(t)
	first := mustCreds(t, "credential-process (cold)", e.run(t, nil, "credential-process", "--identity", "plat-dev/terraform"))
	if d := delta(before, sb.stats(t)); d["GetRoleCredentials"] != 1 {
		t.Errorf("cold call: upstream calls %v, want one GetRoleCredentials", d)
	}

	// Second call, with the session bus address pointing at a socket that
	// counts connections: the answer comes from the hot copy, and nothing
	// connects to the bus.
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.Close()
		}
	}()
	before = sb.stats(t)
	r := e.run(t, []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + sock}, "credential-process", "--identity", "plat-dev/terraform")
	second := mustCreds(t, "credential-process (hot)", r)
	if second.AccessKeyID != first.AccessKeyID {
		t.Errorf("hot call returned other credentials than the cold one")
	}
	if d := delta(before, sb.stats(t)); len(d) != 0 {
		t.Errorf("hot call made upstream calls: %v", d)
	}
	time.Sleep(50 * time.Millisecond) // let a late connection be counted
	if n := conns.Load(); n != 0 {
		t.Errorf("the hot path connected to the session bus %d times; want none", n)
	}

	// A command that is not credential-process connects as before: the
	// keyring library's init reaches the (counting) bus.
	e.run(t, []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + sock}, "version")
	time.Sleep(50 * time.Millisecond)
	if conns.Load() == 0 {
		t.Errorf("sesame version did not connect to the session bus; the counting socket is not what sesame sees")
	}
}
