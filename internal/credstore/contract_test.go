package credstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// testStoreContract is the behaviour every backend promises. Each backend's
// test file runs it with a constructor that returns an empty, isolated store.
func testStoreContract(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()

	t.Run("GetMissingIsErrNotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(ctx, "absent"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(absent) err = %v, want ErrNotFound", err)
		}
	})

	t.Run("SetThenGet", func(t *testing.T) {
		s := newStore(t)
		mustSet(t, s, "sso/acme", []byte(`{"accessToken":"t"}`))
		mustGet(t, s, "sso/acme", []byte(`{"accessToken":"t"}`))
	})

	t.Run("OverwriteReplaces", func(t *testing.T) {
		s := newStore(t)
		mustSet(t, s, "k", []byte("a much longer first value"))
		mustSet(t, s, "k", []byte("short"))
		mustGet(t, s, "k", []byte("short"))
		if keys := mustKeys(t, s, ""); !slices.Equal(keys, []string{"k"}) {
			t.Errorf("Keys after overwrite = %v, want [k]", keys)
		}
	})

	t.Run("DeleteRemoves", func(t *testing.T) {
		s := newStore(t)
		mustSet(t, s, "gone", []byte("v"))
		mustSet(t, s, "kept", []byte("v"))
		if err := s.Delete(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "gone"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Delete err = %v, want ErrNotFound", err)
		}
		mustGet(t, s, "kept", []byte("v"))
	})

	t.Run("DeleteMissingIsNil", func(t *testing.T) {
		s := newStore(t)
		if err := s.Delete(ctx, "never-set"); err != nil {
			t.Fatalf("Delete(missing) = %v, want nil", err)
		}
	})

	t.Run("KeysFiltersByPrefixSorted", func(t *testing.T) {
		s := newStore(t)
		if keys := mustKeys(t, s, ""); len(keys) != 0 {
			t.Fatalf("empty store lists %v", keys)
		}
		for _, k := range []string{"sso/b", "role/plat-prod/Admin", "sso/a", "ssox"} {
			mustSet(t, s, k, []byte(k))
		}
		if got := mustKeys(t, s, "sso/"); !slices.Equal(got, []string{"sso/a", "sso/b"}) {
			t.Errorf("Keys(sso/) = %v", got)
		}
		want := []string{"role/plat-prod/Admin", "sso/a", "sso/b", "ssox"}
		if got := mustKeys(t, s, ""); !slices.Equal(got, want) {
			t.Errorf("Keys() = %v, want %v", got, want)
		}
		if got := mustKeys(t, s, "nothing"); got == nil || len(got) != 0 {
			t.Errorf("Keys(nothing) = %#v, want an empty non-nil slice", got)
		}
	})

	t.Run("KeysWithAnyCharacters", func(t *testing.T) {
		s := newStore(t)
		keys := []string{"https://acme.awsapps.com/start#eu-west-1", "plat prod/Admin Access", "ünïcødé:key"}
		for _, k := range keys {
			mustSet(t, s, k, []byte(k))
		}
		for _, k := range keys {
			mustGet(t, s, k, []byte(k))
		}
	})

	t.Run("BinaryValues", func(t *testing.T) {
		s := newStore(t)
		all := make([]byte, 0, 512)
		for i := range 256 {
			all = append(all, byte(i), byte(255-i))
		}
		mustSet(t, s, "binary", all)
		mustGet(t, s, "binary", all)
		mustSet(t, s, "zero", []byte{0})
		mustGet(t, s, "zero", []byte{0})
	})

	t.Run("LargeValue", func(t *testing.T) {
		// 24 KiB: a fat SSO token cache entry with room to spare, and under
		// keyctl's 32 KiB payload limit.
		s := newStore(t)
		big := make([]byte, 24<<10)
		rand.NewChaCha8([32]byte{1}).Read(big)
		mustSet(t, s, "large", big)
		mustGet(t, s, "large", big)
	})

	t.Run("ValuesAreCopies", func(t *testing.T) {
		s := newStore(t)
		v := []byte("original")
		mustSet(t, s, "k", v)
		v[0] = 'X'
		got := mustGet(t, s, "k", []byte("original"))
		got[0] = 'Y'
		mustGet(t, s, "k", []byte("original"))
	})

	t.Run("EmptyKeyOrValueIsAnError", func(t *testing.T) {
		s := newStore(t)
		if err := s.Set(ctx, "k", nil); err == nil {
			t.Error("Set with an empty value succeeded")
		}
		if err := s.Set(ctx, "", []byte("v")); err == nil {
			t.Error("Set with an empty key succeeded")
		}
		if _, err := s.Get(ctx, ""); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Get(\"\") err = %v, want a non-ErrNotFound error", err)
		}
		if err := s.Delete(ctx, ""); err == nil {
			t.Error("Delete with an empty key succeeded")
		}
	})

	t.Run("ConcurrentSetAndGet", func(t *testing.T) {
		s := newStore(t)
		const workers, rounds = 6, 5
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds*4)
		for w := range workers {
			wg.Go(func() {
				own := fmt.Sprintf("worker/%d", w)
				for r := range rounds {
					v := fmt.Appendf(nil, "%d-%d", w, r)
					if err := s.Set(ctx, own, v); err != nil {
						errs <- err
						return
					}
					if got, err := s.Get(ctx, own); err != nil || !bytes.Equal(got, v) {
						errs <- fmt.Errorf("%s: got %q, %v; want %q", own, got, err, v)
					}
					if err := s.Set(ctx, "shared", v); err != nil {
						errs <- err
					}
					got, err := s.Get(ctx, "shared")
					if err != nil {
						errs <- err
					} else if _, err := fmt.Sscanf(string(got), "%d-%d", new(int), new(int)); err != nil {
						errs <- fmt.Errorf("shared holds a mixed value %q", got)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := mustKeys(t, s, "worker/"); len(got) != workers {
			t.Errorf("Keys(worker/) = %v, want %d keys", got, workers)
		}
	})

	t.Run("Name", func(t *testing.T) {
		if n := newStore(t).Name(); n != BackendKeyring && n != BackendFile && n != BackendMemory {
			t.Errorf("Name() = %q", n)
		}
	})
}

func mustSet(t *testing.T, s Store, key string, v []byte) {
	t.Helper()
	if err := s.Set(context.Background(), key, v); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s Store, key string, want []byte) []byte {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %d bytes %.40q, want %d bytes %.40q", key, len(got), got, len(want), want)
	}
	return got
}

func mustKeys(t *testing.T, s Store, prefix string) []string {
	t.Helper()
	keys, err := s.Keys(context.Background(), prefix)
	if err != nil {
		t.Fatalf("Keys(%q): %v", prefix, err)
	}
	return keys
}

func TestMemoryContract(t *testing.T) {
	testStoreContract(t, func(t *testing.T) Store { return NewMemory() })
}
