package leadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// inboundSet is one segment, "inbound" (leads from webinars), whose
// policy p is; other leads run under no policy.
func inboundSet(t *testing.T, p sla.Policy) sla.Set {
	t.Helper()
	p.Name = "inbound"
	set, err := sla.NewSet(sla.Rules{{Segment: "inbound", Source: "webinar"}}, p)
	must(t, err)
	return set
}

// officeHours is Monday to Friday 9:00-17:00 UTC.
var officeHours = sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(17, 0), time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)

// "An MQL is handed off within 4 business hours": an MQL nobody routes is
// warned at half time, breaches at 4 business hours (the breach names the
// segment), and goes back to nurture 4 business hours later.
func TestUnroutedMQLBreachesItsHandOffDeadlineAndReturnsToNurture(t *testing.T) {
	ctx := context.Background()
	p := sla.Policy{Version: 1, Warnings: []float64{0.5}, Calendar: officeHours,
		HandOff: sla.Rule{Within: 4 * time.Hour, Business: true, Ladder: []sla.Step{
			{Action: lead.ActionNotify}, {After: 4 * time.Hour, Action: lead.ActionReturn}}}}
	e, mock, _ := newEngine(t, leadline.WithPolicies(inboundSet(t, p)))
	id := capture(t, e) // Monday 9:00, from a webinar
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))

	advance(t, e, mock, 2*time.Hour-time.Minute)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, time.Minute) // 11:00
	wantEvents(t, slaEvents(t, e, id), "warn hand_off@2 0.50")
	advance(t, e, mock, 2*time.Hour) // 13:00: due
	wantEvents(t, slaEvents(t, e, id), "warn hand_off@2 0.50", "breach hand_off@2 step 0 notify")
	if st := stage(t, e, id); st != lead.StageMQL {
		t.Fatalf("stage after the notify step = %s, want MQL", st)
	}
	hist, err := e.History(ctx, id)
	must(t, err)
	for _, ev := range hist {
		if b, ok := ev.(lead.DeadlineBreached); ok && (b.Policy != "inbound" || !b.Due.Equal(monday.Add(4*time.Hour))) {
			t.Fatalf("breach = %+v, want segment inbound, due 13:00", b)
		}
	}
	advance(t, e, mock, 4*time.Hour) // 17:00: 4 business hours after the breach
	wantEvents(t, slaEvents(t, e, id), "warn hand_off@2 0.50", "breach hand_off@2 step 0 notify",
		"breach hand_off@2 step 1 return", "recycled: sla: hand_off deadline breached")
	if st := stage(t, e, id); st != lead.StageNurturing {
		t.Fatalf("stage = %s, want Nurturing", st)
	}
	// Nothing more comes due for a lead back in nurture.
	advance(t, e, mock, 7*24*time.Hour)
	if got := len(slaEvents(t, e, id)); got != 4 {
		t.Fatalf("%d SLA events after a week in nurture, want 4", got)
	}
}

// A hand-off ladder's route step hands the waiting MQL to a rep the router
// picks, in the segment the selector picks and its current version; the
// rep's accept clock starts at that hand-off.
func TestHandOffLadderRoutesAWaitingMQLToARep(t *testing.T) {
	ctx := context.Background()
	p := sla.Policy{Version: 1,
		HandOff: sla.Rule{Within: 2 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: time.Hour, Action: lead.ActionRoute}}},
		Accept:  sla.Rule{Within: 8 * time.Hour}}
	rr, err := sla.NewRoundRobin("", sla.Rep{Name: "ana", Team: "emea"})
	must(t, err)
	e, mock, _ := newEngine(t, leadline.WithPolicies(inboundSet(t, p)), leadline.WithRouter(rr))
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceAQL}))
	advance(t, e, mock, 3*time.Hour)
	s, err := e.Lead(ctx, id)
	must(t, err)
	if s.Stage != lead.StageHandedOff || s.Rep != "ana" || s.Team != "emea" || s.PolicyName != "inbound" || s.PolicyVersion != 1 {
		t.Fatalf("after the route step: %s with %q of %q under %q v%d, want HandedOff with ana of emea under inbound v1",
			s.Stage, s.Rep, s.Team, s.PolicyName, s.PolicyVersion)
	}
	d, ok := s.Clock(lead.KindAccept)
	if !ok || d.Since != s.HandOffVersion || !s.HandedOffAt.Equal(monday.Add(3*time.Hour)) {
		t.Fatalf("accept clock = %v, %v, handed off at %s; want one from the routing at 12:00", d, ok, s.HandedOffAt)
	}
	wantEvents(t, slaEvents(t, e, id), "breach hand_off@2 step 0 notify", "breach hand_off@2 step 1 route")
}

// Handing an MQL off in time stops marketing's clock: nothing is recorded.
func TestHandOffInTimeMeetsTheHandOffDeadline(t *testing.T) {
	ctx := context.Background()
	p := sla.Policy{Version: 1, Warnings: []float64{0.5}, HandOff: sla.Rule{Within: 2 * time.Hour}}
	e, mock, _ := newEngine(t, leadline.WithPolicies(inboundSet(t, p)))
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))
	advance(t, e, mock, 59*time.Minute)
	must(t, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
	advance(t, e, mock, 24*time.Hour)
	wantEvents(t, slaEvents(t, e, id))
}

// "A lead becomes an MQL at fit 50 and 120 points": the score that
// crosses the policy's threshold qualifies the lead in the same decision,
// once; scores above it after that qualify nobody again, also after a
// return to nurture, until the score drops below and crosses again.
func TestAScoreCrossingTheSalesReadyThresholdMakesAnMQLOnce(t *testing.T) {
	ctx := context.Background()
	p := sla.Policy{Version: 1, SalesReady: lead.Threshold{Fit: 50, Total: 120}, HandOff: sla.Rule{Within: 4 * time.Hour}}
	e, _, _ := newEngine(t, leadline.WithPolicies(inboundSet(t, p)))
	id := capture(t, e)
	score := func(fit, intent int) []lead.Event {
		t.Helper()
		evs, err := e.Execute(ctx, id, lead.Score{Fit: fit, Intent: intent})
		must(t, err)
		return evs
	}
	if evs := score(40, 95); len(evs) != 1 || stage(t, e, id) != lead.StageCaptured {
		t.Fatalf("fit 40 of 50: %d events, stage %s; want the score alone", len(evs), stage(t, e, id))
	}
	evs := score(60, 70)
	if len(evs) != 2 {
		t.Fatalf("crossing: %d events, want Scored and MarketingQualified", len(evs))
	}
	if q, ok := evs[1].(lead.MarketingQualified); !ok || q.Source != lead.SourceScore {
		t.Fatalf("second event = %#v, want MarketingQualified from score", evs[1])
	}
	s, err := e.Lead(ctx, id)
	must(t, err)
	if d, ok := s.Clock(lead.KindHandOff); s.Stage != lead.StageMQL || !ok || d.Since != evs[1].Base().Version {
		t.Fatalf("after crossing: %s, hand-off clock %v %v; want MQL with the clock from the qualification", s.Stage, d, ok)
	}
	if evs := score(95, 95); len(evs) != 1 {
		t.Fatalf("a higher score on an MQL: %d events, want 1", len(evs))
	}
	must(t, run(e, ctx, id, lead.Recycle{Reason: "no budget this year"}))
	if evs := score(90, 90); len(evs) != 1 || stage(t, e, id) != lead.StageNurturing {
		t.Fatalf("a score still above the threshold in nurture: %d events, stage %s; want no new MQL", len(evs), stage(t, e, id))
	}
	hist, err := e.History(ctx, id)
	must(t, err)
	mqls := 0
	for _, ev := range hist {
		if _, ok := ev.(lead.MarketingQualified); ok {
			mqls++
		}
	}
	if mqls != 1 {
		t.Fatalf("%d MarketingQualified events, want 1", mqls)
	}
	score(20, 20)
	if evs := score(70, 60); len(evs) != 2 {
		t.Fatalf("crossing again after dropping below: %d events, want 2", len(evs))
	}
}

// A Sydney rep's accept clock runs in Sydney office hours, not in the
// policy's Berlin ones; reassigned to a Berlin rep (who has no calendar of
// her own), the new accept clock runs in the policy's Berlin hours.
func TestASydneyRepsAcceptClockRunsInSydneyHoursAndSwitchesOnReassignmentToBerlin(t *testing.T) {
	ctx := context.Background()
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	berlin, err := time.LoadLocation("Europe/Berlin")
	must(t, err)
	sydney, err := time.LoadLocation("Australia/Sydney")
	must(t, err)
	sydneyHours := sla.BusinessHours(sydney, sla.At(9, 0), sla.At(17, 0), week...)
	p := sla.Policy{Version: 1, Calendar: sla.BusinessHours(berlin, sla.At(9, 0), sla.At(17, 0), week...),
		Accept: sla.Rule{Within: 6 * time.Hour, Business: true}}
	rr, err := sla.NewRoundRobin("", sla.Rep{Name: "syd", Calendar: &sydneyHours}, sla.Rep{Name: "ber"})
	must(t, err)
	e, mock, _ := newEngine(t, leadline.WithPolicy(p), leadline.WithRouter(rr))
	// Monday 1 June 2026, 00:00 UTC: 10:00 in Sydney, 02:00 in Berlin.
	mock.Set(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))
	must(t, run(e, ctx, id, lead.HandOff{Rep: "syd"}))

	// In Sydney hours the clock is due at 16:00 AEST (06:00 UTC); in
	// Berlin hours it would not even have started.
	advance(t, e, mock, 6*time.Hour-time.Minute)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, time.Minute)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 notify")
	requireDue(t, e, id, "accept@3", time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC))

	// 07:00 UTC, 09:00 in Berlin and 17:00 in Sydney: the lead goes to
	// ber. Her clock is due at 15:00 CEST (13:00 UTC); in Sydney hours it
	// would be Tuesday.
	advance(t, e, mock, time.Hour)
	must(t, run(e, ctx, id, lead.Reassign{To: "ber"}))
	advance(t, e, mock, 6*time.Hour-time.Minute)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 notify", "reassigned syd -> ber")
	advance(t, e, mock, time.Minute)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 notify", "reassigned syd -> ber", "breach accept@5 step 0 notify")
	requireDue(t, e, id, "accept@5", time.Date(2026, 6, 1, 13, 0, 0, 0, time.UTC))
}

// requireDue checks the due time the breach of deadline d recorded.
func requireDue(t *testing.T, e *leadline.Engine, id lead.ID, d string, want time.Time) {
	t.Helper()
	hist, err := e.History(context.Background(), id)
	must(t, err)
	for _, ev := range hist {
		if b, ok := ev.(lead.DeadlineBreached); ok && b.Deadline.String() == d {
			if !b.Due.Equal(want) {
				t.Fatalf("%s due %s, want %s", d, b.Due.UTC(), want.UTC())
			}
			return
		}
	}
	t.Fatalf("no breach of %s", d)
}
