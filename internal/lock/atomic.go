// Package lock keeps files that several sesame processes share consistent.
//
// Terraform may start dozens of `sesame credential-process` children at the
// same moment, and a user may press Ctrl-C or lose power at any time. Two
// tools cover what that needs:
//
//   - WriteFileAtomic replaces a file so that readers and survivors of a
//     crash see either the old or the new content, never a mix or a prefix.
//   - Lock and Do serialise work across processes with advisory file locks
//     (flock(2) on Unix, LockFileEx on Windows) so that N processes that miss
//     the same cache entry make one upstream call between them.
//
// The kernel drops a file lock when its holder exits, however it exits, so a
// process killed with SIGKILL never leaves a stale lock behind. Lock files are
// never deleted: deleting one while another process waits on it would let two
// holders in at once (each would lock a different inode).
package lock

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// staleTempAge is how old a temp file left by a crashed writer must be before
// a later write removes it. No honest write takes this long.
const staleTempAge = 10 * time.Minute

// WriteFileAtomic replaces path with data. It creates the parent directory
// (0700) when missing, writes a temp file in the same directory with mode
// perm, fsyncs it, renames it over path and fsyncs the directory so the
// rename itself survives a power cut. A crash at any point leaves either the
// old file or the new one at path; at worst an orphaned temp file (mode perm,
// named .<name>.tmp-*) remains, and a later write to the same path removes it
// once it is older than ten minutes.
//
// Atomicity is about torn files, not about lost updates: two concurrent
// writers both succeed and the last rename wins. Hold a Lock around a
// read-modify-write.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("write %q: path names a directory", path)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: create directory: %w", path, err)
	}

	tmp, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return fmt.Errorf("write %s: create temp file: %w", path, err)
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()

	// CreateTemp makes the file 0600; chmod before writing so a wider perm
	// never exposes partial content and a narrower one is never too late.
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: chmod temp file: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close temp file: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: rename temp file: %w", path, err)
	}
	renamed = true

	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: fsync directory: %w", path, err)
	}
	removeStaleTemps(dir, base, time.Now())
	return nil
}

// tempPrefix names temp files after their target so a directory listing
// shows what a leftover belonged to, and hides them from plain `ls`.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for fsync and its rename is already journaled by NTFS.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStaleTemps deletes temp files of base that a crashed writer left.
// It is best effort: failing to tidy up never fails the write.
func removeStaleTemps(dir, base string, now time.Time) {
	matches, err := filepath.Glob(filepath.Join(dir, escapeGlob(tempPrefix(base))+"*"))
	if err != nil {
		return
	}
	for _, m := range matches {
		info, err := os.Lstat(m)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if now.Sub(info.ModTime()) > staleTempAge {
			os.Remove(m)
		}
	}
}

// escapeGlob quotes the characters filepath.Match treats specially, so a
// file named "a[1]" only matches its own temp files.
func escapeGlob(s string) string {
	if runtime.GOOS == "windows" {
		// Backslash is the separator there; Glob has no escape. Drop the
		// special characters to a wildcard, which still matches.
		return strings.NewReplacer("[", "?", "]", "?", "*", "?").Replace(s)
	}
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "*", `\*`, "?", `\?`).Replace(s)
}
