package leadline_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
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

// Rebuild keeps a bounded number of leads' states open while it reads the
// store; a lead whose records lie far apart in the global order (more
// leads in between than it keeps open) is read again from the cache or
// the store, and ends up scheduled on its whole history all the same.
func TestRebuildSchedulesLeadsWhoseRecordsLieFarApart(t *testing.T) {
	ctx := context.Background()
	const n = 4500 // more than Rebuild keeps open with a small cache
	for _, cache := range []int{0, 100, 2 * n} {
		store := eventstore.NewMemory()
		mock := clock.NewMock(monday)
		opts := []leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(sla.Policy{Version: 1, Accept: sla.Rule{Within: time.Hour}})}
		writer, err := leadline.New(store, append(opts, leadline.WithCacheSize(0))...)
		must(t, err)
		// Each lead's hand-off comes 2n records after its capture.
		ids := make([]lead.ID, n)
		for i := range ids {
			ids[i] = lead.ID(fmt.Sprintf("far-%05d", i))
			must(t, run(writer, ctx, ids[i], lead.Capture{Email: "lead@example.com"}))
		}
		for _, id := range ids {
			must(t, run(writer, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
		}
		for _, id := range ids {
			must(t, run(writer, ctx, id, lead.HandOff{Rep: "ana"}))
		}
		e, err := leadline.New(store, append(opts, leadline.WithCacheSize(cache))...)
		must(t, err)
		if _, err := e.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		mock.Add(time.Hour)
		got, err := e.Tick(ctx)
		must(t, err)
		if got != n {
			t.Fatalf("cache %d: Tick recorded %d breaches, want one for each of the %d leads", cache, got, n)
		}
	}
}

// An Engine that caches no states still learns, by following the store,
// of leads another Engine hands off, and runs their ladders to the end;
// its own steps coming back through the store change nothing it holds.
func TestRunWithoutCacheEnforcesLeadsAnotherEngineHandsOff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	p := sla.Policy{Version: 1, Warnings: []float64{0.5}, Accept: sla.Rule{Within: time.Hour, Ladder: []sla.Step{
		{Action: lead.ActionNotify}, {After: time.Hour, Action: lead.ActionReturn}}}}
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithCacheSize(0))
	must(t, err)
	writer, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p))
	must(t, err)
	returned := func(ids []lead.ID) func() bool {
		return func() bool {
			for _, id := range ids {
				s, err := writer.Lead(context.Background(), id)
				if err != nil || s.Stage != lead.StageNurturing {
					return false
				}
			}
			return true
		}
	}
	ran := make(chan error, 1)
	go func() { ran <- e.Run(ctx) }()
	// Once the first lead's ladder has run, Run follows the store: the
	// next leads come to it that way.
	first := []lead.ID{handedOff(t, writer, "ana")}
	runUntil(t, mock, ran, 5*time.Minute, returned(first))
	var ids []lead.ID
	for range 3 {
		ids = append(ids, handedOff(t, writer, "ana"))
	}
	runUntil(t, mock, ran, 5*time.Minute, returned(ids))
	requireOnce(t, stepsOf(t, store, append(first, ids...)), 2*(len(ids)+1))
}

// duringAppend runs fn, once armed, inside the next Append, while the
// command that appends still holds its lead.
type duringAppend struct {
	eventstore.Store
	fn func()
}

func (d *duringAppend) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	if fn := d.fn; fn != nil {
		d.fn = nil
		fn()
	}
	return d.Store.Append(ctx, stream, expected, recs...)
}

// A read of another lead that evicts a lead's state from a full cache
// while a command on that lead is running does not cost the lead its
// place in the book: the state after the command is cached where the
// next read finds it, and that read loads nothing from the store.
func TestACommandKeepsItsLeadCachedWhileAReadEvictsIt(t *testing.T) {
	ctx := context.Background()
	counted := &loadCount{Store: eventstore.NewMemory()}
	store := &duringAppend{Store: counted}
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)), leadline.WithCacheSize(1))
	must(t, err)
	a := capture(t, e)
	b := capture(t, e)
	store.fn = func() {
		if _, err := e.Lead(ctx, b); err != nil {
			t.Error(err)
		}
	}
	must(t, run(e, ctx, a, lead.QualifyMarketing{Source: lead.SourceManual}))
	before := counted.loaded.Load()
	s, err := e.Lead(ctx, a)
	must(t, err)
	if s.Stage != lead.StageMQL {
		t.Fatalf("stage = %s, want MQL", s.Stage)
	}
	if n := counted.loaded.Load() - before; n != 0 {
		t.Fatalf("reading the lead after its command loaded %d records, want 0 (from the cache)", n)
	}
}
