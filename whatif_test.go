package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// whatIfMonday is Monday 2 March 2026, 00:00 UTC.
var whatIfMonday = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// whatIfAt is day (0 for Monday) at hh:mm in whatIfMonday's week.
func whatIfAt(day, hh, mm int) time.Time {
	return whatIfMonday.AddDate(0, 0, day).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// whatIfAcceptPolicy is accept within hours business hours (Mon-Fri
// 09:00-18:00 UTC), then the one ladder step action.
func whatIfAcceptPolicy(hours int, action lead.Action) sla.Policy {
	return sla.Policy{
		Version:  1,
		Calendar: sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0)),
		Accept:   sla.Rule{Within: time.Duration(hours) * time.Hour, Business: true, Ladder: []sla.Step{{Action: action}}},
	}
}

func whatIfSet(t testing.TB, ps ...sla.Policy) sla.Set {
	t.Helper()
	set, err := sla.NewSet(nil, ps...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func whatIfReps(t testing.TB) *sla.RoundRobin {
	t.Helper()
	rr, err := sla.NewRoundRobin("territory",
		sla.Rep{Name: "ana", Team: "emea", Manager: "mia", Territories: []string{"emea"}},
		sla.Rep{Name: "ben", Team: "emea", Manager: "mia", Territories: []string{"emea"}},
		sla.Rep{Name: "cai", Team: "amer", Manager: "max", Territories: []string{"amer"}},
		sla.Rep{Name: "dee", Team: "amer", Manager: "max", Territories: []string{"amer"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// whatIfAction is a scripted caller command: at At, Cmd on lead ID.
type whatIfAction struct {
	At  time.Time
	ID  lead.ID
	Cmd lead.Command
}

// whatIfRecord runs script on an Engine under set, as a service would
// have (a mock clock moved to each command, Tick before it), and returns
// the store holding the history.
func whatIfRecord(t testing.TB, set sla.Set, router *sla.RoundRobin, script []whatIfAction) *eventstore.Memory {
	t.Helper()
	ctx := context.Background()
	sort.SliceStable(script, func(i, j int) bool { return script[i].At.Before(script[j].At) })
	store := eventstore.NewMemory()
	mock := clock.NewMock(script[0].At)
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(set), leadline.WithRouter(router))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range script {
		mock.Set(a.At)
		if _, err := e.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Execute(ctx, a.ID, a.Cmd); err != nil {
			t.Fatalf("%s %s: %v", a.Cmd.Name(), a.ID, err)
		}
	}
	return store
}

// whatIfHandedOff scripts a lead captured and handed to rep of team at
// handoff, then cmd at reply.
func whatIfHandedOff(id lead.ID, rep, team string, handoff, reply time.Time, cmd lead.Command) []whatIfAction {
	return []whatIfAction{
		{handoff.Add(-2 * time.Minute), id, lead.Capture{ID: id, Email: string(id) + "@example.com"}},
		{handoff.Add(-time.Minute), id, lead.QualifyMarketing{Source: lead.SourceManual}},
		{handoff, id, lead.HandOff{Rep: rep, Team: team}},
		{reply, id, cmd},
	}
}

// The accept window tightened from 8 to 4 business hours (Mon-Fri
// 09:00-18:00 UTC; escalate at the breach), on eight hand-offs counted by
// hand (business time from hand-off to the rep's answer):
//
//	L1 ana/emea  Mon 09:00 -> accept Mon 10:00    1h    met under both
//	L2 ana/emea  Mon 09:00 -> accept Mon 14:00    5h    breached under 4h only
//	L3 cai/amer  Mon 16:00 -> accept Tue 11:30    2h + 2.5h = 4.5h    4h only
//	L4 cai/amer  Mon 09:00 -> accept Mon 13:00    4h: 4h only (a deadline has passed at its due instant)
//	L5 ana/emea  Mon 17:00 -> accept Tue 11:00    1h + 2h = 3h    met (the night does not count)
//	L6 ana/emea  Mon 09:00 -> accept Tue 09:30    9h + 0.5h = 9.5h    breached under both
//	L7 cai/amer  Mon 09:00 -> reject Mon 15:00    6h    4h only (a rejection answers too)
//	L8 ana/emea  Tue 10:00 -> accept Tue 15:30    5.5h    4h only
//
// In force: 1 breach (L6, emea). Draft: 6 (L2, L6, L8 emea; L3, L4, L7
// amer), so 5 extra breaches, on L2, L3, L4, L7 and L8, each escalated.
func TestTighterAcceptWindowReportsTheExtraBreachesCountedByHand(t *testing.T) {
	var script []whatIfAction
	accept := lead.Accept{}
	for _, l := range []struct {
		id        lead.ID
		rep, team string
		from, to  time.Time
		cmd       lead.Command
	}{
		{"L1", "ana", "emea", whatIfAt(0, 9, 0), whatIfAt(0, 10, 0), accept},
		{"L2", "ana", "emea", whatIfAt(0, 9, 0), whatIfAt(0, 14, 0), accept},
		{"L3", "cai", "amer", whatIfAt(0, 16, 0), whatIfAt(1, 11, 30), accept},
		{"L4", "cai", "amer", whatIfAt(0, 9, 0), whatIfAt(0, 13, 0), accept},
		{"L5", "ana", "emea", whatIfAt(0, 17, 0), whatIfAt(1, 11, 0), accept},
		{"L6", "ana", "emea", whatIfAt(0, 9, 0), whatIfAt(1, 9, 30), accept},
		{"L7", "cai", "amer", whatIfAt(0, 9, 0), whatIfAt(0, 15, 0), lead.Reject{Reason: "no budget"}},
		{"L8", "ana", "emea", whatIfAt(1, 10, 0), whatIfAt(1, 15, 30), accept},
	} {
		script = append(script, whatIfHandedOff(l.id, l.rep, l.team, l.from, l.to, l.cmd)...)
	}
	reps := whatIfReps(t)
	inForce := whatIfSet(t, whatIfAcceptPolicy(8, lead.ActionEscalate))
	store := whatIfRecord(t, inForce, reps, script)

	// The draft is a new version: hand-offs replay under it, not under the
	// version they recorded.
	draft := whatIfAcceptPolicy(4, lead.ActionEscalate)
	draft.Version = 2
	w := leadline.WhatIf{InForce: inForce, Draft: whatIfSet(t, draft), Router: reps}
	c, err := w.Compare(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if c.Leads != 8 || c.Commands != 32 || len(c.Skipped) != 0 {
		t.Errorf("replayed %d leads and %d commands, skipped %v; want 8, 32, none", c.Leads, c.Commands, c.Skipped)
	}
	want := leadline.Tally{Breaches: 1, Steps: 1, Escalations: 1}
	if c.Recorded != want || c.InForce != want {
		t.Errorf("recorded %+v, in force %+v; want %+v for both", c.Recorded, c.InForce, want)
	}
	if want := (leadline.Tally{Breaches: 6, Steps: 6, Escalations: 6}); c.Draft != want {
		t.Errorf("draft %+v, want %+v", c.Draft, want)
	}
	wantRows := []leadline.Row{
		{Kind: lead.KindAccept, Team: "amer", Draft: leadline.Tally{Breaches: 3, Steps: 3, Escalations: 3}},
		{Kind: lead.KindAccept, Team: "emea", InForce: leadline.Tally{Breaches: 1, Steps: 1, Escalations: 1},
			Draft: leadline.Tally{Breaches: 3, Steps: 3, Escalations: 3}},
	}
	if !slices.Equal(c.Rows, wantRows) {
		t.Errorf("rows:\n got %+v\nwant %+v", c.Rows, wantRows)
	}
	var changed []lead.ID
	for _, ch := range c.Changed {
		changed = append(changed, ch.Lead)
		if ch.InForce.Tally.Breaches != 0 || ch.Draft.Tally.Breaches != 1 || ch.Draft.Stage != ch.InForce.Stage || len(ch.Draft.Refused) != 0 {
			t.Errorf("%s: in force %+v, draft %+v; want one extra breach and the same end", ch.Lead, ch.InForce, ch.Draft)
		}
	}
	if want := []lead.ID{"L2", "L3", "L4", "L7", "L8"}; !slices.Equal(changed, want) {
		t.Errorf("changed leads %v, want %v", changed, want)
	}
}

// Under a draft whose breach returns the lead to marketing earlier, the
// rep's accept and touch come too late: they are refused and reported
// with the lead, and the replay goes on.
func TestCommandsTheDraftMakesIllegalAreRefusedOutcomesNotErrors(t *testing.T) {
	script := whatIfHandedOff("R1", "ana", "emea", whatIfAt(0, 9, 0), whatIfAt(0, 14, 0), lead.Accept{})
	script = append(script,
		whatIfAction{whatIfAt(0, 15, 0), "R1", lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}},
		whatIfAction{whatIfAt(0, 16, 0), "R2", lead.Capture{ID: "R2", Email: "r2@example.com"}},
	)
	reps := whatIfReps(t)
	inForce := whatIfSet(t, whatIfAcceptPolicy(8, lead.ActionReturn))
	store := whatIfRecord(t, inForce, reps, script)

	w := leadline.WhatIf{InForce: inForce, Draft: whatIfSet(t, whatIfAcceptPolicy(4, lead.ActionReturn)), Router: reps}
	c, err := w.Compare(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Changed) != 1 || c.Changed[0].Lead != "R1" {
		t.Fatalf("changed %+v, want R1 alone", c.Changed)
	}
	ch := c.Changed[0]
	if ch.InForce.Stage != lead.StageAccepted || len(ch.InForce.Refused) != 0 || ch.InForce.Tally != (leadline.Tally{}) {
		t.Errorf("in force: %+v, want accepted with nothing refused or breached", ch.InForce)
	}
	if ch.Draft.Stage != lead.StageNurturing || ch.Draft.Tally != (leadline.Tally{Breaches: 1, Steps: 1, Returns: 1}) {
		t.Errorf("draft: %+v, want returned to marketing by one breach", ch.Draft)
	}
	var names []string
	for _, r := range ch.Draft.Refused {
		names = append(names, r.Command)
		if !errors.Is(r.Err, lead.ErrTransition) {
			t.Errorf("%s refused with %v, want a transition error", r.Command, r.Err)
		}
	}
	if want := []string{"Accept", "Touch"}; !slices.Equal(names, want) {
		t.Errorf("refused %v, want %v", names, want)
	}
	if !ch.Draft.Refused[0].At.Equal(whatIfAt(0, 14, 0)) {
		t.Errorf("the accept is reported at %v, want its recorded instant", ch.Draft.Refused[0].At)
	}
}

// whatIfSimulation is a quickstart-like month: leads handed off by the
// router, reps answering in or out of time, touching, qualifying, winning
// or going silent, under the seed SLA, with seeded randomness.
func whatIfSimulation(leads int, seed uint64) []whatIfAction {
	r := rand.New(rand.NewPCG(seed, 7))
	work := sla.DefaultPolicy().Calendar
	start := whatIfAt(0, 8, 0)
	var plan []whatIfAction
	for i := range leads {
		id := lead.ID(fmt.Sprintf("lead-%03d", i+1))
		t := start.Add(time.Duration(r.Int64N(int64(15 * 24 * time.Hour))))
		territory := []string{"emea", "amer"}[r.IntN(2)]
		plan = append(plan,
			whatIfAction{t, id, lead.Capture{ID: id, Email: string(id) + "@example.com", Attributes: map[string]string{"territory": territory}}},
			whatIfAction{t.Add(time.Hour), id, lead.QualifyMarketing{Source: lead.SourceScore}},
			whatIfAction{t.Add(time.Hour + time.Minute), id, lead.HandOff{}})
		t = work.Add(t.Add(time.Hour+time.Minute), time.Duration(10+r.IntN(900))*time.Minute)
		if r.IntN(10) == 0 {
			continue // nobody answers: the ladder runs to its end
		}
		plan = append(plan, whatIfAction{t, id, lead.Accept{}})
		for range r.IntN(7) {
			t = work.Add(t, time.Duration(1+r.IntN(30))*time.Hour)
			outcome := []lead.Outcome{lead.OutcomeNoAnswer, lead.OutcomeConnected}[r.IntN(2)]
			plan = append(plan, whatIfAction{t, id, lead.Touch{Channel: lead.ChannelEmail, Outcome: outcome}})
		}
		if r.IntN(2) == 0 {
			t = work.Add(t, time.Duration(1+r.IntN(40))*time.Hour)
			plan = append(plan, whatIfAction{t, id, lead.QualifySales{Amount: 5000, Currency: "EUR", CloseDate: t.AddDate(0, 1, 0), Probability: 0.4}})
			plan = append(plan, whatIfAction{t.Add(72 * time.Hour), id, lead.Win{}})
		}
	}
	return plan
}

// whatIfRecordTolerant is whatIfRecord for a simulation whose SLA may
// overtake a rep: commands the Engine refuses are not recorded, as in a
// service. The clock moves an hour at a time, as the quickstart does.
func whatIfRecordTolerant(t testing.TB, set sla.Set, router *sla.RoundRobin, script []whatIfAction, end time.Time) *eventstore.Memory {
	t.Helper()
	ctx := context.Background()
	sort.SliceStable(script, func(i, j int) bool { return script[i].At.Before(script[j].At) })
	store := eventstore.NewMemory()
	mock := clock.NewMock(script[0].At)
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(set), leadline.WithRouter(router))
	if err != nil {
		t.Fatal(err)
	}
	to := func(at time.Time) {
		for mock.Now().Before(at) {
			mock.Add(min(at.Sub(mock.Now()), time.Hour))
			if _, err := e.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, a := range script {
		if a.At.After(end) {
			break
		}
		to(a.At)
		if _, err := e.Execute(ctx, a.ID, a.Cmd); err != nil && !errors.Is(err, lead.ErrTransition) && !errors.Is(err, sla.ErrNoRep) {
			t.Fatalf("%s %s: %v", a.Cmd.Name(), a.ID, err)
		}
	}
	to(end)
	return store
}

// Replayed under the very policies it ran under, a history comes out as
// it was: the SLA's steps the replay derives are those recorded, and no
// lead changes. This is what makes the draft's column comparable.
func TestReplayUnderThePoliciesInForceReproducesTheRecordedHistory(t *testing.T) {
	reps := whatIfReps(t)
	inForce := whatIfSet(t, sla.DefaultPolicy())
	end := whatIfAt(21, 0, 0)
	store := whatIfRecordTolerant(t, inForce, reps, whatIfSimulation(60, 3), end)

	c, err := leadline.WhatIf{InForce: inForce, Draft: inForce, Router: reps}.Compare(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if c.Recorded.Breaches == 0 || c.Recorded.Warnings == 0 || c.Recorded.Reassignments == 0 || c.Recorded.Returns == 0 {
		t.Fatalf("the simulation exercises too little of the SLA: %+v", c.Recorded)
	}
	if c.InForce != c.Recorded || c.Draft != c.Recorded {
		t.Errorf("recorded %+v\n in force %+v\n draft %+v", c.Recorded, c.InForce, c.Draft)
	}
	for _, ch := range c.Changed {
		t.Errorf("%s changed: %+v -> %+v", ch.Lead, ch.InForce, ch.Draft)
	}
	recs, err := store.Read(context.Background(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	last, err := lead.Decode(recs[len(recs)-1].Data)
	if err != nil {
		t.Fatal(err)
	}
	if !c.To.Equal(last.Base().At) {
		t.Errorf("the replay ran to %v, want the last recorded event at %v", c.To, last.Base().At)
	}
}

// A history held as events (from a CRM export, or a store's) compares as
// the store it came from does.
func TestCompareEventsAgreesWithCompare(t *testing.T) {
	ctx := context.Background()
	reps := whatIfReps(t)
	inForce := whatIfSet(t, sla.DefaultPolicy())
	store := whatIfRecordTolerant(t, inForce, reps, whatIfSimulation(20, 5), whatIfAt(20, 0, 0))
	draft := sla.DefaultPolicy()
	draft.Accept.Within = 2 * time.Hour
	w := leadline.WhatIf{InForce: inForce, Draft: whatIfSet(t, draft), Router: reps}
	fromStore, err := w.Compare(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := store.Read(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var events []lead.Event
	for _, r := range recs {
		ev, err := lead.Decode(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	fromEvents, err := w.CompareEvents(ctx, events)
	if err != nil {
		t.Fatal(err)
	}
	if fromStore.Draft == fromStore.InForce {
		t.Fatalf("a 2-hour accept window changed nothing: %+v", fromStore.Draft)
	}
	if fromEvents.Draft != fromStore.Draft || fromEvents.InForce != fromStore.InForce || len(fromEvents.Changed) != len(fromStore.Changed) {
		t.Errorf("from events %+v / %+v / %d changed, from the store %+v / %+v / %d changed",
			fromEvents.InForce, fromEvents.Draft, len(fromEvents.Changed), fromStore.InForce, fromStore.Draft, len(fromStore.Changed))
	}
}

// A record that is no legal step of its lead's history leaves the lead
// out of both replays, reported; the other leads are compared.
func TestCorruptLeadIsSkippedAndReported(t *testing.T) {
	ctx := context.Background()
	reps := whatIfReps(t)
	inForce := whatIfSet(t, whatIfAcceptPolicy(8, lead.ActionEscalate))
	script := append(whatIfHandedOff("G1", "ana", "emea", whatIfAt(0, 9, 0), whatIfAt(0, 14, 0), lead.Accept{}),
		whatIfHandedOff("G2", "cai", "amer", whatIfAt(0, 9, 0), whatIfAt(0, 14, 0), lead.Accept{})...)
	store := whatIfRecord(t, inForce, reps, script)
	forged, err := lead.Encode(lead.Won{Meta: lead.Meta{Lead: "G1", Version: 5, At: whatIfAt(0, 15, 0)}, Amount: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "G1", 4, eventstore.Record{ID: "forged-1", Type: "Won", Data: forged}); err != nil {
		t.Fatal(err)
	}
	w := leadline.WhatIf{InForce: inForce, Draft: whatIfSet(t, whatIfAcceptPolicy(4, lead.ActionEscalate)), Router: reps}
	c, err := w.Compare(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Skipped) != 1 || c.Skipped[0].Stream != "G1" || !errors.Is(c.Skipped[0].Err, lead.ErrCorrupt) {
		t.Fatalf("skipped %+v, want G1's forged Won", c.Skipped)
	}
	if c.Leads != 1 || len(c.Changed) != 1 || c.Changed[0].Lead != "G2" {
		t.Errorf("compared %d leads, changed %+v; want G2 alone", c.Leads, c.Changed)
	}
}

func TestWhatIfRefusesNoHistory(t *testing.T) {
	_, err := leadline.WhatIf{}.Compare(context.Background(), nil)
	if !errors.Is(err, leadline.ErrWhatIf) {
		t.Errorf("nil store: %v, want ErrWhatIf", err)
	}
	_, err = leadline.WhatIf{}.CompareEvents(context.Background(), []lead.Event{nil})
	if !errors.Is(err, leadline.ErrWhatIf) {
		t.Errorf("nil event: %v, want ErrWhatIf", err)
	}
}

// BenchmarkWhatIf compares a 300-lead, three-week history under the seed
// SLA with a draft of 2 business hours to accept: both replays, per op.
func BenchmarkWhatIf(b *testing.B) {
	reps := whatIfReps(b)
	inForce := whatIfSet(b, sla.DefaultPolicy())
	store := whatIfRecordTolerant(b, inForce, reps, whatIfSimulation(300, 1), whatIfAt(21, 0, 0))
	draft := sla.DefaultPolicy()
	draft.Accept.Within = 2 * time.Hour
	w := leadline.WhatIf{InForce: inForce, Draft: whatIfSet(b, draft), Router: reps}
	ctx := context.Background()
	var commands int
	for b.Loop() {
		c, err := w.Compare(ctx, store)
		if err != nil {
			b.Fatal(err)
		}
		commands = c.Commands
	}
	b.ReportMetric(float64(commands)*float64(b.N)/b.Elapsed().Seconds(), "commands/s")
}

// A policy changed during the history: leads handed off under version 1
// keep it in the replay under the policies in force, as they did when
// recorded; under the draft every hand-off runs under the draft.
func TestReplayKeepsTheRecordedPolicyVersionInForceAndTheDraftsOwnUnderTheDraft(t *testing.T) {
	ctx := context.Background()
	reps := whatIfReps(t)
	v1 := whatIfAcceptPolicy(8, lead.ActionEscalate)
	v2 := whatIfAcceptPolicy(4, lead.ActionEscalate)
	v2.Version = 2
	store := eventstore.NewMemory()
	mock := clock.NewMock(whatIfAt(0, 9, 0))
	record := func(set sla.Set, id lead.ID) {
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(set), leadline.WithRouter(reps))
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []lead.Command{lead.Capture{Email: "p@example.com"}, lead.QualifyMarketing{Source: lead.SourceManual}, lead.HandOff{Rep: "ana"}} {
			if _, err := e.Execute(ctx, id, cmd); err != nil {
				t.Fatal(err)
			}
		}
	}
	// P1 is handed off under version 1 (8 hours), P2 an hour later under
	// version 2 (4 hours); both are accepted at 15:00, 6 and 5 hours on.
	record(whatIfSet(t, v1), "P1")
	mock.Set(whatIfAt(0, 10, 0))
	both := whatIfSet(t, v1, v2)
	record(both, "P2")
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(both), leadline.WithRouter(reps))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	mock.Set(whatIfAt(0, 15, 0))
	if _, err := e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []lead.ID{"P1", "P2"} {
		if _, err := e.Execute(ctx, id, lead.Accept{}); err != nil {
			t.Fatal(err)
		}
	}

	draft := whatIfAcceptPolicy(4, lead.ActionEscalate)
	draft.Version = 3
	c, err := leadline.WhatIf{InForce: both, Draft: whatIfSet(t, draft), Router: reps}.Compare(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if c.Recorded.Breaches != 1 || c.InForce != c.Recorded {
		t.Errorf("recorded %+v, in force %+v; want P2's breach alone under both", c.Recorded, c.InForce)
	}
	if c.Draft.Breaches != 2 || len(c.Changed) != 1 || c.Changed[0].Lead != "P1" {
		t.Errorf("draft %+v, changed %+v; want both breached, P1 changed", c.Draft, c.Changed)
	}
}

// Marketing's side replays as the SLA's own: an MQL that a score crossing
// the sales-ready threshold made, and the hand-off a route step made, are
// derived again by each replay's policy rather than sent as commands, so
// a replay under the policies in force reproduces the recorded history.
func TestReplayDerivesThresholdMQLsAndRouteHandOffsAgain(t *testing.T) {
	ctx := context.Background()
	p := sla.Policy{Version: 1, Name: "inbound",
		SalesReady: lead.Threshold{Total: 100},
		HandOff:    sla.Rule{Within: 2 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: time.Hour, Action: lead.ActionRoute}}},
		Accept:     sla.Rule{Within: 8 * time.Hour}}
	set, err := sla.NewSet(sla.Rules{{Segment: "inbound", Source: "webinar"}}, p)
	must(t, err)
	rr, err := sla.NewRoundRobin("", sla.Rep{Name: "ana", Team: "emea"})
	must(t, err)
	e, mock, store := newEngine(t, leadline.WithPolicies(set), leadline.WithRouter(rr))
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.Score{Fit: 60, Intent: 50})) // crosses 100: an MQL
	advance(t, e, mock, 3*time.Hour)                          // breach at 2h, route at 3h
	must(t, run(e, ctx, id, lead.Accept{Actor: "ana"}))
	if st := stage(t, e, id); st != lead.StageAccepted {
		t.Fatalf("stage = %s, want Accepted: the scenario did not run", st)
	}

	c, err := leadline.WhatIf{InForce: set, Draft: set, Router: rr}.Compare(ctx, store)
	must(t, err)
	if c.Recorded.Routes != 1 || c.InForce != c.Recorded || c.Draft != c.Recorded {
		t.Errorf("recorded %+v\n in force %+v\n draft %+v", c.Recorded, c.InForce, c.Draft)
	}
	for _, ch := range c.Changed {
		t.Errorf("%s changed: %+v -> %+v", ch.Lead, ch.InForce, ch.Draft)
	}
}
