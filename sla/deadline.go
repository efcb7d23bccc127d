package sla

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadline/leadline/lead"
)

// Deadline is one of a lead's open SLA clocks, derived from the lead's
// state and the policy, never stored.
type Deadline struct {
	ID    lead.DeadlineID
	Start time.Time // when the clock started
	Due   time.Time // when it breaches unless met first
	// Warnings are the instants at which each of the policy's warning
	// fractions of the allowed time has passed.
	Warnings []Warning
	// Steps are the breach ladder's steps with their instants; Steps[0]
	// is at or after Due.
	Steps []Point
}

// Warning is a warning fraction and the instant it is reached.
type Warning struct {
	Fraction float64
	At       time.Time
}

// Point is a breach ladder step and the instant it is due.
type Point struct {
	Step   int
	Action lead.Action
	At     time.Time
}

// Deadlines returns the clocks of lead s that are running and not yet met,
// in the order of lead.Kinds, under policy p. A clock that is paused with
// no end in sight has no due time and is left out until the lead resumes.
// It is pure: the same state and policy give the same deadlines.
func (p Policy) Deadlines(s lead.State) []Deadline {
	var out []Deadline
	p.eachDeadline(&s, 0, func(d *Deadline) {
		c := *d
		c.Warnings, c.Steps = nil, nil
		if len(d.Warnings) > 0 {
			c.Warnings = slices.Clone(d.Warnings)
		}
		if len(d.Steps) > 0 {
			c.Steps = slices.Clone(d.Steps)
		}
		out = append(out, c)
	})
	return out
}

// Enforces reports whether p has a rule for deadline kind k, so that a
// clock of that kind may come due under p: a rule with a Within (for
// Cadence, Touches as well; for Unresponsive, Attempts; for Stall, a
// window in either stage). A clock of a kind p does not enforce runs in
// the lead's lifecycle but never warns or breaches, so a report should
// not count it as met.
func (p Policy) Enforces(k lead.DeadlineKind) bool {
	switch k {
	case lead.KindHandOff:
		return p.HandOff.Within > 0
	case lead.KindAccept:
		return p.Accept.Within > 0
	case lead.KindFirstTouch:
		return p.FirstTouch.Within > 0
	case lead.KindCadence:
		return p.Cadence.Touches > 0 && p.Cadence.Within > 0
	case lead.KindUnresponsive:
		return p.Unresponsive.Attempts > 0
	case lead.KindQualify:
		return p.Qualify.Within > 0
	case lead.KindStall:
		return p.Stall.Accepted > 0 || p.Stall.SQL > 0
	}
	return false
}

// scratch is the room eachDeadline builds deadlines in, reused from
// call to call (scratches): the Engine plans a lead after every command.
type scratch struct {
	dl Deadline
	ws [8]Warning
	ps [lead.MaxStepsInLadder]Point
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// eachDeadline calls yield with each deadline Deadlines returns, in the
// same order. The Deadline and its slices are yield's only during the
// call: the next deadline is built in the same memory.
//
// With need > 0 a deadline's warnings and steps are built only up to its
// need-th one not yet recorded (pending): they come in order of time, so
// a caller after the earliest need of them loses nothing, and the walk
// skips the calendar sums of the rest.
func (p *Policy) eachDeadline(s *lead.State, need int, yield func(*Deadline)) {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	// One copy of the clocks running in s, instead of a State copy per
	// clock that State.Running would take.
	running := s.Clocks()
	build := func(kind lead.DeadlineKind, since uint64, start time.Time, d time.Duration, business, warn bool) bool {
		if d <= 0 || since == 0 {
			return false
		}
		id := lead.DeadlineID{Kind: kind, Since: since}
		if c, ok := running.Get(kind); !ok || c != id {
			return false
		}
		cal := p.hours(kind, business)
		due, ok := advance(cal, start, d, s.Pauses)
		if !ok {
			return false
		}
		sc.dl = Deadline{ID: id, Start: start, Due: due, Warnings: sc.ws[:0], Steps: sc.ps[:0]}
		dl := &sc.dl
		left := need
		if warn {
			for _, f := range p.Warnings {
				at, ok := advance(cal, start, time.Duration(float64(d)*f), s.Pauses)
				if ok {
					dl.Warnings = append(dl.Warnings, Warning{Fraction: f, At: at})
					if need > 0 && warningPending(s, dl, len(dl.Warnings)-1) {
						if left--; left == 0 {
							return true
						}
					}
				}
			}
		}
		for i, st := range p.ladderOf(kind) {
			at, ok := advance(cal, due, st.After, s.Pauses)
			if !ok {
				break
			}
			action := st.Action
			if action == lead.ActionStall && s.Stage == lead.StageStalled && !marked(s, id, true, i) {
				// A lead stalled by hand (or by another clock) cannot stall
				// again: the step records the breach, and the ladder goes on.
				action = lead.ActionNotify
			}
			dl.Steps = append(dl.Steps, Point{Step: i, Action: action, At: at})
			if need > 0 && stepPending(s, id, i) {
				if left--; left == 0 {
					return true
				}
			}
		}
		return true
	}
	add := func(kind lead.DeadlineKind, since uint64, start time.Time, d time.Duration, business, warn bool) {
		if build(kind, since, start, d, business, warn) {
			yield(&sc.dl)
		}
	}

	add(lead.KindHandOff, s.MQLVersion, s.MQLAt, p.HandOff.Within, p.HandOff.Business, true)
	add(lead.KindAccept, s.HandOffVersion, s.HandedOffAt, p.Accept.Within, p.Accept.Business, true)
	add(lead.KindFirstTouch, s.AcceptVersion, s.AcceptedAt, p.FirstTouch.Within, p.FirstTouch.Business, true)
	if p.Enforces(lead.KindCadence) && s.AcceptVersion != 0 {
		if c, ok := running.Get(lead.KindCadence); ok && c.Since == s.AcceptVersion {
			if due, ok := advance(p.hours(lead.KindCadence, p.Cadence.Business), s.AcceptedAt, p.Cadence.Within, s.Pauses); !ok || p.cadenceCount(s, due) < p.Cadence.Touches {
				add(lead.KindCadence, s.AcceptVersion, s.AcceptedAt, p.Cadence.Within, p.Cadence.Business, true)
			}
		}
	}
	if n := p.Unresponsive.Attempts; n > 0 && s.Unanswered >= n && len(s.UnansweredTimes) >= n {
		// The clock runs over Within from the first unanswered touch, but
		// cannot be due before the n-th attempt.
		nth := s.UnansweredTimes[n-1]
		if build(lead.KindUnresponsive, s.UnansweredSince, s.UnansweredSinceAt, max(p.Unresponsive.Within, time.Nanosecond), p.Unresponsive.Business, false) {
			if dl := &sc.dl; dl.Due.Before(nth) {
				// The ladder runs from the new due time in the rule's
				// hours; shifting by wall time would put its steps
				// outside coverage.
				dl.Due = nth
				ladder := p.ladderOf(lead.KindUnresponsive)
				for i := range dl.Steps {
					at, ok := advance(p.hours(lead.KindUnresponsive, p.Unresponsive.Business), nth, ladder[dl.Steps[i].Step].After, s.Pauses)
					if !ok {
						dl.Steps = dl.Steps[:i]
						break
					}
					dl.Steps[i].At = at
				}
			}
			yield(&sc.dl)
		}
	}
	add(lead.KindQualify, s.AcceptVersion, s.AcceptedAt, p.Qualify.Within, p.Qualify.Business, true)
	stage := s.Stage
	if stage == lead.StageStalled {
		stage = s.StalledFrom
	}
	window := p.Stall.Accepted
	if stage == lead.StageSQL {
		window = p.Stall.SQL
	}
	add(lead.KindStall, s.ProgressVersion, s.ProgressAt, window, p.Stall.Business, s.Stage != lead.StageStalled)
}

// warningPending reports whether warning w of d (an index into
// d.Warnings) is still to be recorded: a warning due together with or
// after the breach has nothing left to warn about.
func warningPending(s *lead.State, d *Deadline, w int) bool {
	return d.Warnings[w].At.Before(d.Due) && !warned(s, d.ID, d.Warnings[w].Fraction)
}

// stepPending reports whether breach step st of deadline id is still to
// be recorded.
func stepPending(s *lead.State, id lead.DeadlineID, st int) bool {
	return !marked(s, id, true, st)
}

// marked is s.Marked without copying s.
func marked(s *lead.State, id lead.DeadlineID, breach bool, step int) bool {
	return slices.Contains(s.Marks, lead.Mark{Deadline: id, Breach: breach, Step: step})
}

// warned is s.Warned, copying s only when id has marks at all: most
// leads planned have none.
func warned(s *lead.State, id lead.DeadlineID, f float64) bool {
	for i := range s.Marks {
		if s.Marks[i].Deadline == id && !s.Marks[i].Breach {
			return s.Warned(id, f)
		}
	}
	return false
}

// stallLadder is the default stall ladder (Stall.Ladder empty) that
// Policy.ladder built last, with the grace it was built for.
type stallLadder struct {
	grace time.Duration
	steps []Step
}

var lastStallLadder atomic.Pointer[stallLadder]

// ladderOf is p.ladder(kind), without building the default stall ladder
// anew on each call: the Engine plans a lead after every command. The
// steps returned are shared and must not be changed.
func (p *Policy) ladderOf(kind lead.DeadlineKind) []Step {
	if kind != lead.KindStall || len(p.Stall.Ladder) > 0 {
		return p.ladder(kind)
	}
	if l := lastStallLadder.Load(); l != nil && l.grace == p.Stall.Grace {
		return l.steps
	}
	l := &stallLadder{grace: p.Stall.Grace, steps: p.ladder(kind)}
	lastStallLadder.Store(l)
	return l.steps
}

// cadenceCount counts the touches since acceptance up to due that are at
// least the policy's Gap after the previous counted one, up to the
// policy's Touches: enough to tell whether the rule is met.
func (p *Policy) cadenceCount(s *lead.State, due time.Time) int {
	cal := p.hours(lead.KindCadence, p.Cadence.Business)
	n := 0
	var last time.Time
	for _, t := range s.TouchTimes {
		if t.After(due) || n >= p.Cadence.Touches {
			break
		}
		if n > 0 && cal.elapsed(last, t) < p.Cadence.Gap {
			continue
		}
		n++
		last = t
	}
	return n
}

// wallClock is the calendar of the clocks that count wall time.
var wallClock Calendar

// hours returns the calendar a clock of kind counts in: wall time unless
// business, else the calendar of the rep holding the lead for the rep's
// clocks (WithRepCalendar), else the policy's.
func (p *Policy) hours(kind lead.DeadlineKind, business bool) *Calendar {
	if !business {
		return &wallClock
	}
	if p.rep != nil {
		switch kind {
		case lead.KindAccept, lead.KindFirstTouch, lead.KindCadence:
			return p.rep
		}
	}
	return &p.Calendar
}

// advance returns the instant d of clock time after from in cal, not
// counting the pauses. ok is false when an open-ended pause stops the
// clock before d has run.
func advance(cal *Calendar, from time.Time, d time.Duration, pauses []lead.Interval) (time.Time, bool) {
	t, rem := from, d
	for _, iv := range pauses {
		if !iv.To.IsZero() && !iv.To.After(t) {
			continue
		}
		if iv.From.After(t) {
			due := cal.add(t, rem)
			if !due.After(iv.From) {
				return due, true
			}
			rem -= cal.elapsed(t, iv.From)
		}
		if iv.To.IsZero() {
			return time.Time{}, false
		}
		t = iv.To
	}
	return cal.add(t, rem), true
}

// Plan returns the warnings and breach steps of s that are due at now and
// not yet recorded, as the commands that record them, earliest first (the
// Engine executes the first, reloads, and asks again: a step that returns
// the lead to marketing stops the clocks whose steps would follow); and
// wake, the earliest instant at which a step of s not yet recorded comes
// due (it may be in the past: then it is due now), or the zero time when
// nothing will come due without a new event. The Engine queues each lead
// at its wake instant. The deadlines are derived once for both.
func (p Policy) Plan(s lead.State, now time.Time) (due []lead.Command, wake time.Time) {
	type item struct {
		at  time.Time
		cmd lead.Command
	}
	var items []item
	p.steps(&s, 0, func(at time.Time, d *Deadline, w, st int) {
		if wake.IsZero() || at.Before(wake) {
			wake = at
		}
		if !at.After(now) {
			items = append(items, item{at, d.command(w, st)})
		}
	})
	if len(items) == 0 {
		return nil, wake
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.at.Compare(b.at) })
	due = make([]lead.Command, len(items))
	for i, it := range items {
		due[i] = it.cmd
	}
	return due, wake
}

// Next returns the step of s not yet recorded that comes due first, as
// the command that records it (the first command Plan returns once it is
// due), with the instant at which it is due; and then, the instant at
// which the earliest of the other steps not yet recorded comes due (at
// itself when two are due together, zero when there is no other). first
// is nil and at zero when nothing will come due without a new event.
//
// When first only marks the lead, a lead.Warn or a lead.Breach whose
// Action is notify, the state after it is recorded has then as its wake:
// a caller that records first need not plan the new state to know when
// the lead is due again.
func (p Policy) Next(s lead.State) (first lead.Command, at, then time.Time) {
	f, at, then, ok := p.next(&s)
	if !ok {
		return nil, time.Time{}, time.Time{}
	}
	return f.command(), at, then
}

// mark is a warning or breach step of a deadline, as the command that
// records it would carry it, without boxing that command.
type mark struct {
	id       lead.DeadlineID
	due      time.Time
	breach   bool
	fraction float64 // of a warning
	step     int     // of a breach step
	action   lead.Action
}

// markOf returns warning w (an index into d.Warnings) or, with w < 0,
// breach step st of d.
func (d *Deadline) markOf(w, st int) (mark, bool) {
	if w >= 0 {
		return mark{id: d.ID, due: d.Due, fraction: d.Warnings[w].Fraction}, true
	}
	for _, p := range d.Steps {
		if p.Step == st {
			return mark{id: d.ID, due: d.Due, breach: true, step: st, action: p.Action}, true
		}
	}
	return mark{}, false
}

// command is the command that records m.
func (m *mark) command() lead.Command {
	if !m.breach {
		return lead.Warn{Actor: Actor, Deadline: m.id, Fraction: m.fraction, Due: m.due}
	}
	return lead.Breach{Actor: Actor, Deadline: m.id, Step: m.step, Action: m.action, Due: m.due}
}

// next is Next on s, which it does not change, with the first step
// unboxed; ok is false when nothing comes due.
func (p *Policy) next(s *lead.State) (first mark, at, then time.Time, ok bool) {
	// Only a deadline's first two pending steps can be first or then.
	p.steps(s, 2, func(t time.Time, d *Deadline, w, st int) {
		switch {
		case !ok || t.Before(at):
			if ok {
				then = at
			}
			// By value: the deadline visited is built in memory the next
			// one reuses.
			first, _ = d.markOf(w, st)
			at, ok = t, true
		case then.IsZero() || t.Before(then):
			then = t
		}
	})
	return first, at, then, ok
}

// steps calls visit with each warning and breach step of s not yet
// recorded, in the order Plan sorts stably: the deadlines in the order of
// Deadlines, each one's warnings before its steps. w is the index of the
// warning in d.Warnings (-1 for a step); st is the step's Step (-1 for a
// warning). With need > 0 it visits only each deadline's first need (see
// eachDeadline).
func (p *Policy) steps(s *lead.State, need int, visit func(at time.Time, d *Deadline, w, st int)) {
	p.eachDeadline(s, need, func(d *Deadline) {
		for j := range d.Warnings {
			if warningPending(s, d, j) {
				visit(d.Warnings[j].At, d, j, -1)
			}
		}
		for _, st := range d.Steps {
			if stepPending(s, d.ID, st.Step) {
				visit(st.At, d, -1, st.Step)
			}
		}
	})
}

// command is the command that records warning w (an index into
// d.Warnings) or, with w < 0, breach step st of d.
func (d *Deadline) command(w, st int) lead.Command {
	m, ok := d.markOf(w, st)
	if !ok {
		return nil
	}
	return m.command()
}

// Actor is the actor recorded on the events the SLA adds.
const Actor = "sla"
