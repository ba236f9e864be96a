package lock

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomicCreatesPrivateFileInPrivateDir(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "cache", "sso", "token.json")

	if err := WriteFileAtomic(path, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "secret" {
		t.Fatalf("content = %q, %v", got, err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("file mode = %v, want 0600", m)
	}
	for _, dir := range []string{filepath.Join(root, "cache"), filepath.Dir(path)} {
		if m := mode(t, dir); m != 0o700 {
			t.Errorf("%s mode = %v, want 0700", dir, m)
		}
	}
	if names := dirNames(t, filepath.Dir(path)); len(names) != 1 {
		t.Errorf("directory holds %v, want only token.json", names)
	}
}

func TestWriteFileAtomicReplacesContentAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds")
	if err := os.WriteFile(path, []byte("old content that is longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("content = %q, want new", got)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("mode = %v, want 0600", m)
	}
}

func TestWriteFileAtomicFailureLeavesOldFileAndNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target")
	if err := os.Mkdir(path, 0o700); err != nil { // renaming a file over a directory fails
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("x"), 0o600); err == nil {
		t.Fatal("want an error when the target is a directory")
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "target" {
		t.Errorf("directory holds %v after a failed write, want only target", names)
	}
}

func TestWriteFileAtomicRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	stale := filepath.Join(dir, tempPrefix("token.json")+"111")
	fresh := filepath.Join(dir, tempPrefix("token.json")+"222")
	other := filepath.Join(dir, tempPrefix("other.json")+"333")
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{stale, other} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}

	if err := WriteFileAtomic(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file still there (%v)", err)
	}
	for _, p := range []string{fresh, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

// Many goroutines and many processes replace one file with large distinct
// payloads while readers keep reading it: every read must be one complete
// payload.
func TestWriteFileAtomicConcurrentWritersNeverTear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.json")
	const goroutines, processes, writes = 8, 8, 20

	var writers sync.WaitGroup
	errs := make(chan error, goroutines+processes)
	for g := range goroutines {
		writers.Go(func() {
			for seq := range writes {
				if err := WriteFileAtomic(path, payload(fmt.Sprintf("g%d", g), seq, 128<<10+seq*1024), 0o600); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for p := range processes {
		cmd := helper(t, "write-n", path, fmt.Sprintf("p%d", p))
		writers.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer process: %v: %s", err, out)
			}
		})
	}

	done := make(chan struct{})
	var reads, torn atomic.Int64
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				data, err := os.ReadFile(path)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
				if _, err := checkPayload(data); err != nil {
					torn.Add(1)
					errs <- fmt.Errorf("reader saw a torn file: %w", err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() == 0 {
		t.Fatal("readers never saw the file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkPayload(data); err != nil {
		t.Errorf("final file: %v", err)
	}
	if names := dirNames(t, filepath.Dir(path)); len(names) != 1 {
		t.Errorf("temp files left behind: %v", names)
	}
	t.Logf("%d complete reads, %d torn", reads.Load(), torn.Load())
}

// A writer killed with SIGKILL at a random moment leaves the target absent
// or holding one complete payload, never a prefix or a mix.
func TestWriteFileAtomicSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 30 processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.json")
	const rounds = 30
	var present, midWrite int
	for round := range rounds {
		cmd := helper(t, "write-loop", path, fmt.Sprintf("w%d", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line := readLine(t, bufio.NewReader(out), 30*time.Second); line != "ready" {
			t.Fatalf("helper said %q", line)
		}
		time.Sleep(time.Duration(rand.IntN(40_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait() // the exit status is "killed"; nothing to check

		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			t.Fatal(err)
		default:
			present++
			if _, err := checkPayload(data); err != nil {
				t.Fatalf("round %d: target is corrupt after kill -9: %v", round, err)
			}
		}
		for _, name := range dirNames(t, dir) {
			if name != filepath.Base(path) {
				midWrite++ // killed between creating the temp file and the rename
				os.Remove(filepath.Join(dir, name))
			}
		}
	}
	t.Logf("%d rounds: target complete in %d, absent in %d; %d kills landed mid-write",
		rounds, present, rounds-present, midWrite)
	if present == 0 || midWrite == 0 {
		t.Errorf("kills did not cover both states (present %d, mid-write %d); the test proved nothing", present, midWrite)
	}
}
