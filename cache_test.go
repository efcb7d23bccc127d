package leadline_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// loadCount counts the records Load returns.
type loadCount struct {
	eventstore.Store
	loaded atomic.Int64
}

func (l *loadCount) Load(ctx context.Context, stream string, from uint64) ([]eventstore.Record, error) {
	recs, err := l.Store.Load(ctx, stream, from)
	l.loaded.Add(int64(len(recs)))
	return recs, err
}

// The states Rebuild folds stay in the cache while it has room: the
// breaches that come due next are decided without reading the leads'
// histories again; without a cache each lead is read when it comes due.
func TestRebuildKeepsTheStatesItFoldsWhileTheCacheHasRoom(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		cache, reads int
	}{{cache: 10, reads: 0}, {cache: 0, reads: 10 * 3}} {
		store := &loadCount{Store: eventstore.NewMemory()}
		_, _, ids, opts := dueLeads(t, store, 10)
		e, err := leadline.New(store, append(opts, leadline.WithCacheSize(tc.cache))...)
		must(t, err)
		if _, err := e.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		before := store.loaded.Load()
		n, err := e.Tick(ctx)
		must(t, err)
		if n != len(ids) {
			t.Fatalf("cache %d: Tick recorded %d events, want %d", tc.cache, n, len(ids))
		}
		if got := store.loaded.Load() - before; got != int64(tc.reads) {
			t.Fatalf("cache %d: Tick read %d records of the leads' histories, want %d", tc.cache, got, tc.reads)
		}
		for _, id := range ids {
			if st := stage(t, e, id); st != lead.StageHandedOff {
				t.Fatalf("lead %s is %s after its accept breach, want HandedOff", id, st)
			}
		}
	}
}
