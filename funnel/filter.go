package funnel

import (
	"math"
	"time"
)

// Filter selects the leads (or, for the figures kept per day, the events) a
// metric counts. Empty fields match everything.
//
// From and To bound a window [From, To) on the metric's anchor time, which
// each metric's documentation names (the first entry into a stage for
// cohort metrics, the close for win rate and revenue, the clock's start for
// SLA compliance); a zero From or To leaves that side open. Figures kept
// per day rather than per lead (SLA compliance, touch content) match the
// window by day: a day counts when its midnight, in the Projection's
// Location, lies in [From, To); they are not kept per account, so Account
// does not narrow them.
type Filter struct {
	From, To time.Time

	// Source and Campaign match the lead's Captured.Source and
	// Captured.Campaign.
	Source, Campaign string
	// Rep and Team match the rep and team the lead was last handed to
	// (kept after it returns to marketing); for SLA compliance, the rep
	// and team that held the lead when the deadline's clock started.
	Rep, Team string
	// Account matches the lead's Captured.Company.
	Account string
}

// Dimension is what a breakdown groups by.
type Dimension uint8

// The dimensions of a breakdown.
const (
	ByRep Dimension = iota + 1
	ByTeam
	BySource
	ByCampaign
	ByAccount
)

// String returns the dimension's name: "rep", "team", "source",
// "campaign" or "account".
func (d Dimension) String() string {
	switch d {
	case ByRep:
		return "rep"
	case ByTeam:
		return "team"
	case BySource:
		return "source"
	case ByCampaign:
		return "campaign"
	case ByAccount:
		return "account"
	}
	return "all"
}

// match is a Filter resolved against a Projection's names.
type match struct {
	none                              bool // a named value the projection never saw: nothing matches
	source, campaign, rep, team, acct uint32
	hasSrc, hasCamp, hasRep, hasTeam  bool
	hasAcct                           bool
	from, to                          int64 // unix ns window, inclusive from, exclusive to
	fromDay, toDay                    int32 // day window, inclusive from, exclusive to
}

func (p *Projection) compile(f Filter) match {
	m := match{from: math.MinInt64, to: math.MaxInt64, fromDay: math.MinInt32, toDay: math.MaxInt32}
	look := func(s string, id *uint32, has *bool) {
		if s == "" {
			return
		}
		*has = true
		v, ok := p.names.idx[s]
		if !ok {
			m.none = true
		}
		*id = v
	}
	look(f.Source, &m.source, &m.hasSrc)
	look(f.Campaign, &m.campaign, &m.hasCamp)
	look(f.Rep, &m.rep, &m.hasRep)
	look(f.Team, &m.team, &m.hasTeam)
	look(f.Account, &m.acct, &m.hasAcct)
	loc := p.location()
	if !f.From.IsZero() {
		m.from = f.From.UnixNano()
		m.fromDay = firstMidnightDay(f.From, loc)
	}
	if !f.To.IsZero() {
		m.to = f.To.UnixNano()
		m.toDay = firstMidnightDay(f.To, loc)
	}
	return m
}

// firstMidnightDay returns the number of the first civil day whose
// midnight is at or after t.
func firstMidnightDay(t time.Time, loc *time.Location) int32 {
	y, mo, d := t.In(loc).Date()
	n := civilDay(y, mo, d)
	if midnight(n, loc).Before(t) {
		n++
	}
	return n
}

func (m *match) lead(r *record) bool {
	return !m.none &&
		(!m.hasSrc || r.source == m.source) &&
		(!m.hasCamp || r.campaign == m.campaign) &&
		(!m.hasRep || r.rep == m.rep) &&
		(!m.hasTeam || r.team == m.team) &&
		(!m.hasAcct || r.company == m.acct)
}

func (m *match) at(ns int64) bool { return ns != 0 && ns >= m.from && ns < m.to }

func (m *match) day(d int32) bool { return d >= m.fromDay && d < m.toDay }

// dims matches the per-day tallies, which are not kept per account.
func (m *match) dims(d dims) bool {
	return !m.none &&
		(!m.hasSrc || d.source == m.source) &&
		(!m.hasCamp || d.campaign == m.campaign) &&
		(!m.hasRep || d.rep == m.rep) &&
		(!m.hasTeam || d.team == m.team)
}
