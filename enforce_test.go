package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// weekdays9to18 is the coverage calendar of the seed documents.
var weekdays9to18 = sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0))

func team(t tb) *sla.RoundRobin {
	rr, err := sla.NewRoundRobin("territory",
		sla.Rep{Name: "ana", Team: "emea", Manager: "mia"},
		sla.Rep{Name: "ben", Team: "emea", Manager: "mia"},
	)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// handedOff captures a lead, qualifies it and hands it to rep.
func handedOff(t tb, e *leadline.Engine, rep string) lead.ID {
	t.Helper()
	ctx := context.Background()
	id, err := e.Capture(ctx, lead.Capture{Email: "lead@example.com"})
	must(t, err)
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
	must(t, run(e, ctx, id, lead.HandOff{Rep: rep}))
	return id
}

func accepted(t tb, e *leadline.Engine, rep string) lead.ID {
	t.Helper()
	id := handedOff(t, e, rep)
	must(t, run(e, context.Background(), id, lead.Accept{Actor: rep}))
	return id
}

// advance moves the mock clock and lets the Engine act on what came due.
func advance(t tb, e *leadline.Engine, mock *clock.Mock, d time.Duration) {
	t.Helper()
	mock.Add(d)
	if _, err := e.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// slaEvents returns the SLA events of a lead's history as short strings.
func slaEvents(t tb, e *leadline.Engine, id lead.ID) []string {
	t.Helper()
	hist, err := e.History(context.Background(), id)
	must(t, err)
	var out []string
	for _, ev := range hist {
		switch ev := ev.(type) {
		case lead.DeadlineWarned:
			out = append(out, fmt.Sprintf("warn %s %.2f", ev.Deadline, ev.Fraction))
		case lead.DeadlineBreached:
			out = append(out, fmt.Sprintf("breach %s step %d %s", ev.Deadline, ev.Step, ev.Action))
		case lead.Escalated:
			out = append(out, "escalated to "+ev.Manager)
		case lead.Reassigned:
			out = append(out, "reassigned "+ev.From+" -> "+ev.To)
		case lead.Recycled:
			out = append(out, "recycled: "+ev.Reason)
		case lead.Stalled:
			out = append(out, "stalled: "+ev.Reason)
		}
	}
	return out
}

func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("SLA events:\n got %q\nwant %q", got, want)
	}
}

func stage(t tb, e *leadline.Engine, id lead.ID) lead.Stage {
	t.Helper()
	s, err := e.Lead(context.Background(), id)
	must(t, err)
	return s.Stage
}

// "Sales accepts or rejects every lead within 8 business hours": escalate
// at the breach, reassign 4 business hours later, back to marketing 8
// business hours after the breach.
func TestAcceptDeadlineBreachEscalatesReassignsThenReturnsToMarketing(t *testing.T) {
	p := sla.Policy{Version: 1, Calendar: weekdays9to18, Warnings: []float64{0.5},
		Accept: sla.Rule{Within: 8 * time.Hour, Business: true, Ladder: []sla.Step{
			{After: 0, Action: lead.ActionEscalate},
			{After: 4 * time.Hour, Action: lead.ActionReassign},
			{After: 8 * time.Hour, Action: lead.ActionReturn},
		}}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p), leadline.WithRouter(team(t)))
	id := handedOff(t, e, "ana") // Monday 09:00

	advance(t, e, mock, 3*time.Hour+59*time.Minute)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, time.Minute) // 13:00: half of 8 business hours
	wantEvents(t, slaEvents(t, e, id), "warn accept@3 0.50")
	advance(t, e, mock, 4*time.Hour) // 17:00: due
	wantEvents(t, slaEvents(t, e, id), "warn accept@3 0.50", "breach accept@3 step 0 escalate", "escalated to mia")
	advance(t, e, mock, 16*time.Hour) // Tuesday 09:00: 1 business hour after the breach
	if stage(t, e, id) != lead.StageHandedOff {
		t.Fatal("lead moved before the reassignment step was due")
	}
	advance(t, e, mock, 3*time.Hour) // Tuesday 12:00: 4 business hours after
	wantEvents(t, slaEvents(t, e, id), "warn accept@3 0.50", "breach accept@3 step 0 escalate", "escalated to mia",
		"breach accept@3 step 1 reassign", "reassigned ana -> ben")
	s, _ := e.Lead(context.Background(), id)
	if s.Rep != "ben" || s.Stage != lead.StageHandedOff {
		t.Fatalf("after reassignment: rep %q stage %s, want ben HandedOff", s.Rep, s.Stage)
	}
	// ben inherits the running clock: no new warnings, and the lead goes
	// back to marketing 8 business hours after the breach (Tuesday 16:00).
	advance(t, e, mock, 4*time.Hour-time.Second)
	if stage(t, e, id) != lead.StageHandedOff {
		t.Fatal("lead returned before the last step was due")
	}
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, id), "warn accept@3 0.50", "breach accept@3 step 0 escalate", "escalated to mia",
		"breach accept@3 step 1 reassign", "reassigned ana -> ben",
		"breach accept@3 step 2 return", "recycled: sla: accept deadline breached")
	if stage(t, e, id) != lead.StageNurturing {
		t.Fatal("lead is not back with marketing")
	}
}

func TestAcceptDeadlineBreachReturnsLeadToMarketing(t *testing.T) {
	p := sla.Policy{Version: 1, Calendar: weekdays9to18,
		Accept: sla.Rule{Within: 8 * time.Hour, Business: true, Ladder: []sla.Step{{Action: lead.ActionReturn}}}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := handedOff(t, e, "ana")
	advance(t, e, mock, 8*time.Hour)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 return", "recycled: sla: accept deadline breached")
	if got := stage(t, e, id); got != lead.StageNurturing {
		t.Fatalf("stage %s, want Nurturing", got)
	}
}

func TestReassignmentWithNoRepFreeTakesTheNextStep(t *testing.T) {
	rr, _ := sla.NewRoundRobin("", sla.Rep{Name: "ana", Manager: "mia"})
	p := sla.Policy{Version: 1, Accept: sla.Rule{Within: time.Hour, Ladder: []sla.Step{
		{Action: lead.ActionReassign}, {After: time.Hour, Action: lead.ActionReturn}}}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p), leadline.WithRouter(rr))
	id := handedOff(t, e, "ana")
	advance(t, e, mock, time.Hour)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 return", "recycled: sla: accept deadline breached")
}

func TestAcceptingInTimeMeetsTheDeadline(t *testing.T) {
	p := sla.DefaultPolicy()
	e, mock, _ := newEngine(t, leadline.WithPolicy(p), leadline.WithRouter(team(t)))
	id := handedOff(t, e, "ana")
	advance(t, e, mock, 7*time.Hour)
	must(t, run(e, context.Background(), id, lead.Accept{}))
	advance(t, e, mock, 48*time.Hour)
	for _, ev := range slaEvents(t, e, id) {
		if ev[:6] == "breach" && ev[7:13] == "accept" {
			t.Fatalf("accepted in time but found %q", ev)
		}
	}
}

// "Turns it into an SQL within 4 days", or it goes back to marketing.
func TestNoSQLWithinFourDaysReturnsLeadToMarketing(t *testing.T) {
	p := sla.Policy{Version: 1, Qualify: sla.Rule{Within: 4 * 24 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionReturn}}}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := accepted(t, e, "ana")
	advance(t, e, mock, 4*24*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, id), "breach qualify@4 step 0 return", "recycled: sla: qualify deadline breached")
	if got := stage(t, e, id); got != lead.StageNurturing {
		t.Fatalf("stage %s, want Nurturing", got)
	}
}

func TestLateFirstTouchIsBreached(t *testing.T) {
	p := sla.Policy{Version: 1, FirstTouch: sla.Rule{Within: 4 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	late := accepted(t, e, "ana")
	onTime := accepted(t, e, "ana")
	advance(t, e, mock, 3*time.Hour)
	must(t, run(e, context.Background(), onTime, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}))
	advance(t, e, mock, time.Hour)
	wantEvents(t, slaEvents(t, e, late), "breach first_touch@4 step 0 notify")
	wantEvents(t, slaEvents(t, e, onTime))
}

// "Touches each at least 5 times in the first 10 days", a day apart.
func TestFewerTouchesThanTheCadenceIsBreached(t *testing.T) {
	p := sla.Policy{Version: 1, Cadence: sla.Cadence{Touches: 5, Within: 10 * 24 * time.Hour, Gap: 24 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	short := accepted(t, e, "ana") // accepted at version 4
	full := accepted(t, e, "ana")
	ctx := context.Background()
	touch := lead.Touch{Channel: lead.ChannelEmail, Outcome: lead.OutcomeReplied}
	for day := range 5 {
		must(t, run(e, ctx, full, touch))
		// Six touches on short, but three a day on two days: within the
		// Gap they count once a day, so 2 count.
		if day < 2 {
			for range 3 {
				must(t, run(e, ctx, short, touch))
			}
		}
		advance(t, e, mock, 24*time.Hour)
	}
	advance(t, e, mock, 5*24*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, short))
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, full))
	wantEvents(t, slaEvents(t, e, short), "breach cadence@4 step 0 notify")
}

// "After N unanswered attempts over U, the lead returns to marketing."
func TestUnresponsiveLeadReturnsToMarketing(t *testing.T) {
	p := sla.Policy{Version: 1, Unresponsive: sla.Unresponsive{Attempts: 3, Within: 7 * 24 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := accepted(t, e, "ana")
	ctx := context.Background()
	noAnswer := lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}
	must(t, run(e, ctx, id, noAnswer)) // version 5 starts the streak
	advance(t, e, mock, 24*time.Hour)
	must(t, run(e, ctx, id, noAnswer))
	advance(t, e, mock, 24*time.Hour)
	must(t, run(e, ctx, id, noAnswer))
	advance(t, e, mock, 4*24*time.Hour) // 6 days after the first attempt
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, 24*time.Hour) // 7 days
	wantEvents(t, slaEvents(t, e, id), "breach unresponsive@5 step 0 return", "recycled: sla: unresponsive deadline breached")
}

func TestAnsweredTouchResetsTheUnresponsiveStreak(t *testing.T) {
	p := sla.Policy{Version: 1, Unresponsive: sla.Unresponsive{Attempts: 2, Within: 24 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := accepted(t, e, "ana")
	ctx := context.Background()
	must(t, run(e, ctx, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}))
	advance(t, e, mock, 12*time.Hour)
	must(t, run(e, ctx, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}))
	must(t, run(e, ctx, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}))
	advance(t, e, mock, 48*time.Hour)
	wantEvents(t, slaEvents(t, e, id))
}

// A stalled lead is recycled after the grace period.
func TestStalledLeadIsRecycledAfterGrace(t *testing.T) {
	p := sla.Policy{Version: 1, Stall: sla.Stall{Accepted: 14 * 24 * time.Hour, Grace: 7 * 24 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := accepted(t, e, "ana")
	advance(t, e, mock, 14*24*time.Hour)
	wantEvents(t, slaEvents(t, e, id), "breach stall@4 step 0 stall", "stalled: sla: stall deadline breached")
	if got := stage(t, e, id); got != lead.StageStalled {
		t.Fatalf("stage %s, want Stalled", got)
	}
	advance(t, e, mock, 7*24*time.Hour)
	wantEvents(t, slaEvents(t, e, id), "breach stall@4 step 0 stall", "stalled: sla: stall deadline breached",
		"breach stall@4 step 1 return", "recycled: sla: stall deadline breached")
	if got := stage(t, e, id); got != lead.StageNurturing {
		t.Fatalf("stage %s, want Nurturing", got)
	}
}

func TestTouchRevivesAStalledLeadBeforeTheGraceEnds(t *testing.T) {
	p := sla.Policy{Version: 1, Stall: sla.Stall{Accepted: 24 * time.Hour, Grace: 24 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := accepted(t, e, "ana")
	advance(t, e, mock, 24*time.Hour)
	must(t, run(e, context.Background(), id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}))
	advance(t, e, mock, 12*time.Hour)
	if got := stage(t, e, id); got != lead.StageAccepted {
		t.Fatalf("stage %s, want Accepted after the touch", got)
	}
	advance(t, e, mock, 12*time.Hour) // the new stall clock (from the touch) is due
	if got := stage(t, e, id); got != lead.StageStalled {
		t.Fatalf("stage %s, want Stalled again one window after the touch", got)
	}
}

// Pausing excludes the paused time: a 2 hour pause moves the deadline by 2 hours.
func TestPausedTimeDoesNotCountTowardsTheDeadline(t *testing.T) {
	p := sla.Policy{Version: 1, Accept: sla.Rule{Within: 8 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := handedOff(t, e, "ana")
	ctx := context.Background()
	advance(t, e, mock, time.Hour)
	must(t, run(e, ctx, id, lead.Pause{Reason: "prospect travelling"}))
	advance(t, e, mock, 2*time.Hour)
	must(t, run(e, ctx, id, lead.Resume{}))
	advance(t, e, mock, 7*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 notify")
}

func TestPauseUntilADateResumesTheClockByItself(t *testing.T) {
	p := sla.Policy{Version: 1, Accept: sla.Rule{Within: 8 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicy(p))
	id := handedOff(t, e, "ana")
	must(t, run(e, context.Background(), id, lead.Pause{Reason: "call after Wednesday", Until: monday.Add(48 * time.Hour)}))
	advance(t, e, mock, 48*time.Hour+8*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 notify")
}

// A hand-off records the policy version; a later policy does not move the
// running clock.
func TestPolicyChangeAppliesToNewClocksOnly(t *testing.T) {
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	v1 := sla.Policy{Version: 1, Accept: sla.Rule{Within: 8 * time.Hour}}
	v2 := sla.Policy{Version: 2, Accept: sla.Rule{Within: 2 * time.Hour}}
	old, _ := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(v1))
	first := handedOff(t, old, "ana")

	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(v1), leadline.WithPolicy(v2))
	must(t, err)
	_, err = e.Rebuild(context.Background())
	must(t, err)
	second := handedOff(t, e, "ana")
	advance(t, e, mock, 2*time.Hour)
	wantEvents(t, slaEvents(t, e, first))
	wantEvents(t, slaEvents(t, e, second), "breach accept@3 step 0 notify")
	advance(t, e, mock, 6*time.Hour)
	wantEvents(t, slaEvents(t, e, first), "breach accept@3 step 0 notify")
	s, _ := e.Lead(context.Background(), second)
	if s.PolicyVersion != 2 {
		t.Fatalf("second hand-off recorded policy %d, want 2", s.PolicyVersion)
	}
}

func TestRequiredFieldsAtSQLAreEnforced(t *testing.T) {
	p := sla.Policy{Version: 1, RequiredAtSQL: []sla.Field{sla.FieldAmount, sla.FieldCloseDate}}
	e, _, _ := newEngine(t, leadline.WithPolicy(p))
	id := accepted(t, e, "ana")
	err := run(e, context.Background(), id, lead.QualifySales{Amount: 100, Currency: "EUR"})
	var ve *lead.ValidationError
	if !errorsAs(err, &ve) || ve.Field != "CloseDate" {
		t.Fatalf("err = %v, want a ValidationError on CloseDate", err)
	}
}

func TestHandOffToUnknownRepIsRefused(t *testing.T) {
	e, _, _ := newEngine(t, leadline.WithRouter(team(t)))
	id := capture(t, e)
	ctx := context.Background()
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))
	var ve *lead.ValidationError
	if err := run(e, ctx, id, lead.HandOff{Rep: "zed"}); !errorsAs(err, &ve) || ve.Field != "Rep" {
		t.Fatalf("err = %v, want a ValidationError on Rep", err)
	}
	must(t, run(e, ctx, id, lead.HandOff{}))
	s, _ := e.Lead(ctx, id)
	if s.Rep != "ana" || s.Team != "emea" {
		t.Fatalf("router picked %q/%q, want ana/emea", s.Rep, s.Team)
	}
}

func TestRouterHonoursCapacity(t *testing.T) {
	rr, _ := sla.NewRoundRobin("", sla.Rep{Name: "ana", Capacity: 1}, sla.Rep{Name: "ben", Capacity: 1})
	e, _, _ := newEngine(t, leadline.WithRouter(rr))
	ctx := context.Background()
	var reps []string
	for range 3 {
		id := capture(t, e)
		must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))
		err := run(e, ctx, id, lead.HandOff{})
		if err != nil {
			reps = append(reps, "none")
			if !errorsIs(err, sla.ErrNoRep) {
				t.Fatalf("third hand-off: %v, want ErrNoRep", err)
			}
			continue
		}
		s, _ := e.Lead(ctx, id)
		reps = append(reps, s.Rep)
	}
	if fmt.Sprint(reps) != "[ana ben none]" {
		t.Fatalf("routed to %v, want [ana ben none]", reps)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
func errorsIs(err, target error) bool     { return errors.Is(err, target) }
