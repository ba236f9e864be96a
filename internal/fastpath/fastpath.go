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
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/lock"
)

const version = 1

// Entry is one recorded answer. It holds no secret.
type Entry struct {
	Version       int           `json:"v"`
	Identity      string        `json:"identity"`
	CacheKey      string        `json:"cache_key"`
	Backend       string        `json:"backend"`
	RefreshBefore time.Duration `json:"refresh_before"`
	AccountID     string        `json:"account_id,omitempty"`
	Files         []Stamp       `json:"files"`
}

// Stamp is what identifies one file or directory of the configuration.
type Stamp struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Mod  int64  `json:"mod"`
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

func path(dir, key string) string { return filepath.Join(dir, "index", key+".json") }

// Load reads the entry for key.
func Load(dir, key string) (*Entry, bool) {
	data, err := os.ReadFile(path(dir, key))
	if err != nil {
		return nil, false
	}
	var e Entry
	if json.Unmarshal(data, &e) != nil || e.Version != version || e.CacheKey == "" {
		return nil, false
	}
	return &e, true
}

// Save records e for key.
func Save(dir, key string, e *Entry) error {
	e.Version = version
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return lock.WriteFileAtomic(path(dir, key), data, 0o600)
}
