package lead

import (
	"fmt"
	"time"
)

// Warn records that a deadline reached a warning fraction. It adds nothing
// when the deadline's clock stopped or the warning is already recorded.
type Warn struct {
	Actor    string
	Deadline DeadlineID
	Fraction float64 // in (0, 1)
	Due      time.Time
}

func (Warn) Name() string { return "Warn" }

func (c Warn) validate(time.Time) error {
	v := checker{cmd: "Warn"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	if err := c.Deadline.validate("Warn"); err != nil {
		return err
	}
	v.fraction("Fraction", c.Fraction, true)
	v.time("Due", c.Due, true)
	return v.err
}

func (c Warn) settled(s State) bool {
	return !s.Running(c.Deadline) || s.Marked(c.Deadline, false, warningStep(c.Fraction))
}

func (c Warn) decide(s State, m Meta) ([]Event, Stage, error) {
	return []Event{DeadlineWarned{Meta: m.by(c.Actor), Deadline: c.Deadline, Fraction: c.Fraction, Due: c.Due.UTC()}}, s.Stage, nil
}

// Breach records step Step of a deadline's breach ladder and carries out its
// Action in the same append: escalate to manager To, reassign to rep To,
// hand an MQL off to rep To (ActionRoute, for the hand-off clock only),
// return the lead to marketing, or stall it. It adds nothing when the
// deadline's clock stopped or the step is already recorded.
type Breach struct {
	Actor    string
	Deadline DeadlineID
	Step     int
	Action   Action
	Due      time.Time
	// To is the manager for ActionEscalate and the new rep for ActionReassign.
	To string
	// Team and PolicyVersion go with a reassignment; empty keeps the lead's.
	// For ActionRoute they are the hand-off's.
	Team          string
	PolicyVersion int
	// Policy is the segment of a hand-off clock's breach, which the lead
	// has not recorded yet (its hand-off records it): the breach event
	// carries it, and ActionRoute hands off into it. Other clocks' breaches
	// carry the segment the lead's hand-off recorded and ignore Policy.
	Policy string
}

func (Breach) Name() string { return "Breach" }

func (c Breach) validate(time.Time) error {
	v := checker{cmd: "Breach"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	if err := c.Deadline.validate("Breach"); err != nil {
		return err
	}
	if c.Step < 0 || c.Step >= MaxStepsInLadder {
		v.fail("Step", "must be in 0..%d, got %d", MaxStepsInLadder-1, c.Step)
	}
	if !c.Action.Valid() {
		v.fail("Action", "must be one of notify, escalate, reassign, route, return, stall; got %q", c.Action)
	}
	v.time("Due", c.Due, true)
	v.text("To", c.To, MaxFieldLen, c.Action == ActionEscalate || c.Action == ActionReassign || c.Action == ActionRoute)
	v.text("Team", c.Team, MaxFieldLen, false)
	v.text("Policy", c.Policy, MaxFieldLen, false)
	if c.PolicyVersion < 0 {
		v.fail("PolicyVersion", "must not be negative, got %d", c.PolicyVersion)
	}
	return v.err
}

func (c Breach) settled(s State) bool {
	return !s.Running(c.Deadline) || s.Marked(c.Deadline, true, c.Step)
}

func (c Breach) decide(s State, m Meta) ([]Event, Stage, error) {
	m = m.by(c.Actor)
	policy := s.PolicyName
	if c.Deadline.Kind == KindHandOff {
		policy = c.Policy
		switch c.Action {
		case ActionNotify, ActionRoute, ActionReturn:
		default:
			return nil, s.Stage, &ConditionError{Command: "Breach", Reason: fmt.Sprintf("%s cannot apply to marketing's hand-off clock", c.Action)}
		}
	} else if c.Action == ActionRoute {
		return nil, s.Stage, &ConditionError{Command: "Breach", Reason: fmt.Sprintf("route applies to the hand-off clock only, not to %s", c.Deadline.Kind)}
	}
	events := []Event{DeadlineBreached{Meta: m, Deadline: c.Deadline, Step: c.Step, Action: c.Action, Due: c.Due.UTC(), Rep: s.Rep, Policy: policy}}
	to := s.Stage
	m = m.next()
	switch c.Action {
	case ActionRoute:
		events = append(events, HandedOff{Meta: m, Rep: c.To, Team: c.Team, PolicyVersion: c.PolicyVersion, Policy: c.Policy})
		to = StageHandedOff
	case ActionEscalate:
		events = append(events, Escalated{Meta: m, Deadline: c.Deadline, Rep: s.Rep, Manager: c.To})
	case ActionReassign:
		if c.To == s.Rep {
			return nil, s.Stage, &ConditionError{Command: "Breach", Reason: fmt.Sprintf("cannot reassign to %q, the rep who let the deadline pass", c.To)}
		}
		events = append(events, Reassigned{Meta: m, Deadline: c.Deadline, From: s.Rep, To: c.To, Team: c.Team, PolicyVersion: c.PolicyVersion})
		to = StageHandedOff
	case ActionReturn:
		events = append(events, Recycled{Meta: m, From: s.Stage, Reason: fmt.Sprintf("sla: %s deadline breached", c.Deadline.Kind), Deadline: c.Deadline})
		to = StageNurturing
	case ActionStall:
		if s.Stage == StageStalled {
			return nil, s.Stage, &ConditionError{Command: "Breach", Reason: "the lead is already stalled"}
		}
		events = append(events, Stalled{Meta: m, From: s.Stage, Reason: fmt.Sprintf("sla: %s deadline breached", c.Deadline.Kind)})
		to = StageStalled
	}
	return events, to, nil
}

// Reassign hands the lead to another rep, who must accept it anew: the
// accept clock starts again at the reassignment.
type Reassign struct {
	Actor         string
	To            string
	Team          string
	PolicyVersion int
}

func (Reassign) Name() string { return "Reassign" }

func (c Reassign) validate(time.Time) error {
	v := checker{cmd: "Reassign"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.text("To", c.To, MaxFieldLen, true)
	v.text("Team", c.Team, MaxFieldLen, false)
	if c.PolicyVersion < 0 {
		v.fail("PolicyVersion", "must not be negative, got %d", c.PolicyVersion)
	}
	return v.err
}

func (c Reassign) decide(s State, m Meta) ([]Event, Stage, error) {
	if c.To == s.Rep {
		return nil, s.Stage, &ConditionError{Command: "Reassign", Reason: fmt.Sprintf("the lead is already with %q", c.To)}
	}
	return []Event{Reassigned{Meta: m.by(c.Actor), From: s.Rep, To: c.To, Team: c.Team, PolicyVersion: c.PolicyVersion}}, StageHandedOff, nil
}

// Pause stops the lead's SLA clocks, for example because the prospect asked
// to be called after a date (Until, optional). Paused time does not count
// towards any deadline.
type Pause struct {
	Actor  string
	Reason string
	Until  time.Time
}

func (Pause) Name() string { return "Pause" }

func (c Pause) validate(now time.Time) error {
	v := checker{cmd: "Pause"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, true)
	if v.time("Until", c.Until, false); v.err == nil && !c.Until.IsZero() && !c.Until.After(now) {
		v.fail("Until", "%s is not in the future", c.Until.UTC().Format(time.RFC3339))
	}
	return v.err
}

func (c Pause) decide(s State, m Meta) ([]Event, Stage, error) {
	if s.Paused {
		return nil, s.Stage, &ConditionError{Command: "Pause", Reason: "the lead is already paused"}
	}
	var until time.Time
	if !c.Until.IsZero() {
		until = c.Until.UTC()
	}
	return []Event{Paused{Meta: m.by(c.Actor), Reason: c.Reason, Until: until}}, s.Stage, nil
}

// Resume starts a paused lead's SLA clocks again.
type Resume struct {
	Actor string
}

func (Resume) Name() string { return "Resume" }

func (c Resume) validate(time.Time) error {
	v := checker{cmd: "Resume"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	return v.err
}

func (c Resume) decide(s State, m Meta) ([]Event, Stage, error) {
	if !s.Paused {
		return nil, s.Stage, &ConditionError{Command: "Resume", Reason: "the lead is not paused"}
	}
	return []Event{Resumed{Meta: m.by(c.Actor)}}, s.Stage, nil
}

// Scheduled reports whether c is a command only an SLA schedule issues
// (Warn and Breach): a service takes them from its policy's plan, never
// from a caller.
func Scheduled(c Command) bool {
	switch c.(type) {
	case Warn, Breach:
		return true
	}
	return false
}

// ForLead returns c as a command for lead id: a Capture without an ID is
// given id, and a Capture for another lead is a *ValidationError on its
// ID. Every other command is returned as it is.
func ForLead(c Command, id ID) (Command, error) {
	cp, ok := c.(Capture)
	switch {
	case !ok:
		return c, nil
	case cp.ID == "":
		cp.ID = id
		return cp, nil
	case cp.ID != id:
		return nil, &ValidationError{Command: "Capture", Field: "ID", Reason: fmt.Sprintf("is %q, but the command is for lead %q", cp.ID, id)}
	}
	return c, nil
}
