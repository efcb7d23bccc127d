package funnel

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
	"github.com/leadline/leadline/sla"
)

func newWorldWith(t testing.TB, p *Projection) *world {
	return &world{t: t, p: p, states: map[lead.ID]lead.State{}}
}

func seedSet(t testing.TB) sla.Set {
	set, err := sla.NewSet(nil, sla.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestTimeToAcceptLeavesPausesOutOfSLATimeButNotWallTime(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policies sla.Set
	}{{"business hours", seedSet(t)}, {"no policy", sla.Set{}}} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorldWith(t, &Projection{Policies: tt.policies})
			nine := t0 // Monday 09:00 UTC
			w.do("P", nine, capture("web", "", ""), mql, handOff("ana", ""), lead.Pause{Reason: "call after lunch"})
			w.do("P", nine.Add(hours(4)), lead.Resume{})
			w.do("P", nine.Add(hours(5)), accept)
			// The same with a pause that ends by itself at 13:00.
			w.do("U", nine, capture("web", "", ""), mql, handOff("ana", ""), lead.Pause{Reason: "call after lunch", Until: nine.Add(hours(4))})
			w.do("U", nine.Add(hours(5)), accept)
			got := w.p.AcceptTimes(Filter{})
			if got.SLA.N != 2 || got.SLA.Max != time.Hour || got.SLA.Min != time.Hour || got.Wall.Min != 5*time.Hour || got.Wall.Max != 5*time.Hour {
				t.Errorf("SLA %+v, wall %+v; want 1h and 5h for both", got.SLA, got.Wall)
			}
			if d := w.p.TimeToAccept(Filter{}, sla.Calendar{}); d.Max != 5*time.Hour {
				t.Errorf("TimeToAccept in wall time = %v, want 5h", d.Max)
			}
		})
	}
}

func TestTimeToFirstTouchRunsInThePolicyHours(t *testing.T) {
	w := newWorldWith(t, &Projection{Policies: seedSet(t)})
	fri := t0.AddDate(0, 0, 4).Add(hours(8)) // Friday 17:00 UTC
	w.do("F", fri.Add(-hours(1)), capture("web", "", ""), mql, handOff("ana", ""))
	w.do("F", fri, accept)
	w.do("F", fri.AddDate(0, 0, 3).Add(-hours(6)), touch("demo", lead.OutcomeReplied)) // Monday 11:00
	got := w.p.FirstTouchTimes(Filter{})
	if got.SLA.Max != 3*time.Hour || got.Wall.Max != 66*time.Hour {
		t.Errorf("SLA %v, wall %v; want 3h (Friday 17-18, Monday 9-11) and 66h", got.SLA.Max, got.Wall.Max)
	}
	if a := w.p.AcceptTimes(Filter{}); a.SLA.Max != time.Hour || a.Wall.Max != time.Hour {
		t.Errorf("accept: %+v", a)
	}
}

// slaTestPolicy is the seed SLA with ladders a history can run without a
// routing directory: notify at the breach, and return an unaccepted lead
// to marketing 8 business hours later.
func slaTestPolicy() sla.Policy {
	p := sla.DefaultPolicy()
	p.Accept.Ladder = []sla.Step{{Action: lead.ActionNotify}, {After: 8 * time.Hour, Action: lead.ActionReturn}}
	p.FirstTouch.Ladder = []sla.Step{{Action: lead.ActionNotify}}
	return p
}

// slaHistory draws one lead's history from leadtest's commands in which
// every warning and breach is the one the SLA's plan makes, at the
// instant it comes due, as the Engine records them.
func slaHistory(t *rapid.T, set sla.Set) []lead.Event {
	weights := leadtest.DefaultWeights()
	weights["Warn"], weights["Breach"], weights["Stall"] = 0, 0, 0
	weights["Pause"], weights["Resume"], weights["Accept"], weights["Reject"] = 10, 10, 3, 0
	var s lead.State
	var events []lead.Event
	apply := func(c lead.Command, at time.Time) bool {
		es, err := lead.Decide(s, c, at)
		if err != nil {
			return false
		}
		for _, e := range es {
			s = lead.Evolve(s, e)
		}
		events = append(events, es...)
		return true
	}
	now := leadtest.Start
	for i := range rapid.IntRange(1, 40).Draw(t, "length") {
		if i > 0 {
			next := now.Add(time.Duration(rapid.IntRange(0, 12*60).Draw(t, "gap_minutes")) * time.Minute)
			// The SLA's steps due before next, at their own instants.
			for range 64 {
				pol, _ := set.For(s)
				_, wake := pol.Plan(s, now)
				if wake.IsZero() || wake.After(next) {
					break
				}
				at := maxTime(wake, now)
				due, _ := pol.Plan(s, at)
				if len(due) == 0 || !apply(due[0], at) {
					break
				}
				now = at
			}
			now = next
		}
		if s.Stage.Closed() && s.Stage != lead.StageLost {
			break
		}
		apply(leadtest.WeightedCommandAt(s, now, weights).Draw(t, "command"), now)
	}
	return events
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ruleTimeOf measures a clock from from to to as package sla does: in
// cal's hours, less the pauses of s that fall in between.
func ruleTimeOf(cal sla.Calendar, s lead.State, from, to time.Time) time.Duration {
	d := cal.Elapsed(from, to)
	for _, iv := range s.Pauses {
		a, b := maxTime(iv.From, from), iv.To
		if b.IsZero() || b.After(to) {
			b = to
		}
		d -= cal.Elapsed(a, b)
	}
	return max(d, 0)
}

// TestTimeToFiguresAgreeWithComplianceForEveryLead replays SLA-run
// histories and checks, for every acceptance and first touch, that the
// SLA time the Projection reports is what the lead's pauses and policy
// hours give, and that it is within the rule's time when the clock was
// met and at or past it when the clock was breached.
func TestTimeToFiguresAgreeWithComplianceForEveryLead(t *testing.T) {
	set, err := sla.NewSet(nil, slaTestPolicy())
	if err != nil {
		t.Fatal(err)
	}
	pol := slaTestPolicy()
	rapid.Check(t, func(t *rapid.T) {
		events := slaHistory(t, set)
		p := &Projection{Policies: set}
		var s lead.State
		breached := map[lead.DeadlineID]bool{}
		type want struct {
			sla      time.Duration
			breached bool
		}
		var accepts, touches []want
		breaches := 0
		for i, e := range events {
			switch e := e.(type) {
			case lead.DeadlineBreached:
				if e.Step == 0 {
					breached[e.Deadline] = true
					if e.Deadline.Kind == lead.KindAccept {
						breaches++
					}
				}
			case lead.Accepted:
				d, _ := s.Clock(lead.KindAccept)
				accepts = append(accepts, want{ruleTimeOf(pol.Calendar, s, s.HandedOffAt, e.At), breached[d]})
			case lead.Touched:
				if d, ok := s.Clock(lead.KindFirstTouch); ok && s.Touches == 0 {
					touches = append(touches, want{ruleTimeOf(pol.Calendar, s, s.AcceptedAt, e.At), breached[d]})
				}
			}
			s = lead.Evolve(s, e)
			if err := p.Apply(uint64(i+1), e); err != nil {
				t.Fatal(err)
			}
		}
		var gotAccepts, gotTouches []time.Duration
		for a := range p.accepts.all() {
			gotAccepts = append(gotAccepts, time.Duration(a.slaAccept))
			if a.touch != 0 {
				gotTouches = append(gotTouches, time.Duration(a.slaTouch))
			}
		}
		check := func(kind string, got []time.Duration, want []want, within time.Duration) {
			if len(got) != len(want) {
				t.Fatalf("%s: %d measured, want %d", kind, len(got), len(want))
			}
			for i, w := range want {
				if got[i] != w.sla {
					t.Fatalf("%s %d: SLA time %v, want %v", kind, i, got[i], w.sla)
				}
				if w.breached && got[i] < within || !w.breached && got[i] > within {
					t.Fatalf("%s %d: SLA time %v against %v, breached %v", kind, i, got[i], within, w.breached)
				}
			}
		}
		check("accept", gotAccepts, accepts, pol.Accept.Within)
		check("first touch", gotTouches, touches, pol.FirstTouch.Within)
		if r := kindRow(p.Compliance(Filter{}, 0), lead.KindAccept); r.Breached != breaches {
			t.Fatalf("compliance: %d accept clocks breached, the history breached %d", r.Breached, breaches)
		}
		// The public figures are these acceptances'.
		if a := p.AcceptTimes(Filter{}); a.SLA.N != len(accepts) {
			t.Fatalf("AcceptTimes counts %d, want %d", a.SLA.N, len(accepts))
		}
	})
}

func TestTimeToAcceptLeavesEveryPauseOut(t *testing.T) {
	w := newWorldWith(t, &Projection{Policies: seedSet(t)})
	w.do("P", t0, capture("web", "", ""), mql, handOff("ana", ""))
	w.do("P", t0.Add(hours(1)), lead.Pause{Reason: "trade fair"})
	w.do("P", t0.Add(hours(2)), lead.Resume{})
	w.do("P", t0.Add(hours(3)), lead.Pause{Reason: "holiday", Until: t0.Add(hours(5))})
	w.do("P", t0.Add(hours(6)), accept)
	// 6h of wall time, 1h + 2h paused: the second pause ended by itself.
	if got := w.p.AcceptTimes(Filter{}); got.SLA.Max != 3*time.Hour || got.Wall.Max != 6*time.Hour {
		t.Errorf("SLA %v, wall %v; want 3h and 6h", got.SLA.Max, got.Wall.Max)
	}
}

// TestReassignInTheInstantOfTheHandOffEndsItsPause: a reassignment is a
// fresh hand-off, which ends the pause before it even when it comes in
// the same instant as the hand-off and the pause, so the accept clock runs
// from it unpaused.
func TestReassignInTheInstantOfTheHandOffEndsItsPause(t *testing.T) {
	w := newWorldWith(t, &Projection{Policies: seedSet(t)})
	w.do("R", t0, capture("web", "", ""), mql, handOff("ana", ""), lead.Pause{Reason: "call back"}, lead.Reassign{To: "bob"})
	w.do("R", t0.Add(time.Minute), accept)
	if s := w.states["R"]; s.Paused || len(s.Pauses) != 0 {
		t.Fatalf("lead still paused after the reassignment: %+v", s.Pauses)
	}
	if got := w.p.AcceptTimes(Filter{}); got.SLA.Max != time.Minute || got.Wall.Max != time.Minute {
		t.Errorf("SLA %v, wall %v; want 1m and 1m", got.SLA.Max, got.Wall.Max)
	}
}
