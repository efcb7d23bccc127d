package leadline_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
	"pgregory.net/rapid"
)

// batching is a memory store that counts the appends made one by one and
// in batches, and may act between the batch being decided and stored.
type batching struct {
	*eventstore.Memory
	mu      sync.Mutex
	singles int
	batches int
	before  func() // run once, before the first batch is stored
	after   func([]eventstore.AppendResult)
}

func (b *batching) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.Memory.Append(ctx, stream, expected, recs...)
}

func (b *batching) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	b.mu.Lock()
	b.batches++
	before, after := b.before, b.after
	b.before, b.after = nil, nil
	b.mu.Unlock()
	if before != nil {
		before()
	}
	out := b.Memory.AppendBatch(ctx, appends)
	if after != nil {
		after(out)
	}
	return out
}

func (b *batching) counts() (singles, batches int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.singles, b.batches
}

// dueLeads makes n leads handed off to ana on store under a one-hour
// accept deadline, and moves the clock past it; the Engine returned has
// rebuilt from the store.
func dueLeads(t *testing.T, store eventstore.Store, n int) (*leadline.Engine, *clock.Mock, []lead.ID, []leadline.Option) {
	t.Helper()
	mock := clock.NewMock(monday)
	opts := []leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(sla.Policy{Version: 1, Accept: sla.Rule{Within: time.Hour}})}
	writer, err := leadline.New(store, opts...)
	must(t, err)
	ids := make([]lead.ID, n)
	for i := range ids {
		ids[i] = handedOff(t, writer, "ana")
	}
	e, err := leadline.New(store, opts...)
	must(t, err)
	if _, err := e.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock.Add(time.Hour)
	return e, mock, ids, opts
}

func TestTickAppendsManyDueLeadsInBatches(t *testing.T) {
	store := &batching{Memory: eventstore.NewMemory()}
	const n = 1200 // more than one batch
	e, _, ids, _ := dueLeads(t, store, n)
	singles, _ := store.counts()
	got, err := e.Tick(context.Background())
	must(t, err)
	if got != n {
		t.Fatalf("Tick recorded %d events, want %d", got, n)
	}
	after, batches := store.counts()
	if after != singles || batches < 2 {
		t.Fatalf("Tick made %d single appends and %d batches, want none and at least 2", after-singles, batches)
	}
	counts := breachCounts(t, store.Memory)
	requireOnce(t, counts, n)
	for _, id := range ids {
		if counts[fmt.Sprintf("%s accept@3 step 0", id)] != 1 {
			t.Fatalf("lead %s: no accept breach recorded", id)
		}
	}
	// Nothing is left due, and the next Tick records nothing.
	if got, err := e.Tick(context.Background()); err != nil || got != 0 {
		t.Fatalf("second Tick: %d events, %v", got, err)
	}
}

// A lead that another writer changes between the batch's decision and its
// append is decided again on what the store holds.
func TestTickBatchDecidesAgainALeadChangedMeanwhile(t *testing.T) {
	store := &batching{Memory: eventstore.NewMemory()}
	const n = 10
	e, _, ids, opts := dueLeads(t, store, n)
	other, err := leadline.New(store.Memory, opts...)
	must(t, err)
	store.before = func() { must(t, run(other, context.Background(), ids[0], lead.Accept{Actor: "ana"})) }
	got, err := e.Tick(context.Background())
	must(t, err)
	if got != n-1 {
		t.Fatalf("Tick recorded %d events, want %d", got, n-1)
	}
	counts := breachCounts(t, store.Memory)
	requireOnce(t, counts, n-1)
	for k := range counts {
		if len(k) > len(ids[0]) && lead.ID(k[:len(ids[0])]) == ids[0] {
			t.Fatalf("%s recorded for a lead accepted before its append", k)
		}
	}
	if st := stage(t, e, ids[0]); st != lead.StageAccepted {
		t.Fatalf("lead %s is %s, want Accepted", ids[0], st)
	}
}

// An append of the batch whose outcome is unknown is tried again on its
// own; the step it did store is not stored twice.
func TestTickBatchRetriesAnUnknownOutcomeOnce(t *testing.T) {
	store := &batching{Memory: eventstore.NewMemory()}
	const n = 10
	e, _, ids, _ := dueLeads(t, store, n)
	store.after = func(out []eventstore.AppendResult) {
		out[0] = eventstore.AppendResult{Err: fmt.Errorf("lost ack: %w", eventstore.ErrUnknownOutcome)}
		out[1] = eventstore.AppendResult{Err: fmt.Errorf("lost ack: %w", eventstore.ErrUnknownOutcome)}
	}
	if _, err := e.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts := breachCounts(t, store.Memory)
	requireOnce(t, counts, n)
	for _, id := range ids[:2] {
		s, err := e.Lead(context.Background(), id)
		must(t, err)
		if len(s.Marks) != 1 {
			t.Fatalf("lead %s has marks %v, want the accept breach", id, s.Marks)
		}
	}
}

// For random lifecycles of a few leads and random clock advances, every
// warning and notify step Tick records (several leads at once in a batch,
// most of them decided from the schedule alone, without the lead's state)
// is the very event Decide adds on the lead's state before it: the same
// deadline, step, due instant, rep, segment, version and time.
func TestTickRecordsEachMarkAsDecideDoesOnTheLeadsState(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		p := ladderPolicy()
		p.Name = "emea"
		var set sla.Set
		if err := set.Add(p); err != nil {
			rt.Fatal(err)
		}
		set.Selector = sla.SelectorFunc(func(lead.State) string { return "emea" })
		store := eventstore.NewMemory()
		mock := clock.NewMock(monday)
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(set), leadline.WithRouter(directory(rt)),
			leadline.WithCacheSize(rapid.IntRange(0, 2).Draw(rt, "cache")))
		if err != nil {
			rt.Fatal(err)
		}
		ids := []lead.ID{"l1", "l2", "l3"}
		for i := range rapid.IntRange(1, 40).Draw(rt, "steps") {
			if rapid.Bool().Draw(rt, "advance") {
				mock.Add(time.Duration(rapid.IntRange(0, 12*60).Draw(rt, "minutes")) * time.Minute)
				if _, err := e.Tick(ctx); err != nil {
					rt.Fatal(err)
				}
				continue
			}
			id := rapid.SampledFrom(ids).Draw(rt, "lead")
			s, _ := e.Lead(ctx, id)
			cmd := anyCommand(rt, s, id, i)
			if _, ok := cmd.(lead.Reassign); ok {
				cmd = lead.Reassign{To: "ben"}
			}
			_, _ = e.Execute(ctx, id, cmd)
		}
		env := sla.Env{Policies: set}
		for _, id := range ids {
			hist, err := e.History(ctx, id)
			if err != nil {
				rt.Fatal(err)
			}
			var s lead.State
			for _, ev := range hist {
				mark := false
				switch ev := ev.(type) {
				case lead.DeadlineWarned:
					mark = true
				case lead.DeadlineBreached:
					mark = ev.Action == lead.ActionNotify
				}
				if mark {
					due, _ := p.Plan(s, ev.Base().At)
					if len(due) == 0 {
						rt.Fatalf("%s v%d: a %s recorded with nothing due", id, ev.Base().Version, ev.Type())
					}
					c, err := sla.Complete(s, due[0], env)
					if err != nil {
						rt.Fatal(err)
					}
					want, err := lead.DecideWith(s, c, ev.Base().At, lead.Origin{})
					if err != nil || len(want) != 1 {
						rt.Fatalf("%s v%d: Decide = %d events, %v", id, ev.Base().Version, len(want), err)
					}
					got, err := lead.AppendEncode(nil, ev)
					if err != nil {
						rt.Fatal(err)
					}
					wantb, err := lead.AppendEncode(nil, want[0])
					if err != nil {
						rt.Fatal(err)
					}
					if !bytes.Equal(got, wantb) {
						rt.Fatalf("%s v%d: recorded\n%s\nDecide adds\n%s", id, ev.Base().Version, got, wantb)
					}
				}
				s = lead.Evolve(s, ev)
			}
		}
	})
}
