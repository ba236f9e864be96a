package credstore

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// MemoryStore keeps secrets in process memory only. CI jobs use it when
// credentials must not outlive the process; tests use it as the reference
// implementation of the contract.
type MemoryStore struct {
	mu   sync.RWMutex
	data map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *MemoryStore { return &MemoryStore{data: map[string][]byte{}} }

// Name implements Store.
func (m *MemoryStore) Name() string { return BackendMemory }

// Get implements Store.
func (m *MemoryStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(BackendMemory, key); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.data[key]
	if !ok {
		return nil, notFound(BackendMemory, key)
	}
	return slices.Clone(v), nil
}

// Set implements Store.
func (m *MemoryStore) Set(ctx context.Context, key string, value []byte) error {
	if err := checkValue(BackendMemory, key, value); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append([]byte{}, value...)
	return nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(BackendMemory, key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

// Keys implements Store.
func (m *MemoryStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	keys := []string{}
	for k := range m.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}
