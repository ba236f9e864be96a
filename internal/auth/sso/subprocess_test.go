package sso

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// The subprocess tests re-run this test binary as a sesame process: with
// SSO_TEST_HELPER set, TestMain asks for a token and prints it instead of
// running tests.
func TestMain(m *testing.M) {
	if os.Getenv("SSO_TEST_HELPER") == "1" {
		os.Exit(helperProcess())
	}
	os.Exit(m.Run())
}

func helperProcess() int {
	dir := os.Getenv("SSO_TEST_DIR")
	o := Options{
		StartURL: os.Getenv("SSO_TEST_START_URL"), Region: os.Getenv("SSO_TEST_REGION"),
		API:   &awsapi.Client{Endpoint: os.Getenv("SSO_TEST_ENDPOINT"), HTTP: http.DefaultClient, MaxAttempts: 1},
		Store: fileStore(dir), IsNotFound: isNotFound, Locker: flockLocker(dir),
		Notifier: stderrNotifier{}, Flow: FlowDeviceCode, Interactive: true, RefreshBefore: 500 * time.Millisecond,
	}
	p, err := New(o)
	if err == nil {
		var tok string
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if tok, err = p.Token(ctx); err == nil {
			fmt.Println("TOKEN " + tok)
			return 0
		}
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

type stderrNotifier struct{}

func (stderrNotifier) ShowCode(uri, code string) { fmt.Fprintln(os.Stderr, "CODE", uri, code) }
func (stderrNotifier) Waiting(msg string)        { fmt.Fprintln(os.Stderr, "WAITING", msg) }
func (stderrNotifier) Done()                     {}

// fileStore keeps each key in a file, replaced atomically.
type fileStore string

func (d fileStore) path(key string) string {
	return filepath.Join(string(d), strings.ReplaceAll(key, "/", "_")+".json")
}

func (d fileStore) Get(_ context.Context, key string) ([]byte, error) {
	b, err := os.ReadFile(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotFound
	}
	return b, err
}

func (d fileStore) Set(_ context.Context, key string, v []byte) error {
	f, err := os.CreateTemp(string(d), "tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(v); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), d.path(key))
}

func (d fileStore) Delete(_ context.Context, key string) error {
	err := os.Remove(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return errNotFound
	}
	return err
}

// flockLocker is a cross-process Locker on flock(2), as internal/lock.
func flockLocker(dir string) Locker {
	return func(ctx context.Context, name string) (func() error, error) {
		sum := sha256.Sum256([]byte(name))
		l := flock.New(filepath.Join(dir, hex.EncodeToString(sum[:8])+".lock"))
		ok, err := l.TryLockContext(ctx, 10*time.Millisecond)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errors.New("lock not taken")
		}
		return l.Unlock, nil
	}
}

type procResult struct {
	token   string
	waiting int
	err     error
	stderr  string
}

// runProcesses starts n helper processes at once against the sandbox at
// endpoint, sharing the store and locks in dir.
func runProcesses(t *testing.T, n int, s *sandbox.Sandbox, endpoint, dir string) []procResult {
	results := make([]procResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "SSO_TEST_HELPER=1", "SSO_TEST_DIR="+dir, "SSO_TEST_ENDPOINT="+endpoint,
				"SSO_TEST_START_URL="+s.StartURL(), "SSO_TEST_REGION="+s.Region())
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			r := procResult{err: err, stderr: stderr.String()}
			sc := bufio.NewScanner(strings.NewReader(string(out)))
			for sc.Scan() {
				if tok, ok := strings.CutPrefix(sc.Text(), "TOKEN "); ok {
					r.token = tok
				}
			}
			r.waiting = strings.Count(r.stderr, "WAITING "+WaitingMessage)
			results[i] = r
		})
	}
	wg.Wait()
	return results
}

func checkProcesses(t *testing.T, results []procResult) (token string, waited int) {
	t.Helper()
	for i, r := range results {
		if r.err != nil || r.token == "" {
			t.Errorf("process %d: %v\n%s", i, r.err, r.stderr)
			continue
		}
		if token == "" {
			token = r.token
		}
		if r.token != token {
			t.Errorf("process %d got another token", i)
		}
		if r.waiting > 1 {
			t.Errorf("process %d said %d times that it waits", i, r.waiting)
		}
		waited += r.waiting
	}
	return token, waited
}

func TestOneSignInForManyProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	s := newSandbox(t, nil, "alice")
	slowSignIn(t, s)
	srv := httptestServer(t, s)
	dir := t.TempDir()
	results := runProcesses(t, 20, s, srv, dir)
	_, waited := checkProcesses(t, results)
	st := s.Stats()
	if st["RegisterClient"] != 1 || st["StartDeviceAuthorization"] != 1 || st["CreateToken"] != 1 {
		t.Errorf("calls %v, want exactly one sign-in for 20 processes", st)
	}
	if waited == 0 {
		t.Error("no process said it waited for the one signing in")
	}
	t.Logf("%d of 20 processes waited for the sign-in", waited)
}

func TestOneRefreshForManyProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	s := newSandbox(t, nil, "alice")
	if err := s.SetFaults(sandbox.FaultConfig{Lifetimes: twoSeconds()}); err != nil {
		t.Fatal(err)
	}
	srv := httptestServer(t, s)
	dir := t.TempDir()
	first, _ := checkProcesses(t, runProcesses(t, 1, s, srv, dir))
	time.Sleep(2100 * time.Millisecond) // the access token expires
	// The refreshed token lasts 8 h again, however slowly the processes start.
	if err := s.SetFaults(sandbox.FaultConfig{}); err != nil {
		t.Fatal(err)
	}
	before := s.Stats()
	token, _ := checkProcesses(t, runProcesses(t, 20, s, srv, dir))
	if token == first {
		t.Error("the expired token was handed out")
	}
	if d := delta(before, s.Stats()); len(d) != 1 || d["CreateToken"] != 1 {
		t.Errorf("calls %v, want exactly one refresh for 20 processes", d)
	}
}

func httptestServer(t *testing.T, s *sandbox.Sandbox) string {
	_, srv := serve(t, s)
	return srv.URL
}
