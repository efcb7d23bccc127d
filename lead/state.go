package lead

import (
	"slices"
	"time"
)

// MaxTrackedTouches is how many touch times a State keeps since
// acceptance, and how many of an unanswered streak: the most touches a
// cadence rule or unresponsive rule may ask for.
const MaxTrackedTouches = 32

// State is a lead as its history says it is now: the fold of Evolve over its
// events. It is derived, never stored.
type State struct {
	ID      ID
	Version uint64 // version of the last event applied; 0 for no lead
	Stage   Stage
	// Entered is when the lead entered its current stage.
	Entered time.Time
	// StalledFrom is the stage a stalled lead left.
	StalledFrom Stage

	Email      string
	FullName   string
	Company    string
	Source     string
	Campaign   string
	Attributes map[string]string
	CapturedAt time.Time
	// Erased is true once the lead's personal data was erased (an Erased
	// event): Email and FullName then hold ErasedField.
	Erased bool

	Fit, Intent, Score int
	MQLSource          MQLSource
	MQLAt              time.Time
	MQLVersion         uint64 // version of the qualification that started the hand-off clock

	// Owner of the lead on the sales side, and the SLA policy its clocks
	// run under (recorded at hand-off): its segment, "" for the default
	// one, and its version. Reassignments keep the segment.
	Rep            string
	Team           string
	PolicyName     string
	PolicyVersion  int
	HandOffVersion uint64 // version of the hand-off or reassignment that started the accept clock
	HandedOffAt    time.Time
	AcceptVersion  uint64 // version of the acceptance that started the work clocks
	AcceptedAt     time.Time

	// Touches counts the touches since acceptance; TouchTimes holds the
	// times of the first MaxTrackedTouches of them, oldest first (enough
	// for any cadence rule, and bounded however long a lead is worked).
	Touches    int
	TouchTimes []time.Time
	// Unanswered is the current streak of unanswered touches, which began
	// with the touch at version UnansweredSince (0 when there is no streak)
	// at UnansweredSinceAt; UnansweredTimes holds the times of the streak's
	// first MaxTrackedTouches touches.
	Unanswered        int
	UnansweredSince   uint64
	UnansweredSinceAt time.Time
	UnansweredTimes   []time.Time
	// ProgressVersion and ProgressAt are the last progress of an accepted
	// or qualified lead: entering the stage, or a touch. The stall clock
	// runs from there.
	ProgressVersion uint64
	ProgressAt      time.Time

	Amount      float64
	Currency    string
	CloseDate   time.Time
	Probability float64
	SQLAt       time.Time

	ClosedAt  time.Time
	WonAmount float64
	Reason    string // the reason given for the last rejection, recycle, loss or disqualification
	Recycles  int

	// Paused is true from a Paused event until a Resumed one. Pauses lists
	// the pause intervals since the current hand-off; an open-ended pause
	// has a zero To, and a pause with an end date has To = Until (or the
	// resume time, if earlier). SLA clocks stop inside the intervals.
	Paused bool
	Pauses []Interval

	// Marks are the warnings and breach steps recorded for clocks that
	// are still running.
	Marks []Mark

	// Recent are the lead's last MaxRemembered commands that carried an
	// ID (Origin.Command), oldest first: what lets a retried command be
	// recognised (State.Applied) however long after the first attempt.
	Recent []Applied

	// owed is the action a breach step recorded by the last event still
	// has to carry out in the same command (its next event), if any.
	owed owed
	// touchLog and unansweredLog hold TouchTimes and UnansweredTimes, so
	// that Evolve adds a touch time in place where no other State can see
	// it (see timeLog).
	touchLog, unansweredLog logRef
}

// owed is a breach step's action whose event has not followed yet.
type owed struct {
	deadline DeadlineID
	action   Action
}

// Interval is a stretch of time [From, To); a zero To means still open.
type Interval struct {
	From, To time.Time
}

// Mark is a warning or breach step recorded for a deadline. Warnings have
// Breach false and Step the index of the warning fraction.
type Mark struct {
	Deadline DeadlineID
	Breach   bool
	Step     int
}

// Marked reports whether the warning (breach false) or breach step for d is
// already recorded.
func (s State) Marked(d DeadlineID, breach bool, step int) bool {
	return slices.Contains(s.Marks, Mark{Deadline: d, Breach: breach, Step: step})
}

// Replay folds Evolve over events, starting from the zero State.
func Replay(events []Event) State {
	// The fold owns the State it builds: no caller sees it before the end,
	// so it is changed in place and its slices grow without copies.
	// Its lifecycle fields are kept in a life of their own meanwhile,
	// and written to s once, at the end.
	var s State
	var l life
	for _, e := range events {
		s.fold(e, &l, true)
	}
	s.setLife(&l)
	s.settleLogs()
	return s
}

// Evolve returns the state after e. It is total: it never fails and never
// panics; Decide is where events are checked, and Evolve trusts them.
func Evolve(s State, e Event) State {
	s.apply(e, false)
	return s
}

// apply folds e into s. With owned false the slices of s may be shared with
// the State Evolve was given, so a change copies them first (append to a
// clipped slice, edit a clone); with owned true they belong to this fold
// alone (Replay) and are changed in place.
func (s *State) apply(e Event, owned bool) {
	l := s.life()
	s.fold(e, &l, owned)
	s.setLife(&l)
}

// fold is apply for a fold that keeps the lifecycle fields of s in l,
// which it writes to s itself: s's own lifecycle fields are not read.
func (s *State) fold(e Event, l *life, owned bool) {
	m := e.Base()
	before := l.stage
	// The lifecycle rules move the lead (life.apply); what follows here
	// records what else a State keeps of the move, and the event's data.
	fx := l.apply(e, &m)
	s.remember(e, &m, owned)
	s.owed = owed{}
	if fx != 0 {
		s.record(fx, m.At, owned)
	}
	switch e := e.(type) {
	case Captured:
		s.ID = m.Lead
		s.Email, s.FullName, s.Company = e.Email, e.FullName, e.Company
		s.Source, s.Campaign = e.Source, e.Campaign
		s.Attributes = e.Attributes
		s.CapturedAt = m.At
	case Scored:
		s.Fit, s.Intent, s.Score = e.Fit, e.Intent, e.Total
	case MarketingQualified:
		s.MQLSource = e.Source
		s.MQLAt = m.At
	case HandedOff:
		s.PolicyName, s.PolicyVersion = e.Policy, e.PolicyVersion
	case Reassigned:
		// A fresh hand-off keeps the policy version unless the event
		// names another.
		if fx&fxHandOff != 0 && e.PolicyVersion != 0 {
			s.PolicyVersion = e.PolicyVersion
		}
	case Rejected:
		s.Reason = e.Reason
	case SalesQualified:
		s.Amount, s.Currency, s.CloseDate, s.Probability = e.Amount, e.Currency, e.CloseDate, e.Probability
		s.SQLAt = m.At
	case Stalled:
		s.Reason = e.Reason
	case Recycled:
		s.Reason = e.Reason
	case Disqualified:
		s.Reason = e.Reason
	case Won:
		s.WonAmount = e.Amount
	case Lost:
		s.Reason = e.Reason
	case DeadlineWarned:
		s.Marks = append(clip(s.Marks, owned, 4), Mark{Deadline: e.Deadline, Step: warningStep(e.Fraction)})
	case DeadlineBreached:
		s.Marks = append(clip(s.Marks, owned, 4), Mark{Deadline: e.Deadline, Breach: true, Step: e.Step})
		if e.Action != ActionNotify {
			s.owed = owed{deadline: e.Deadline, action: e.Action}
		}
	case Escalated:
		// The escalation is a fact for subscribers and reports; it does
		// not move the lead.
	case Paused:
		// A pause with an end date ends by itself: the clocks run again
		// from Until even if nobody resumes the lead.
		s.Paused = true
		s.Pauses = append(clip(s.Pauses, owned, 2), Interval{From: m.At, To: e.Until})
	case Erased:
		s.Erased = true
		s.Email, s.FullName = ErasedField, ErasedField
	case Resumed:
		s.Paused = false
		if n := len(s.Pauses); n > 0 && (s.Pauses[n-1].To.IsZero() || s.Pauses[n-1].To.After(m.At)) {
			if !owned {
				s.Pauses = slices.Clone(s.Pauses)
			}
			s.Pauses[n-1].To = m.At
		}
	}
	// A stall stops the qualify, cadence and unresponsive clocks only until
	// a touch brings the lead back, when they run on under the same
	// DeadlineID: their marks must outlive the stall, or a warning or breach
	// already recorded would be recorded again.
	if l.stage != before && l.stage != StageStalled {
		s.pruneMarks(l.clocks(), owned)
	}
}

// record keeps what a State holds beyond its lifecycle fields of the
// effects fx of an event at time at.
func (s *State) record(fx effect, at time.Time, owned bool) {
	if fx&fxHandOff != 0 {
		s.HandedOffAt = at
		s.AcceptedAt = time.Time{}
		s.Paused, s.Pauses = false, nil
		s.Marks = nil
	}
	if fx&fxAccept != 0 {
		s.AcceptedAt = at
		s.TouchTimes, s.touchLog = nil, restart(s.touchLog, owned)
	}
	if fx&fxStreakEnd != 0 && (s.UnansweredTimes != nil || !s.UnansweredSinceAt.IsZero()) {
		s.UnansweredSinceAt, s.UnansweredTimes, s.unansweredLog = time.Time{}, nil, restart(s.unansweredLog, owned)
	}
	if fx&fxTouch != 0 && len(s.TouchTimes) < MaxTrackedTouches {
		s.TouchTimes, s.touchLog = appendTime(s.TouchTimes, s.touchLog, at, owned)
	}
	if fx&fxStreakStart != 0 {
		s.UnansweredSinceAt = at
	}
	if fx&fxUnanswered != 0 && len(s.UnansweredTimes) < MaxTrackedTouches {
		s.UnansweredTimes, s.unansweredLog = appendTime(s.UnansweredTimes, s.unansweredLog, at, owned)
	}
	if fx&fxProgress != 0 {
		s.ProgressAt = at
	}
	if fx&fxNurture != 0 {
		s.Recycles++
		s.Paused, s.Pauses = false, nil
	}
	if fx&fxClose != 0 {
		s.ClosedAt = at
		s.Paused = false
	}
}

// clip returns x ready for an append that must not write into memory a
// shared x reaches: clipped, so the append copies, unless the fold owns it.
// A fold that owns x starts it with room for room appends: a lead has a
// few marks and rarely more than one pause.
func clip[T any](x []T, owned bool, room int) []T {
	if !owned {
		return slices.Clip(x)
	}
	if x == nil {
		return make([]T, 0, room)
	}
	return x
}

// warningStep turns a warning fraction into the mark step that records it:
// the fraction in thousandths, so 0.75 is step 750.
func warningStep(f float64) int { return int(f*1000 + 0.5) }

// pruneMarks drops the marks of clocks that stopped (are not in running,
// the clocks running now), so Marks stays small over a long history.
func (s *State) pruneMarks(running ClockSet, owned bool) {
	if len(s.Marks) == 0 {
		return
	}
	var kept []Mark
	if owned {
		kept = s.Marks[:0]
	} else {
		kept = make([]Mark, 0, len(s.Marks))
	}
	for _, mk := range s.Marks {
		if d, ok := running.Get(mk.Deadline.Kind); ok && d == mk.Deadline {
			kept = append(kept, mk)
		}
	}
	s.Marks = kept
}
