package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

const stateFile = "sandbox-state.json"

// load reads the state a previous run kept in the state directory.
func (s *Sandbox) load() error {
	if err := os.MkdirAll(s.stateDir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(s.stateDir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("state file %s is corrupt (%v); remove it to start fresh", filepath.Join(s.stateDir, stateFile), err)
	}
	s.st = st
	return nil
}

// persist runs after a request, before its response goes out. If the
// state changed since before (the change counter when the request began),
// it returns once a write that includes the change is on disk. The file
// holds secrets: it is 0600 and replaced atomically (temp file, fsync,
// rename).
//
// The file is written without holding s.mu, so requests go on being
// served during the fsync, and concurrent requests share writes (group
// commit): a request waits for a write that started after its change, and
// that one write covers every change made in the meantime. A request that
// changed nothing (GetCallerIdentity, ListAccounts, ...) does not wait
// for other requests' writes.
func (s *Sandbox) persist(before uint64) {
	if s.stateDir == "" {
		return
	}
	want := s.gen.Load()
	if want == before {
		return // nothing changed while this request ran
	}
	s.mu.Lock()
	done := s.saved >= want
	s.mu.Unlock()
	if done {
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if s.saved >= want {
		s.mu.Unlock()
		return // the write this request waited for included its change
	}
	gen := s.gen.Load()
	data, err := json.Marshal(s.st)
	s.mu.Unlock()
	if err == nil {
		_ = writeFileAtomic(filepath.Join(s.stateDir, stateFile), data)
	}
	// As before, a failed write is not retried until the next change.
	s.mu.Lock()
	s.saved = gen
	s.mu.Unlock()
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this is a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// markDirty records that the state changed; callers hold s.mu.
func (s *Sandbox) markDirty() { s.gen.Add(1) }
