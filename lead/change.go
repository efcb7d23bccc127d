package lead

import (
	"iter"
	"time"
)

// maxKinds is the most deadline kinds a ClockSet holds.
const maxKinds = 8

// kindList is Kinds, computed once: the order of the slots of a ClockSet.
var kindList = Kinds()

// startField is, by the position of a kind in kindList, startOf the
// kind: clocks reads one field per kind, and a Lifecycle keeps which
// clocks run as bits.
var startField [maxKinds]int8

func init() {
	if len(kindList) > maxKinds {
		panic("lead: more deadline kinds than a ClockSet holds; raise maxKinds")
	}
	for i, k := range kindList {
		f := startOf(k)
		if f < 0 {
			panic("lead: no start field for the clock of kind " + string(k))
		}
		startField[i] = int8(f)
	}
}

// startVersions are the fields a clock can start from, in the order
// startOf numbers them.
func startVersions(mql, handOff, accept, unansweredSince, progress uint64) [5]uint64 {
	return [5]uint64{mql, handOff, accept, unansweredSince, progress}
}

// Clock returns the deadline of kind k whose clock runs in s, if one does.
// A lead has at most one clock of each kind running at a time: each kind
// runs from one stretch of the lifecycle (a hand-off, an acceptance, a
// streak of unanswered touches, the last progress), and a stretch has one
// starting version.
func (s State) Clock(k DeadlineKind) (DeadlineID, bool) {
	return s.Clocks().Get(k)
}

// startOf returns the index in startVersions of the field that records
// the version a clock of kind k starts at, -1 for a kind this package
// does not define. Every clock starts at a version one of five fields
// records, and Running says whether it runs now
// (TestClocksAreExactlyTheDeadlinesRunningAccepts holds the two to each
// other).
func startOf(k DeadlineKind) int {
	switch k {
	case KindHandOff:
		return 0
	case KindAccept:
		return 1
	case KindFirstTouch, KindCadence, KindQualify:
		return 2
	case KindUnresponsive:
		return 3
	case KindStall:
		return 4
	}
	return -1
}

// ClockSet is a set of deadlines with at most one of each kind, such as the
// clocks running in a State or the clocks an event started or stopped. The
// zero ClockSet is empty.
type ClockSet struct {
	since [maxKinds]uint64 // DeadlineID.Since by the kind's position in Kinds; 0 where absent
	n     uint8
}

// Clocks returns the clocks running in s.
func (s State) Clocks() ClockSet { return s.clocks() }

func (s *State) clocks() ClockSet {
	var c ClockSet
	fields := startVersions(s.MQLVersion, s.HandOffVersion, s.AcceptVersion, s.UnansweredSince, s.ProgressVersion)
	for i, k := range kindList {
		if v := fields[startField[i]]; v != 0 && s.running(DeadlineID{Kind: k, Since: v}) {
			c.since[i] = v
			c.n++
		}
	}
	return c
}

// Len returns the number of deadlines in c.
func (c ClockSet) Len() int { return int(c.n) }

// Get returns the deadline of kind k in c, if there is one.
func (c ClockSet) Get(k DeadlineKind) (DeadlineID, bool) {
	for i, kk := range kindList {
		if kk == k && c.since[i] != 0 {
			return DeadlineID{Kind: k, Since: c.since[i]}, true
		}
	}
	return DeadlineID{}, false
}

// All yields the deadlines in c in the order of Kinds.
func (c ClockSet) All() iter.Seq[DeadlineID] {
	return func(yield func(DeadlineID) bool) {
		for i, v := range c.since[:len(kindList)] {
			if v != 0 && !yield(DeadlineID{Kind: kindList[i], Since: v}) {
				return
			}
		}
	}
}

// minus returns the deadlines of c that are not in o.
func (c ClockSet) minus(o ClockSet) ClockSet {
	var out ClockSet
	for i, v := range c.since[:len(kindList)] {
		if v != 0 && v != o.since[i] {
			out.since[i] = v
			out.n++
		}
	}
	return out
}

// Change is what one event changed in a lead, as far as a reader that
// counts leads needs to know: the stage it left and entered, the SLA clocks
// it started and stopped, and the owner it gave the lead. It is what a
// projection folds instead of re-deriving the lifecycle: the rules that
// say which event moves a lead where and which clocks run live in Evolve
// and State.Running, and Change reports their outcome, so a projection
// written against Change follows a new rule or a new deadline kind without
// an edit.
//
// A Change compares the states before and after the event; it is computed
// by Diff, Step and Lifecycle.Step from Evolve's result, never by a fold
// of its own.
type Change struct {
	// From and To are the stages before and after the event.
	From, To Stage
	// Entered reports whether the event entered To: a move to another
	// stage, or a new entry into the same one (a reassignment that starts
	// a fresh hand-off). From and To are equal when the lead did not move.
	Entered bool
	// At is when the lead entered To; with Entered false it is the time of
	// the entry it is still in.
	At time.Time
	// Started are the clocks running after the event that were not
	// running before it; Stopped the clocks running before it that are
	// not running after. A clock that stops and runs again under the same
	// DeadlineID (a stalled lead touched back into its stage) is Stopped
	// by the stall and Started by the touch.
	Started, Stopped ClockSet
	// Assigned reports whether the event changed the lead's rep or team
	// (a hand-off or a reassignment); Rep and Team are then the new
	// owner. A return to marketing clears the owner and is not an
	// assignment: a report may keep the lead under whoever held it last.
	Assigned  bool
	Rep, Team string
}

// Moved reports whether the event changed the lead's stage.
func (c Change) Moved() bool { return c.From != c.To }

// Diff returns the Change from before to after, for after =
// Evolve(before, e).
func Diff(before, after State) Change {
	return diff(before.Stage, before.Entered, before.Rep, before.Team, &after, before.clocks(), after.clocks())
}

// diff returns the Change from a lead in stage from, entered at entered,
// owned by rep and team and running clocks b, to after, running a.
func diff(from Stage, entered time.Time, rep, team string, after *State, b, a ClockSet) Change {
	return Change{
		From:     from,
		To:       after.Stage,
		Entered:  after.Stage != from || !after.Entered.Equal(entered),
		At:       after.Entered,
		Started:  a.minus(b),
		Stopped:  b.minus(a),
		Assigned: after.Rep != "" && (after.Rep != rep || after.Team != team),
		Rep:      after.Rep,
		Team:     after.Team,
	}
}

// Step returns the state after e and what e changed: Evolve and Diff in
// one call.
func Step(before State, e Event) (State, Change) {
	after := Evolve(before, e)
	return after, Diff(before, after)
}

// Lifecycle is the part of a State that decides a lead's stage, owner and
// running clocks: what Change is computed from. A reader that follows many
// leads (a projection over a whole store) keeps one Lifecycle per lead
// instead of a State, which also holds contact data, attributes, touch
// times, marks and remembered commands; Lifecycle.Step gives the same
// Change as Step on the full State, and remembers the clocks running, so
// a step asks State.Running about the state after the event only.
//
// The zero Lifecycle is a lead that has not been captured yet; others come
// from Step or State.Lifecycle. Lifecycles of the same lead history are
// equal (==).
type Lifecycle struct {
	version         uint64
	stage           Stage
	stalledFrom     Stage
	entered         time.Time
	rep, team       string
	mqlVersion      uint64
	handOffVersion  uint64
	acceptVersion   uint64
	touches         int
	unanswered      int
	unansweredSince uint64
	progressVersion uint64
	// running has bit i set when the clock of kindList[i] runs; it runs
	// from the field startField names, so the bits are the whole ClockSet.
	running uint8
}

// Lifecycle returns the part of s a Lifecycle keeps.
func (s State) Lifecycle() Lifecycle { return s.lifecycle(s.clocks()) }

func (s *State) lifecycle(c ClockSet) Lifecycle {
	var l Lifecycle
	l.set(s, &c)
	return l
}

// set makes l the part of s a Lifecycle keeps, running clocks c, field by
// field: Advance writes a Lifecycle held in a large table in place.
func (l *Lifecycle) set(s *State, c *ClockSet) {
	l.version, l.stage, l.stalledFrom, l.entered = s.Version, s.Stage, s.StalledFrom, s.Entered
	l.rep, l.team, l.mqlVersion = s.Rep, s.Team, s.MQLVersion
	l.handOffVersion, l.acceptVersion = s.HandOffVersion, s.AcceptVersion
	l.touches, l.unanswered, l.unansweredSince = s.Touches, s.Unanswered, s.UnansweredSince
	l.progressVersion = s.ProgressVersion
	l.running = 0
	for i, v := range c.since[:len(kindList)] {
		if v != 0 {
			l.running |= 1 << i
		}
	}
}

// clocks returns the clocks running.
func (l *Lifecycle) clocks() ClockSet {
	var c ClockSet
	if l.running == 0 {
		return c
	}
	fields := startVersions(l.mqlVersion, l.handOffVersion, l.acceptVersion, l.unansweredSince, l.progressVersion)
	for i := range kindList {
		if l.running&(1<<i) != 0 {
			c.since[i] = fields[startField[i]]
			c.n++
		}
	}
	return c
}

// fullTouches stands in for the touch times a Lifecycle does not keep: a
// list already at MaxTrackedTouches, so Evolve records no more and
// allocates nothing for them. It is never written.
var fullTouches = make([]time.Time, MaxTrackedTouches)

// state returns a State with l's fields, for Evolve.
func (l *Lifecycle) state() State {
	return State{
		Version: l.version, Stage: l.stage, StalledFrom: l.stalledFrom, Entered: l.entered,
		Rep: l.rep, Team: l.team, MQLVersion: l.mqlVersion,
		HandOffVersion: l.handOffVersion, AcceptVersion: l.acceptVersion,
		Touches: l.touches, TouchTimes: fullTouches[:MaxTrackedTouches:MaxTrackedTouches],
		Unanswered: l.unanswered, UnansweredSince: l.unansweredSince, UnansweredTimes: fullTouches[:MaxTrackedTouches:MaxTrackedTouches],
		ProgressVersion: l.progressVersion,
	}
}

// Step returns the Lifecycle after e and what e changed, by Evolve on the
// State l stands for.
func (l Lifecycle) Step(e Event) (Lifecycle, Change) {
	c := l.Advance(e)
	return l, c
}

// Advance is Step in place: it moves l past e and returns what e changed,
// without copying the Lifecycle, for a projection that keeps many.
func (l *Lifecycle) Advance(e Event) Change {
	// l itself is the state before: only the state after is built.
	s := l.state()
	s.apply(e, false)
	ac := s.clocks()
	c := diff(l.stage, l.entered, l.rep, l.team, &s, l.clocks(), ac)
	l.set(&s, &ac)
	return c
}

// Version returns the version of the last event stepped through.
func (l Lifecycle) Version() uint64 { return l.version }

// Stage returns the lead's stage.
func (l Lifecycle) Stage() Stage { return l.stage }

// StalledFrom returns the stage a stalled lead left.
func (l Lifecycle) StalledFrom() Stage { return l.stalledFrom }

// Entered returns when the lead entered its stage.
func (l Lifecycle) Entered() time.Time { return l.entered }

// Owner returns the lead's rep and team; both are empty while marketing
// holds the lead.
func (l Lifecycle) Owner() (rep, team string) { return l.rep, l.team }

// Clocks returns the clocks running.
func (l Lifecycle) Clocks() ClockSet { return l.clocks() }
