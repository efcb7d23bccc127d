package eventstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
)

// KeySize is the length in bytes of the data keys a KeyStore makes.
const KeySize = 32

// ErrKeyErased is matched by the error a KeyStore returns for a stream
// whose key was deleted: its data is erased, for good.
var ErrKeyErased = errors.New("eventstore: key erased")

// ErrKeyNotFound is matched by the error Get returns for a stream that
// has no key and never had one deleted: a key that was never made, or a
// key store that lost it. It is not an erasure.
var ErrKeyNotFound = errors.New("eventstore: no key")

// KeyStore keeps one data key per stream, apart from the streams
// themselves: deleting a stream's key makes whatever was encrypted with
// it unreadable wherever copies of the stream went (crypto-shredding).
// Implementations are safe for concurrent use, and remember that a key
// was deleted, so that an erased stream is told from one whose key was
// lost.
type KeyStore interface {
	// Create returns stream's key, making a random one of KeySize bytes
	// when the stream has none. Creating a key that exists returns it, so
	// that racing writers agree on one. A stream whose key was deleted
	// returns ErrKeyErased and gets no new key.
	Create(ctx context.Context, stream string) ([]byte, error)
	// Get returns stream's key: ErrKeyErased when it was deleted,
	// ErrKeyNotFound when it has none.
	Get(ctx context.Context, stream string) ([]byte, error)
	// Delete erases stream's key for good and remembers that it did.
	// Deleting an erased key, or one that never existed, succeeds.
	Delete(ctx context.Context, stream string) error
}

// NewKey returns KeySize random bytes, for KeyStore implementations.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand)
	return k
}

// MemoryKeys is a KeyStore in memory, the companion of Memory: its keys,
// and what it erased, last as long as the value does. The zero MemoryKeys
// is empty and ready to use.
type MemoryKeys struct {
	mu     sync.Mutex
	keys   map[string][]byte
	erased map[string]bool
}

var _ KeyStore = (*MemoryKeys)(nil)

// NewMemoryKeys returns an empty MemoryKeys.
func NewMemoryKeys() *MemoryKeys { return &MemoryKeys{} }

// Create implements KeyStore.
func (m *MemoryKeys) Create(ctx context.Context, stream string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.erased[stream] {
		return nil, fmt.Errorf("%w: stream %q", ErrKeyErased, stream)
	}
	if k, ok := m.keys[stream]; ok {
		return clone(k), nil
	}
	if m.keys == nil {
		m.keys = map[string][]byte{}
	}
	k := NewKey()
	m.keys[stream] = k
	return clone(k), nil
}

// Get implements KeyStore.
func (m *MemoryKeys) Get(ctx context.Context, stream string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.erased[stream] {
		return nil, fmt.Errorf("%w: stream %q", ErrKeyErased, stream)
	}
	k, ok := m.keys[stream]
	if !ok {
		return nil, fmt.Errorf("%w: stream %q", ErrKeyNotFound, stream)
	}
	return clone(k), nil
}

// Delete implements KeyStore. The key's bytes are overwritten before they
// are let go.
func (m *MemoryKeys) Delete(ctx context.Context, stream string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[stream]; ok {
		clear(k)
		delete(m.keys, stream)
	}
	if m.erased == nil {
		m.erased = map[string]bool{}
	}
	m.erased[stream] = true
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
