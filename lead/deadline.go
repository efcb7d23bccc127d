package lead

import (
	"fmt"
	"strconv"
)

// DeadlineKind names one of the SLA's clocks.
type DeadlineKind string

// The SLA's clocks. Package sla says how long each one runs; this package
// says when each one starts and stops, because that follows from the
// lifecycle alone.
const (
	// KindHandOff is marketing's clock: it runs from the moment a lead
	// becomes an MQL until it is handed off to sales, recycled or
	// disqualified.
	KindHandOff DeadlineKind = "hand_off"
	// KindAccept runs from a hand-off (or reassignment) until the rep
	// accepts or rejects.
	KindAccept DeadlineKind = "accept"
	// KindFirstTouch runs from acceptance until the first touch.
	KindFirstTouch DeadlineKind = "first_touch"
	// KindCadence runs from acceptance while the lead is worked: at least
	// Y touches in the first Z days.
	KindCadence DeadlineKind = "cadence"
	// KindUnresponsive runs from the first unanswered touch of a streak:
	// after N unanswered attempts spanning U the lead goes back to marketing.
	KindUnresponsive DeadlineKind = "unresponsive"
	// KindQualify runs from acceptance until the lead becomes an SQL.
	KindQualify DeadlineKind = "qualify"
	// KindStall runs from the last progress of an accepted or qualified
	// lead (entering the stage or a touch).
	KindStall DeadlineKind = "stall"
)

// Kinds returns every deadline kind.
func Kinds() []DeadlineKind {
	return []DeadlineKind{KindHandOff, KindAccept, KindFirstTouch, KindCadence, KindUnresponsive, KindQualify, KindStall}
}

// KindIndex returns the position of k in Kinds, -1 for a kind this
// package does not define: a small integer for tables indexed by kind.
func KindIndex(k DeadlineKind) int { return kindIndex(k) }

func (k DeadlineKind) valid() bool {
	switch k {
	case KindHandOff, KindAccept, KindFirstTouch, KindCadence, KindUnresponsive, KindQualify, KindStall:
		return true
	}
	return false
}

// DeadlineID is a deadline's stable identity: its kind and the version of
// the event that started its clock. A breach is recorded at most once per
// DeadlineID and ladder step.
type DeadlineID struct {
	Kind  DeadlineKind `json:"kind"`
	Since uint64       `json:"since"`
}

// String returns "kind@since", e.g. "accept@4".
func (d DeadlineID) String() string { return string(d.Kind) + "@" + strconv.FormatUint(d.Since, 10) }

// IsZero reports whether d is the zero DeadlineID.
func (d DeadlineID) IsZero() bool { return d == DeadlineID{} }

// Action is what a breach ladder step does.
type Action string

// Breach ladder actions.
const (
	// ActionNotify records the breach and does nothing else; subscribers react.
	ActionNotify Action = "notify"
	// ActionEscalate records the breach and escalates to the rep's manager.
	ActionEscalate Action = "escalate"
	// ActionReassign records the breach and hands the lead to another rep.
	ActionReassign Action = "reassign"
	// ActionRoute records the breach of marketing's hand-off clock and
	// hands the MQL off to a rep the SLA's router picks.
	ActionRoute Action = "route"
	// ActionReturn records the breach and returns the lead to marketing.
	ActionReturn Action = "return"
	// ActionStall records the breach and marks the lead Stalled.
	ActionStall Action = "stall"
)

// Valid reports whether a is one of the defined actions.
func (a Action) Valid() bool {
	switch a {
	case ActionNotify, ActionEscalate, ActionReassign, ActionRoute, ActionReturn, ActionStall:
		return true
	}
	return false
}

// Running reports whether the clock identified by d is still running in s:
// the stretch of the lifecycle that started it (a hand-off, an acceptance,
// a streak of unanswered touches, the last progress) is still the current
// one. Whether the deadline is met within that stretch (enough touches,
// say) depends on the policy and is package sla's to say.
func (s State) Running(d DeadlineID) bool { return s.running(d) }

// running is Running without copying s.
func (s *State) running(d DeadlineID) bool {
	c, ok := s.clocks().Get(d.Kind)
	return ok && c == d
}

func (d DeadlineID) validate(cmd string) error {
	if !d.Kind.valid() {
		return &ValidationError{Command: cmd, Field: "Deadline.Kind", Reason: fmt.Sprintf("unknown deadline kind %q", d.Kind)}
	}
	if d.Since == 0 {
		return &ValidationError{Command: cmd, Field: "Deadline.Since", Reason: "must be the version of the event that started the clock (>= 1)"}
	}
	return nil
}
