// Package fastpath lets credential-process answer from the credential
// cache without reading the configuration. After a full run it records
// which cache entry answered which request (configuration, profiles,
// identity) together with a fingerprint of the configuration files; the
// next run checks the fingerprint with a few stat calls and, when nothing
// changed, reads the cached credentials directly. Any doubt (changed or
// new files, another store, missing entry) falls back to the full path.
package fastpath

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/lock"
)

// version 2 is the line format below; version 1 files (JSON) are misses.
const version = 2

// magic opens every index file.
const magic = "sesame-fastpath"

// Entry is one recorded answer. It holds no secret.
type Entry struct {
	Identity      string
	CacheKey      string
	Backend       string
	RefreshBefore time.Duration
	AccountID     string
	Files         []Stamp
}

// Stamp is what identifies one file or directory of the configuration.
type Stamp struct {
	Path string
	Size int64
	Mod  int64
}

// Key names the entry for a request.
func Key(root string, profiles []string, identity string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = root
	}
	h := sha256.Sum256([]byte(abs + "\x00" + strings.Join(profiles, ",") + "\x00" + identity))
	return hex.EncodeToString(h[:16])
}

// Fingerprint stamps the configuration root: the file, or every YAML and
// JSON file and every directory under it (a directory's mtime changes when
// a file is added or removed).
func Fingerprint(root string) ([]Stamp, error) {
	var out []Stamp
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.IsDir() && ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, Stamp{Path: p, Size: info.Size(), Mod: info.ModTime().UnixNano()})
		return nil
	})
	return out, err
}

// Fresh reports whether the configuration still has exactly the stamps.
func (e *Entry) Fresh(root string) bool {
	now, err := Fingerprint(root)
	if err != nil || len(now) != len(e.Files) {
		return false
	}
	for i := range now {
		if now[i] != e.Files[i] {
			return false
		}
	}
	return true
}

func path(dir, key string) string { return filepath.Join(dir, "index", key) }

// Load reads the entry for key. The index is read on every
// credential-process call, so it is a few lines of text rather than JSON:
// the first reflective JSON decode in a process costs about 0.1 ms, a
// noticeable share of that path. Anything unexpected is a miss.
func Load(dir, key string) (*Entry, bool) {
	data, err := os.ReadFile(path(dir, key))
	if err != nil {
		return nil, false
	}
	var e Entry
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) == 0 || lines[0] != magic+" "+strconv.Itoa(version) {
		return nil, false
	}
	for _, l := range lines[1:] {
		field, value, ok := strings.Cut(l, " ")
		if !ok {
			return nil, false
		}
		var err error
		switch field {
		case "identity":
			e.Identity, err = strconv.Unquote(value)
		case "cache_key":
			e.CacheKey, err = strconv.Unquote(value)
		case "backend":
			e.Backend, err = strconv.Unquote(value)
		case "account_id":
			e.AccountID, err = strconv.Unquote(value)
		case "refresh_before":
			var n int64
			n, err = strconv.ParseInt(value, 10, 64)
			e.RefreshBefore = time.Duration(n)
		case "file":
			var st Stamp
			st, err = parseStamp(value)
			e.Files = append(e.Files, st)
		default:
			return nil, false
		}
		if err != nil {
			return nil, false
		}
	}
	if e.CacheKey == "" || e.Backend == "" {
		return nil, false
	}
	return &e, true
}

// parseStamp reads "<size> <mod> <quoted path>".
func parseStamp(v string) (Stamp, error) {
	size, rest, _ := strings.Cut(v, " ")
	mod, quoted, _ := strings.Cut(rest, " ")
	var st Stamp
	var err error
	if st.Size, err = strconv.ParseInt(size, 10, 64); err != nil {
		return st, err
	}
	if st.Mod, err = strconv.ParseInt(mod, 10, 64); err != nil {
		return st, err
	}
	st.Path, err = strconv.Unquote(quoted)
	return st, err
}

// Save records e for key.
func Save(dir, key string, e *Entry) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d\n", magic, version)
	fmt.Fprintf(&b, "identity %s\ncache_key %s\nbackend %s\n", strconv.Quote(e.Identity), strconv.Quote(e.CacheKey), strconv.Quote(e.Backend))
	if e.AccountID != "" {
		fmt.Fprintf(&b, "account_id %s\n", strconv.Quote(e.AccountID))
	}
	fmt.Fprintf(&b, "refresh_before %d\n", int64(e.RefreshBefore))
	for _, f := range e.Files {
		fmt.Fprintf(&b, "file %d %d %s\n", f.Size, f.Mod, strconv.Quote(f.Path))
	}
	return lock.WriteFileAtomic(path(dir, key), []byte(b.String()), 0o600)
}
