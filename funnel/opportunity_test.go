package funnel

import (
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// requalified builds the repro: X qualified at 10,000 in March,
// lost, recycled, and qualified again at 50,000 in April, with three
// touches before the first SQL and two before the second.
func requalified(t *testing.T) *world {
	w := newWorld(t)
	mar := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	apr := time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)
	w.do("X", mar, capture("web", "", "Acme"), mql, handOff("ana", "east"), accept)
	for i := range 3 {
		w.do("X", mar.Add(hours(float64(1+i))), touch("demo", lead.OutcomeReplied))
	}
	w.do("X", mar.AddDate(0, 0, 8), sql(10000))
	w.do("X", mar.AddDate(0, 0, 18), lead.Lose{Reason: "price"})
	w.do("X", mar.AddDate(0, 0, 23), lead.Recycle{Reason: "budget next quarter"})
	w.do("X", apr, mql, handOff("bob", "east"), accept)
	for i := range 2 {
		w.do("X", apr.Add(hours(float64(1+i))), touch("case", lead.OutcomeReplied))
	}
	w.do("X", apr.AddDate(0, 0, 4), sql(50000))
	return w
}

var (
	march = Filter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	april = Filter{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
)

func TestEachQualificationIsAnOpportunityInItsOwnMonth(t *testing.T) {
	p := requalified(t).p
	mar, apr := p.Summary(march), p.Summary(april)
	if mar.Pipeline != 10000 || mar.SQLs != 1 || mar.Lost != 1 || mar.Won != 0 {
		t.Errorf("March: pipeline %v, SQLs %d, lost %d, won %d; want 10000, 1, 1, 0", mar.Pipeline, mar.SQLs, mar.Lost, mar.Won)
	}
	if apr.Pipeline != 50000 || apr.SQLs != 1 || apr.Lost != 0 {
		t.Errorf("April: pipeline %v, SQLs %d, lost %d; want 50000, 1, 0", apr.Pipeline, apr.SQLs, apr.Lost)
	}
	// Touches to SQL count each cycle's own touches.
	if mar.TouchesToSQL.Max != 3 || apr.TouchesToSQL.Max != 2 || apr.TouchesToSQL.N != 1 {
		t.Errorf("touches to SQL: March %+v, April %+v; want 3 and 2", mar.TouchesToSQL, apr.TouchesToSQL)
	}
	// The open April opportunity is open, and adds nothing to March.
	ops := p.Opportunities(Filter{})
	if len(ops) != 2 || ops[0].Amount != 10000 || ops[0].Outcome != OutcomeLost || ops[1].Amount != 50000 || ops[1].Outcome != OutcomeOpen || !ops[1].Closed.IsZero() {
		t.Errorf("opportunities = %+v", ops)
	}
}

func TestRecycleThenWinIsOneLostAndOneWonOpportunity(t *testing.T) {
	w := requalified(t)
	w.do("X", time.Date(2026, 4, 20, 9, 0, 0, 0, time.UTC), lead.Win{})
	ops := w.p.Opportunities(Filter{})
	if len(ops) != 2 || ops[0].Outcome != OutcomeLost || ops[1].Outcome != OutcomeWon || ops[1].Won != 50000 || ops[0].Won != 0 {
		t.Fatalf("opportunities = %+v", ops)
	}
	s := w.p.Summary(Filter{})
	if s.Won != 1 || s.Lost != 1 || s.SQLs != 2 || s.SQLsWon != 1 || s.Revenue != 50000 || s.WinRate != 0.5 || s.SQLsPerCustomer != 2 {
		t.Errorf("summary: won %d lost %d SQLs %d SQLs won %d revenue %v win rate %v SQLs per customer %v",
			s.Won, s.Lost, s.SQLs, s.SQLsWon, s.Revenue, s.WinRate, s.SQLsPerCustomer)
	}
	// The cycle runs from the won opportunity's own SQL (10 April) to
	// the win (20 April), not from the first SQL in March.
	if s.Cycle.N != 1 || s.Cycle.Max != 10*24*time.Hour {
		t.Errorf("cycle = %+v, want one of 240h", s.Cycle)
	}
	// As of 15 April the second opportunity was still open.
	cut := Filter{AsOf: time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)}
	if s := w.p.Summary(cut); s.Won != 0 || s.Lost != 1 || s.SQLs != 2 || s.SQLsWon != 0 {
		t.Errorf("as of 15 April: won %d lost %d SQLs %d SQLs won %d", s.Won, s.Lost, s.SQLs, s.SQLsWon)
	}
	if ops := w.p.Opportunities(cut); ops[1].Outcome != OutcomeOpen || ops[1].Won != 0 {
		t.Errorf("as of 15 April: %+v", ops[1])
	}
	if gs := w.p.Breakdown(Filter{}, ByRep); len(gs) != 1 || gs[0].Key != "bob" || gs[0].Won != 1 || gs[0].Lost != 1 {
		// Breakdowns group by the lead's latest rep.
		t.Errorf("by rep = %+v", gs)
	}
}

func TestAccountsMatchIgnoringCaseAndSpacesWithNoCompanyAsItsOwnRow(t *testing.T) {
	w := newWorld(t)
	for i, company := range []string{"Acme GmbH", "  acme   gmbh ", "ACME  GmbH", "", "Beta"} {
		id := lead.ID(rune('a' + i))
		w.do(id, t0, capture("web", "", company), mql, handOff("ana", ""), accept, sql(100))
		w.do(id, t0.Add(hours(1)), lead.Win{})
	}
	gs := w.p.Breakdown(Filter{}, ByAccount)
	want := map[string]int{"Acme GmbH": 3, NoCompany: 1, "Beta": 1}
	if len(gs) != len(want) {
		t.Fatalf("groups = %+v", gs)
	}
	for _, g := range gs {
		if g.Won != want[g.Key] {
			t.Errorf("%q: won %d, want %d", g.Key, g.Won, want[g.Key])
		}
	}
	if s := w.p.Summary(Filter{Account: "ACME  gmbh"}); s.Won != 3 {
		t.Errorf("filter by account: won %d, want 3", s.Won)
	}
}

func TestFirstStepConversionIsOneForACohortAndZeroForNone(t *testing.T) {
	p := sample(t).p
	if c := p.Conversion(Filter{}); c.Steps[0].Conversion != 1 || c.Steps[0].Cumulative != 1 {
		t.Errorf("first step = %+v", c.Steps[0])
	}
	empty := p.Conversion(Filter{From: t0.AddDate(1, 0, 0)})
	if s := empty.Steps[0]; s.Count != 0 || s.Conversion != 0 || s.Cumulative != 0 {
		t.Errorf("empty cohort's first step = %+v, want zeros", s)
	}
}
