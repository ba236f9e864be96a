package fastpath

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFreshDetectsEveryChange(t *testing.T) {
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "accounts: {}\n")
	write("profiles/ci.yaml", "login: never\n")
	stamps, err := Fingerprint(root)
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	key := Key(root, []string{"ci"}, "plat-dev/terraform")
	if err := Save(cache, key, &Entry{Identity: "plat-dev/terraform", CacheKey: "role-x", Backend: "file", Files: stamps}); err != nil {
		t.Fatal(err)
	}
	e, ok := Load(cache, key)
	if !ok || !e.Fresh(root) {
		t.Fatal("entry should be fresh")
	}
	if st, _ := os.Stat(filepath.Join(cache, "index", key)); st.Mode().Perm() != 0o600 {
		t.Errorf("index mode %v", st.Mode().Perm())
	}
	if Key(root, []string{"devops"}, "plat-dev/terraform") == key || Key(root, []string{"ci"}, "") == key {
		t.Error("keys must differ by profile and identity")
	}
	later := time.Now().Add(time.Second)
	for _, change := range []func(){
		func() { write("a.yaml", "accounts: {x: {}}\n") },                      // content
		func() { _ = os.Chtimes(filepath.Join(root, "a.yaml"), later, later) }, // touch
		func() { write("profiles/devops.yaml", "login: interactive\n") },       // new file
		func() { _ = os.Remove(filepath.Join(root, "profiles/devops.yaml")) },  // removed file
	} {
		change()
		if e.Fresh(root) {
			t.Fatal("a change went unnoticed")
		}
		stamps, _ = Fingerprint(root)
		e.Files = stamps
	}
}

// The index round-trips any path, and anything else in its place is a
// miss, never a wrong answer.
func TestIndexRoundTripAndMisses(t *testing.T) {
	cache := t.TempDir()
	want := &Entry{Identity: "plat-dev/terraform", CacheKey: "role-abc", Backend: "keyring", RefreshBefore: 15 * time.Minute,
		AccountID: "012345678901", Files: []Stamp{{Path: "/org dir/a \"b\".yaml", Size: 12, Mod: 1795885994112893585}, {Path: "/x\ny", Size: 0, Mod: -1}}}
	if err := Save(cache, "k", want); err != nil {
		t.Fatal(err)
	}
	got, ok := Load(cache, "k")
	if !ok || got.Identity != want.Identity || got.CacheKey != want.CacheKey || got.Backend != want.Backend ||
		got.RefreshBefore != want.RefreshBefore || got.AccountID != want.AccountID || len(got.Files) != 2 ||
		got.Files[0] != want.Files[0] || got.Files[1] != want.Files[1] {
		t.Fatalf("round trip: %+v", got)
	}
	for name, body := range map[string]string{
		"json of version 1": `{"v":1,"identity":"x","cache_key":"role-x","backend":"file"}`,
		"other version":     "sesame-fastpath 3\ncache_key \"x\"\nbackend \"file\"\n",
		"unknown field":     "sesame-fastpath 2\ncache_key \"x\"\nbackend \"file\"\nextra 1\n",
		"bad quoting":       "sesame-fastpath 2\ncache_key x\nbackend \"file\"\n",
		"bad stamp":         "sesame-fastpath 2\ncache_key \"x\"\nbackend \"file\"\nfile 1 two \"/a\"\n",
		"no cache key":      "sesame-fastpath 2\nbackend \"file\"\n",
		"truncated":         "sesame-fastpath 2\ncache_key \"x",
		"empty":             "",
	} {
		if err := os.WriteFile(filepath.Join(cache, "index", "bad"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if e, ok := Load(cache, "bad"); ok {
			t.Errorf("%s: loaded %+v", name, e)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("sesame-fastpath 2\ncache_key \"x\"\nbackend \"file\"\nfile 1 2 \"/a\"\n")
	f.Fuzz(func(t *testing.T, body string) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "index"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "index", "k"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if e, ok := Load(dir, "k"); ok && (e.CacheKey == "" || e.Backend == "") {
			t.Fatalf("loaded an entry without a cache key or backend: %+v", e)
		}
	})
}
