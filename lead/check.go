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
	l := s.life()
	r, fail, err := precheck(&s, &l, e)
	if err != nil {
		return s, err
	}
	after := Evolve(s, e)
	if err := r.permitted(fail, s.Stage, after.Stage); err != nil {
		return s, err
	}
	return after, nil
}

// precheck is every check of Check that needs no state after e, of a
// lead in state s whose lifecycle fields are l: it returns the rules of
// e's type, for permitted, and what makes a *HistoryError about e.
func precheck(s *State, l *life, e Event) (*rules, historyFail, error) {
	r, m, fail, err := next(s.ID, l.version, e)
	if err != nil {
		return nil, historyFail{}, err
	}
	if !plainID(m.Lead) {
		var v checker
		if v.id("Lead", m.Lead); v.err != nil {
			return nil, historyFail{}, fail.errorf("lead ID: %v", v.err.(*ValidationError).Reason)
		}
	}
	if err := r.checkText(e, fail); err != nil {
		return nil, historyFail{}, err
	}
	if err := checkOwed(s, e); err != nil {
		return nil, historyFail{}, fail.errorf("%s", err)
	}
	switch e := e.(type) {
	case DeadlineWarned:
		if !l.running(e.Deadline) || s.Warned(e.Deadline, e.Fraction) {
			return nil, historyFail{}, fail.errorf("warns of %s, which is not running or already warned at %v", e.Deadline, e.Fraction)
		}
	case DeadlineBreached:
		if !l.running(e.Deadline) || s.Marked(e.Deadline, true, e.Step) {
			return nil, historyFail{}, fail.errorf("breaches %s step %d, which is not running or already recorded", e.Deadline, e.Step)
		}
		if !e.Action.Valid() {
			return nil, historyFail{}, fail.errorf("unknown action %q", e.Action)
		}
	case Stalled:
		if e.From != StageNone && e.From != l.stage {
			return nil, historyFail{}, fail.errorf("says it left %s, but the lead is in %s", e.From, l.stage)
		}
	case Recycled:
		if e.From != StageNone && e.From != l.stage {
			return nil, historyFail{}, fail.errorf("says it left %s, but the lead is in %s", e.From, l.stage)
		}
	}
	return r, fail, nil
}

// rules are what Check needs to know of an event type, found with one
// lookup: the commands that add events of the type (addedBy), the stage
// changes one of them makes (Permits), and the schema that says which
// text rules each field follows.
type rules struct {
	commands []string
	schema   *typeSchema
	// moves[from][to] is whether one of commands moves a lead from stage
	// from to stage to.
	moves [stageCount][stageCount]bool
}

// rulesByType holds the rules of every event type addedBy names.
var rulesByType = func() map[string]*rules {
	m := make(map[string]*rules, len(addedBy))
	for typ, commands := range addedBy {
		r := &rules{commands: commands, schema: schemaByName[typ]}
		for from := range stageCount {
			for to := range stageCount {
				for _, c := range commands {
					r.moves[from][to] = r.moves[from][to] || Permits(from, c, to)
				}
			}
		}
		m[typ] = r
	}
	return m
}()

// permitted checks that one of r's commands moves a lead from stage from
// to stage to.
func (r *rules) permitted(fail historyFail, from, to Stage) error {
	if r.permits(from, to) {
		return nil
	}
	return fail.errorf("no command moves a lead from %s to %s with it (the lifecycle allows %v in %s)", from, to, Allowed(from), from)
}

// permits reports whether one of r's commands moves a lead from stage
// from to stage to, as Permits says.
func (r *rules) permits(from, to Stage) bool {
	if from < stageCount && to < stageCount {
		return r.moves[from][to]
	}
	for _, c := range r.commands {
		if Permits(from, c, to) {
			return true
		}
	}
	return false
}

// Fold builds a lead's State from events read from a store, checking each
// one as Apply does, in place: a history of n events costs no copy of the
// State per event, and the State's slices grow where they are. Start one
// with NewFold, and take the result with State.
type Fold struct {
	s State
	// l holds the lifecycle fields of s, which State writes to s: the
	// fold changes them here.
	l     life
	owned bool  // the slices of s are the Fold's alone
	err   error // why the Fold stopped
}

// NewFold returns a Fold that starts from s, a State folded from the
// events before those to come (the zero State for a whole history). The
// Fold copies s's slices once, so s stays as it is.
func NewFold(s State) Fold {
	return Fold{s: s.Clone(), l: s.life(), owned: true}
}

// Apply folds e into the Fold's State, or returns the *HistoryError that
// says why e cannot follow the events before it (see Apply, Check). After
// an error the Fold takes no more events: Apply and State return that
// error.
func (f *Fold) Apply(e Event) error {
	if f.err != nil {
		return f.err
	}
	r, fail, err := precheck(&f.s, &f.l, e)
	if err == nil {
		from := f.l.stage
		f.s.fold(e, &f.l, f.owned)
		err = r.permitted(fail, from, f.l.stage)
	}
	if err != nil {
		f.s, f.l, f.err = State{}, life{}, err
	}
	return err
}

// State returns the State after the events applied, or the error that
// stopped the Fold. Events applied after it leave the returned State as
// it is.
func (f *Fold) State() (State, error) {
	// The State returned shares the Fold's slices: from here on the Fold
	// changes them the way Evolve does, by copy or by claim.
	f.s.setLife(&f.l)
	if f.owned {
		f.s.settleLogs()
	}
	f.owned = false
	return f.s, f.err
}

// next checks that e is a lead event that can come right after version
// of lead id: the next version, of the same lead. It returns the rules of
// e's type, e's Meta and what makes a *HistoryError about e.
func next(id ID, version uint64, e Event) (*rules, Meta, historyFail, error) {
	if e == nil {
		return nil, Meta{}, historyFail{}, &HistoryError{Lead: id, Version: version + 1, Type: "<nil>", Reason: "no event"}
	}
	fail := historyFail{id: id, e: e}
	r, known := rulesByType[e.Type()]
	if !known {
		return nil, Meta{}, historyFail{}, fail.errorf("not a lead event")
	}
	m := e.Base()
	switch {
	case m.Version != version+1:
		return nil, Meta{}, historyFail{}, fail.errorf("follows version %d", version)
	case version > 0 && m.Lead != id:
		return nil, Meta{}, historyFail{}, fail.errorf("belongs to lead %s", m.Lead)
	}
	return r, m, fail, nil
}

// historyFail makes the *HistoryError about event e of lead id: a value,
// so that checking an event that passes allocates nothing for it.
type historyFail struct {
	id ID
	e  Event
}

func (h historyFail) errorf(format string, args ...any) error {
	m := h.e.Base()
	lead := h.id
	if lead == "" {
		lead = m.Lead
	}
	return &HistoryError{Lead: lead, Version: m.Version, Type: h.e.Type(), Reason: fmt.Sprintf(format, args...)}
}

// checkText checks e's text fields with the rules and limits its command
// was validated with (the schema table says which field is which).
func (r *rules) checkText(e Event, fail historyFail) error {
	if err := r.schema.check(e); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return fail.errorf("%s: %s", ve.Field, ve.Reason)
		}
		return fail.errorf("%v", err)
	}
	return nil
}

// checkOwed checks that a breach step's action comes right after it, in
// the event its action adds, and nowhere else.
func checkOwed(s *State, e Event) error {
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
	r, m, fail, err := next(id, l.version, e)
	if err != nil {
		return l, Change{}, err
	}
	if l.version == 0 && id != "" && m.Lead != id {
		return l, Change{}, fail.errorf("belongs to lead %s", m.Lead)
	}
	if err := r.checkText(e, fail); err != nil {
		return l, Change{}, err
	}
	after, c := l.Step(e)
	if r.permits(l.stage, after.stage) {
		return after, c, nil
	}
	return l, Change{}, fail.errorf("no command moves a lead from %s to %s with it (the lifecycle allows %v in %s)", l.stage, after.stage, Allowed(l.stage), l.stage)
}

// plainID reports whether v is a lead ID that passes checker.id: 1 to
// MaxIDLen letters, digits, '-' and '_'.
func plainID(v ID) bool {
	if len(v) == 0 || len(v) > MaxIDLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !idByte[v[i]] {
			return false
		}
	}
	return true
}

// idByte says which bytes a lead ID may hold.
var idByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	return t
}()
