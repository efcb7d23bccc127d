package funnel_test

import (
	"fmt"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// history decides commands on one lead and returns the events.
func history(id lead.ID, start time.Time, steps ...any) []lead.Event {
	var s lead.State
	var out []lead.Event
	at := start
	for _, step := range steps {
		switch x := step.(type) {
		case time.Duration:
			at = at.Add(x)
		case lead.Command:
			events, err := lead.Decide(s, x, at)
			if err != nil {
				panic(err)
			}
			for _, e := range events {
				s = lead.Evolve(s, e)
			}
			out = append(out, events...)
		}
	}
	return out
}

func ExampleProjection() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var events []lead.Event
	events = append(events, history("ada", start,
		lead.Capture{ID: "ada", Email: "ada@example.com", Source: "web"},
		lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: "ana"}, 2*time.Hour, lead.Accept{},
		time.Hour, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected},
		24*time.Hour, lead.QualifySales{Amount: 12000, Currency: "EUR"},
		20*24*time.Hour, lead.Win{})...)
	events = append(events, history("bob", start,
		lead.Capture{ID: "bob", Email: "bob@example.com", Source: "ads"},
		lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: "ana"}, time.Hour, lead.Reject{Reason: "not ready"})...)

	var p funnel.Projection
	for i, e := range events {
		if err := p.Apply(uint64(i+1), e); err != nil {
			panic(err)
		}
	}
	s := p.Summary(funnel.Filter{})
	fmt.Printf("leads %d, SQLs %d, win rate %.0f%%, pipeline %.0f\n", s.Leads, s.SQLs, s.WinRate*100, s.Pipeline)
	fmt.Println("MQL to SQL:", p.Velocity(funnel.Filter{}, lead.StageMQL, lead.StageSQL, sla.Calendar{}).Median)
	fmt.Println("resume from position", p.Position()+1)
	// Output:
	// leads 2, SQLs 1, win rate 100%, pipeline 12000
	// MQL to SQL: 27h0m0s
	// resume from position 12
}

func ExampleNewPlan() {
	// 10,000 EUR of revenue, 70% from marketing, at 1,000 EUR a deal and
	// 10% of SQLs closing: 7 customers need 70 SQLs.
	pl, err := funnel.NewPlan(funnel.PlanInput{
		Goal: 10000, Share: 0.7, DealSize: 1000,
		Rates: []funnel.StageRate{{Stage: lead.StageSQL, Rate: 0.10}},
	}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Println(pl.Customers, "customers need", pl.Leads, "SQLs")
	// Output: 7 customers need 70 SQLs
}

func ExampleProjection_AcceptTimes() {
	// Monday 09:00: handed off, and paused at once until 13:00 (the
	// prospect asked to be called after lunch); accepted at 14:00.
	nine := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	events := history("ada", nine,
		lead.Capture{ID: "ada", Email: "ada@example.com"},
		lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: "ana"}, lead.Pause{Reason: "call after lunch"},
		4*time.Hour, lead.Resume{}, time.Hour, lead.Accept{},
		time.Hour, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected})

	policies, err := sla.NewSet(nil, sla.DefaultPolicy())
	if err != nil {
		panic(err)
	}
	p := funnel.Projection{Policies: policies}
	for i, e := range events {
		if err := p.Apply(uint64(i+1), e); err != nil {
			panic(err)
		}
	}
	acc := p.AcceptTimes(funnel.Filter{})
	fmt.Println("time to accept:", acc.SLA.Median, "SLA time,", acc.Wall.Median, "wall time")
	touch := p.FirstTouchTimes(funnel.Filter{})
	fmt.Println("time to first touch:", touch.SLA.Median, "SLA time,", touch.Wall.Median, "wall time")
	// Output:
	// time to accept: 1h0m0s SLA time, 5h0m0s wall time
	// time to first touch: 1h0m0s SLA time, 1h0m0s wall time
}

func ExampleProjection_Opportunities() {
	// Qualified at 10,000 in March and lost; recycled, qualified again at
	// 50,000 in April and won in May: two opportunities.
	mar := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	events := history("bea", mar,
		lead.Capture{ID: "bea", Email: "bea@example.com"},
		lead.QualifyMarketing{Source: lead.SourceScore}, lead.HandOff{Rep: "ana"}, lead.Accept{},
		7*24*time.Hour, lead.QualifySales{Amount: 10000, Currency: "EUR"},
		7*24*time.Hour, lead.Lose{Reason: "budget"}, lead.Recycle{Reason: "next quarter"},
		21*24*time.Hour, lead.QualifyMarketing{Source: lead.SourceManual}, lead.HandOff{Rep: "ana"}, lead.Accept{},
		7*24*time.Hour, lead.QualifySales{Amount: 50000, Currency: "EUR"},
		30*24*time.Hour, lead.Win{})
	var p funnel.Projection
	for i, e := range events {
		if err := p.Apply(uint64(i+1), e); err != nil {
			panic(err)
		}
	}
	// As of 1 May the second one was still open.
	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range p.Opportunities(funnel.Filter{AsOf: may}) {
		fmt.Println(o.Opened.Format("2006-01"), o.Amount, o.Outcome)
	}
	april := funnel.Filter{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: may}
	fmt.Println("April pipeline:", p.Summary(april).Pipeline)
	fmt.Println("win rate:", p.Summary(funnel.Filter{}).WinRate)
	// Output:
	// 2026-03 10000 lost
	// 2026-04 50000 open
	// April pipeline: 50000
	// win rate: 0.5
}

func ExampleProjection_Compliance_byPolicy() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var events []lead.Event
	events = append(events, history("ent", start,
		lead.Capture{ID: "ent", Email: "cto@example.com"}, lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: "ana", Policy: "enterprise", PolicyVersion: 1}, time.Hour, lead.Accept{})...)
	events = append(events, history("smb", start,
		lead.Capture{ID: "smb", Email: "owner@example.com"}, lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: "ben", PolicyVersion: 1})...)
	var p funnel.Projection
	for i, e := range events {
		if err := p.Apply(uint64(i+1), e); err != nil {
			panic(err)
		}
	}
	for _, r := range p.Compliance(funnel.Filter{}, funnel.ByPolicy).Rows {
		if r.Kind == lead.KindAccept {
			fmt.Printf("%q: met %d, open %d\n", r.Group, r.Met, r.Open)
		}
	}
	// Output:
	// "": met 0, open 1
	// "enterprise": met 1, open 0
}
