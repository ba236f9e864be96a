// Package integration runs the sandbox (`sesame sandbox`) against real
// clients: the AWS CLI v1 (pyenv), the AWS CLI v2 (Debian's awscli) and
// headless Chromium. The peers are external programs, so the tests only
// run with SESAME_INTEGRATION=1; without it they skip. With it, a missing
// peer is a failure, not a skip: CI installs every peer (.ci/run).
//
// TestMain builds the sesame binary once and starts one shared sandbox
// subprocess with --auto-approve alice; tests that need a person at the
// browser start their own sandbox without it. Every sandbox is stopped
// with SIGTERM and must exit 0 after printing "sandbox stopped".
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sesame-cli/sesame/test/testproc"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envGate turns the integration tier on.
const envGate = "SESAME_INTEGRATION"

var (
	enabled   bool
	repoRoot  string
	sesameBin string
	// shared is the sandbox started with --auto-approve alice.
	shared *sandboxProc
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	v := os.Getenv(envGate)
	if v == "" {
		return m.Run() // every test skips with the reason
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: %s=%q: want 1 (run) or 0 (skip)\n", envGate, v)
		return 2
	}
	if !on {
		return m.Run()
	}
	enabled = true

	tmp, err := os.MkdirTemp("", "sesame-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if repoRoot, err = findRepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	sesameBin = filepath.Join(tmp, "sesame")
	start := time.Now()
	if err := buildSesame(sesameBin); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "integration: built %s in %s\n", sesameBin, time.Since(start).Round(time.Millisecond))

	shared, err = startSandbox("--auto-approve", "alice")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: start the shared sandbox:", err)
		return 1
	}
	code := m.Run()
	if err := shared.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: integration: stop the shared sandbox:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// requireIntegration skips the test unless the integration tier is on.
func requireIntegration(t *testing.T) {
	t.Helper()
	if !enabled {
		t.Skipf("integration test with real AWS CLIs and Chromium: set %s=1 to run it (.ci/run does)", envGate)
	}
}

func findRepoRoot() (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("repository root: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "examples", "acme")); err != nil {
		return "", fmt.Errorf("examples/acme: %w", err)
	}
	return dir, nil
}

func buildSesame(out string) error { return testproc.BuildSesame(repoRoot, out) }

// sandboxProc is a running `sesame sandbox` subprocess.
type sandboxProc struct{ *testproc.Sandbox }

// startSandbox runs `sesame sandbox --config examples/acme --addr
// 127.0.0.1:0 --format json` plus args and waits for its endpoint.
func startSandbox(args ...string) (*sandboxProc, error) {
	all := append([]string{"--config", filepath.Join(repoRoot, "examples", "acme")}, args...)
	s, err := testproc.StartSandbox(sesameBin, append(os.Environ(), "NO_COLOR=1"), all...)
	if err != nil {
		return nil, err
	}
	return &sandboxProc{s}, nil
}

// stop sends SIGTERM and checks the sandbox exits 0 with "sandbox
// stopped" on stderr. It is safe to call more than once.
func (p *sandboxProc) stop() error { return p.Stop() }

// startSandboxT starts a sandbox for one test and stops it (checked)
// when the test ends.
func startSandboxT(t *testing.T, args ...string) *sandboxProc {
	t.Helper()
	p, err := startSandbox(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	return p
}

// stats reads /_sandbox/stats: calls served per operation.
func (p *sandboxProc) stats(t *testing.T) map[string]int {
	t.Helper()
	resp, err := http.Get(p.URL() + "/_sandbox/stats")
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	defer resp.Body.Close()
	var m map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stats: %s, %v", resp.Status, err)
	}
	return m
}

// syncBuffer is shared with the other process-level test tier.
type syncBuffer = testproc.SyncBuffer

// cliResult is one finished command.
type cliResult struct {
	Stdout, Stderr string
	Code           int
	Elapsed        time.Duration
}

// runCmd runs bin with exactly env (nothing inherited), stdin empty, and
// kills it after timeout. A command that cannot start or times out fails
// the test; a non-zero exit is returned for the caller to judge.
func runCmd(t *testing.T, timeout time.Duration, env []string, bin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	setProcAttr(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := cliResult{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: timed out after %s\nstdout:\n%s\nstderr:\n%s", bin, strings.Join(args, " "), timeout, r.Stdout, r.Stderr)
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	t.Logf("%s %s: exit %d in %s", filepath.Base(bin), strings.Join(args, " "), r.Code, r.Elapsed.Round(time.Millisecond))
	return r
}

// mustSucceed fails the test unless r exited 0.
func mustSucceed(t *testing.T, what string, r cliResult) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.Code, r.Stdout, r.Stderr)
	}
}

// decodeJSON parses a command's JSON output.
func decodeJSON(t *testing.T, what string, r cliResult, v any) {
	t.Helper()
	mustSucceed(t, what, r)
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", what, err, r.Stdout)
	}
}
