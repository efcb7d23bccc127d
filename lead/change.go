package lead

import (
	"iter"
	"math/bits"
	"time"
)

// maxKinds is the most deadline kinds a ClockSet holds.
const maxKinds = 8

// kindList is Kinds, computed once: the order of the slots of a ClockSet.
var kindList = Kinds()

func init() {
	if len(kindList) > maxKinds {
		panic("lead: more deadline kinds than a ClockSet holds; raise maxKinds")
	}
	for i, k := range kindList {
		if kindIndex(k) != i {
			panic("lead: kindIndex disagrees with Kinds about " + string(k))
		}
	}
}

// Clock returns the deadline of kind k whose clock runs in s, if one does.
// A lead has at most one clock of each kind running at a time: each kind
// runs from one stretch of the lifecycle (a hand-off, an acceptance, a
// streak of unanswered touches, the last progress), and a stretch has one
// starting version.
func (s State) Clock(k DeadlineKind) (DeadlineID, bool) {
	return s.Clocks().Get(k)
}

// ClockSet is a set of deadlines with at most one of each kind, such as the
// clocks running in a State or the clocks an event started or stopped. The
// zero ClockSet is empty.
type ClockSet struct {
	since [maxKinds]uint64 // DeadlineID.Since by the kind's position in Kinds; 0 where absent
	// set has bit i set where since[i] is not 0, so a loop over the set
	// touches only the clocks in it: most events start or stop none.
	set uint8
}

// Clocks returns the clocks running in s.
func (s State) Clocks() ClockSet { return s.clocks() }

func (s *State) clocks() ClockSet {
	// Only the fields clocks reads, not a copy of the whole life.
	l := life{stage: s.Stage, touches: s.Touches, mqlVersion: s.MQLVersion, handOffVersion: s.HandOffVersion,
		acceptVersion: s.AcceptVersion, unansweredSince: s.UnansweredSince, progressVersion: s.ProgressVersion}
	return l.clocks()
}

// add puts the clock of the kind at position i in kindList that started
// at version since in c; since 0 is no clock.
func (c *ClockSet) add(i int, since uint64) {
	if since != 0 {
		c.since[i] = since
		c.set |= 1 << i
	}
}

// Len returns the number of deadlines in c.
func (c ClockSet) Len() int { return bits.OnesCount8(c.set) }

// Get returns the deadline of kind k in c, if there is one.
func (c ClockSet) Get(k DeadlineKind) (DeadlineID, bool) {
	if i := kindIndex(k); i >= 0 && c.since[i] != 0 {
		return DeadlineID{Kind: k, Since: c.since[i]}, true
	}
	return DeadlineID{}, false
}

// All yields the deadlines in c in the order of Kinds.
func (c ClockSet) All() iter.Seq[DeadlineID] {
	return func(yield func(DeadlineID) bool) {
		for m := c.set; m != 0; m &= m - 1 {
			i := bits.TrailingZeros8(m)
			if !yield(DeadlineID{Kind: kindList[i], Since: c.since[i]}) {
				return
			}
		}
	}
}

// minus sets out, which must be empty, to the deadlines of c that are not
// in o.
func (c *ClockSet) minus(o *ClockSet, out *ClockSet) {
	for m := c.set; m != 0; m &= m - 1 {
		i := bits.TrailingZeros8(m)
		if v := c.since[i]; v != o.since[i] {
			out.since[i] = v
			out.set |= 1 << i
		}
	}
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
// A Change compares the lifecycles before and after the event; it is
// computed by Diff, Step and Lifecycle.Step from the result of the rules
// Evolve folds with, never by a fold of its own.
type Change struct {
	// From and To are the stages before and after the event.
	From, To Stage
	// Entered reports whether the event entered To: a move to another
	// stage, or a new entry into the same one (a reassignment that starts
	// a fresh hand-off, even in the instant of the hand-off before it; a
	// step of the accept ladder hands the running clock on and is not an
	// entry). From and To are equal when the lead did not move.
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
	b, a := before.life(), after.life()
	bc, ac := b.clocks(), a.clocks()
	var c Change
	diff(&c, &b, &a, &bc, &ac)
	return c
}

// diff sets c, which must be zero, to the Change from before, running
// clocks b, to after, running a. It fills c in place: a Change is large,
// and a projection makes one per event. Of before it reads only the
// fields Advance keeps.
func diff(c *Change, before, after *life, b, a *ClockSet) {
	from, rep, team := before.stage, before.rep, before.team
	c.From, c.To = from, after.stage
	// A new hand-off is a new entry even when it comes in the instant of
	// the one it replaces, when neither the stage nor its entry time
	// changes.
	c.Entered = after.stage != from || !after.entered.Equal(before.entered) ||
		after.stage == StageHandedOff && after.handOffVersion != before.handOffVersion
	c.At = after.entered
	if a.set|b.set != 0 {
		a.minus(b, &c.Started)
		b.minus(a, &c.Stopped)
	}
	c.Assigned = after.rep != "" && (after.rep != rep || after.team != team)
	c.Rep, c.Team = after.rep, after.team
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
// Change as Step on the full State, by the same rules: a State folds its
// lifecycle fields as a Lifecycle does.
//
// The zero Lifecycle is a lead that has not been captured yet; others come
// from Step or State.Lifecycle. Lifecycles of the same lead history are
// equal (==).
type Lifecycle struct {
	life
}

// Lifecycle returns the part of s a Lifecycle keeps.
func (s State) Lifecycle() Lifecycle { return Lifecycle{life: s.life()} }

// Step returns the Lifecycle after e and what e changed, by the rules
// Evolve folds a State with.
func (l Lifecycle) Step(e Event) (Lifecycle, Change) {
	c := l.Advance(e)
	return l, c
}

// Advance is Step in place: it moves l past e and returns what e changed,
// without copying the Lifecycle, for a projection that keeps many.
func (l *Lifecycle) Advance(e Event) Change {
	// Only the fields diff reads, not a copy of the whole life.
	before := life{stage: l.stage, entered: l.entered, rep: l.rep, team: l.team, handOffVersion: l.handOffVersion}
	var b, a ClockSet
	l.clocksInto(&b)
	m := e.Base()
	l.apply(e, &m)
	l.clocksInto(&a)
	var c Change
	diff(&c, &before, &l.life, &b, &a)
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
