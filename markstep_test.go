package leadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// A warning Tick records from a lead's schedule entry alone is planned
// from the version the Engine last saw: when another Engine on the same
// store has changed the lead since (paused it, reassigned it, moved its
// stage), the append's expected version catches it and the step is
// decided afresh from the lead's history.
func TestAMarkStepAfterAnotherEngineChangedTheLeadIsDecidedAfresh(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change lead.Command
		// warned: whether the accept clock's half-way warning is still
		// due after the change.
		warned bool
	}{
		{"pause", lead.Pause{Actor: "mgr:ida", Reason: "on leave"}, false},
		{"accept", lead.Accept{Actor: "ana"}, false},
		{"reject", lead.Reject{Actor: "ana", Reason: "not a fit"}, false},
		{"reassign", lead.Reassign{Actor: "mgr:ida", To: "ben"}, false},
		{"none", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			store := eventstore.NewMemory()
			mock := clock.NewMock(monday)
			opts := []leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(sla.Policy{
				Version: 1, Accept: sla.Rule{Within: time.Hour}, Warnings: []float64{0.5},
			})}
			a, err := leadline.New(store, opts...)
			must(t, err)
			b, err := leadline.New(store, opts...)
			must(t, err)
			id := handedOff(t, a, "ana")
			before := store.Version(string(id))
			mock.Add(10 * time.Minute)
			if tc.change != nil {
				if _, err := b.Execute(ctx, id, tc.change); err != nil {
					t.Fatal(err)
				}
			}
			mock.Add(25 * time.Minute) // 35 minutes after the hand-off
			if _, err := a.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			history, err := b.History(ctx, id)
			must(t, err)
			var warnings int
			for _, ev := range history {
				if w, ok := ev.(lead.DeadlineWarned); ok {
					warnings++
					if tc.change != nil {
						t.Errorf("a warning of %s was recorded after another Engine's %s: %+v", w.Deadline, tc.name, w)
					}
				}
			}
			if tc.warned && warnings != 1 {
				t.Fatalf("%d warnings recorded, want 1 (history %d events from %d)", warnings, len(history), before)
			}
			// Both Engines agree with a replay of the store.
			want := lead.Replay(history)
			for name, e := range map[string]*leadline.Engine{"a": a, "b": b} {
				got, err := e.Lead(ctx, id)
				must(t, err)
				if got.Version != want.Version || got.Stage != want.Stage || len(got.Marks) != len(want.Marks) {
					t.Fatalf("Engine %s holds version %d in %s with %d marks; the store says %d in %s with %d", name, got.Version, got.Stage, len(got.Marks), want.Version, want.Stage, len(want.Marks))
				}
			}
		})
	}
}
