package funnel

import (
	"fmt"
	"iter"
	"time"

	"github.com/leadline/leadline/lead"
)

// Outcome is how an opportunity ended.
type Outcome uint8

// The outcomes of an opportunity. An opportunity is open until its lead
// is won, lost, disqualified or returned to marketing.
const (
	OutcomeOpen Outcome = iota
	OutcomeWon
	OutcomeLost
	// OutcomeReturned: the lead went back to marketing (recycled, by hand
	// or by an SLA breach) without an outcome.
	OutcomeReturned
	OutcomeDisqualified
)

// String returns the outcome's name: "open", "won", "lost", "returned" or
// "disqualified".
func (o Outcome) String() string {
	switch o {
	case OutcomeOpen:
		return "open"
	case OutcomeWon:
		return "won"
	case OutcomeLost:
		return "lost"
	case OutcomeReturned:
		return "returned"
	case OutcomeDisqualified:
		return "disqualified"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// MarshalText encodes the outcome as its name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Opportunity is one qualification cycle of a lead: from its entry into
// SQL to its outcome. A lead lost, recycled and qualified again has two
// opportunities, each with its own amount, dates and outcome.
type Opportunity struct {
	Lead lead.ID `json:"lead"`
	// Opened is the SalesQualified event that began the cycle; Amount
	// is the amount it recorded.
	Opened time.Time `json:"opened"`
	Amount float64   `json:"amount"`
	// Outcome is as of the filter's AsOf; Closed is when it came, zero
	// while open.
	Outcome Outcome   `json:"outcome"`
	Closed  time.Time `json:"closed,omitzero"`
	// Won is the amount won (the Won event's, else Amount); 0 unless
	// Outcome is OutcomeWon.
	Won float64 `json:"won"`
	// Touches is the number of touches the lead had in this cycle before
	// it opened: since its capture or its latest return to marketing.
	Touches int `json:"touches"`
}

// Opportunities returns the opportunities opened within f's window (and
// before f.AsOf) of the leads f matches, in the order they opened, with
// their outcome as of f.AsOf.
func (p *Projection) Opportunities(f Filter) []Opportunity {
	m := p.compile(f)
	var out []Opportunity
	for o := range p.opps.all() {
		if !m.at(o.opened) || !m.lead(p.rec(o.lead)) {
			continue
		}
		out = append(out, Opportunity{Lead: lead.ID(p.index.id(o.lead)), Opened: time.Unix(0, o.opened).In(p.location()),
			Amount: o.amount, Outcome: o.outcomeAsOf(&m), Closed: p.timeOf(o.closedAsOf(&m)),
			Won: o.wonAsOf(&m), Touches: int(o.touches)})
	}
	return out
}

func (p *Projection) timeOf(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).In(p.location())
}

// opportunity is one qualification cycle. Times are unix nanoseconds.
type opportunity struct {
	lead           int32
	outcome        Outcome
	touches        uint32
	opened, closed int64
	amount, won    float64
}

func (o *opportunity) outcomeAsOf(m *match) Outcome {
	if o.closed == 0 || !m.seen(o.closed) {
		return OutcomeOpen
	}
	return o.outcome
}

func (o *opportunity) closedAsOf(m *match) int64 {
	if o.outcomeAsOf(m) == OutcomeOpen {
		return 0
	}
	return o.closed
}

func (o *opportunity) wonAsOf(m *match) float64 {
	if o.outcomeAsOf(m) != OutcomeWon {
		return 0
	}
	return o.won
}

// acceptance is one acceptance of a lead: the hand-off it answered, when,
// the first touch after it, and the SLA time of both clocks.
type acceptance struct {
	lead                int32
	handOff, at, touch  int64
	slaAccept, slaTouch int64
}

// exit is a return to marketing: a recycle from stage from, or a
// rejection back to nurture.
type exit struct {
	lead     int32
	at       int64
	from     lead.Stage
	rejected bool
}

// list is an append-only list kept in chunks, so that growing it never
// copies an element and a pointer to one stays valid.
type list[T any] struct {
	chunks [][]T
	n      int
}

// push appends v and returns its index.
func (l *list[T]) push(v T) int32 {
	if l.n%chunkSize == 0 {
		l.chunks = append(l.chunks, make([]T, chunkSize))
	}
	l.chunks[l.n/chunkSize][l.n%chunkSize] = v
	l.n++
	return int32(l.n - 1)
}

func (l *list[T]) at(i int32) *T { return &l.chunks[i/chunkSize][i%chunkSize] }

// all yields every element in order.
func (l *list[T]) all() iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for i := range l.n {
			if !yield(&l.chunks[i/chunkSize][i%chunkSize]) {
				return
			}
		}
	}
}
