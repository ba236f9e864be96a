package credstore

import (
	"context"
	"os"
	"testing"

	"github.com/99designs/keyring"
)

// BenchmarkGet measures one Get of a 2 KiB credential, the hot path of
// `sesame credential-process`. The "cold" variants build a new store per
// iteration, as a new process would.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	value := make([]byte, 2048)
	for i := range value {
		value[i] = byte(i)
	}

	b.Run("memory", func(b *testing.B) {
		s := NewMemory()
		s.Set(ctx, "k", value)
		benchGet(b, func() Store { return s })
	})

	dir := b.TempDir()
	seed, _ := NewFile(dir, constPass(goodPass))
	if err := seed.Set(ctx, "k", value); err != nil {
		b.Fatal(err)
	}
	key := seed.UnlockKey()
	b.Run("file-unlocked", func(b *testing.B) { benchGet(b, func() Store { return seed }) })
	b.Run("file-cold-cached-key", func(b *testing.B) {
		benchGet(b, func() Store { s, _ := NewFileWithKey(dir, key); return s })
	})
	b.Run("file-cold-kdf", func(b *testing.B) {
		benchGet(b, func() Store { s, _ := NewFile(dir, constPass(goodPass)); return s })
	})

	backends := []keyring.BackendType{keyring.KeyCtlBackend}
	if os.Getenv("SESAME_TEST_SECRET_SERVICE") == "1" {
		backends = append(backends, keyring.SecretServiceBackend)
	}
	for _, backend := range backends {
		cfg := KeyringConfig{ServiceName: "sesame-bench-" + randomHex(4), Backends: []keyring.BackendType{backend}}
		s, _ := NewKeyring(cfg)
		if err := s.Set(ctx, "k", value); err != nil {
			b.Logf("%s unavailable: %v", backend, err)
			continue
		}
		b.Run("keyring-"+string(backend)+"-warm", func(b *testing.B) { benchGet(b, func() Store { return s }) })
		b.Run("keyring-"+string(backend)+"-cold", func(b *testing.B) {
			benchGet(b, func() Store { s, _ := NewKeyring(cfg); return s })
		})
		s.Delete(ctx, "k")
	}
}

func benchGet(b *testing.B, store func() Store) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := store().Get(ctx, "k"); err != nil {
			b.Fatal(err)
		}
	}
}
