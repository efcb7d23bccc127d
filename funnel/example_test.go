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
