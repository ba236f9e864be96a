//go:build linux

package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sesame-cli/sesame/test/testproc"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/keycache"
)

var (
	repoRoot  string // the module root
	acmeDir   string // examples/acme
	sesameBin string // built once by TestMain
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "sesame-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if repoRoot, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	acmeDir = filepath.Join(repoRoot, "examples", "acme")
	if _, err := os.Stat(filepath.Join(acmeDir, "sandbox.yaml")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: examples/acme:", err)
		return 1
	}
	stampSources()
	raiseNoFile()

	sesameBin = filepath.Join(tmp, "sesame")
	start := time.Now()
	if err := buildSesame(sesameBin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: built sesame in %s\n", time.Since(start).Round(time.Millisecond))

	code := m.Run()
	if left := sesameProcs(); len(left) > 0 {
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		fmt.Fprintf(os.Stderr, "FAIL: e2e: %d sesame processes were still running after the tests (killed): %v\n", len(left), left)
		code = 1
	}
	return code
}

// buildSesame builds ./cmd/sesame without -race: the race detector would
// make each of the hundreds of processes slower and far bigger, and it is
// the test process's own code it would check anyway.
func buildSesame(out string) error { return testproc.BuildSesame(repoRoot, out) }

// stampSources stats the files the sesame binary is built from, so go
// test's result cache (which records what the test process opens and
// stats) reruns these tests when any of them changes.
func stampSources() {
	_ = filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != repoRoot && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".go", ".yaml", ".yml", ".json", ".mod", ".sum":
			_, _ = os.Stat(p)
		}
		return nil
	})
}

// raiseNoFile lifts the soft open-file limit to the hard one: the test
// holds two pipes for each of hundreds of children.
func raiseNoFile() {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur >= rl.Max {
		return
	}
	rl.Cur = rl.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
}

// sesameProcs lists the live processes running our sesame binary.
func sesameProcs() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink("/proc/" + e.Name() + "/exe")
		if err != nil || exe != sesameBin {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			// Skip zombies: they are dead, just not reaped yet.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// setProcAttr makes the kernel kill a child when the test binary dies, so
// an interrupted run leaves no sandbox or sesame behind.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// --- the sandbox ----------------------------------------------------------

// sandbox is a running `sesame sandbox` subprocess.
type sandbox struct {
	info testproc.SandboxInfo
	p    *testproc.Sandbox
}

// startSandbox runs `sesame sandbox --config examples/acme --addr
// 127.0.0.1:0 --auto-approve alice --format json` for one test and stops
// it with SIGTERM when the test ends; it must then exit 0 after printing
// "sandbox stopped".
func startSandbox(t *testing.T) *sandbox {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}
	p, err := testproc.StartSandbox(sesameBin, env, "--config", acmeDir, "--auto-approve", "alice")
	if err != nil {
		t.Fatal(err)
	}
	sb := &sandbox{info: p.Info, p: p}
	t.Cleanup(func() { sb.stop(t) })
	return sb
}

func (sb *sandbox) stop(t *testing.T) {
	if err := sb.p.Stop(); err != nil {
		t.Errorf("stop the sandbox: %v", err)
	}
}

// stats reads /_sandbox/stats: the calls served per operation.
func (sb *sandbox) stats(t *testing.T) map[string]int {
	t.Helper()
	var m map[string]int
	sb.call(t, http.MethodGet, "/_sandbox/stats", "", &m)
	return m
}

// faults replaces the sandbox's fault configuration.
func (sb *sandbox) faults(t *testing.T, body string) {
	t.Helper()
	sb.call(t, http.MethodPut, "/_sandbox/faults", body, nil)
}

// clearFaults drops all faults and lifetimes.
func (sb *sandbox) clearFaults(t *testing.T) {
	t.Helper()
	sb.call(t, http.MethodDelete, "/_sandbox/faults", "", nil)
}

func (sb *sandbox) call(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, sb.info.Endpoint+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// gate is a reverse proxy in front of the sandbox that holds requests for
// one path until it is opened.
type gate struct {
	url   string
	path  string
	ch    chan struct{}
	once  sync.Once
	count atomic.Int32
}

func newGate(t *testing.T, sb *sandbox, path string) *gate {
	t.Helper()
	target, err := url.Parse(sb.info.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	g := &gate{path: path, ch: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == g.path {
			g.count.Add(1)
			select {
			case <-g.ch:
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	g.url = srv.URL
	t.Cleanup(func() { g.open(); srv.Close() })
	return g
}

// held is how many requests reached the gate so far.
func (g *gate) held() int { return int(g.count.Load()) }

// open lets held and later requests through.
func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// delta is after minus before, leaving out operations that did not move.
func delta(before, after map[string]int) map[string]int {
	d := map[string]int{}
	for op, n := range after {
		if n != before[op] {
			d[op] = n - before[op]
		}
	}
	return d
}

// --- sesame's environment ---------------------------------------------------

// env is one machine as sesame sees it: its own HOME, cache directory and
// encrypted file store, pointed at a sandbox. Nothing is inherited from
// the developer's environment but PATH.
type env struct {
	dir        string
	cacheDir   string
	passphrase string
	vars       []string

	mu    sync.Mutex
	procs []*proc
}

func newEnv(t *testing.T, sb *sandbox) *env {
	t.Helper()
	dir := t.TempDir() // registered first, so removed after the processes are gone
	e := &env{dir: dir, cacheDir: filepath.Join(dir, "cache"), passphrase: "e2e-" + rand.Text()}
	for _, d := range []string{"home", "config"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	e.vars = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"NO_COLOR=1",
		"AWS_ENDPOINT_URL=" + sb.info.Endpoint,
		"AWS_REGION=" + sb.info.Region,
		"AWS_EC2_METADATA_DISABLED=true",
		"SESAME_CONFIG=" + acmeDir,
		"SESAME_CACHE_DIR=" + e.cacheDir,
		"SESAME_CREDENTIAL_STORE=file",
		"SESAME_FILE_PASSPHRASE=" + e.passphrase,
	}
	t.Cleanup(func() {
		e.killAll(t)
		// The file store parks its unwrapped key in the user's kernel
		// keyring for hours; do not leave one per test run behind.
		keycache.System().Delete(keyDesc(e.storeDir()))
	})
	return e
}

func (e *env) storeDir() string { return filepath.Join(e.cacheDir, "store") }

// keyDesc is the kernel keyring description under which sesame parks the
// file store's key (internal/cmdutil.openStore).
func keyDesc(storeDir string) string {
	h := sha256.Sum256([]byte(storeDir))
	return "sesame:file-store:" + hex.EncodeToString(h[:12])
}

// keyringWorks says whether this process can use the kernel keyring.
func keyringWorks() bool {
	desc := "sesame-e2e:probe:" + rand.Text()
	kc := keycache.System()
	if err := kc.Put(desc, []byte("probe"), time.Minute); err != nil {
		return false
	}
	defer kc.Delete(desc)
	_, ok := kc.Get(desc)
	return ok
}

// parkedKey is the file store's key from the kernel keyring, if there.
func (e *env) parkedKey() ([]byte, bool) { return keycache.System().Get(keyDesc(e.storeDir())) }

// openStore opens the env's file store as sesame would, for inspection.
func (e *env) openStore(t *testing.T) *credstore.FileStore {
	t.Helper()
	var fs *credstore.FileStore
	var err error
	if key, ok := e.parkedKey(); ok {
		fs, err = credstore.NewFileWithKey(e.storeDir(), key)
	} else {
		fs, err = credstore.NewFile(e.storeDir(), func() (string, error) { return e.passphrase, nil })
	}
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// proc is a started sesame process.
type proc struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	start          time.Time
	done           chan struct{}
	res            result
}

// result is a finished process.
type result struct {
	Stdout, Stderr string
	Code           int // -1 when killed by a signal
	Signal         syscall.Signal
	Elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d (signal %v) after %s\nstdout:\n%s\nstderr:\n%s", r.Code, r.Signal, r.Elapsed.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// procTimeout bounds every sesame process; none should come near it.
const procTimeout = 60 * time.Second

// start starts sesame with the env's variables plus extra.
func (e *env) start(t *testing.T, extra []string, args ...string) *proc {
	t.Helper()
	p, err := e.spawn(extra, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startEnv starts sesame with exactly the variables vars.
func (e *env) startEnv(t *testing.T, vars []string, args ...string) *proc {
	t.Helper()
	p, err := e.spawnEnv(vars, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// withVar is vars with kv ("KEY=value") set.
func withVar(vars []string, kv string) []string {
	key, _, _ := strings.Cut(kv, "=")
	out := []string{}
	for _, v := range vars {
		if !strings.HasPrefix(v, key+"=") {
			out = append(out, v)
		}
	}
	return append(out, kv)
}

// spawn is start for goroutines other than the test's.
func (e *env) spawn(extra []string, args ...string) (*proc, error) {
	return e.spawnEnv(append(append([]string{}, e.vars...), extra...), args...)
}

func (e *env) spawnEnv(vars []string, args ...string) (*proc, error) {
	p := &proc{args: args, done: make(chan struct{})}
	p.cmd = exec.Command(sesameBin, args...)
	p.cmd.Env = vars
	p.cmd.Dir = e.dir
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	setProcAttr(p.cmd)
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sesame %s: %w", strings.Join(args, " "), err)
	}
	e.mu.Lock()
	e.procs = append(e.procs, p)
	e.mu.Unlock()
	go func() {
		timer := time.AfterFunc(procTimeout, func() { _ = p.cmd.Process.Kill() })
		err := p.cmd.Wait()
		timer.Stop()
		p.res = result{Stdout: p.stdout.String(), Stderr: p.stderr.String(), Elapsed: time.Since(p.start)}
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			p.res.Code = exit.ExitCode()
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				p.res.Signal = ws.Signal()
			}
		case err != nil:
			p.res.Code = -1
			p.res.Stderr += "\n(wait: " + err.Error() + ")"
		}
		close(p.done)
	}()
	return p, nil
}

// wait waits for the process to end.
func (p *proc) wait() result {
	<-p.done
	return p.res
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// run runs sesame to the end.
func (e *env) run(t *testing.T, extra []string, args ...string) result {
	t.Helper()
	return e.start(t, extra, args...).wait()
}

// runMany starts n identical sesame processes in a tight loop, then waits
// for all of them.
func (e *env) runMany(t *testing.T, n int, extra []string, args ...string) []result {
	t.Helper()
	ps := make([]*proc, n)
	for i := range ps {
		ps[i] = e.start(t, extra, args...)
	}
	rs := make([]result, n)
	for i, p := range ps {
		rs[i] = p.wait()
	}
	return rs
}

// killAll kills what is still running (a test that failed half-way) and
// reaps everything.
func (e *env) killAll(t *testing.T) {
	e.mu.Lock()
	ps := e.procs
	e.procs = nil
	e.mu.Unlock()
	killed := 0
	for _, p := range ps {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			killed++
		}
	}
	for _, p := range ps {
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("sesame %s (pid %d) did not go away after SIGKILL", strings.Join(p.args, " "), p.cmd.Process.Pid)
		}
	}
	if killed > 0 {
		t.Logf("killed %d sesame processes left running", killed)
	}
}

// mustSucceed fails the test unless r exited 0.
func mustSucceed(t *testing.T, what string, r result) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: %s", what, r)
	}
}

// processCreds is the credential_process document, Version 1.
type processCreds struct {
	Version         int       `json:"Version"`
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`
	AccountID       string    `json:"AccountId"`
}

// decodeCreds checks that stdout is exactly one valid Version 1 document
// with unexpired temporary credentials.
func decodeCreds(r result) (processCreds, error) {
	var c processCreds
	if r.Code != 0 {
		return c, fmt.Errorf("%s", r)
	}
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("stdout is not the credential_process JSON: %v\n%s", err, r.Stdout)
	}
	if rest := strings.TrimSpace(r.Stdout[dec.InputOffset():]); rest != "" {
		return c, fmt.Errorf("stdout has more than the JSON document: %q", rest)
	}
	switch {
	case c.Version != 1:
		return c, fmt.Errorf("Version %d, want 1", c.Version)
	case !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "":
		return c, fmt.Errorf("incomplete temporary credentials (key id %q)", c.AccessKeyID)
	case !c.Expiration.After(time.Now()):
		return c, fmt.Errorf("expired credentials: %s", c.Expiration)
	}
	return c, nil
}

func mustCreds(t *testing.T, what string, r result) processCreds {
	t.Helper()
	c, err := decodeCreds(r)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return c
}

// login signs in (auto-approved by the sandbox) and returns when it did.
func (e *env) login(t *testing.T) time.Time {
	t.Helper()
	r := e.run(t, nil, "login", "--no-browser")
	mustSucceed(t, "sesame login --no-browser", r)
	if !strings.Contains(r.Stderr, "signed in to") {
		t.Fatalf("sesame login: no \"signed in to\" on stderr:\n%s", r.Stderr)
	}
	return time.Now()
}

// tempFiles lists the atomic-write temp files (.<name>.tmp-*) in dir.
func tempFiles(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// entryFiles lists the store's entry files.
func entryFiles(t *testing.T, storeDir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".entry") && !strings.HasPrefix(e.Name(), ".") {
			out[e.Name()] = true
		}
	}
	return out
}

// syncBuffer is shared with the other process-level test tier.
type syncBuffer = testproc.SyncBuffer
