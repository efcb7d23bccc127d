package funnel

import (
	"cmp"
	"slices"
	"time"

	"github.com/leadline/leadline/lead"
)

// kinds are the deadline kinds, in the order of lead.Kinds: the index of a
// kind here is its index in a record's clock slots and in clockKey.
var kinds = lead.Kinds()

// maxKinds is the most deadline kinds a record keeps clocks of.
const maxKinds = 8

func init() {
	if len(kinds) > maxKinds {
		panic("funnel: more deadline kinds than a record keeps clocks of; raise maxKinds")
	}
}

// kindIndex returns the index of kind k in kinds, -1 for none.
func kindIndex(k lead.DeadlineKind) int { return lead.KindIndex(k) }

// The states of a clock slot.
const (
	clockOpen uint8 = iota + 1
	clockMet
	clockBreached
	// clockIgnored is a clock the lead's policy has no rule for: it is
	// not counted unless a breach of it is recorded. Its slot's bucket is
	// -1 and its last the day it started.
	clockIgnored
)

// The indexes in kinds of the kinds enforcement treats apart.
var (
	handOffIndex    = kindIndex(lead.KindHandOff)
	acceptIndex     = kindIndex(lead.KindAccept)
	firstTouchIndex = kindIndex(lead.KindFirstTouch)
	stallIndex      = kindIndex(lead.KindStall)
)

// stallSQLBit is the bit of ruleHours.enforced for the stall clock of
// stage SQL; the bit of a kind's index stands for the stall clock of
// stage Accepted.
const stallSQLBit = maxKinds

// allKinds is the ruleHours.enforced of no policy known: every clock
// counts, as the Projection cannot tell which the SLA enforced.
const allKinds = ^uint16(0)

// clockSlot is the latest clock of one kind on one lead: a lead has at
// most one clock of each kind running at a time (lead.State.Clock). Its
// state is kept beside it in record.clockState, so that a slot is 16
// bytes.
type clockSlot struct {
	since  uint64
	bucket int32 // the tally of the clock's start: its key's at is its start day
	last   int32 // the tally of the clock's latest change
}

// clockKey is the tally of the changes made on day at to the clocks of one
// kind started on day day, for leads with the same attributes. A clock
// adds one Open on its start day; settling moves it from Open to Met or
// Breached on the day it settles (and back, for a clock that runs again),
// so the sum over the days up to a cut-off is where the clocks stood then.
type clockKey struct {
	day, at int32
	kind    uint8
	dims
}

// tally counts deadlines by outcome; a tally of one day's changes may
// hold negative counts.
type tally struct {
	Met, Breached, Open int
}

// settle follows the clocks an event started and stopped on r: a clock
// that stopped without a breach is met, a clock that started is open. A
// clock that stops and runs again under the same identity (a stalled
// lead touched back into its stage) is open again.
//
// mql is the index in p.rules of the policy a hand-off clock the event
// started runs under.
func (p *Projection) settle(r *record, c *lead.Change, at int64, mql int32) {
	if c.Stopped.Len() == 0 && c.Started.Len() == 0 {
		return
	}
	for d := range c.Stopped.All() {
		k := kindIndex(d.Kind)
		if k < 0 {
			continue
		}
		s := &r.clocks[k]
		if s.since == d.Since && r.clockState[k] == clockOpen {
			t := p.change(s, at)
			t.Open--
			t.Met++
			r.clockState[k] = clockMet
		}
	}
	for d := range c.Started.All() {
		k := kindIndex(d.Kind)
		if k < 0 {
			continue
		}
		s := &r.clocks[k]
		switch {
		case s.since != d.Since && !p.enforces(r, k, mql):
			*s = clockSlot{since: d.Since, bucket: -1, last: p.days.dayOf(at)}
			r.clockState[k] = clockIgnored
		case s.since != d.Since:
			b := p.clockBucket(k, r, *s, at)
			*s = clockSlot{since: d.Since, bucket: b, last: b}
			r.clockState[k] = clockOpen
			p.clocks[b].Open++
		case r.clockState[k] == clockMet:
			t := p.change(s, at)
			t.Met--
			t.Open++
			r.clockState[k] = clockOpen
		}
	}
}

// breach records at at the first breach step of deadline d on r. A
// breach of a clock the Projection did not see start (a feed begun
// mid-history) is not counted.
func (p *Projection) breach(r *record, d lead.DeadlineID, at int64) {
	k := kindIndex(d.Kind)
	if k < 0 {
		return
	}
	s := &r.clocks[k]
	if s.since != d.Since || s.since == 0 {
		return
	}
	if r.clockState[k] == clockIgnored {
		// The store says the clock was enforced after all: count it as
		// started open on its day, then breached.
		day := s.last
		b := p.clockTally(clockKey{day: day, at: day, kind: uint8(k), dims: r.dims})
		*s = clockSlot{since: s.since, bucket: b, last: b}
		p.clocks[b].Open++
		r.clockState[k] = clockOpen
	}
	switch r.clockState[k] {
	case clockOpen:
		p.change(s, at).Open--
	case clockMet:
		p.change(s, at).Met--
	default:
		return
	}
	p.clocks[s.last].Breached++
	r.clockState[k] = clockBreached
}

// enforces reports whether the clock of kind k that starts on r counts in
// compliance: always without Policies; with them, when the lead's policy
// (for the hand-off clock p.rules[mql], else the policy of the lead's
// hand-off) has a rule for the kind, for the stall clock in the lead's
// stage.
func (p *Projection) enforces(r *record, k int, mql int32) bool {
	if !p.enforcing {
		return true
	}
	rules := r.rules
	if k == handOffIndex {
		rules = mql
	}
	bit := k
	if k == stallIndex {
		if st := r.lc.Stage(); st == lead.StageSQL || st == lead.StageStalled && r.lc.StalledFrom() == lead.StageSQL {
			bit = stallSQLBit
		}
	}
	return p.rules[rules].enforced&(1<<bit) != 0
}

// change returns the tally of the changes on the day of at to the clocks
// that share s's start tally, trying the one s used last before the map.
func (p *Projection) change(s *clockSlot, at int64) *tally {
	day := p.days.dayOf(at)
	if p.clockKeys[s.last].at == day {
		return &p.clocks[s.last]
	}
	key := p.clockKeys[s.bucket]
	key.at = day
	s.last = p.clockTally(key)
	return &p.clocks[s.last]
}

// clockBucket returns the tally of the start of a clock of kind k started
// at at on r, whose previous clock of that kind is prev. That clock
// usually shares it (a stall clock restarts with every touch), so it is
// tried before the map.
func (p *Projection) clockBucket(k int, r *record, prev clockSlot, at int64) int32 {
	day := p.days.dayOf(at)
	key := clockKey{day: day, at: day, kind: uint8(k), dims: r.dims}
	if s := prev; s.since != 0 && s.bucket >= 0 && p.clockKeys[s.bucket] == key {
		return s.bucket
	}
	return p.clockTally(key)
}

func (p *Projection) clockTally(key clockKey) int32 {
	h := key.dims.mix(uint32(key.day)*0x9E3779B1 ^ uint32(key.at)*0x85EBCA77 ^ uint32(key.kind)*0xC2B2AE3D)
	if j := p.clockRecent[h]; j > 0 && p.clockKeys[j-1] == key {
		return j - 1
	}
	i, ok := p.clockIdx[key]
	if !ok {
		i = int32(len(p.clocks))
		p.clocks = append(p.clocks, tally{})
		p.clockKeys = append(p.clockKeys, key)
		p.clockIdx[key] = i
	}
	p.clockRecent[h] = i + 1
	return i
}

// ComplianceRow is the SLA compliance of one deadline kind within one
// group (a rep, a team, a period, or everything).
type ComplianceRow struct {
	// Group is the rep, team or period label; empty for the overall rows.
	Group string `json:"group,omitempty"`
	// Period is set for the rows of ComplianceTrend.
	Period *Period           `json:"-"`
	Kind   lead.DeadlineKind `json:"kind"`
	// Met, Breached and Open count deadlines (SLA clocks) of the kind
	// started in the group: stopped in time, breached, still running.
	Met      int `json:"met"`
	Breached int `json:"breached"`
	Open     int `json:"open"`
	// Rate is the share of settled deadlines met: Met / (Met + Breached),
	// 0 when none is settled.
	Rate float64 `json:"rate"`
}

// Compliance is a table of SLA compliance rows.
type Compliance struct {
	// By names the grouping ("rep", "team", "policy", "week", ...), empty
	// for none.
	By   string          `json:"by,omitempty"`
	Rows []ComplianceRow `json:"rows"`
	// AsOf is the cut-off the figures were computed at (Filter.AsOf);
	// zero for "up to now".
	AsOf time.Time `json:"as_of,omitzero"`
}

// Compliance returns the share of SLA deadlines met, per deadline kind,
// for the deadlines whose clocks started within f's window (by day), and,
// when by is ByRep, ByTeam or ByPolicy, per rep, team or policy segment
// as well (by 0 gives one row per kind). by may also be BySource or
// ByCampaign. Compliance is tallied per day, rep, team, policy segment,
// source and campaign, not per account: f.Account and ByAccount do not
// apply (ByAccount groups everything under "").
//
// With f.AsOf set, each deadline is counted as it stood at the end of the
// last day that ended by AsOf: a clock met or breached on a later day is
// still open, and a clock started on a later day is left out.
//
// A deadline is a clock of lead.State.Clock, one of every kind lead.Kinds
// lists: it starts with the event that lead reports starting it (the
// hand-off or reassignment for accept; the acceptance for first_touch,
// qualify and cadence; the first unanswered touch of a streak for
// unresponsive; the last progress for stall). It is
// breached once a DeadlineBreached with Step 0 names its DeadlineID, met
// when it stops running without one, and open otherwise. Rate is
// Met / (Met + Breached). Kinds with no deadline are left out.
//
// With Projection.Policies set, only the clocks the lead's policy has a
// rule for are deadlines (sla.Policy.Enforces; a stall clock, when the
// policy has a stall window for the lead's stage): a clock the policy
// leaves out is neither open, met nor breached, unless a breach of it is
// recorded, which counts it as breached. Without Policies every clock
// counts, since the Projection cannot tell which the SLA enforced.
func (p *Projection) Compliance(f Filter, by Dimension) Compliance {
	m := p.compile(f)
	type gk struct {
		group uint32
		kind  uint8
	}
	sums := map[gk]*tally{}
	for key, i := range p.clockIdx {
		if !m.day(key.day) || !m.dayDone(key.at) || !m.dims(key.dims) {
			continue
		}
		k := gk{group: attrs{dims: key.dims}.pick(by), kind: key.kind}
		t := sums[k]
		if t == nil {
			t = &tally{}
			sums[k] = t
		}
		c := p.clocks[i]
		t.Met += c.Met
		t.Breached += c.Breached
		t.Open += c.Open
	}
	out := Compliance{AsOf: f.AsOf}
	if by != 0 {
		out.By = by.String()
	}
	for k, t := range sums {
		out.Rows = append(out.Rows, complianceRow(p.names.name(k.group), int(k.kind), *t))
	}
	slices.SortFunc(out.Rows, func(a, b ComplianceRow) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(kindIndex(a.Kind), kindIndex(b.Kind)))
	})
	return out
}

// ComplianceTrend returns Compliance per period of unit u: one row per
// period and deadline kind, for the periods from f.From to f.To (both
// required; periods are taken whole, in the Projection's Location) in
// order. Every period has a row for each kind in only (every kind when
// only is empty), with zero counts where no deadline started, so charts
// have no gaps.
func (p *Projection) ComplianceTrend(f Filter, u Unit, only ...lead.DeadlineKind) Compliance {
	loc := p.location()
	if len(only) == 0 {
		only = kinds
	}
	out := Compliance{By: u.String(), AsOf: f.AsOf}
	for _, per := range Periods(u, f.From, f.To, loc) {
		g := f
		g.From, g.To = per.Start, per.End
		c := p.Compliance(g, 0)
		for _, k := range only {
			row := ComplianceRow{Kind: k}
			for _, r := range c.Rows {
				if r.Kind == k {
					row = r
				}
			}
			pp := per
			row.Group, row.Period = per.String(), &pp
			out.Rows = append(out.Rows, row)
		}
	}
	return out
}

func complianceRow(group string, k int, t tally) ComplianceRow {
	return ComplianceRow{Group: group, Kind: kinds[k], Met: t.Met, Breached: t.Breached, Open: t.Open,
		Rate: ratio(float64(t.Met), float64(t.Met+t.Breached))}
}

// pick returns the attribute a breakdown by d groups on; 0 for no grouping.
func (a attrs) pick(d Dimension) uint32 {
	switch d {
	case ByRep:
		return a.rep
	case ByTeam:
		return a.team
	case BySource:
		return a.source
	case ByCampaign:
		return a.campaign
	case ByAccount:
		return a.account
	case ByPolicy:
		return a.policy
	}
	return 0
}
