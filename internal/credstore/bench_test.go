package credstore

import (
	"context"
	"testing"
)

// BenchmarkGet measures one Get of a 2 KiB credential, the hot path of
// `sesame credential-process`. The "cold" variants build a new store per
// iteration, as a new process would. BenchmarkGetKeyring (Linux) covers the
// OS keyrings.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	value := benchValue()

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

}

func benchGet(b *testing.B, store func() Store) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := store().Get(ctx, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

func benchValue() []byte {
	value := make([]byte, 2048)
	for i := range value {
		value[i] = byte(i)
	}
	return value
}
