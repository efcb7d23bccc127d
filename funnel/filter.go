package funnel

import (
	"math"
	"time"
)

// Filter selects the leads (or, for the figures kept per day, the events) a
// metric counts. Empty fields match everything.
//
// AsOf is the cut-off: a metric counts only what had happened before it,
// so a month reported on the 1st with AsOf at the 1st gives the same
// numbers whenever it is recomputed. The zero AsOf means "up to now":
// every event applied so far. Figures kept per day (SLA compliance, touch
// content) honour AsOf by whole days: they count the events of the days
// that ended by AsOf. Figures about where leads stand now (StageCounts,
// the current-state rows of Leakage) cannot be taken back to a cut-off;
// their docs say how they treat AsOf.
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
	AsOf     time.Time

	// Source and Campaign match the lead's Captured.Source and
	// Captured.Campaign.
	Source, Campaign string
	// Rep and Team match the rep and team the lead was last handed to
	// (kept after it returns to marketing); for SLA compliance, the rep
	// and team that held the lead when the deadline's clock started.
	Rep, Team string
	// Account matches the lead's Captured.Company, ignoring case and
	// runs of white space.
	Account string
	// Policy matches the segment (sla.Policy.Name) of the policy the
	// lead's latest hand-off recorded; for SLA compliance, the segment the
	// lead ran under when the deadline's clock started. "" matches all:
	// the default segment has no filter of its own.
	Policy string
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
	// ByPolicy groups by the segment of the SLA policy (sla.Policy.Name)
	// the lead runs under; "" is the default segment.
	ByPolicy
)

// String returns the dimension's name: "rep", "team", "source",
// "campaign", "account" or "policy".
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
	case ByPolicy:
		return "policy"
	}
	return "all"
}

// match is a Filter resolved against a Projection's names.
type match struct {
	none                                      bool // a named value the projection never saw: nothing matches
	source, campaign, rep, team, acct, policy uint32
	hasSrc, hasCamp, hasRep, hasTeam          bool
	hasAcct, hasPolicy                        bool
	from, to                                  int64 // unix ns window, inclusive from, exclusive to
	fromDay, toDay                            int32 // day window, inclusive from, exclusive to
	asOf                                      int64 // unix ns cut-off, exclusive
	asOfDay                                   int32 // the days before it ended by the cut-off
}

func (p *Projection) compile(f Filter) match {
	m := match{from: math.MinInt64, to: math.MaxInt64, fromDay: math.MinInt32, toDay: math.MaxInt32,
		asOf: math.MaxInt64, asOfDay: math.MaxInt32}
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
	look(accountKey(f.Account), &m.acct, &m.hasAcct)
	look(f.Policy, &m.policy, &m.hasPolicy)
	loc := p.location()
	if !f.AsOf.IsZero() {
		m.asOf = f.AsOf.UnixNano()
		y, mo, d := f.AsOf.In(loc).Date()
		m.asOfDay = civilDay(y, mo, d)
	}
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
		(!m.hasAcct || r.account == m.acct) &&
		(!m.hasPolicy || r.policy == m.policy)
}

// seen reports whether the instant ns (0 for never) came before the cut-off.
func (m *match) seen(ns int64) bool { return ns != 0 && ns < m.asOf }

// at reports whether ns came before the cut-off and within the window.
func (m *match) at(ns int64) bool { return ns != 0 && ns >= m.from && ns < m.to && ns < m.asOf }

// day reports whether day d is within the window and ended by the cut-off.
func (m *match) day(d int32) bool { return d >= m.fromDay && d < m.toDay && d < m.asOfDay }

// dayDone reports whether day d ended by the cut-off.
func (m *match) dayDone(d int32) bool { return d < m.asOfDay }

// dims matches the per-day tallies, which are not kept per account.
func (m *match) dims(d dims) bool {
	return !m.none &&
		(!m.hasSrc || d.source == m.source) &&
		(!m.hasCamp || d.campaign == m.campaign) &&
		(!m.hasRep || d.rep == m.rep) &&
		(!m.hasTeam || d.team == m.team) &&
		(!m.hasPolicy || d.policy == m.policy)
}
