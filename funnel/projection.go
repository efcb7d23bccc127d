package funnel

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/leadline/leadline/lead"
)

// nStages is the number of lead.Stage values, StageNone included.
const nStages = int(lead.StageDisqualified) + 1

// MaxCadenceTouches is the most touches a cadence commitment can ask for:
// the Projection remembers the times of each lead's first
// MaxCadenceTouches touches after its first acceptance.
const MaxCadenceTouches = 8

// ErrInvalidEvent is matched (with errors.Is) by the error Apply returns
// for an event it cannot place: nil, or without a lead ID.
var ErrInvalidEvent = errors.New("funnel: invalid event")

// Projection folds the global event order of any store into the funnel's
// read model. Feed it every event with its global position (a store's
// Record.Position) through Apply; query it with the metric methods.
//
// It keeps one compact record per lead (stage entry times, owner, score,
// touches, amounts and the state of its SLA clocks) and a few tallies kept
// per day (SLA compliance, touch content); memory grows with the number of
// leads, reps and days, not with the number of events, and folding an
// event allocates nothing once its lead, names and day are known.
//
// The zero Projection is ready to use, in UTC. A Projection is not safe
// for concurrent use: feed and query it from one goroutine, or guard it.
type Projection struct {
	// Location is the time zone of the days, weeks, months and quarters
	// the Projection reports; nil means UTC. Set it before the first
	// Apply; later changes are ignored.
	Location *time.Location

	pos   uint64
	ready bool
	days  dayClock
	index map[lead.ID]int32
	leads [][]record    // chunks of chunkSize records: growing never copies a record
	slots [][]clockSlot // chunks of chunkSize × len(kinds) clock slots, by record
	n     int           // records in use
	names dict

	clockIdx  map[clockKey]int32
	clocks    []tally
	clockKeys []clockKey
	touchIdx  map[touchKey]int32
	touches   []touchTally
	touchKeys []touchKey
}

// dims are the interned names the per-day tallies are kept under.
type dims struct {
	source, campaign, rep, team uint32
}

// attrs are the interned names a lead is reported under.
type attrs struct {
	dims
	company uint32
}

// record is one lead, as much of it as the metrics need. Times are unix
// nanoseconds, 0 for never.
type record struct {
	attrs
	// lc is where the lead stands by lead's own rules: its stage, the
	// stage a stalled lead left and the versions its clocks run from.
	// Apply steps it with each event and reads what the event changed.
	lc        lead.Lifecycle
	first     [nStages]int64 // first entry into each stage
	entered   int64          // entry into the current stage
	scored    bool
	mqlScored bool
	score     int16
	mqlScore  int16 // score when the lead first became an MQL

	touches          uint32 // every touch
	touchesBeforeSQL uint32 // touches before the first SQL
	handOffAt        int64  // the latest entry into HandedOff
	acceptFrom       int64  // the hand-off the first acceptance answered
	firstTouch       int64
	lastTouch        int64
	cadence          [MaxCadenceTouches]uint32 // seconds from the first acceptance to each of the first touches
	nCadence         uint8

	amount   float64 // amount at the latest SQL
	won      float64
	currency uint32

	returned [nStages]uint8 // returns to marketing, by the stage left
	rejected uint8

	lastContent, lastTouchCampaign uint32 // of the latest touch
	sqlContent, sqlCampaign        uint32 // of the latest touch before the first SQL
	sqlTouched                     bool
	touchBucket                    int32 // 1 + the index of the latest touch tally used
}

// Position returns the position of the last event applied, 0 before the
// first. Resume a subscription from Position()+1.
func (p *Projection) Position() uint64 { return p.pos }

// Leads returns the number of leads the Projection has seen.
func (p *Projection) Leads() int { return p.n }

const chunkSize = 4096

// rec returns the record at index i.
func (p *Projection) rec(i int32) *record {
	return &p.leads[i/chunkSize][i%chunkSize]
}

// clocksOf returns the clock slots of the record at index i, one per
// deadline kind, in the order of kinds.
func (p *Projection) clocksOf(i int32) []clockSlot {
	o := int(i%chunkSize) * len(kinds)
	return p.slots[i/chunkSize][o : o+len(kinds) : o+len(kinds)]
}

// add appends a zero record and returns its index.
func (p *Projection) add() int32 {
	if p.n%chunkSize == 0 {
		p.leads = append(p.leads, make([]record, chunkSize))
		p.slots = append(p.slots, make([]clockSlot, chunkSize*len(kinds)))
	}
	p.n++
	return int32(p.n - 1)
}

// all yields every record, in the order the leads first appeared.
func (p *Projection) all() iter.Seq[*record] {
	return func(yield func(*record) bool) {
		for c, chunk := range p.leads {
			if c == len(p.leads)-1 {
				chunk = chunk[:p.n-c*chunkSize]
			}
			for i := range chunk {
				if !yield(&chunk[i]) {
					return
				}
			}
		}
	}
}

func (p *Projection) location() *time.Location {
	if p.ready {
		return p.days.loc
	}
	if p.Location != nil {
		return p.Location
	}
	return time.UTC
}

func (p *Projection) init() {
	if p.ready {
		return
	}
	p.days = dayClock{loc: p.location(), start: 1, end: 0}
	p.ready = true
	p.index = make(map[lead.ID]int32)
	p.names.init()
	p.clockIdx = make(map[clockKey]int32)
	p.touchIdx = make(map[touchKey]int32)
}

// Apply folds the event at global position position into the Projection.
// Positions start at 1 and must increase; an event at or below Position()
// was applied
// before and is ignored, so a resumed feed that repeats a few events is
// harmless. Within one lead an event whose version is not above the last
// one seen is ignored too.
//
// Apply returns an error matching ErrInvalidEvent for a nil event or one
// without a lead ID; the position still advances past it, so the feed can
// go on.
func (p *Projection) Apply(position uint64, e lead.Event) error {
	if position <= p.pos {
		return nil
	}
	p.pos = position
	if e == nil {
		return fmt.Errorf("%w: nil event at position %d", ErrInvalidEvent, position)
	}
	m := e.Base()
	if m.Lead == "" {
		return fmt.Errorf("%w: %s at position %d has no lead ID", ErrInvalidEvent, e.Type(), position)
	}
	p.init()
	i, ok := p.index[m.Lead]
	if !ok {
		i = p.add()
		p.index[lead.ID(strings.Clone(string(m.Lead)))] = i
	}
	r := p.rec(i)
	if m.Version <= r.lc.Version() {
		return nil
	}
	var c lead.Change
	c = r.lc.Advance(e)
	at := m.At.UnixNano()
	if c.Assigned {
		r.rep, r.team = p.names.intern(c.Rep), p.names.intern(c.Team)
	}
	// What the event says besides where the lead now stands, read before
	// the entry it made is recorded (first entries decide some of it).
	switch e := e.(type) {
	case lead.Captured:
		r.source = p.names.intern(e.Source)
		r.campaign = p.names.intern(e.Campaign)
		r.company = p.names.intern(e.Company)
	case lead.Scored:
		r.score, r.scored = int16(e.Total), true
	case lead.MarketingQualified:
		if r.first[lead.StageMQL] == 0 {
			r.mqlScore, r.mqlScored = r.score, r.scored
		}
	case lead.Accepted:
		if r.first[lead.StageAccepted] == 0 {
			r.acceptFrom = r.handOffAt
		}
	case lead.Rejected:
		if c.To == lead.StageNurturing {
			r.rejected = inc8(r.rejected)
		}
	case lead.Touched:
		p.touch(r, e, at)
	case lead.SalesQualified:
		r.amount = e.Amount
		r.currency = p.names.intern(e.Currency)
		if r.first[lead.StageSQL] == 0 && r.lastTouch != 0 {
			r.sqlContent, r.sqlCampaign, r.sqlTouched = r.lastContent, r.lastTouchCampaign, true
			p.touchTally(r, r.sqlContent, r.sqlCampaign, at).SQLs++
		}
	case lead.Recycled:
		if !c.From.Closed() && int(c.From) < nStages {
			r.returned[c.From] = inc8(r.returned[c.From])
		}
	case lead.Won:
		r.won = e.Amount
		if r.won == 0 {
			r.won = r.amount
		}
		if r.first[lead.StageWon] == 0 && r.sqlTouched {
			t := p.touchTally(r, r.sqlContent, r.sqlCampaign, at)
			t.Won++
			t.Revenue += r.won
		}
	case lead.DeadlineBreached:
		if e.Step == 0 {
			p.breach(p.clocksOf(i), e.Deadline)
		}
	}
	if c.Entered {
		r.enter(c.To, at)
		if c.To == lead.StageHandedOff {
			r.handOffAt = at
		}
	}
	p.settle(r, p.clocksOf(i), c, at)
	return nil
}

func (p *Projection) touch(r *record, e lead.Touched, at int64) {
	r.touches++
	if r.first[lead.StageSQL] == 0 {
		r.touchesBeforeSQL++
	}
	if r.firstTouch == 0 {
		r.firstTouch = at
	}
	r.lastTouch = at
	if acc := r.first[lead.StageAccepted]; acc != 0 && int(r.nCadence) < MaxCadenceTouches && at >= acc {
		r.cadence[r.nCadence] = uint32(min((at-acc)/int64(time.Second), 1<<32-1))
		r.nCadence++
	}
	r.lastContent = p.names.intern(e.Content)
	r.lastTouchCampaign = p.names.intern(e.Campaign)
	t := p.touchTally(r, r.lastContent, r.lastTouchCampaign, at)
	t.Touches++
	if e.Outcome.Answered() {
		t.Answered++
	}
}

func inc8(n uint8) uint8 {
	if n < 255 {
		n++
	}
	return n
}

// enter records an entry into stage st at at.
func (r *record) enter(st lead.Stage, at int64) {
	r.entered = at
	if int(st) < nStages && r.first[st] == 0 {
		r.first[st] = at
	}
}

// dict interns the names leads are reported under, so that a record holds
// small integers and no pointers. Index 0 is the empty name.
type dict struct {
	idx   map[string]uint32
	names []string
	last  uint32 // the last name looked up: names repeat from event to event
}

func (d *dict) init() {
	d.idx = map[string]uint32{"": 0}
	d.names = []string{""}
}

func (d *dict) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if s == d.names[d.last] {
		return d.last
	}
	if v, ok := d.idx[s]; ok {
		d.last = v
		return v
	}
	s = strings.Clone(s)
	v := uint32(len(d.names))
	d.names = append(d.names, s)
	d.idx[s] = v
	return v
}

func (d *dict) name(v uint32) string {
	if int(v) < len(d.names) {
		return d.names[v]
	}
	return ""
}

// touchKey is one day's touches with one content and campaign, for leads
// with the same attributes.
type touchKey struct {
	day               int32
	content, campaign uint32
	dims
}

// touchTally counts touches and the conversions credited to them.
type touchTally struct {
	Touches, Answered, SQLs, Won int
	Revenue                      float64
}

// touchTally returns the tally of r's touches with content and campaign on
// the day of at, trying the lead's previous one before the map.
func (p *Projection) touchTally(r *record, content, campaign uint32, at int64) *touchTally {
	k := touchKey{day: p.days.dayOf(at), content: content, campaign: campaign, dims: r.dims}
	if r.touchBucket > 0 && p.touchKeys[r.touchBucket-1] == k {
		return &p.touches[r.touchBucket-1]
	}
	i, ok := p.touchIdx[k]
	if !ok {
		i = int32(len(p.touches))
		p.touches = append(p.touches, touchTally{})
		p.touchKeys = append(p.touchKeys, k)
		p.touchIdx[k] = i
	}
	r.touchBucket = i + 1
	return &p.touches[i]
}
