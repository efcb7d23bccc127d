package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

// RunKeys runs the conformance suite for eventstore.KeyStore against key
// stores made by newKeys, a fresh empty one per subtest.
func RunKeys(t *testing.T, newKeys func(t *testing.T) eventstore.KeyStore) {
	for _, st := range []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, ks eventstore.KeyStore)
	}{
		{"CreateMakesOneKeyPerStream", keysCreate},
		{"GetOfAStreamWithoutAKeyIsNotFound", keysNotFound},
		{"DeleteErasesForGoodAndIsIdempotent", keysDelete},
		{"RacingCreatesAgreeOnOneKey", keysRace},
	} {
		t.Run(st.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), opLimit)
			defer cancel()
			st.fn(t, ctx, newKeys(t))
		})
	}
}

func keysCreate(t *testing.T, ctx context.Context, ks eventstore.KeyStore) {
	a, err := ks.Create(ctx, "lead-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != eventstore.KeySize {
		t.Fatalf("key of %d bytes, want %d", len(a), eventstore.KeySize)
	}
	again, err := ks.Create(ctx, "lead-a")
	if err != nil || !bytes.Equal(again, a) {
		t.Fatalf("second Create = %x, %v; want the first key", again, err)
	}
	got, err := ks.Get(ctx, "lead-a")
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("Get = %x, %v; want the created key", got, err)
	}
	b, err := ks.Create(ctx, "lead-b")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two streams got the same key")
	}
	got[0] ^= 0xff // the caller's copy
	if again, _ := ks.Get(ctx, "lead-a"); !bytes.Equal(again, a) {
		t.Fatal("changing a returned key changed the stored one")
	}
}

func keysNotFound(t *testing.T, ctx context.Context, ks eventstore.KeyStore) {
	if k, err := ks.Get(ctx, "lead-none"); !errors.Is(err, eventstore.ErrKeyNotFound) || errors.Is(err, eventstore.ErrKeyErased) || k != nil {
		t.Fatalf("Get = %x, %v; want ErrKeyNotFound", k, err)
	}
}

func keysDelete(t *testing.T, ctx context.Context, ks eventstore.KeyStore) {
	if _, err := ks.Create(ctx, "lead-a"); err != nil {
		t.Fatal(err)
	}
	keep, err := ks.Create(ctx, "lead-b")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := ks.Delete(ctx, "lead-a"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if k, err := ks.Get(ctx, "lead-a"); !errors.Is(err, eventstore.ErrKeyErased) || k != nil {
		t.Fatalf("Get after Delete = %x, %v; want ErrKeyErased", k, err)
	}
	if k, err := ks.Create(ctx, "lead-a"); !errors.Is(err, eventstore.ErrKeyErased) || k != nil {
		t.Fatalf("Create after Delete = %x, %v; want ErrKeyErased", k, err)
	}
	if err := ks.Delete(ctx, "lead-never"); err != nil {
		t.Fatalf("Delete of a stream without a key: %v", err)
	}
	if _, err := ks.Get(ctx, "lead-never"); !errors.Is(err, eventstore.ErrKeyErased) {
		t.Fatalf("Get of a stream erased before it had a key: %v", err)
	}
	if k, err := ks.Get(ctx, "lead-b"); err != nil || !bytes.Equal(k, keep) {
		t.Fatalf("another stream's key: %x, %v", k, err)
	}
}

func keysRace(t *testing.T, ctx context.Context, ks eventstore.KeyStore) {
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = ks.Create(ctx, "lead-race") })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("racing Creates returned different keys")
		}
	}
}
