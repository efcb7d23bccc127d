package funnel

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
	"unicode"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
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
// touches and the state of its SLA clocks), one per opportunity (each
// qualification cycle, from SQL to its outcome), per acceptance and per
// return to marketing, and a few tallies kept per day (SLA compliance,
// touch content); memory grows with the number of leads, their cycles,
// reps and days, not with the number of events. A lead is found by one
// lookup in an index over its ID's bytes; folding an event allocates
// nothing in the Projection once its lead, names and day are known, but
// for a new chunk of 4096 records, opportunities, acceptances or returns
// (lead's own fold still allocates for a warning, breach step or pause
// it records).
//
// The zero Projection is ready to use, in UTC, with every SLA clock
// measured around the clock. A Projection is not safe for concurrent use:
// feed and query it from one goroutine, or guard it.
type Projection struct {
	// Location is the time zone of the days, weeks, months and quarters
	// the Projection reports; nil means UTC. Set it before the first
	// Apply; later changes are ignored.
	Location *time.Location

	// Policies are the SLA policies the leads run under (the Engine's
	// set): time to accept and to first touch are measured in the hours
	// of the policy each hand-off recorded, as package sla measures its
	// clocks. A hand-off whose policy the set does not hold runs under
	// its segment's current version, else the default segment's; with no
	// policy at all the clocks run around the clock.
	//
	// With Policies set, a clock of a kind the lead's policy has no rule
	// for (sla.Policy.Enforces) is not an SLA deadline: Compliance,
	// AcceptTimes and FirstTouchTimes leave it out, unless a breach of it
	// is recorded. The hand-off clock runs under the policy a hand-off
	// would run under when the lead became an MQL (sla.Set.Select, as the
	// Engine resolves it), the other clocks under the policy of the
	// lead's hand-off. A Selector is shown the lead's ID, stage, source,
	// campaign, company, attributes, fit, intent and score, MQL source,
	// rep and team; to show it the attributes, the Projection keeps them
	// for every lead while the Set has a Selector. Without Policies (an
	// empty Set) the Projection cannot tell which clocks the SLA
	// enforced, and counts every clock lead runs.
	//
	// Set it before the first Apply; later changes are ignored.
	Policies sla.Set

	pos   uint64
	ready bool
	days  dayClock
	index leadIndex
	leads [][]record // chunks of chunkSize records: growing never copies a record
	n     int        // records in use
	names dict
	// accountName is, by the name of a normalized account, the name of
	// its first spelling; 0 for a name that is not an account.
	accountName []uint32

	rules   []ruleHours
	ruleIdx map[policyKey]int32
	// enforcing is whether Policies holds any policy, so that a clock
	// counts only if its lead's policy has a rule for it.
	enforcing bool
	// facts are, by record index, what a Selector may read of a lead and
	// a record does not keep; only while Policies has a Selector.
	facts   map[int32]leadFacts
	accepts list[acceptance]
	opps    list[opportunity]
	exits   list[exit]

	clockIdx  map[clockKey]int32
	clocks    []tally
	clockKeys []clockKey
	touchIdx  map[touchKey]int32
	touches   []touchTally
	touchKeys []touchKey
	// clockRecent and touchRecent are, by dims.mix of a key, 1 + the
	// index of the tally last found under it: the tallies of a day's
	// leads repeat from event to event, and are found here without
	// hashing the key into the map.
	clockRecent, touchRecent [256]int32
}

// dims are the interned names the per-day tallies are kept under.
type dims struct {
	source, campaign, rep, team uint32
	// policy is the segment (sla.Policy.Name) of the lead's latest
	// hand-off; 0, the empty name, is the default segment.
	policy uint32
}

// mix returns a cheap hash of d and seed, for the caches of recent
// tallies.
func (d dims) mix(seed uint32) uint8 {
	h := seed ^ d.source*0x27D4EB2F ^ d.campaign*0x165667B1 ^ d.rep*0xD3A2646D ^ d.team*0xFD7046C5 ^ d.policy*0xB55A4F09
	return uint8(h>>24 ^ h>>8)
}

// attrs are the interned names a lead is reported under.
type attrs struct {
	dims
	// account is the lead's Captured.Company as accountKey normalizes it;
	// 0 for a lead without a company.
	account uint32
}

// record is one lead, as much of it as the metrics need. Times are unix
// nanoseconds, 0 for never. The fields most events read or write come
// first, so that folding an event touches few cache lines of its record.
type record struct {
	// lc is where the lead stands by lead's own rules: its stage, the
	// stage a stalled lead left and the versions its clocks run from.
	// Apply steps it with each event and reads what the event changed.
	lc lead.Lifecycle

	entered      int64  // entry into the current stage
	cycleTouches uint32 // touches since the lead last came from marketing
	touchBucket  int32  // 1 + the index of the latest touch tally used
	firstTouch   int64
	lastTouch    int64

	lastContent, lastTouchCampaign uint32 // of the latest touch
	accept                         int32  // 1 + the index in p.accepts of the latest acceptance; 0 for none
	opp                            int32  // 1 + the index in p.opps of the open opportunity; 0 for none
	attrs
	first [nStages]int64 // first entry into each stage

	// clocks are the lead's latest clock of each kind, in the order of
	// kinds, and clockState the state of each (clockOpen, ...; 0 for
	// none).
	clockState [maxKinds]uint8
	clocks     [maxKinds]clockSlot

	nCadence uint8
	cadence  [MaxCadenceTouches]uint32 // seconds from the first acceptance to each of the first touches

	// The SLA clocks as the SLA measures them: the accept clock runs from
	// handOff, in the hours of the policy rules p.rules[rules]; pauses
	// since the hand-off are left out. pauseFrom and pauseTo are the
	// latest pause (pauseTo 0 while it has no end; pauseFrom 0 for none),
	// pausedAccept and pausedTouch the rule time inside the earlier ones
	// since the hand-off and since the acceptance.
	handOff                   int64
	rules                     int32
	policyVersion             int32
	pauseFrom, pauseTo        int64
	pausedAccept, pausedTouch int64

	scored                  bool
	mqlScored               bool
	sqlTouched              bool
	score                   int16
	mqlScore                int16  // score when the lead first became an MQL
	sqlContent, sqlCampaign uint32 // of the latest touch before the first SQL
}

// Position returns the position of the last event applied, 0 before the
// first. Resume a subscription from Position()+1.
func (p *Projection) Position() uint64 { return p.pos }

// Leads returns the number of leads the Projection has seen.
func (p *Projection) Leads() int { return p.n }

const chunkSize = 4096

// rec returns the record at index i.
func (p *Projection) rec(i int32) *record {
	return &p.leads[uint32(i)/chunkSize][uint32(i)%chunkSize]
}

// add appends a zero record and returns its index.
func (p *Projection) add() int32 {
	if p.n%chunkSize == 0 {
		p.leads = append(p.leads, make([]record, chunkSize))
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
	p.names.init()
	p.ruleIdx = map[policyKey]int32{}
	p.rules = []ruleHours{{accept: always, touch: always, enforced: allKinds}} // index 0: no policy
	p.enforcing = p.Policies.Len() > 0
	if p.enforcing && p.Policies.Selector != nil {
		p.facts = map[int32]leadFacts{}
	}
	p.clockIdx = make(map[clockKey]int32)
	p.touchIdx = make(map[touchKey]int32)
}

// Apply folds the event at global position position into the Projection.
// Positions start at 1 and must increase; an event at or below Position()
// was applied before and is ignored, so a resumed feed that repeats a few
// events is harmless. Within one lead an event whose version is not above
// the last one seen is ignored too.
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
	i, h := p.index.find(m.Lead)
	if i < 0 {
		i = p.add()
		p.index.add(m.Lead, h)
	}
	r := p.rec(i)
	if m.Version <= r.lc.Version() {
		return nil
	}
	c := r.lc.Advance(e)
	at := m.At.UnixNano()
	var mql int32 // the hand-off clock's policy, in p.rules
	if c.Assigned {
		r.rep, r.team = p.names.intern(c.Rep), p.names.intern(c.Team)
	}
	// What the event says besides where the lead now stands, read before
	// the entry it made is recorded (first entries decide some of it).
	switch e := e.(type) {
	case lead.Captured:
		r.source = p.names.intern(e.Source)
		r.campaign = p.names.intern(e.Campaign)
		r.account = p.account(e.Company)
		if p.facts != nil {
			f := p.facts[i]
			f.company, f.attributes = e.Company, e.Attributes
			p.facts[i] = f
		}
	case lead.Scored:
		r.score, r.scored = int16(e.Total), true
		if p.facts != nil {
			f := p.facts[i]
			f.fit, f.intent = e.Fit, e.Intent
			p.facts[i] = f
		}
	case lead.MarketingQualified:
		if r.first[lead.StageMQL] == 0 {
			r.mqlScore, r.mqlScored = r.score, r.scored
		}
		if p.enforcing {
			mql = p.selectRules(i, r, &m, &e)
		}
	case lead.HandedOff:
		r.policy = p.names.intern(e.Policy)
		r.policyVersion = int32(e.PolicyVersion)
	case lead.Reassigned:
		if e.PolicyVersion != 0 && freshHandOff(&c) {
			r.policyVersion = int32(e.PolicyVersion)
		}
	case lead.Accepted:
		p.accepted(i, r, at)
	case lead.Rejected:
		if c.To == lead.StageNurturing {
			p.exits.push(exit{lead: i, at: at, from: c.From, rejected: true})
		}
	case lead.Touched:
		p.touch(r, &e, &c, at)
	case lead.SalesQualified:
		if r.opp == 0 {
			o := p.opps.push(opportunity{lead: i, opened: at, amount: e.Amount, touches: r.cycleTouches})
			r.opp = o + 1
		}
		if r.first[lead.StageSQL] == 0 && r.lastTouch != 0 {
			r.sqlContent, r.sqlCampaign, r.sqlTouched = r.lastContent, r.lastTouchCampaign, true
			p.touchTally(r, r.sqlContent, r.sqlCampaign, at).SQLs++
		}
	case lead.Recycled:
		if !c.From.Closed() && int(c.From) < nStages {
			p.exits.push(exit{lead: i, at: at, from: c.From})
		}
	case lead.Won:
		won := e.Amount
		if r.opp != 0 && won == 0 {
			won = p.opps.at(r.opp - 1).amount
		}
		if r.opp != 0 {
			p.opps.at(r.opp - 1).won = won
		}
		if r.first[lead.StageWon] == 0 && r.sqlTouched {
			t := p.touchTally(r, r.sqlContent, r.sqlCampaign, at)
			t.Won++
			t.Revenue += won
		}
	case lead.Paused:
		p.foldPause(r, at)
		r.pauseFrom, r.pauseTo = at, 0
		if !e.Until.IsZero() {
			r.pauseTo = max(e.Until.UnixNano(), at)
		}
	case lead.Resumed:
		if r.pauseFrom != 0 && (r.pauseTo == 0 || r.pauseTo > at) {
			r.pauseTo = at
		}
	case lead.DeadlineBreached:
		if e.Step == 0 {
			p.breach(r, e.Deadline, at)
		}
	}
	if c.From != c.To && r.opp != 0 {
		if out := closeOutcome(c.To); out != 0 {
			o := p.opps.at(r.opp - 1)
			o.outcome, o.closed = out, at
			r.opp = 0
		}
	}
	if c.Entered {
		r.enter(c.To, at)
		if c.To == lead.StageNurturing {
			r.cycleTouches = 0
			r.clearPauses()
		}
	}
	if freshHandOff(&c) {
		// A fresh hand-off (or reassignment) starts the accept clock
		// anew, and lead forgets the pauses before it.
		r.handOff = at
		r.rules = p.ruleHoursOf(r.policy, r.policyVersion)
		r.clearPauses()
	}
	p.settle(r, &c, at, mql)
	return nil
}

// freshHandOff reports whether the event that made change c handed the
// lead off afresh: a hand-off, or a reassignment that is not a step of the
// accept ladder, each a new entry into the stage (one in the instant of
// the hand-off before it too), and each starts a new accept clock.
func freshHandOff(c *lead.Change) bool {
	return c.Entered && c.To == lead.StageHandedOff
}

// closeOutcome returns the outcome an open opportunity gets when its lead
// enters st, 0 when entering st does not end it.
func closeOutcome(st lead.Stage) Outcome {
	switch st {
	case lead.StageWon:
		return OutcomeWon
	case lead.StageLost:
		return OutcomeLost
	case lead.StageNurturing:
		return OutcomeReturned
	case lead.StageDisqualified:
		return OutcomeDisqualified
	}
	return 0
}

func (r *record) clearPauses() {
	r.pauseFrom, r.pauseTo, r.pausedAccept, r.pausedTouch = 0, 0, 0, 0
}

// accepted records the acceptance at at of lead i, whose record is r.
func (p *Projection) accepted(i int32, r *record, at int64) {
	h := &p.rules[r.rules]
	a := acceptance{lead: i, handOff: r.handOff, at: at}
	if r.clockState[acceptIndex] == clockIgnored {
		// No accept rule: the hand-off started no SLA clock to time.
		a.handOff = 0
	}
	if a.handOff != 0 && r.handOff <= at {
		a.slaAccept = r.ruleTime(h.accept, r.handOff, at, r.pausedAccept)
	}
	r.accept = p.accepts.push(a) + 1
	r.pausedTouch = 0
}

// ruleTime returns the time a clock started at from and stopped at to ran
// in cal's hours, less paused (the rule time of the earlier pauses) and
// the part of the latest pause that falls in [from, to).
func (r *record) ruleTime(cal *sla.Calendar, from, to, paused int64) int64 {
	d := int64(elapsed(cal, from, to)) - paused
	if r.pauseFrom != 0 {
		end := r.pauseTo
		if end == 0 || end > to {
			end = to
		}
		if s := max(r.pauseFrom, from); s < end {
			d -= int64(elapsed(cal, s, end))
		}
	}
	return max(d, 0)
}

// foldPause adds the latest pause of r, over by at, to the paused rule
// time of its accept and first-touch clocks.
func (p *Projection) foldPause(r *record, at int64) {
	if r.pauseFrom == 0 {
		return
	}
	end := r.pauseTo
	if end == 0 || end > at {
		end = at
	}
	h := &p.rules[r.rules]
	if s := max(r.pauseFrom, r.handOff); r.handOff != 0 && s < end {
		r.pausedAccept += int64(elapsed(h.accept, s, end))
	}
	if r.accept != 0 {
		if acc := p.accepts.at(r.accept - 1).at; max(r.pauseFrom, acc) < end {
			r.pausedTouch += int64(elapsed(h.touch, max(r.pauseFrom, acc), end))
		}
	}
	r.pauseFrom, r.pauseTo = 0, 0
}

func (p *Projection) touch(r *record, e *lead.Touched, c *lead.Change, at int64) {
	r.cycleTouches++
	if r.firstTouch == 0 {
		r.firstTouch = at
	}
	r.lastTouch = at
	if acc := r.first[lead.StageAccepted]; acc != 0 && int(r.nCadence) < MaxCadenceTouches && at >= acc {
		r.cadence[r.nCadence] = uint32(min((at-acc)/int64(time.Second), 1<<32-1))
		r.nCadence++
	}
	if _, ok := c.Stopped.Get(lead.KindFirstTouch); ok && r.accept != 0 {
		// The touch that stops the first-touch clock is the one the SLA
		// timed: the first after the acceptance, while it ran.
		if a := p.accepts.at(r.accept - 1); a.touch == 0 && at >= a.at && r.clockState[firstTouchIndex] != clockIgnored {
			a.touch = at
			a.slaTouch = r.ruleTime(p.rules[r.rules].touch, a.at, at, r.pausedTouch)
		}
	}
	r.lastContent = p.names.intern(e.Content)
	r.lastTouchCampaign = p.names.intern(e.Campaign)
	t := p.touchTally(r, r.lastContent, r.lastTouchCampaign, at)
	t.Touches++
	if e.Outcome.Answered() {
		t.Answered++
	}
}

// enter records an entry into stage st at at.
func (r *record) enter(st lead.Stage, at int64) {
	r.entered = at
	if int(st) < nStages && r.first[st] == 0 {
		r.first[st] = at
	}
}

// account interns the normalized company name and remembers its first
// spelling.
func (p *Projection) account(company string) uint32 {
	k := p.names.intern(accountKey(company))
	if k != 0 {
		if int(k) >= len(p.accountName) {
			p.accountName = append(p.accountName, make([]uint32, int(k)+1-len(p.accountName))...)
		}
		if p.accountName[k] == 0 {
			p.accountName[k] = p.names.intern(strings.TrimSpace(company))
		}
	}
	return k
}

// accountKey normalizes a company name for matching: lower case, inner
// runs of white space as one space, none at the ends. It returns s itself
// when s is already normal, so the common case does not allocate.
func accountKey(s string) string {
	normal := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			normal = accountKeyNormal(s[i:], prevSpace)
			prevSpace = false
			break
		}
		space := c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
		if (space && (prevSpace || c != ' ')) || ('A' <= c && c <= 'Z') {
			normal = false
			break
		}
		prevSpace = space
	}
	if normal && !prevSpace || s == "" {
		return s
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// accountKeyNormal reports whether s, the rest of a company name from its
// first non-ASCII byte on, is normal as accountKey defines it, prevSpace
// telling whether the byte before s was white space. A normal name does
// not end in white space, so s ending in it is not normal.
func accountKeyNormal(s string, prevSpace bool) bool {
	for _, c := range s {
		space := unicode.IsSpace(c)
		if (space && (prevSpace || c != ' ')) || unicode.ToLower(c) != c {
			return false
		}
		prevSpace = space
	}
	return !prevSpace
}

// policyKey is a policy's segment (interned) and version.
type policyKey struct {
	name    uint32
	version int32
}

// ruleHours are the hours the accept and first-touch rules of one policy
// run in: its Calendar for a Business rule, around the clock otherwise;
// and the clocks it enforces.
type ruleHours struct {
	accept, touch *sla.Calendar
	// enforced has the bit of each kind's index in kinds set when the
	// policy has a rule for the kind; for the stall clock that bit is the
	// window of stage Accepted and stallSQLBit that of stage SQL.
	enforced uint16
}

// leadFacts are what a Selector may read of a lead that its record does
// not keep.
type leadFacts struct {
	company     string
	attributes  map[string]string
	fit, intent int
}

// selectRules returns the index in p.rules of the policy the hand-off
// clock started by e, the MQL of lead i, runs under: what a hand-off would
// run under now (sla.Set.Select), as the Engine resolves it.
func (p *Projection) selectRules(i int32, r *record, m *lead.Meta, e *lead.MarketingQualified) int32 {
	if p.Policies.Selector == nil {
		pol, _ := p.Policies.Current("")
		return p.ruleHoursOf(0, int32(pol.Version))
	}
	f := p.facts[i]
	rep, team := r.lc.Owner()
	s := lead.State{
		ID: m.Lead, Version: m.Version, Stage: lead.StageMQL, Entered: m.At,
		Company: f.company, Source: p.names.name(r.source), Campaign: p.names.name(r.campaign), Attributes: f.attributes,
		Fit: f.fit, Intent: f.intent, Score: int(r.score),
		MQLSource: e.Source, MQLAt: m.At, MQLVersion: m.Version,
		Rep: rep, Team: team,
	}
	pol, ok := p.Policies.Select(s)
	if !ok {
		return p.ruleHoursOf(0, 0)
	}
	return p.ruleHoursOf(p.names.intern(pol.Name), int32(pol.Version))
}

var always = &sla.Calendar{}

// ruleHoursOf returns the index in p.rules of the hours of the policy of
// segment name and version v, resolved as Projection.Policies documents.
func (p *Projection) ruleHoursOf(name uint32, v int32) int32 {
	k := policyKey{name, v}
	if i, ok := p.ruleIdx[k]; ok {
		return i
	}
	seg := p.names.name(name)
	pol, ok := p.Policies.Policy(seg, int(v))
	if !ok {
		pol, ok = p.Policies.Current(seg)
	}
	if !ok {
		pol, ok = p.Policies.Current("")
	}
	h := ruleHours{accept: always, touch: always, enforced: allKinds}
	if p.enforcing {
		// A lead under no policy has no SLA clocks.
		h.enforced = 0
	}
	if ok {
		h.enforced = enforcedKinds(&pol)
		cal := &pol.Calendar
		if pol.Accept.Business {
			h.accept = cal
		}
		if pol.FirstTouch.Business {
			h.touch = cal
		}
	}
	i := int32(len(p.rules))
	p.rules = append(p.rules, h)
	p.ruleIdx[k] = i
	return i
}

// enforcedKinds returns the ruleHours.enforced of pol.
func enforcedKinds(pol *sla.Policy) uint16 {
	var m uint16
	for i, k := range kinds {
		if pol.Enforces(k) {
			m |= 1 << i
		}
	}
	if m&(1<<stallIndex) != 0 {
		m &^= 1 << stallIndex
		if pol.Stall.Accepted > 0 {
			m |= 1 << stallIndex
		}
		if pol.Stall.SQL > 0 {
			m |= 1 << stallSQLBit
		}
	}
	return m
}

// dict interns the names leads are reported under, so that a record holds
// small integers and no pointers. Index 0 is the empty name.
type dict struct {
	idx   map[string]uint32
	names []string
	// recent is, by a cheap hash of a name, the name last looked up under
	// that hash: the few names of owners, sources and touches repeat from
	// event to event, and are found here without hashing into the map.
	recent [64]uint32
}

func (d *dict) init() {
	d.idx = map[string]uint32{"": 0}
	d.names = []string{""}
}

func (d *dict) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	h := recentSlot(s)
	if v := d.recent[h]; d.names[v] == s {
		return v
	}
	v, ok := d.idx[s]
	if !ok {
		s = strings.Clone(s)
		v = uint32(len(d.names))
		d.names = append(d.names, s)
		d.idx[s] = v
	}
	d.recent[h] = v
	return v
}

// recentSlot returns the slot of dict.recent of the non-empty name s.
func recentSlot(s string) int {
	n := len(s)
	h := uint32(n)
	h = h*31 + uint32(s[0])
	h = h*31 + uint32(s[n/2])
	h = h*31 + uint32(s[n-1])
	h = h*31 + uint32(s[(n-1)*3/4])
	h *= 0x9E3779B1
	return int(h >> 26)
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
	h := k.dims.mix(uint32(k.day)*0x9E3779B1 ^ k.content*0x85EBCA77 ^ k.campaign*0xC2B2AE3D)
	i := p.touchRecent[h] - 1
	if i < 0 || p.touchKeys[i] != k {
		var ok bool
		if i, ok = p.touchIdx[k]; !ok {
			i = int32(len(p.touches))
			p.touches = append(p.touches, touchTally{})
			p.touchKeys = append(p.touchKeys, k)
			p.touchIdx[k] = i
		}
		p.touchRecent[h] = i + 1
	}
	r.touchBucket = i + 1
	return &p.touches[i]
}
