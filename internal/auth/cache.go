package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/sesame-cli/sesame/internal/credstore"
)

// SecretStore is where cached credentials live (the credential store).
type SecretStore interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
}

// StoreCache keeps step credentials in a secret store, one entry per step
// under "creds/<key>".
type StoreCache struct {
	Store SecretStore
	// IsNotFound tells a missing entry from a failing store.
	IsNotFound func(error) bool
	// Warn is told about entries that cannot be read (treated as missing),
	// once per key.
	Warn func(msg string)

	mu     sync.Mutex
	warned map[string]bool
}

const cacheVersion = 1

type cacheEntry struct {
	Version     int         `json:"v"`
	Credentials Credentials `json:"credentials"`
}

func cacheKey(key string) string { return "creds/" + key }

// Get implements Cache.
func (c *StoreCache) Get(ctx context.Context, key string) (Credentials, bool, error) {
	data, err := c.Store.Get(ctx, cacheKey(key))
	if err != nil {
		// A damaged entry (the file store's ErrCorrupt also matches
		// ErrNotFound) is a miss, but one worth a warning.
		if errors.Is(err, credstore.ErrCorrupt) {
			c.warn(key)
			return Credentials{}, false, nil
		}
		if c.IsNotFound != nil && c.IsNotFound(err) {
			return Credentials{}, false, nil
		}
		return Credentials{}, false, err
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Version != cacheVersion || e.Credentials.AccessKeyID == "" {
		c.warn(key)
		return Credentials{}, false, nil
	}
	return e.Credentials, true, nil
}

func (c *StoreCache) warn(key string) {
	if c.Warn == nil {
		return
	}
	c.mu.Lock()
	first := !c.warned[key]
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	c.warned[key] = true
	c.mu.Unlock()
	if first {
		c.Warn(fmt.Sprintf("cached credentials %s are unreadable; fetching new ones", key))
	}
}

// Put implements Cache.
func (c *StoreCache) Put(ctx context.Context, key string, creds Credentials) error {
	data, err := json.Marshal(cacheEntry{Version: cacheVersion, Credentials: creds})
	if err != nil {
		return err
	}
	return c.Store.Set(ctx, cacheKey(key), data)
}

// Delete implements Cache.
func (c *StoreCache) Delete(ctx context.Context, key string) error {
	return c.Store.Delete(ctx, cacheKey(key))
}

// MemoryCache is a Cache for one process (the memory credential store).
type MemoryCache struct {
	mu sync.Mutex
	m  map[string]Credentials
}

// Get implements Cache.
func (m *MemoryCache) Get(_ context.Context, key string) (Credentials, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[key]
	return c, ok, nil
}

// Put implements Cache.
func (m *MemoryCache) Put(_ context.Context, key string, c Credentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]Credentials{}
	}
	m.m[key] = c
	return nil
}

// Delete implements Cache.
func (m *MemoryCache) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}

// LocalLocker serializes within one process only (the memory store, and
// tests).
func LocalLocker() Locker {
	var mu sync.Mutex
	locks := map[string]*sync.Mutex{}
	return func(ctx context.Context, name string, onWait func()) (func() error, error) {
		mu.Lock()
		l := locks[name]
		if l == nil {
			l = &sync.Mutex{}
			locks[name] = l
		}
		mu.Unlock()
		if !l.TryLock() {
			onWait()
			l.Lock()
		}
		return func() error { l.Unlock(); return nil }, nil
	}
}
