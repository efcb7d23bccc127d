package lead

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (with errors.Is) by every *HistoryError.
var ErrCorrupt = errors.New("lead: corrupt history")

// HistoryError says why a stored event cannot follow the history before
// it: it names another lead, breaks the versioning, or is a step the
// lifecycle table does not allow from the state before it. Decide never
// adds such an event; it comes from a writer that went around Decide.
type HistoryError struct {
	Lead    ID     // the lead whose history it is
	Version uint64 // the version the event claims
	Type    string // the event's type
	Reason  string
}

func (e *HistoryError) Error() string {
	return fmt.Sprintf("lead: history of %s: %s at version %d: %s", e.Lead, e.Type, e.Version, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *HistoryError) Is(target error) bool { return target == ErrCorrupt }

// Apply is Evolve for an event read from a store: it returns the state
// after e, or a *HistoryError when e is not a step Decide could have made
// from s (see Check) and s unchanged. Folding Apply over a history
// accepts exactly the histories that Decide writes.
func Apply(s State, e Event) (State, error) {
	after, err := check(s, e)
	if err != nil {
		return s, err
	}
	return after, nil
}

// Check reports whether e can follow the history whose fold is s, as a
// *HistoryError when it cannot: e must be the next version of the same
// lead; some command that adds events of e's type must have a row in the
// lifecycle table from s's stage to the stage after e; a warning or
// breach step must be for a running clock and not recorded yet; the
// action of a breach step must be carried out by the event right after
// it, and only there. Evolve stays total: Check is a separate step, pure,
// on the same table Decide consults.
func Check(s State, e Event) error {
	_, err := check(s, e)
	return err
}

// check is Check, returning the state after e (Evolve's) when e can
// follow s, so that Apply folds each event once.
func check(s State, e Event) (State, error) {
	commands, fail, err := next(s.ID, s.Version, e)
	if err != nil {
		return s, err
	}
	var v checker
	v.id("Lead", e.Base().Lead)
	if v.err != nil {
		return s, fail("lead ID: %v", v.err.(*ValidationError).Reason)
	}
	if err := checkText(e, fail); err != nil {
		return s, err
	}
	if err := checkOwed(s, e); err != nil {
		return s, fail("%s", err)
	}
	switch e := e.(type) {
	case DeadlineWarned:
		if !s.Running(e.Deadline) || s.Warned(e.Deadline, e.Fraction) {
			return s, fail("warns of %s, which is not running or already warned at %v", e.Deadline, e.Fraction)
		}
	case DeadlineBreached:
		if !s.Running(e.Deadline) || s.Marked(e.Deadline, true, e.Step) {
			return s, fail("breaches %s step %d, which is not running or already recorded", e.Deadline, e.Step)
		}
		if !e.Action.Valid() {
			return s, fail("unknown action %q", e.Action)
		}
	case Stalled:
		if e.From != StageNone && e.From != s.Stage {
			return s, fail("says it left %s, but the lead is in %s", e.From, s.Stage)
		}
	case Recycled:
		if e.From != StageNone && e.From != s.Stage {
			return s, fail("says it left %s, but the lead is in %s", e.From, s.Stage)
		}
	}
	after := Evolve(s, e)
	to := after.Stage
	for _, c := range commands {
		if Permits(s.Stage, c, to) {
			return after, nil
		}
	}
	return s, fail("no command moves a lead from %s to %s with it (the lifecycle allows %v in %s)", s.Stage, to, Allowed(s.Stage), s.Stage)
}

// next checks that e is a lead event that can come right after version
// of lead id: the next version, of the same lead. It returns the commands
// that add events of e's type and a function that makes a *HistoryError
// about e.
func next(id ID, version uint64, e Event) ([]string, func(string, ...any) error, error) {
	if e == nil {
		return nil, nil, &HistoryError{Lead: id, Version: version + 1, Type: "<nil>", Reason: "no event"}
	}
	m := e.Base()
	fail := func(format string, args ...any) error {
		lead := id
		if lead == "" {
			lead = m.Lead
		}
		return &HistoryError{Lead: lead, Version: m.Version, Type: e.Type(), Reason: fmt.Sprintf(format, args...)}
	}
	commands, known := addedBy[e.Type()]
	switch {
	case !known:
		return nil, nil, fail("not a lead event")
	case m.Version != version+1:
		return nil, nil, fail("follows version %d", version)
	case version > 0 && m.Lead != id:
		return nil, nil, fail("belongs to lead %s", m.Lead)
	}
	return commands, fail, nil
}

// checkText checks e's text fields with the rules and limits its command
// was validated with (the schema table says which field is which).
func checkText(e Event, fail func(string, ...any) error) error {
	if err := schemaByName[e.Type()].check(e); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return fail("%s: %s", ve.Field, ve.Reason)
		}
		return fail("%v", err)
	}
	return nil
}

// checkOwed checks that a breach step's action comes right after it, in
// the event its action adds, and nowhere else.
func checkOwed(s State, e Event) error {
	if s.owed.action == "" {
		switch e := e.(type) {
		case Escalated:
			return errors.New("escalates with no breach step before it")
		case Reassigned:
			if !e.Deadline.IsZero() {
				return errors.New("reassigns for a breach step that is not right before it")
			}
		case Recycled:
			if !e.Deadline.IsZero() {
				return errors.New("returns the lead for a breach step that is not right before it")
			}
		}
		return nil
	}
	d, ok := s.owed.deadline, false
	switch e := e.(type) {
	case Escalated:
		ok = s.owed.action == ActionEscalate && e.Deadline == d
	case Reassigned:
		ok = s.owed.action == ActionReassign && e.Deadline == d
	case Recycled:
		ok = s.owed.action == ActionReturn && e.Deadline == d
	case Stalled:
		ok = s.owed.action == ActionStall
	case HandedOff:
		ok = s.owed.action == ActionRoute
	}
	if !ok {
		return fmt.Errorf("the breach step of %s before it owes its %s", d, s.owed.action)
	}
	return nil
}

// Follow is Step for an event read from a store by a reader that keeps a
// Lifecycle per lead instead of a State (a projection over millions of
// leads, a breach consumer): it returns the Lifecycle after e and what e
// changed, or a *HistoryError and l unchanged when e cannot follow the
// events l has stepped through in lead id's history. It checks what
// Check checks of versions, lead IDs, text fields and the lifecycle table, so a forged
// step (an Accepted on a Captured lead, a Won out of nowhere) is refused;
// the clocks' warnings and breach steps need the full State and are
// Check's alone.
func (l Lifecycle) Follow(id ID, e Event) (Lifecycle, Change, error) {
	commands, fail, err := next(id, l.version, e)
	if err != nil {
		return l, Change{}, err
	}
	if l.version == 0 && id != "" && e.Base().Lead != id {
		return l, Change{}, fail("belongs to lead %s", e.Base().Lead)
	}
	if err := checkText(e, fail); err != nil {
		return l, Change{}, err
	}
	after, c := l.Step(e)
	for _, cmd := range commands {
		if Permits(l.stage, cmd, after.stage) {
			return after, c, nil
		}
	}
	return l, Change{}, fail("no command moves a lead from %s to %s with it (the lifecycle allows %v in %s)", l.stage, after.stage, Allowed(l.stage), l.stage)
}
