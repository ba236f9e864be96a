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

// persist writes the state when a request changed it. The file holds
// secrets: it is 0600 and replaced atomically (temp file, fsync, rename).
func (s *Sandbox) persist() {
	if s.stateDir == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return
	}
	s.dirty = false
	data, err := json.Marshal(s.st)
	if err != nil {
		return
	}
	_ = writeFileAtomic(filepath.Join(s.stateDir, stateFile), data)
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
func (s *Sandbox) markDirty() { s.dirty = true }
