package sla

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/leadline/leadline/lead"
)

// Policy is the one-page SLA between marketing and sales, as a value. Each
// rule with a zero duration is off. Durations of a rule with Business set
// are measured in the Calendar's open hours; the others in wall time.
//
// A hand-off records the policy's Name and Version; an Engine keeps the
// policies it knows by both (a Set), so changing a policy applies to new
// clocks only.
type Policy struct {
	// Name is the segment the policy is for (a tier, an intent, a region,
	// a source), e.g. "enterprise"; "" is the default segment. At most
	// lead.MaxFieldLen bytes of printable text.
	Name string
	// Version identifies this policy within its segment; a hand-off
	// records it. Must be >= 1.
	Version int

	// HandOff is marketing's clock: an MQL is handed off to sales (or
	// recycled or disqualified) within this time of its qualification.
	// Its ladder may notify, route (hand the lead off to a rep the router
	// picks) and return (to nurture); empty means a single notify.
	HandOff Rule
	// SalesReady is the sales-ready threshold: a Score that crosses it
	// makes a Captured or Nurturing lead an MQL (source score) in the
	// same decision. The zero Threshold is off.
	SalesReady lead.Threshold

	// Accept: sales accepts or rejects a handed-off lead within this time.
	Accept Rule
	// FirstTouch: the first touch comes within this time of acceptance.
	FirstTouch Rule
	// Cadence: at least Touches touches in the first Within of acceptance.
	Cadence Cadence
	// Unresponsive: after Attempts unanswered touches spanning at least
	// Within, the ladder runs (by default: return to marketing).
	Unresponsive Unresponsive
	// Qualify: an accepted lead becomes an SQL within this time.
	Qualify Rule
	// Stall: an accepted or qualified lead without progress (a touch, a
	// stage change) within the stage's window stalls.
	Stall Stall

	// RequiredAtSQL lists the fields QualifySales must carry.
	RequiredAtSQL []Field

	// Warnings are the fractions of each deadline at which a warning is
	// recorded, e.g. 0.5, 0.75, 0.9; each in (0, 1), increasing.
	Warnings []float64

	// Calendar is the coverage hours Business durations are measured in.
	// The zero value is 24x7.
	Calendar Calendar

	// rep is the calendar of the rep holding the lead, when the
	// directory gives one (WithRepCalendar): the accept, first-touch and
	// cadence clocks run in it instead of Calendar.
	rep *Calendar
}

// Rule is one deadline: Within after its clock starts, then the Ladder.
type Rule struct {
	Within   time.Duration
	Business bool
	// Ladder is what happens when the deadline passes, step by step. Empty
	// means a single notify step at the due time.
	Ladder []Step
}

// Step is one rung of a breach ladder: After the due time (in the rule's
// hours), carry out Action.
type Step struct {
	After  time.Duration
	Action lead.Action
}

// Cadence is the touch cadence: at least Touches touches within the first
// Within after acceptance, counting only touches at least Gap apart.
type Cadence struct {
	Touches  int
	Within   time.Duration
	Gap      time.Duration
	Business bool
	Ladder   []Step
}

// Unresponsive returns leads that do not answer: after Attempts unanswered
// touches in a row, spanning at least Within, the ladder runs.
type Unresponsive struct {
	Attempts int
	Within   time.Duration
	Business bool
	Ladder   []Step // empty means: return to marketing at once
}

// Stall is the stall window per stage and what happens to a stalled lead.
// The default ladder stalls the lead at the window's end and returns it to
// marketing after Grace (at once when Grace is zero).
type Stall struct {
	Accepted time.Duration // window in stage Accepted; 0 turns it off
	SQL      time.Duration // window in stage SQL; 0 turns it off
	Grace    time.Duration
	Business bool
	Ladder   []Step // overrides the default ladder when set
}

// Field names a field QualifySales may be required to carry.
type Field string

// Fields a policy can require at SQL.
const (
	FieldAmount      Field = "amount"
	FieldCloseDate   Field = "close_date"
	FieldProbability Field = "probability"
)

// ErrPolicy is matched by every error Validate returns.
var ErrPolicy = errors.New("sla: invalid policy")

// PolicyError names the part of a Policy that is wrong.
type PolicyError struct {
	Field  string // e.g. "Accept.Ladder[1].After"
	Reason string
	Err    error // the underlying error, e.g. a *CalendarError
}

func (e *PolicyError) Error() string { return fmt.Sprintf("sla: policy %s: %s", e.Field, e.Reason) }

// Unwrap returns the underlying error, if any.
func (e *PolicyError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPolicy) true.
func (e *PolicyError) Is(target error) bool { return target == ErrPolicy }

// DefaultPolicy is the seed documents' SLA: accept or reject within 8
// business hours (escalate at the breach, reassign 4 hours later, return to
// marketing 8 hours later); first touch within 4 hours; 5 touches in the
// first 10 days, a day apart; return after 6 unanswered attempts over 14
// days; SQL within 4 days or back to marketing; stall after 14 days
// without progress, recycled 7 days later; warnings at 50%, 75% and 90%;
// Monday to Friday 9:00-18:00 UTC.
func DefaultPolicy() Policy {
	return Policy{
		Version: 1,
		Accept: Rule{Within: 8 * time.Hour, Business: true, Ladder: []Step{
			{After: 0, Action: lead.ActionEscalate},
			{After: 4 * time.Hour, Action: lead.ActionReassign},
			{After: 8 * time.Hour, Action: lead.ActionReturn},
		}},
		FirstTouch:    Rule{Within: 4 * time.Hour, Business: true, Ladder: []Step{{Action: lead.ActionEscalate}}},
		Cadence:       Cadence{Touches: 5, Within: 10 * 24 * time.Hour, Gap: 24 * time.Hour},
		Unresponsive:  Unresponsive{Attempts: 6, Within: 14 * 24 * time.Hour},
		Qualify:       Rule{Within: 4 * 24 * time.Hour, Ladder: []Step{{Action: lead.ActionReturn}}},
		Stall:         Stall{Accepted: 14 * 24 * time.Hour, SQL: 14 * 24 * time.Hour, Grace: 7 * 24 * time.Hour},
		RequiredAtSQL: []Field{FieldAmount, FieldCloseDate, FieldProbability},
		Warnings:      []float64{0.5, 0.75, 0.9},
		Calendar:      BusinessHours(time.UTC, At(9, 0), At(18, 0), time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday),
	}
}

// Validate reports the first thing wrong with p as a *PolicyError:
// negative durations, a count without a duration (or the reverse),
// warning fractions outside (0, 1) or out of order, ladder steps out of
// order, actions that cannot apply to the deadline, steps that could never
// run, an invalid calendar.
func (p Policy) Validate() error {
	fail := func(field, format string, args ...any) error {
		return &PolicyError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if err := validateName(p.Name); err != nil {
		return fail("Name", "%s", err)
	}
	if p.Version < 1 {
		return fail("Version", "must be >= 1, got %d", p.Version)
	}
	for _, r := range []struct {
		name string
		kind lead.DeadlineKind
		d    time.Duration
		l    []Step
	}{
		{"HandOff", lead.KindHandOff, p.HandOff.Within, p.HandOff.Ladder},
		{"Accept", lead.KindAccept, p.Accept.Within, p.Accept.Ladder},
		{"FirstTouch", lead.KindFirstTouch, p.FirstTouch.Within, p.FirstTouch.Ladder},
		{"Cadence", lead.KindCadence, p.Cadence.Within, p.Cadence.Ladder},
		{"Unresponsive", lead.KindUnresponsive, p.Unresponsive.Within, p.Unresponsive.Ladder},
		{"Qualify", lead.KindQualify, p.Qualify.Within, p.Qualify.Ladder},
		{"Stall", lead.KindStall, max(p.Stall.Accepted, p.Stall.SQL), p.Stall.Ladder},
	} {
		if r.d < 0 {
			return fail(r.name+".Within", "must not be negative, got %v", r.d)
		}
		if err := validateLadder(r.name, r.kind, r.l); err != nil {
			return err
		}
	}
	if err := p.SalesReady.Validate(); err != nil {
		return fail("SalesReady", "%s", err)
	}
	if p.Stall.Accepted < 0 || p.Stall.SQL < 0 || p.Stall.Grace < 0 {
		return fail("Stall", "windows and grace must not be negative")
	}
	if p.Cadence.Touches < 0 || p.Cadence.Gap < 0 {
		return fail("Cadence", "Touches and Gap must not be negative")
	}
	if (p.Cadence.Touches > 0) != (p.Cadence.Within > 0) {
		return fail("Cadence", "Touches and Within go together: both set or both zero")
	}
	if p.Cadence.Touches > 1 && p.Cadence.Gap*time.Duration(p.Cadence.Touches-1) > p.Cadence.Within {
		return fail("Cadence.Gap", "%d touches %v apart cannot fit in %v", p.Cadence.Touches, p.Cadence.Gap, p.Cadence.Within)
	}
	if p.Cadence.Touches > lead.MaxTrackedTouches {
		return fail("Cadence.Touches", "must be at most %d, got %d", lead.MaxTrackedTouches, p.Cadence.Touches)
	}
	if p.Unresponsive.Attempts < 0 || p.Unresponsive.Attempts > lead.MaxTrackedTouches {
		return fail("Unresponsive.Attempts", "must be in 0..%d, got %d", lead.MaxTrackedTouches, p.Unresponsive.Attempts)
	}
	if p.Unresponsive.Within > 0 && p.Unresponsive.Attempts == 0 {
		return fail("Unresponsive", "Within needs Attempts")
	}
	for i, f := range p.Warnings {
		if math.IsNaN(f) || f <= 0 || f >= 1 {
			return fail(fmt.Sprintf("Warnings[%d]", i), "must be in (0, 1), got %v", f)
		}
		if i > 0 && f <= p.Warnings[i-1] {
			return fail(fmt.Sprintf("Warnings[%d]", i), "must be greater than the one before (%v)", p.Warnings[i-1])
		}
	}
	for i, f := range p.RequiredAtSQL {
		if !slices.Contains([]Field{FieldAmount, FieldCloseDate, FieldProbability}, f) {
			return fail(fmt.Sprintf("RequiredAtSQL[%d]", i), "unknown field %q", f)
		}
	}
	if err := p.Calendar.Validate(); err != nil {
		return &PolicyError{Field: "Calendar", Reason: err.Error(), Err: err}
	}
	return nil
}

// WithRepCalendar returns p with the accept, first-touch and cadence
// clocks measured in c, the calendar of the rep (or team) holding the
// lead, instead of p.Calendar; their Business flags still say whether they
// count open hours or wall time. The other clocks stay in p.Calendar: the
// hand-off clock is marketing's, and qualify, unresponsive and stall
// measure the lead rather than the rep. Env.PolicyFor applies the
// calendar of the rep a lead's state names, so the clocks switch
// calendars when the lead is reassigned: a reassignment starts a fresh
// accept clock in the new rep's hours, and the running accept clock an
// accept ladder's reassign step hands on is measured, from its start, in
// the new holder's hours, so the ladder steps still to come fall in them.
// c must pass Validate.
func (p Policy) WithRepCalendar(c Calendar) Policy {
	p.rep = &c
	return p
}

// validateName checks a segment name: what a HandOff may carry.
func validateName(name string) error {
	if len(name) > lead.MaxFieldLen {
		return fmt.Errorf("is %d bytes, over the limit of %d", len(name), lead.MaxFieldLen)
	}
	if !utf8.ValidString(name) {
		return errors.New("is not valid UTF-8")
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%q has leading or trailing space", name)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%q holds a control character", name)
		}
	}
	return nil
}

func validateLadder(name string, kind lead.DeadlineKind, l []Step) error {
	if len(l) > lead.MaxStepsInLadder {
		return &PolicyError{Field: name + ".Ladder", Reason: fmt.Sprintf("has %d steps, over the limit of %d", len(l), lead.MaxStepsInLadder)}
	}
	for i, s := range l {
		field := fmt.Sprintf("%s.Ladder[%d]", name, i)
		if s.After < 0 {
			return &PolicyError{Field: field + ".After", Reason: fmt.Sprintf("must not be negative, got %v", s.After)}
		}
		if i > 0 && s.After <= l[i-1].After {
			return &PolicyError{Field: field + ".After", Reason: fmt.Sprintf("steps must come in order: %v is not after %v", s.After, l[i-1].After)}
		}
		if !s.Action.Valid() {
			return &PolicyError{Field: field + ".Action", Reason: fmt.Sprintf("unknown action %q", s.Action)}
		}
		if !actionApplies(kind, s.Action) {
			return &PolicyError{Field: field + ".Action", Reason: fmt.Sprintf("%s cannot apply to a %s deadline", s.Action, kind)}
		}
		if i < len(l)-1 && ends(kind, s.Action) {
			return &PolicyError{Field: field + ".Action", Reason: fmt.Sprintf("%s stops the %s clock, so the steps after it would never run", s.Action, kind)}
		}
	}
	return nil
}

// actionApplies says whether the lifecycle allows action in the stages a
// clock of kind runs in.
func actionApplies(kind lead.DeadlineKind, a lead.Action) bool {
	if kind == lead.KindHandOff {
		// Marketing's clock runs on an MQL, which has no rep to escalate
		// from or reassign, and cannot stall.
		return a == lead.ActionNotify || a == lead.ActionRoute || a == lead.ActionReturn
	}
	switch a {
	case lead.ActionRoute:
		return false
	case lead.ActionStall:
		return kind == lead.KindStall || kind == lead.KindCadence || kind == lead.KindUnresponsive
	case lead.ActionReassign:
		return kind == lead.KindAccept || kind == lead.KindFirstTouch
	}
	return true
}

// ends says whether action stops the clock of kind, so that no later step
// of its ladder can run.
func ends(kind lead.DeadlineKind, a lead.Action) bool {
	switch a {
	case lead.ActionReturn, lead.ActionRoute:
		return true
	case lead.ActionReassign:
		// The new rep inherits a running accept clock; an accepted lead
		// goes back to hand-off, which stops its work clocks.
		return kind != lead.KindAccept
	case lead.ActionStall:
		return kind != lead.KindStall
	}
	return false
}

func (p Policy) ladder(kind lead.DeadlineKind) []Step {
	var l []Step
	switch kind {
	case lead.KindHandOff:
		l = p.HandOff.Ladder
	case lead.KindAccept:
		l = p.Accept.Ladder
	case lead.KindFirstTouch:
		l = p.FirstTouch.Ladder
	case lead.KindCadence:
		l = p.Cadence.Ladder
	case lead.KindUnresponsive:
		l = p.Unresponsive.Ladder
		if len(l) == 0 {
			return returnNow
		}
	case lead.KindQualify:
		l = p.Qualify.Ladder
	case lead.KindStall:
		l = p.Stall.Ladder
		if len(l) == 0 {
			if p.Stall.Grace == 0 {
				return returnNow
			}
			return []Step{{Action: lead.ActionStall}, {After: p.Stall.Grace, Action: lead.ActionReturn}}
		}
	}
	if len(l) == 0 {
		return notifyNow
	}
	return l
}

var (
	notifyNow = []Step{{Action: lead.ActionNotify}}
	returnNow = []Step{{Action: lead.ActionReturn}}
)
