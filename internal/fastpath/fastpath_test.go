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
	if st, _ := os.Stat(filepath.Join(cache, "index", key+".json")); st.Mode().Perm() != 0o600 {
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
