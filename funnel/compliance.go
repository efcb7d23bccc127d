package funnel

import (
	"cmp"
	"slices"

	"github.com/leadline/leadline/lead"
)

// nKinds is the number of deadline kinds, in the order of lead.Kinds.
const nKinds = 6

var kinds = [nKinds]lead.DeadlineKind{
	lead.KindAccept, lead.KindFirstTouch, lead.KindCadence,
	lead.KindUnresponsive, lead.KindQualify, lead.KindStall,
}

func kindIndex(k lead.DeadlineKind) int {
	for i, kk := range kinds {
		if kk == k {
			return i
		}
	}
	return -1
}

// The states of a clock slot.
const (
	clockOpen uint8 = iota + 1
	clockMet
	clockBreached
)

// clockSlot is the latest clock of one kind on one lead. A lead has at most
// one clock of each kind running at a time, because lead.State.Running
// ties each kind to one version field of the state.
type clockSlot struct {
	since  uint64
	bucket int32
	state  uint8
}

// clockKey is the tally of clocks of one kind started on one day for leads
// with the same attributes.
type clockKey struct {
	day  int32
	kind uint8
	dims
}

// tally counts deadlines by outcome.
type tally struct {
	Met, Breached, Open int
}

// The indexes of the deadline kinds in kinds.
const (
	kAccept = iota
	kFirstTouch
	kCadence
	kUnresponsive
	kQualify
	kStall
)

// running returns the version that started the clock of kind kinds[k]
// running in r, or 0 when none runs. It mirrors lead.State.Running.
func (r *record) running(k int) uint64 {
	worked := r.stage == lead.StageAccepted || r.stage == lead.StageSQL
	switch k {
	case kAccept:
		if r.stage == lead.StageHandedOff {
			return r.handOffV
		}
	case kFirstTouch:
		if r.stage == lead.StageAccepted && r.sinceAccept == 0 {
			return r.acceptV
		}
	case kCadence:
		if worked {
			return r.acceptV
		}
	case kUnresponsive:
		if worked {
			return r.unansweredV
		}
	case kQualify:
		if r.stage == lead.StageAccepted {
			return r.acceptV
		}
	case kStall:
		if worked || r.stage == lead.StageStalled {
			return r.progressV
		}
	}
	return 0
}

// tick settles r's clocks after an event at time at: a clock that stopped
// without a breach is met, a clock that started is open. A clock that
// stops and runs again under the same identity (a stalled lead touched
// back into its stage) is open again.
func (p *Projection) tick(r *record, at int64) {
	for k := range nKinds {
		since := r.running(k)
		s := &r.clocks[k]
		if s.since != 0 && s.since != since && s.state == clockOpen {
			t := &p.clocks[s.bucket]
			t.Open--
			t.Met++
			s.state = clockMet
		}
		switch {
		case since == 0:
		case since != s.since:
			*s = clockSlot{since: since, bucket: p.clockBucket(k, r, at), state: clockOpen}
			p.clocks[s.bucket].Open++
		case s.state == clockMet:
			t := &p.clocks[s.bucket]
			t.Met--
			t.Open++
			s.state = clockOpen
		}
	}
}

// breach records the first breach step of deadline d. A breach of a clock
// the Projection did not see start (a feed begun mid-history) is not
// counted.
func (p *Projection) breach(r *record, d lead.DeadlineID) {
	k := kindIndex(d.Kind)
	if k < 0 {
		return
	}
	s := &r.clocks[k]
	if s.since != d.Since || s.since == 0 {
		return
	}
	t := &p.clocks[s.bucket]
	switch s.state {
	case clockOpen:
		t.Open--
	case clockMet:
		t.Met--
	default:
		return
	}
	t.Breached++
	s.state = clockBreached
}

// clockBucket returns the tally of clocks of kind k started at at on r.
// The lead's previous clock of the same kind usually shares it (a stall
// clock restarts with every touch), so that is tried before the map.
func (p *Projection) clockBucket(k int, r *record, at int64) int32 {
	key := clockKey{day: p.days.dayOf(at), kind: uint8(k), dims: r.dims}
	if s := r.clocks[k]; s.since != 0 && p.clockKeys[s.bucket] == key {
		return s.bucket
	}
	i, ok := p.clockIdx[key]
	if !ok {
		i = int32(len(p.clocks))
		p.clocks = append(p.clocks, tally{})
		p.clockKeys = append(p.clockKeys, key)
		p.clockIdx[key] = i
	}
	return i
}

// ComplianceRow is the SLA compliance of one deadline kind within one
// group (a rep, a team, a period, or everything).
type ComplianceRow struct {
	// Group is the rep, team or period label; empty for the overall rows.
	Group string `json:"group,omitempty"`
	// Period is set for the rows of ComplianceTrend.
	Period   *Period           `json:"-"`
	Kind     lead.DeadlineKind `json:"kind"`
	Met      int               `json:"met"`
	Breached int               `json:"breached"`
	Open     int               `json:"open"`
	// Rate is Met / (Met + Breached), 0 when no deadline is settled.
	Rate float64 `json:"rate"`
}

// Compliance is a table of SLA compliance rows.
type Compliance struct {
	// By names the grouping ("rep", "team", "week", ...), empty for none.
	By   string          `json:"by,omitempty"`
	Rows []ComplianceRow `json:"rows"`
}

// Compliance returns the share of SLA deadlines met, per deadline kind,
// for the deadlines whose clocks started within f's window (by day), and,
// when by is ByRep or ByTeam, per rep or team as well (by 0 gives one row
// per kind). by may also be BySource or ByCampaign. Compliance is tallied
// per day, rep, team, source and campaign, not per account: f.Account and
// ByAccount do not apply (ByAccount groups everything under "").
//
// A deadline is a clock of lead.State.Running: it starts with the event
// Running first accepts it for (the hand-off or reassignment for accept;
// the acceptance for first_touch, qualify and cadence; the first unanswered
// touch of a streak for unresponsive; the last progress for stall). It is
// breached once a DeadlineBreached with Step 0 names its DeadlineID, met
// when it stops running without one, and open otherwise. Rate is
// Met / (Met + Breached). Kinds with no deadline are left out.
func (p *Projection) Compliance(f Filter, by Dimension) Compliance {
	m := p.compile(f)
	type gk struct {
		group uint32
		kind  uint8
	}
	sums := map[gk]*tally{}
	for key, i := range p.clockIdx {
		if !m.day(key.day) || !m.dims(key.dims) {
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
	out := Compliance{}
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
		only = kinds[:]
	}
	out := Compliance{By: u.String()}
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
		return a.company
	}
	return 0
}
