package leadline_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ladderPolicy has warnings and a ladder on every clock, so that a run
// produces many distinct SLA events.
func ladderPolicy() sla.Policy {
	return sla.Policy{
		Version:  1,
		Warnings: []float64{0.5, 0.9},
		// Marketing's clock routes an MQL that waits: its route step hands
		// the lead to a rep, whose accept clock starts.
		HandOff:    sla.Rule{Within: 6 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: 2 * time.Hour, Action: lead.ActionRoute}}},
		SalesReady: lead.Threshold{Total: 120},
		Accept: sla.Rule{Within: 8 * time.Hour, Ladder: []sla.Step{
			{Action: lead.ActionEscalate}, {After: 2 * time.Hour, Action: lead.ActionNotify}, {After: 4 * time.Hour, Action: lead.ActionReturn}}},
		FirstTouch: sla.Rule{Within: 4 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: time.Hour, Action: lead.ActionEscalate}}},
		Qualify:    sla.Rule{Within: 4 * 24 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionReturn}}},
		Stall:      sla.Stall{Accepted: 3 * 24 * time.Hour, SQL: 5 * 24 * time.Hour, Grace: 24 * time.Hour},
	}
}

func directory(t tb) *sla.RoundRobin {
	rr, err := sla.NewRoundRobin("", sla.Rep{Name: "ana", Manager: "mia"}, sla.Rep{Name: "ben", Manager: "mia"})
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// breachCounts counts, over the whole store, how often each warning and
// breach step was recorded.
func breachCounts(t tb, store eventstore.Store) map[string]int {
	t.Helper()
	recs, err := store.Read(context.Background(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range recs {
		ev, err := lead.Decode(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		switch ev := ev.(type) {
		case lead.DeadlineWarned:
			counts[fmt.Sprintf("%s %s warn %v", ev.Lead, ev.Deadline, ev.Fraction)]++
		case lead.DeadlineBreached:
			counts[fmt.Sprintf("%s %s step %d", ev.Lead, ev.Deadline, ev.Step)]++
		}
	}
	return counts
}

func requireOnce(t tb, counts map[string]int, min int) {
	t.Helper()
	for k, n := range counts {
		if n != 1 {
			t.Fatal(fmt.Sprintf("%s recorded %d times", k, n))
		}
	}
	if len(counts) < min {
		t.Fatal(fmt.Sprintf("only %d SLA events recorded, want at least %d", len(counts), min))
	}
}

// An Engine restarted mid-run rebuilds its queue from the store and
// records each due warning and step exactly once: none lost, none doubled.
func TestRestartedEngineRecordsEachBreachStepOnce(t *testing.T) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	opts := []leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(t))}
	first, err := leadline.New(store, opts...)
	must(t, err)
	var ids []lead.ID
	for i := range 20 {
		if i%2 == 0 {
			ids = append(ids, handedOff(t, first, "ana"))
		} else {
			ids = append(ids, accepted(t, first, "ben"))
		}
	}
	advance(t, first, mock, 5*time.Hour) // warnings only
	before := breachCounts(t, store)

	// The first engine is gone; a new one starts from the store alone.
	second, err := leadline.New(store, opts...)
	must(t, err)
	if _, err := second.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	laddersRunOutOnce(t, second, mock, store, before, ids)
}

// laddersRunOutOnce runs restarted Engine e for six days on mock and
// checks that every breach step is in store exactly once, those counted
// before the restart included, and that every lead's accept or qualify
// ladder ran to its end: each lead is back in Nurturing.
func laddersRunOutOnce(t *testing.T, e *leadline.Engine, mock *clock.Mock, store eventstore.Store, before map[string]int, ids []lead.ID) {
	t.Helper()
	for range 12 {
		advance(t, e, mock, 12*time.Hour)
	}
	after := breachCounts(t, store)
	requireOnce(t, after, len(before)+len(ids))
	for k := range before {
		if after[k] != 1 {
			t.Fatalf("%s lost after the restart", k)
		}
	}
	for _, id := range ids {
		if st := stage(t, e, id); st != lead.StageNurturing {
			t.Fatalf("lead %s is %s after six days, want Nurturing", id, st)
		}
	}
}

// raceEngines has engines that share one store and mock clock race on the
// SLA: each Runs; n leads are made over them in turn (every third
// accepted, the rest handed off); then the clock moves on in 3-hour steps
// for five days, and at every step each engine also Ticks at once, so they
// contend for the same due steps. It returns the leads once every engine
// has stopped.
func raceEngines(t *testing.T, mock *clock.Mock, engines []*leadline.Engine, n int) []lead.ID {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Run(ctx); err != context.Canceled {
				t.Errorf("Run returned %v", err)
			}
		}()
	}
	var ids []lead.ID
	for i := range n {
		e := engines[i%len(engines)]
		if i%3 == 0 {
			ids = append(ids, accepted(t, e, "ana"))
		} else {
			ids = append(ids, handedOff(t, e, "ben"))
		}
	}
	for range 40 {
		mock.Add(3 * time.Hour)
		var tw sync.WaitGroup
		for _, e := range engines {
			tw.Add(1)
			go func() {
				defer tw.Done()
				if _, err := e.Tick(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		tw.Wait()
	}
	cancel()
	wg.Wait()
	return ids
}

// requireReturned checks that every engine sees every lead back with
// marketing: each lead's ladder ran to its end.
func requireReturned(t *testing.T, engines []*leadline.Engine, ids []lead.ID) {
	t.Helper()
	for _, id := range ids {
		for i, e := range engines {
			if st := stage(t, e, id); st != lead.StageNurturing {
				t.Fatalf("engine %d sees lead %s in %s after five days, want Nurturing", i, id, st)
			}
		}
	}
}

// Two Engines Run on one store with the same clock; each due warning and
// breach step is recorded exactly once.
func TestTwoRunningEnginesRecordEachBreachStepExactlyOnce(t *testing.T) {
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	var engines []*leadline.Engine
	for range 2 {
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(t)))
		must(t, err)
		engines = append(engines, e)
	}
	ids := raceEngines(t, mock, engines, 30)
	requireOnce(t, breachCounts(t, store), 2*len(ids))
	requireReturned(t, engines, ids)
}

// For random lifecycles and random clock advances, every deadline that
// came due unmet has exactly one breach per ladder step that came due, and
// no met deadline has any.
func TestEveryDueDeadlineBreachesExactlyOnce(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		p := ladderPolicy()
		e, mock, store := newEngine(rt, leadline.WithPolicy(p), leadline.WithRouter(directory(rt)))
		// A second engine on the same store ticks too, now and then.
		other, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithRouter(directory(rt)))
		if err != nil {
			rt.Fatal(err)
		}
		id := lead.ID("l1")
		for i := range rapid.IntRange(1, 30).Draw(rt, "steps") {
			s, _ := e.Lead(ctx, id)
			if rapid.Bool().Draw(rt, "advance") {
				mock.Add(time.Duration(rapid.IntRange(0, 36*60).Draw(rt, "minutes")) * time.Minute)
				if _, err := e.Tick(ctx); err != nil {
					rt.Fatal(err)
				}
				if rapid.Bool().Draw(rt, "other") {
					if _, err := other.Rebuild(ctx); err != nil {
						rt.Fatal(err)
					}
					if _, err := other.Tick(ctx); err != nil {
						rt.Fatal(err)
					}
				}
				continue
			}
			cmd := anyCommand(rt, s, id, i)
			if _, ok := cmd.(lead.HandOff); ok {
				cmd = lead.HandOff{Rep: "ana"}
			}
			if _, ok := cmd.(lead.Reassign); ok {
				cmd = lead.Reassign{To: "ben"}
			}
			_, _ = e.Execute(ctx, id, cmd)
		}
		// Check: replay the history and compare every recorded step with
		// what the policy says came due, at the time it was recorded.
		hist, err := e.History(ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		seen := map[string]int{}
		var s lead.State
		for _, ev := range hist {
			switch ev := ev.(type) {
			case lead.DeadlineBreached:
				key := fmt.Sprintf("%s/%d", ev.Deadline, ev.Step)
				seen[key]++
				if seen[key] > 1 {
					rt.Fatalf("%s recorded twice", key)
				}
				if !s.Running(ev.Deadline) {
					rt.Fatalf("%s recorded for a clock that had stopped", key)
				}
				if due := dueAt(p, s, ev.Deadline, ev.Step); due.IsZero() || due.After(ev.At) {
					rt.Fatalf("%s recorded at %v, but due at %v", key, ev.At, due)
				}
			case lead.DeadlineWarned:
				key := fmt.Sprintf("%s/w%v", ev.Deadline, ev.Fraction)
				seen[key]++
				if seen[key] > 1 {
					rt.Fatalf("%s recorded twice", key)
				}
			}
			s = lead.Evolve(s, ev)
		}
		// Nothing due now is left unrecorded.
		if due := func() []lead.Command { d, _ := p.Plan(s, mock.Now()); return d }(); len(due) > 0 {
			rt.Fatalf("after Tick, %d SLA commands are still due, first %+v", len(due), due[0])
		}
	})
}

// dueAt returns when step of deadline id falls due in state s, or zero.
func dueAt(p sla.Policy, s lead.State, id lead.DeadlineID, step int) time.Time {
	for _, d := range p.Deadlines(s) {
		if d.ID != id {
			continue
		}
		for _, st := range d.Steps {
			if st.Step == step {
				return st.At
			}
		}
	}
	return time.Time{}
}
