package sla_test

import (
	"testing"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// stallDeadline returns the stall deadline of s under p.
func stallDeadline(t *testing.T, p sla.Policy, s lead.State) sla.Deadline {
	t.Helper()
	for _, d := range p.Deadlines(s) {
		if d.ID.Kind == lead.KindStall {
			return d
		}
	}
	t.Fatal("no stall deadline")
	return sla.Deadline{}
}

// Policies that differ only in the stall grace each get their own default
// ladder, in whatever order leads are planned under them.
func TestDefaultStallLadderReturnsAfterEachPolicysOwnGrace(t *testing.T) {
	s := build(t, mon(9, 0), accept(mon(10, 0)))
	week, twoDays := sla.DefaultPolicy(), sla.DefaultPolicy()
	twoDays.Stall.Grace = 2 * day
	for range 2 {
		for _, p := range []sla.Policy{week, twoDays} {
			d := stallDeadline(t, p, s)
			if len(d.Steps) != 2 {
				t.Fatalf("grace %v: %d stall steps, want stall then return", p.Stall.Grace, len(d.Steps))
			}
			if got, want := d.Steps[1].At, d.Due.Add(p.Stall.Grace); !got.Equal(want) {
				t.Errorf("grace %v: return step at %v, want %v", p.Stall.Grace, got, want)
			}
		}
	}
}

// Next only builds a deadline's first steps not yet recorded; once the
// first warnings are recorded, it still finds the ones after them.
func TestNextFindsTheStepsAfterTheRecordedOnes(t *testing.T) {
	p := sla.DefaultPolicy()
	s := build(t, mon(9, 0), accept(mon(10, 0)), touch(mon(11, 0), lead.OutcomeConnected))
	var got []lead.Command
	for range 4 {
		first, at, _ := p.Next(s)
		if first == nil {
			t.Fatal("nothing comes due")
		}
		got = append(got, first)
		var err error
		if s, err = decide(s, at, first); err != nil {
			t.Fatal(err)
		}
	}
	// The qualify clock (4 days) warns at 50%, 75% and 90%, then breaches.
	want := []float64{0.5, 0.75, 0.9}
	for i, f := range want {
		w, ok := got[i].(lead.Warn)
		if !ok || w.Deadline.Kind != lead.KindQualify || w.Fraction != f {
			t.Fatalf("step %d = %#v, want the qualify warning at %v", i, got[i], f)
		}
	}
	if b, ok := got[3].(lead.Breach); !ok || b.Deadline.Kind != lead.KindQualify || b.Step != 0 {
		t.Fatalf("step 3 = %#v, want the qualify breach", got[3])
	}
}
