package sla

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline/lead"
)

// decideAll applies c to s at now with lead.Decide, failing t on refusal.
func decideAll(t *rapid.T, s lead.State, c lead.Command, now time.Time) lead.State {
	events, err := lead.Decide(s, c, now)
	if err != nil || len(events) == 0 {
		t.Fatalf("Decide(%T) at %s = %d events, %v", c, now, len(events), err)
	}
	for _, e := range events {
		s = lead.Evolve(s, e)
	}
	return s
}

func deadlineOf(t *rapid.T, p Policy, s lead.State, k lead.DeadlineKind) Deadline {
	for _, d := range p.Deadlines(s) {
		if d.ID.Kind == k {
			return d
		}
	}
	t.Fatalf("no %s deadline in stage %s", k, s.Stage)
	return Deadline{}
}

// The rep's clocks (accept, first touch) run in the calendar of the rep
// holding the lead, as Calendar.Add computes it from the clock's start,
// and switch to the new rep's calendar at a reassignment; the qualify
// clock stays in the policy's calendar.
func TestRepClocksRunInTheCalendarOfTheRepHoldingTheLead(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, pw := calDrawWorld(t), calDrawWorld(t), calDrawWorld(t)
		withOwn := rapid.Bool().Draw(t, "bHasACalendar")
		accept := 1 + calDrawDuration(t, "accept")
		firstTouch := 1 + calDrawDuration(t, "firstTouch")
		qualify := 1 + calDrawDuration(t, "qualify")
		p := Policy{Version: 1, Calendar: pw.c, Warnings: []float64{0.5},
			Accept:     Rule{Within: accept, Business: true},
			FirstTouch: Rule{Within: firstTouch, Business: true},
			Qualify:    Rule{Within: qualify, Business: true}}
		set, err := NewSet(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		repB := Rep{Name: "b"}
		if withOwn {
			repB.Calendar = &b.c
		}
		rr, err := NewRoundRobin("", Rep{Name: "a", Calendar: &a.c}, repB)
		if err != nil {
			t.Fatal(err)
		}
		env := Env{Policies: set, Directory: rr}
		calB := p.Calendar
		if withOwn {
			calB = b.c
		}

		h := a.drawInstant(t, "handOff")
		var s lead.State
		s = decideAll(t, s, lead.Capture{ID: "l1", Email: "a@example.com"}, h)
		s = decideAll(t, s, lead.QualifyMarketing{Source: lead.SourceManual}, h)
		s = decideAll(t, s, lead.HandOff{Rep: "a"}, h)
		pol, _ := env.PolicyFor(s)
		d := deadlineOf(t, pol, s, lead.KindAccept)
		if want := a.c.Add(h, accept); !d.Due.Equal(want) {
			t.Fatalf("accept due %s, want %s in rep a's calendar", d.Due, want)
		}
		if want := a.c.Add(h, accept/2); len(d.Warnings) != 1 || !d.Warnings[0].At.Equal(want) {
			t.Fatalf("warnings %v, want one at %s", d.Warnings, want)
		}
		if got := a.c.Elapsed(h, d.Due); got != accept {
			t.Fatalf("a's calendar counts %v from hand-off to due, want %v", got, accept)
		}

		r := h.Add(time.Duration(rapid.Int64Range(0, int64(10*24*time.Hour)).Draw(t, "reassignAfter")))
		s = decideAll(t, s, lead.Reassign{To: "b"}, r)
		pol, _ = env.PolicyFor(s)
		d = deadlineOf(t, pol, s, lead.KindAccept)
		if want := calB.Add(r, accept); !d.Due.Equal(want) {
			t.Fatalf("after reassignment accept due %s, want %s in rep b's calendar", d.Due, want)
		}

		at := r.Add(time.Duration(rapid.Int64Range(0, int64(24*time.Hour)).Draw(t, "acceptAfter")))
		s = decideAll(t, s, lead.Accept{}, at)
		pol, _ = env.PolicyFor(s)
		if got, want := deadlineOf(t, pol, s, lead.KindFirstTouch).Due, calB.Add(at, firstTouch); !got.Equal(want) {
			t.Fatalf("first touch due %s, want %s in rep b's calendar", got, want)
		}
		if got, want := deadlineOf(t, pol, s, lead.KindQualify).Due, p.Calendar.Add(at, qualify); !got.Equal(want) {
			t.Fatalf("qualify due %s, want %s in the policy's calendar", got, want)
		}
	})
}

// A rep calendar changes no wall-time clock: without Business the rep's
// hours do not count.
func TestRepCalendarLeavesWallTimeClocksAlone(t *testing.T) {
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	p := Policy{Version: 1, Accept: Rule{Within: 8 * time.Hour}}
	rep := BusinessHours(time.UTC, At(9, 0), At(10, 0), week...)
	h := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s := lead.State{Stage: lead.StageHandedOff, Version: 3, HandOffVersion: 3, HandedOffAt: h, Rep: "a"}
	ds := p.WithRepCalendar(rep).Deadlines(s)
	if len(ds) != 1 || !ds[0].Due.Equal(h.Add(8*time.Hour)) {
		t.Fatalf("deadlines %+v, want accept due 8 wall hours after hand-off", ds)
	}
}

func TestNewRoundRobinRefusesAnInvalidRepCalendar(t *testing.T) {
	bad := Calendar{Week: [7][]Span{time.Monday: {{Start: At(17, 0), End: At(9, 0)}}}}
	if _, err := NewRoundRobin("", Rep{Name: "a", Calendar: &bad}); err == nil {
		t.Fatal("NewRoundRobin accepted a rep calendar with a span that ends before it starts")
	}
}
