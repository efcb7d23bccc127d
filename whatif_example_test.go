package leadline_test

import (
	"context"
	"fmt"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// What if sales had 4 business hours to accept a lead instead of 8? Three
// leads handed off on a Monday at 09:00 were accepted at 11:00, 14:00 and
// 16:30; WhatIf replays that history under both windows.
func ExampleWhatIf() {
	ctx := context.Background()
	hours := sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0))
	escalate := []sla.Step{{Action: lead.ActionEscalate}}
	current, err := sla.NewSet(nil, sla.Policy{Version: 1, Calendar: hours,
		Accept: sla.Rule{Within: 8 * time.Hour, Business: true, Ladder: escalate}})
	if err != nil {
		panic(err)
	}
	draft, err := sla.NewSet(nil, sla.Policy{Version: 1, Calendar: hours,
		Accept: sla.Rule{Within: 4 * time.Hour, Business: true, Ladder: escalate}})
	if err != nil {
		panic(err)
	}
	team, err := sla.NewRoundRobin("", sla.Rep{Name: "ana", Team: "emea", Manager: "mia"})
	if err != nil {
		panic(err)
	}

	// The history, as a service running the current policy recorded it.
	store := eventstore.NewMemory()
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mock := clock.NewMock(monday)
	engine, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(current), leadline.WithRouter(team))
	if err != nil {
		panic(err)
	}
	ids := []lead.ID{"lead-1", "lead-2", "lead-3"}
	for _, id := range ids {
		for _, cmd := range []lead.Command{lead.Capture{Email: "buyer@example.com"}, lead.QualifyMarketing{Source: lead.SourceScore}, lead.HandOff{}} {
			if _, err := engine.Execute(ctx, id, cmd); err != nil {
				panic(err)
			}
		}
	}
	for i, answer := range []time.Duration{2 * time.Hour, 5 * time.Hour, 7*time.Hour + 30*time.Minute} {
		mock.Set(monday.Add(answer))
		if _, err := engine.Execute(ctx, ids[i], lead.Accept{Actor: "ana"}); err != nil {
			panic(err)
		}
	}

	cmp, err := leadline.WhatIf{InForce: current, Draft: draft, Router: team}.Compare(ctx, store)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d leads: %d breaches in force, %d under the draft\n", cmp.Leads, cmp.InForce.Breaches, cmp.Draft.Breaches)
	for _, r := range cmp.Rows {
		fmt.Printf("%s %s: escalations %d -> %d\n", r.Kind, r.Team, r.InForce.Escalations, r.Draft.Escalations)
	}
	for _, ch := range cmp.Changed {
		fmt.Println("changed:", ch.Lead)
	}
	// Output:
	// 3 leads: 0 breaches in force, 2 under the draft
	// accept emea: escalations 0 -> 2
	// changed: lead-2
	// changed: lead-3
}

// A CRM export ran under no SLA. Turned into lead events, it shows what
// "accept within 8 business hours, or the lead goes back to marketing"
// would have done: the lead accepted after 10 business hours would have
// been returned, and the rep's accept refused.
func ExampleWhatIf_CompareEvents() {
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	opportunity := func(id lead.ID, accepted time.Time) []lead.Event {
		meta := func(v uint64, at time.Time) lead.Meta { return lead.Meta{Lead: id, Version: v, At: at} }
		return []lead.Event{
			lead.Captured{Meta: meta(1, monday), Email: "buyer@example.com", Source: "crm"},
			lead.MarketingQualified{Meta: meta(2, monday), Source: lead.SourceManual},
			lead.HandedOff{Meta: meta(3, monday), Rep: "ana", Team: "emea"},
			lead.Accepted{Meta: meta(4, accepted)},
		}
	}
	events := append(opportunity("opp-1", monday.Add(6*time.Hour)), opportunity("opp-2", monday.Add(25*time.Hour))...)

	draft, err := sla.NewSet(nil, sla.Policy{Version: 1, Calendar: sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0)),
		Accept: sla.Rule{Within: 8 * time.Hour, Business: true, Ladder: []sla.Step{{Action: lead.ActionReturn}}}})
	if err != nil {
		panic(err)
	}
	cmp, err := leadline.WhatIf{Draft: draft}.CompareEvents(context.Background(), events)
	if err != nil {
		panic(err)
	}
	fmt.Printf("returns: %d without an SLA, %d under the draft\n", cmp.InForce.Returns, cmp.Draft.Returns)
	for _, ch := range cmp.Changed {
		fmt.Printf("%s: %s -> %s, refused:", ch.Lead, ch.InForce.Stage, ch.Draft.Stage)
		for _, r := range ch.Draft.Refused {
			fmt.Print(" ", r.Command, " at ", r.At.Format("Mon 15:04"))
		}
		fmt.Println()
	}
	// Output:
	// returns: 0 without an SLA, 1 under the draft
	// opp-2: Accepted -> Nurturing, refused: Accept at Tue 10:00
}
