package lead

import (
	"time"
	"unsafe"
)

// life is the part of a lead's state that the lifecycle rules read and
// write: its stage, owner, and the versions its SLA clocks start from.
// life.apply is the one place that says how each event moves a lead, and
// life.clocks the one place that says which clocks run; a State keeps
// these fields as its own exported ones and a Lifecycle keeps a life, so
// both fold an event through the same rules.
type life struct {
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
}

// effect is what an event did to a lead's lifecycle that a State records
// more of than a life does (the time a clock started, the touch times,
// the pauses and marks a hand-off ends), as a set of bits.
type effect uint16

const (
	// fxHandOff: a fresh hand-off started the accept clock; the lead's
	// acceptance, pauses and marks are history.
	fxHandOff effect = 1 << iota
	// fxAccept: the rep accepted; the touch count starts again.
	fxAccept
	// fxProgress: the stall clock runs again from this event.
	fxProgress
	// fxTouch: a touch to record.
	fxTouch
	// fxUnanswered: the touch went unanswered and extends the streak.
	fxUnanswered
	// fxStreakStart: the touch began a streak of unanswered touches.
	fxStreakStart
	// fxStreakEnd: the streak of unanswered touches (if any) is over.
	fxStreakEnd
	// fxNurture: the lead went back to marketing.
	fxNurture
	// fxClose: the lead closed with an outcome.
	fxClose
)

// apply moves l past e, whose Meta is m, and returns what else a State
// records of the move. It is total, as Evolve is.
func (l *life) apply(e Event, m *Meta) effect {
	l.version = m.Version
	var fx effect
	switch e := e.(type) {
	case Captured:
		l.enter(StageCaptured, m.At)
	case MarketingQualified:
		l.mqlVersion = m.Version
		l.enter(StageMQL, m.At)
	case HandedOff:
		fx = l.handOff(m, e.Rep, e.Team)
	case Reassigned:
		if e.Deadline.Kind == KindAccept && l.stage == StageHandedOff {
			// A step of the accept ladder: the new rep inherits the
			// running clock, so the ladder's later steps (return to
			// marketing) still apply.
			l.rep = e.To
			if e.Team != "" {
				l.team = e.Team
			}
			break
		}
		team := e.Team
		if team == "" {
			team = l.team
		}
		fx = l.handOff(m, e.To, team)
	case Accepted:
		l.acceptVersion = m.Version
		l.touches = 0
		fx = fxAccept | l.endStreak() | l.progress(m)
		l.enter(StageAccepted, m.At)
	case Rejected:
		if e.Disqualify {
			fx = l.close(StageDisqualified, m.At)
		} else {
			fx = l.toNurture(m.At)
		}
	case Touched:
		l.touches++
		fx = fxTouch
		if e.Outcome.Answered() {
			fx |= l.endStreak()
		} else {
			if l.unanswered == 0 {
				l.unansweredSince = m.Version
				fx |= fxStreakStart
			}
			l.unanswered++
			fx |= fxUnanswered
		}
		if l.stage == StageStalled {
			l.enter(l.stalledFrom, m.At)
			l.stalledFrom = StageNone
		}
		fx |= l.progress(m)
	case SalesQualified:
		fx = l.progress(m)
		l.enter(StageSQL, m.At)
	case Stalled:
		l.stalledFrom = e.From
		if l.stalledFrom == StageNone {
			l.stalledFrom = l.stage
		}
		l.enter(StageStalled, m.At)
	case Recycled:
		fx = l.toNurture(m.At)
	case Disqualified:
		fx = l.close(StageDisqualified, m.At)
	case Won:
		fx = l.close(StageWon, m.At)
	case Lost:
		fx = l.close(StageLost, m.At)
	}
	return fx
}

func (l *life) enter(st Stage, at time.Time) {
	l.stage = st
	l.entered = at
}

func (l *life) handOff(m *Meta, rep, team string) effect {
	l.rep, l.team = rep, team
	l.handOffVersion = m.Version
	l.acceptVersion = 0
	l.enter(StageHandedOff, m.At)
	return fxHandOff
}

func (l *life) endStreak() effect {
	l.unanswered, l.unansweredSince = 0, 0
	return fxStreakEnd
}

func (l *life) progress(m *Meta) effect {
	l.progressVersion = m.Version
	return fxProgress
}

func (l *life) toNurture(at time.Time) effect {
	l.rep, l.team = "", ""
	l.handOffVersion, l.acceptVersion = 0, 0
	l.stalledFrom = StageNone
	l.enter(StageNurturing, at)
	return fxNurture
}

func (l *life) close(st Stage, at time.Time) effect {
	l.stalledFrom = StageNone
	l.enter(st, at)
	return fxClose
}

// The positions of the deadline kinds in kindList (Kinds), which
// kindIndex returns; init checks the two agree.
const (
	iHandOff = iota
	iAccept
	iFirstTouch
	iCadence
	iUnresponsive
	iQualify
	iStall
)

// kindIndex returns the position of k in kindList, -1 for a kind this
// package does not define.
func kindIndex(k DeadlineKind) int {
	switch k {
	case KindHandOff:
		return iHandOff
	case KindAccept:
		return iAccept
	case KindFirstTouch:
		return iFirstTouch
	case KindCadence:
		return iCadence
	case KindUnresponsive:
		return iUnresponsive
	case KindQualify:
		return iQualify
	case KindStall:
		return iStall
	}
	return -1
}

// running reports whether the clock d runs (see State.Running).
func (l *life) running(d DeadlineID) bool {
	c, ok := l.clocks().Get(d.Kind)
	return ok && c == d
}

// clocks returns the clocks running: each kind runs in the stages listed
// here, from the version of the event that began its stretch of the
// lifecycle (a hand-off, an acceptance, a streak of unanswered touches,
// the last progress), while that stretch is the current one. A lead has
// at most one clock of each kind running at a time.
func (l *life) clocks() ClockSet {
	var c ClockSet
	l.clocksInto(&c)
	return c
}

// clocksInto is clocks into c, which must be empty.
func (l *life) clocksInto(c *ClockSet) {
	switch l.stage {
	case StageMQL:
		c.add(iHandOff, l.mqlVersion)
	case StageHandedOff:
		c.add(iAccept, l.handOffVersion)
	case StageAccepted:
		if l.touches == 0 {
			c.add(iFirstTouch, l.acceptVersion)
		}
		c.add(iCadence, l.acceptVersion)
		c.add(iUnresponsive, l.unansweredSince)
		c.add(iQualify, l.acceptVersion)
		c.add(iStall, l.progressVersion)
	case StageSQL:
		c.add(iCadence, l.acceptVersion)
		c.add(iUnresponsive, l.unansweredSince)
		c.add(iStall, l.progressVersion)
	case StageStalled:
		// A stalled lead keeps its stall clock: the ladder's later steps
		// (recycle after a grace period) run on it.
		c.add(iStall, l.progressVersion)
	}
}

// life returns the lifecycle fields of s.
func (s *State) life() life {
	return life{
		version: s.Version, stage: s.Stage, stalledFrom: s.StalledFrom, entered: s.Entered,
		rep: s.Rep, team: s.Team, mqlVersion: s.MQLVersion,
		handOffVersion: s.HandOffVersion, acceptVersion: s.AcceptVersion,
		touches: s.Touches, unanswered: s.Unanswered, unansweredSince: s.UnansweredSince,
		progressVersion: s.ProgressVersion,
	}
}

// same reports whether a and b are the same string value: the same bytes
// in the same memory, as a string copied from another is.
func same(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// setLife sets the lifecycle fields of s to l's. The fields that hold
// pointers are written only when they changed: most events change none
// of them, and a write of a pointer into a State on the heap costs a
// write barrier while the collector runs.
func (s *State) setLife(l *life) {
	s.Version, s.Stage, s.StalledFrom = l.version, l.stage, l.stalledFrom
	if l.entered != s.Entered {
		s.Entered = l.entered
	}
	if !same(l.rep, s.Rep) || !same(l.team, s.Team) {
		s.Rep, s.Team = l.rep, l.team
	}
	s.MQLVersion, s.HandOffVersion, s.AcceptVersion = l.mqlVersion, l.handOffVersion, l.acceptVersion
	s.Touches, s.Unanswered, s.UnansweredSince = l.touches, l.unanswered, l.unansweredSince
	s.ProgressVersion = l.progressVersion
}
