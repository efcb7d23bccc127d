package funnel

import (
	"maps"
	"math"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestStageCountsNow(t *testing.T) {
	p := sample(t).p
	want := map[lead.Stage]int{lead.StageWon: 1, lead.StageNurturing: 1, lead.StageLost: 1, lead.StageCaptured: 1, lead.StageStalled: 1}
	if got := p.StageCounts(Filter{}); !maps.Equal(got, want) {
		t.Errorf("StageCounts = %v, want %v", got, want)
	}
	if got := p.StageCounts(Filter{Source: "ads"}); !maps.Equal(got, map[lead.Stage]int{lead.StageNurturing: 1, lead.StageStalled: 1}) {
		t.Errorf("StageCounts(ads) = %v", got)
	}
	if got := p.StageCounts(Filter{Rep: "nobody"}); len(got) != 0 {
		t.Errorf("StageCounts(unknown rep) = %v, want none", got)
	}
}

func TestFunnelCountsEachStageTheCohortReached(t *testing.T) {
	p := sample(t).p
	tests := []struct {
		name   string
		f      Filter
		stages []lead.Stage
		counts []int
	}{
		{"all", Filter{}, nil, []int{5, 4, 4, 3, 2, 1}},
		{"web", Filter{Source: "web"}, nil, []int{3, 2, 2, 2, 2, 1}},
		{"rep ana", Filter{Rep: "ana"}, nil, []int{2, 2, 2, 2, 2, 1}},
		{"team west", Filter{Team: "west"}, []lead.Stage{lead.StageMQL, lead.StageAccepted, lead.StageSQL}, []int{2, 1, 0}},
		{"MQL cohort of the first hour", Filter{From: t0, To: t0.Add(hours(1.5))}, []lead.Stage{lead.StageMQL, lead.StageSQL, lead.StageWon}, []int{1, 1, 1}},
		{"MQL cohort after the first day", Filter{From: t0.Add(hours(24))}, []lead.Stage{lead.StageMQL, lead.StageSQL}, []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fu := p.Conversion(tt.f, tt.stages...)
			for i, s := range fu.Steps {
				if s.Count != tt.counts[i] {
					t.Errorf("%s: count %d, want %d", s.Stage, s.Count, tt.counts[i])
				}
			}
		})
	}
	fu := p.Conversion(Filter{})
	conv := []float64{1, 0.8, 1, 0.75, 2.0 / 3, 0.5}
	for i, s := range fu.Steps {
		if !near(s.Conversion, conv[i]) {
			t.Errorf("%s: conversion %v, want %v", s.Stage, s.Conversion, conv[i])
		}
	}
	if last := fu.Steps[len(fu.Steps)-1]; !near(last.Cumulative, 0.2) {
		t.Errorf("end-to-end = %v, want 0.2", last.Cumulative)
	}
}

func TestCohortsSplitByPeriodOfEntry(t *testing.T) {
	p := sample(t).p
	// Weeks 10 and 11: everyone became MQL in week 10.
	cs := p.Cohorts(Filter{From: w10, To: w10.AddDate(0, 0, 14)}, UnitWeek, lead.StageMQL, lead.StageSQL, lead.StageWon)
	if len(cs) != 2 || cs[0].Label != "2026-W10" || cs[1].Label != "2026-W11" {
		t.Fatalf("cohorts = %+v", cs)
	}
	if c := cs[0].Steps; c[0].Count != 4 || c[1].Count != 2 || c[2].Count != 1 {
		t.Errorf("W10 = %+v", c)
	}
	if c := cs[1].Steps; c[0].Count != 0 || c[1].Count != 0 {
		t.Errorf("W11 = %+v", c)
	}
}

func TestFlowsCountFirstEntriesPerPeriod(t *testing.T) {
	p := sample(t).p
	fl := p.Flows(Filter{From: w10, To: w10.AddDate(0, 0, 14)}, UnitWeek)
	if len(fl) != 2 {
		t.Fatalf("%d flows, want 2", len(fl))
	}
	w10 := map[lead.Stage]int{lead.StageCaptured: 5, lead.StageMQL: 4, lead.StageHandedOff: 4, lead.StageAccepted: 3,
		lead.StageSQL: 2, lead.StageNurturing: 1, lead.StageStalled: 1, lead.StageLost: 1}
	if !maps.Equal(fl[0].Entered, w10) {
		t.Errorf("W10 = %v, want %v", fl[0].Entered, w10)
	}
	if !maps.Equal(fl[1].Entered, map[lead.Stage]int{lead.StageWon: 1}) {
		t.Errorf("W11 = %v", fl[1].Entered)
	}
	// Open window: from the first entry to the last.
	if fl := p.Flows(Filter{}, UnitDay); len(fl) != 11 || fl[0].Period.String() != "2026-03-02" || fl[10].Period.String() != "2026-03-12" {
		t.Errorf("open window: %d days from %v", len(fl), fl[0].Period)
	}
}

func TestVelocityInCalendarAndBusinessTime(t *testing.T) {
	p := sample(t).p
	d := p.Velocity(Filter{}, lead.StageMQL, lead.StageSQL, sla.Calendar{})
	if d.N != 2 || d.Median != hours(47) || d.P90 != hours(51) || d.Max != hours(51) || d.Mean != hours(49) {
		t.Errorf("calendar velocity = %+v", d)
	}
	office := sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0))
	d = p.Velocity(Filter{}, lead.StageMQL, lead.StageSQL, office)
	// A: Mon 10:00 to Wed 09:00 is 8h + 9h; C: Mon 11:00 to Wed 14:00 is 7h + 9h + 5h.
	if d.N != 2 || d.Median != hours(17) || d.P90 != hours(21) {
		t.Errorf("business velocity = %+v", d)
	}
	if d := p.Velocity(Filter{}, lead.StageSQL, lead.StageWon, sla.Calendar{}); d.N != 1 || d.Median != hours(192) {
		t.Errorf("SQL to Won = %+v", d)
	}
}

func TestTimeToAcceptAndFirstTouch(t *testing.T) {
	p := sample(t).p
	if d := p.TimeToAccept(Filter{}, sla.Calendar{}); d.N != 3 || d.Median != hours(2) || d.P90 != hours(27) || d.Max != hours(27) {
		t.Errorf("TimeToAccept = %+v", d)
	}
	if d := p.TimeToAccept(Filter{Rep: "ana"}, sla.Calendar{}); d.N != 2 || d.Max != hours(2) {
		t.Errorf("TimeToAccept(ana) = %+v", d)
	}
	if d := p.TimeToFirstTouch(Filter{}, sla.Calendar{}); d.N != 2 || d.Median != hours(1) || d.P90 != hours(24) {
		t.Errorf("TimeToFirstTouch = %+v", d)
	}
}

func TestSummaryHeadlineFigures(t *testing.T) {
	s := sample(t).p.Summary(Filter{})
	want := Summary{
		Leads: 5, MQLs: 4, SQLs: 2, Won: 1, Lost: 1, WinRate: 0.5, Revenue: 1000, AverageDeal: 1000,
		Pipeline: 3000, SQLsWon: 1, SQLsPerCustomer: 2, LeadToRevenue: 0.2,
		SalesVelocity: 125, // 2 SQLs × 50% × 1000 ÷ 8 days
	}
	got := s
	got.Cycle, got.TouchesToSQL = Distribution{}, Counts{}
	if got != want {
		t.Errorf("Summary =\n%+v\nwant\n%+v", got, want)
	}
	if s.Cycle.N != 1 || s.Cycle.Median != hours(192) {
		t.Errorf("Cycle = %+v", s.Cycle)
	}
	if tc := s.TouchesToSQL; tc.N != 2 || tc.Median != 1 || tc.Max != 2 || tc.Mean != 1.5 {
		t.Errorf("TouchesToSQL = %+v", tc)
	}
	// Win rate by close date: only C's loss closed in the first week.
	if s := sample(t).p.Summary(Filter{To: t0.AddDate(0, 0, 7)}); s.Won != 0 || s.Lost != 1 || s.WinRate != 0 {
		t.Errorf("first week: won %d lost %d rate %v", s.Won, s.Lost, s.WinRate)
	}
}

func TestSalesVelocity(t *testing.T) {
	if v := SalesVelocity(10, 0.25, 4000, 20*24*time.Hour); v != 500 {
		t.Errorf("SalesVelocity = %v, want 500", v)
	}
	if v := SalesVelocity(10, 0.25, 4000, 0); v != 0 {
		t.Errorf("without a cycle = %v, want 0", v)
	}
}

func TestLeadToRevenueAndRatesByStage(t *testing.T) {
	p := sample(t).p
	want := []float64{0.2, 0.25, 0.25, 1.0 / 3, 0.5}
	for i, r := range p.LeadToRevenue(Filter{}) {
		if !near(r.Rate, want[i]) {
			t.Errorf("%s: %v, want %v", r.Stage, r.Rate, want[i])
		}
	}
	rs := p.Rates(Filter{}, lead.StageMQL, lead.StageSQL)
	if len(rs) != 2 || rs[0].Rate != 0.5 || rs[0].N != 4 || rs[1].Rate != 0.5 || rs[1].N != 2 {
		t.Errorf("Rates = %+v", rs)
	}
	if rs := p.PlanRates(Filter{Source: "ads"}, lead.StageMQL, lead.StageSQL); rs != nil {
		t.Errorf("PlanRates without wins = %+v, want nil", rs)
	}
}

func TestBreakdownByAccountAndRep(t *testing.T) {
	p := sample(t).p
	for _, by := range []Dimension{ByAccount, ByRep, ByTeam} {
		gs := p.Breakdown(Filter{}, by)
		if len(gs) != 1 || gs[0].Won != 1 || gs[0].Lost != 1 || gs[0].Revenue != 1000 || gs[0].WinRate != 0.5 || gs[0].Cycle.Median != hours(192) {
			t.Errorf("%s: %+v", by, gs)
		}
	}
	if k := p.Breakdown(Filter{}, ByAccount)[0].Key; k != "Acme" {
		t.Errorf("account = %q", k)
	}
	if k := p.Breakdown(Filter{}, ByTeam)[0].Key; k != "east" {
		t.Errorf("team = %q", k)
	}
}

func TestLeakageByStage(t *testing.T) {
	w := sample(t)
	// F sits accepted and untouched: unworked after 48 hours.
	w.do("F", t0, capture("web", "", "Zeta"), mql, handOff("ana", "east"))
	w.do("F", t0.Add(hours(10)), accept)
	now := t0.Add(hours(300))
	lk := w.p.Leakage(Filter{}, now, hours(48))
	want := Leakage{MQLs: 5, Leaked: 3, Rows: []LeakRow{
		{Stage: lead.StageHandedOff, Returned: 1},
		{Stage: lead.StageAccepted, Stalled: 1, Unworked: 1},
	}}
	if !equalLeakage(lk, want) {
		t.Errorf("Leakage =\n%+v\nwant\n%+v", lk, want)
	}
	// Not yet idle long enough.
	if lk := w.p.Leakage(Filter{}, t0.Add(hours(20)), hours(48)); lk.Leaked != 2 {
		t.Errorf("at +20h: %+v", lk)
	}
}

func equalLeakage(a, b Leakage) bool {
	if a.MQLs != b.MQLs || a.Leaked != b.Leaked || len(a.Rows) != len(b.Rows) {
		return false
	}
	for i := range a.Rows {
		if a.Rows[i] != b.Rows[i] {
			return false
		}
	}
	return true
}

func TestRejectionIsLeakageButDisqualificationIsNot(t *testing.T) {
	w := newWorld(t)
	w.do("R", t0, capture("web", "", ""), mql, handOff("ana", ""), lead.Reject{Reason: "not ready"})
	w.do("Q", t0, capture("web", "", ""), mql, handOff("ana", ""), lead.Reject{Reason: "student", Disqualify: true})
	lk := w.p.Leakage(Filter{}, t0.Add(hours(1)), hours(48))
	if lk.MQLs != 2 || lk.Leaked != 1 || len(lk.Rows) != 1 || lk.Rows[0] != (LeakRow{Stage: lead.StageHandedOff, Rejected: 1}) {
		t.Errorf("Leakage = %+v", lk)
	}
}

func TestContentPerformanceWithLastTouchAttribution(t *testing.T) {
	p := sample(t).p
	got := p.Content(Filter{})
	want := []ContentRow{
		{Content: "demo", Campaign: "spring", Touches: 2, Answered: 1, AnswerRate: 0.5, SQLs: 1, Won: 1, Revenue: 1000},
		{Content: "case", Campaign: "spring", Touches: 1, SQLs: 1},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Content =\n%+v\nwant\n%+v", got, want)
	}
	// Only the first day: A's unanswered touch at 14:00.
	got = p.Content(Filter{From: t0.Add(-hours(9)), To: t0.Add(hours(15))})
	if len(got) != 1 || got[0].Touches != 1 || got[0].SQLs != 0 {
		t.Errorf("first day = %+v", got)
	}
}

func TestScoreBandsCalibrateTheMQLThreshold(t *testing.T) {
	bands := sample(t).p.ScoreBands(Filter{}, 50)
	want := []ScoreBand{
		{Low: 0, High: 49, MQLs: 1},
		{Low: 50, High: 99, MQLs: 1, SQLs: 1, Won: 1, ToSQL: 1, ToWon: 1},
		{Low: 100, High: 149, MQLs: 1},
		{Low: 150, High: 200, MQLs: 1, SQLs: 1, ToSQL: 1},
	}
	if len(bands) != len(want) {
		t.Fatalf("bands = %+v", bands)
	}
	for i := range want {
		if bands[i] != want[i] {
			t.Errorf("band %d = %+v, want %+v", i, bands[i], want[i])
		}
	}
	w := newWorld(t)
	w.do("U", t0, capture("web", "", ""), mql)
	if b := w.p.ScoreBands(Filter{}, 0); b[0].Low != -1 || b[0].MQLs != 1 || len(b) != 5 {
		t.Errorf("unscored = %+v", b)
	}
}

func TestComplianceMetBreachedOpenPerKind(t *testing.T) {
	p := sample(t).p
	c := p.Compliance(Filter{}, 0)
	want := map[lead.DeadlineKind]tally{
		lead.KindHandOff:      {Met: 4},
		lead.KindAccept:       {Met: 3, Breached: 1},
		lead.KindFirstTouch:   {Met: 3},
		lead.KindCadence:      {Met: 3},
		lead.KindUnresponsive: {Met: 2},
		lead.KindQualify:      {Met: 3},
		lead.KindStall:        {Met: 7, Open: 1},
	}
	if len(c.Rows) != len(want) {
		t.Fatalf("rows = %+v", c.Rows)
	}
	for _, r := range c.Rows {
		if w := want[r.Kind]; (tally{r.Met, r.Breached, r.Open}) != w {
			t.Errorf("%s: %+v, want %+v", r.Kind, r, w)
		}
	}
	if c.Rows[1].Kind != lead.KindAccept || c.Rows[1].Rate != 0.75 {
		t.Errorf("accept row = %+v", c.Rows[1])
	}
	byRep := p.Compliance(Filter{}, ByRep)
	for _, r := range byRep.Rows {
		if r.Kind == lead.KindAccept {
			switch r.Group {
			case "ana":
				if r.Met != 2 || r.Rate != 1 {
					t.Errorf("ana: %+v", r)
				}
			case "bob":
				if r.Met != 1 || r.Breached != 1 || r.Rate != 0.5 {
					t.Errorf("bob: %+v", r)
				}
			default:
				t.Errorf("unexpected group %q", r.Group)
			}
		}
	}
}

func TestComplianceBreachAfterStallRestart(t *testing.T) {
	// A stalled lead touched back into Accepted runs its acceptance
	// clocks again under the same identity: cadence is open, not met.
	w := newWorld(t)
	w.do("S", t0, capture("web", "", ""), mql, handOff("ana", ""), accept)
	w.do("S", t0.Add(hours(50)), lead.Stall{})
	if c := kindRow(w.p.Compliance(Filter{}, 0), lead.KindCadence); c.Met != 1 || c.Open != 0 {
		t.Fatalf("stalled: cadence %+v", c)
	}
	w.do("S", t0.Add(hours(60)), touch("x", lead.OutcomeReplied))
	if c := kindRow(w.p.Compliance(Filter{}, 0), lead.KindCadence); c.Met != 0 || c.Open != 1 {
		t.Fatalf("touched back: cadence %+v", c)
	}
	w.breach("S", t0.Add(hours(70)), lead.KindCadence, lead.ActionNotify, "")
	if c := kindRow(w.p.Compliance(Filter{}, 0), lead.KindCadence); c.Breached != 1 || c.Open != 0 || c.Met != 0 {
		t.Fatalf("breached: cadence %+v", c)
	}
}

func kindRow(c Compliance, k lead.DeadlineKind) ComplianceRow {
	for _, r := range c.Rows {
		if r.Kind == k {
			return r
		}
	}
	return ComplianceRow{Kind: k}
}

func TestComplianceTrendPerWeek(t *testing.T) {
	w := sample(t)
	// G is handed off in week 11 and breached there.
	w.do("G", t0.AddDate(0, 0, 7), capture("web", "", ""), mql, handOff("ana", "east"))
	w.breach("G", t0.AddDate(0, 0, 8), lead.KindAccept, lead.ActionNotify, "")
	tr := w.p.ComplianceTrend(Filter{From: w10, To: w10.AddDate(0, 0, 21)}, UnitWeek, lead.KindAccept)
	if len(tr.Rows) != 3 {
		t.Fatalf("rows = %+v", tr.Rows)
	}
	got := []tally{{tr.Rows[0].Met, tr.Rows[0].Breached, tr.Rows[0].Open}, {tr.Rows[1].Met, tr.Rows[1].Breached, tr.Rows[1].Open}, {tr.Rows[2].Met, tr.Rows[2].Breached, tr.Rows[2].Open}}
	want := []tally{{Met: 3, Breached: 1}, {Breached: 1}, {}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %+v, want %+v", tr.Rows[i].Group, got[i], want[i])
		}
	}
	if tr.Rows[0].Group != "2026-W10" || tr.Rows[2].Group != "2026-W12" {
		t.Errorf("groups %q..%q", tr.Rows[0].Group, tr.Rows[2].Group)
	}
}

func TestPeriodsInALocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	// 03:00 UTC on 1 April is still 31 March in New York.
	at := time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		u     Unit
		label string
	}{{UnitDay, "2026-03-31"}, {UnitWeek, "2026-W14"}, {UnitMonth, "2026-03"}, {UnitQuarter, "2026-Q1"}}
	for _, tt := range tests {
		if got := PeriodOf(tt.u, at, ny).String(); got != tt.label {
			t.Errorf("%s: %s, want %s", tt.u, got, tt.label)
		}
	}
	// Metrics follow the Projection's Location.
	p := &Projection{Location: ny}
	w := &world{t: t, p: p, states: map[lead.ID]lead.State{}}
	w.do("N", at, capture("web", "", ""), mql)
	fl := p.Flows(Filter{}, UnitMonth)
	if len(fl) != 1 || fl[0].Period.String() != "2026-03" {
		t.Errorf("flows = %+v", fl)
	}
	if got := PeriodOf(UnitMonth, at, ny).Next().String(); got != "2026-04" {
		t.Errorf("Next = %s", got)
	}
}
