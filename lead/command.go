package lead

import (
	"fmt"
	"time"
)

// Command is a request to change a lead, in the imperative. The concrete
// types are the structs in this file; each carries the Actor who asks.
type Command interface {
	// Name returns the command's name as the transition table lists it.
	Name() string
	validate(now time.Time) error
	decide(s State, m Meta) ([]Event, Stage, error)
}

// settler is a command that adds nothing, without error, when the lead no
// longer needs it: a warning or breach for a clock that stopped or whose
// step is already recorded. That is what makes them exactly-once.
type settler interface {
	settled(s State) bool
}

// Decide returns the events that command c adds to a lead in state s at
// time now, or an error that says why c is not allowed: a
// *ValidationError for bad input, a *TransitionError when the stage does not
// allow c, a *ConditionError when the rest of the state does not. It is pure.
//
// The events carry versions s.Version+1, s.Version+2, ... and the time now
// in UTC. A Warn or Breach for a deadline that is no longer running, or
// already recorded, returns no events and no error.
func Decide(s State, c Command, now time.Time) ([]Event, error) {
	return DecideWith(s, c, now, Origin{})
}

// DecideWith is Decide for a command from origin o: every event it adds
// carries o's command and correlation IDs in its Meta, so that the
// history remembers the command (State.Applied) and readers can trace it.
// Recognising a retry is the caller's part: DecideWith decides c afresh.
func DecideWith(s State, c Command, now time.Time, o Origin) ([]Event, error) {
	if err := Validate(c, now); err != nil {
		return nil, err
	}
	v := checker{cmd: c.Name()}
	if v.origin(o); v.err != nil {
		return nil, v.err
	}
	if st, ok := c.(settler); ok && st.settled(s) {
		return nil, nil
	}
	if !allows(s.Stage, c.Name()) {
		return nil, &TransitionError{Stage: s.Stage, Command: c.Name(), Allowed: Allowed(s.Stage)}
	}
	m := Meta{Lead: s.ID, Version: s.Version + 1, At: now.UTC(), Command: o.Command, Correlation: o.Correlation}
	events, to, err := c.decide(s, m)
	if err != nil {
		return nil, err
	}
	if !Permits(s.Stage, c.Name(), to) {
		// A decide function and the table disagree: a bug here, reported
		// as an error rather than a history that breaks the table.
		return nil, &ConditionError{Command: c.Name(), Reason: fmt.Sprintf("would move the lead from %s to %s, which the lifecycle table does not allow", s.Stage, to)}
	}
	return events, nil
}

// Validate checks command c's own input, as Decide does first, without a
// state: a *ValidationError naming the field, or nil. now is the time of
// the decision, which dated fields are checked against; it must be an
// instant the event codec can write (years 1 to 9999).
func Validate(c Command, now time.Time) error {
	if c == nil {
		return &ValidationError{Command: "<nil>", Field: "Command", Reason: "must not be nil"}
	}
	v := checker{cmd: c.Name()}
	if v.time("now", now, true); v.err != nil {
		return v.err
	}
	return c.validate(now)
}

// next returns m for the event after it.
func (m Meta) next() Meta {
	m.Version++
	return m
}

func (m Meta) by(actor string) Meta {
	m.Actor = actor
	return m
}

// Capture records a new inquiry. ID is the new lead's ID; the Engine fills
// it with a UUID v7 when empty.
type Capture struct {
	ID         ID
	Actor      string
	Email      string
	FullName   string
	Company    string
	Source     string
	Campaign   string
	Attributes map[string]string
}

func (Capture) Name() string { return "Capture" }

func (c Capture) validate(time.Time) error {
	v := checker{cmd: "Capture"}
	v.id("ID", c.ID)
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.email("Email", c.Email)
	v.text("FullName", c.FullName, MaxFieldLen, false)
	v.text("Company", c.Company, MaxFieldLen, false)
	v.text("Source", c.Source, MaxFieldLen, false)
	v.text("Campaign", c.Campaign, MaxFieldLen, false)
	if len(c.Attributes) > MaxAttributes {
		v.fail("Attributes", "has %d entries, over the limit of %d", len(c.Attributes), MaxAttributes)
	}
	for k, val := range c.Attributes {
		v.text("Attributes key", k, MaxFieldLen, true)
		v.text("Attributes["+k+"]", val, MaxFieldLen, false)
	}
	return v.err
}

func (c Capture) decide(_ State, m Meta) ([]Event, Stage, error) {
	m.Lead = c.ID
	var attrs map[string]string
	if len(c.Attributes) > 0 {
		attrs = make(map[string]string, len(c.Attributes))
		for k, v := range c.Attributes {
			attrs[k] = v
		}
	}
	return []Event{Captured{Meta: m.by(c.Actor), Email: c.Email, FullName: c.FullName, Company: c.Company,
		Source: c.Source, Campaign: c.Campaign, Attributes: attrs}}, StageCaptured, nil
}

// Score records a new lead score: Fit (who they are) and Intent (what they
// do), each 0..MaxScore. When the score crosses SalesReady (it reaches the
// threshold and the lead's score before did not) on a Captured or
// Nurturing lead, the same decision makes the lead an MQL with source
// SourceScore: Scored and MarketingQualified are appended together. The
// Engine fills SalesReady from the lead's SLA policy.
type Score struct {
	Actor      string
	Fit        int
	Intent     int
	SalesReady Threshold
}

func (Score) Name() string { return "Score" }

func (c Score) validate(time.Time) error {
	v := checker{cmd: "Score"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.score("Fit", c.Fit)
	v.score("Intent", c.Intent)
	if err := c.SalesReady.Validate(); err != nil {
		v.fail("SalesReady", "%s", err.Error())
	}
	return v.err
}

func (c Score) decide(s State, m Meta) ([]Event, Stage, error) {
	total := c.Fit + c.Intent
	events := []Event{Scored{Meta: m.by(c.Actor), Fit: c.Fit, Intent: c.Intent, Total: total}}
	if (s.Stage == StageCaptured || s.Stage == StageNurturing) && c.SalesReady.Crossed(s, c.Fit, c.Intent) {
		events = append(events, MarketingQualified{Meta: m.next().by(c.Actor), Source: SourceScore})
		return events, StageMQL, nil
	}
	return events, s.Stage, nil
}

// Threshold is a sales-ready score: a lead whose fit, intent and total
// (fit + intent) each reach the minimum set for them is sales-ready. A
// zero minimum sets none; the zero Threshold is off.
type Threshold struct {
	Fit, Intent, Total int
}

// IsZero reports whether t is off.
func (t Threshold) IsZero() bool { return t == Threshold{} }

// Reached reports whether a score of fit and intent reaches t; never for
// the zero Threshold.
func (t Threshold) Reached(fit, intent int) bool {
	return !t.IsZero() && fit >= t.Fit && intent >= t.Intent && fit+intent >= t.Total
}

// Crossed reports whether a new score of fit and intent crosses t for
// lead s: it reaches t and the lead's current score does not. A lead
// whose score already reached t is not qualified again by another score
// above it, so a threshold makes an MQL once per crossing.
func (t Threshold) Crossed(s State, fit, intent int) bool {
	return t.Reached(fit, intent) && !t.Reached(s.Fit, s.Intent)
}

// Validate reports a minimum out of range: Fit and Intent in
// 0..MaxScore, Total in 0..2*MaxScore.
func (t Threshold) Validate() error {
	switch {
	case t.Fit < 0 || t.Fit > MaxScore:
		return fmt.Errorf("fit minimum must be in 0..%d, got %d", MaxScore, t.Fit)
	case t.Intent < 0 || t.Intent > MaxScore:
		return fmt.Errorf("intent minimum must be in 0..%d, got %d", MaxScore, t.Intent)
	case t.Total < 0 || t.Total > 2*MaxScore:
		return fmt.Errorf("total minimum must be in 0..%d, got %d", 2*MaxScore, t.Total)
	}
	return nil
}

// QualifyMarketing makes the lead an MQL.
type QualifyMarketing struct {
	Actor  string
	Source MQLSource
}

func (QualifyMarketing) Name() string { return "QualifyMarketing" }

func (c QualifyMarketing) validate(time.Time) error {
	v := checker{cmd: "QualifyMarketing"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	switch c.Source {
	case SourceScore, SourceManual, SourceAQL, SourceTPQ:
	default:
		v.fail("Source", "must be one of score, manual, aql, tpq; got %q", c.Source)
	}
	return v.err
}

func (c QualifyMarketing) decide(_ State, m Meta) ([]Event, Stage, error) {
	return []Event{MarketingQualified{Meta: m.by(c.Actor), Source: c.Source}}, StageMQL, nil
}

// HandOff routes an MQL to a sales rep. The Engine fills Policy (the
// segment) and PolicyVersion with the SLA policy its selector picks for
// the lead; a caller may name them instead.
type HandOff struct {
	Actor         string
	Rep           string
	Team          string
	PolicyVersion int
	Policy        string
}

func (HandOff) Name() string { return "HandOff" }

func (c HandOff) validate(time.Time) error {
	v := checker{cmd: "HandOff"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.text("Rep", c.Rep, MaxFieldLen, true)
	v.text("Team", c.Team, MaxFieldLen, false)
	v.text("Policy", c.Policy, MaxFieldLen, false)
	if c.PolicyVersion < 0 {
		v.fail("PolicyVersion", "must not be negative, got %d", c.PolicyVersion)
	}
	return v.err
}

func (c HandOff) decide(_ State, m Meta) ([]Event, Stage, error) {
	return []Event{HandedOff{Meta: m.by(c.Actor), Rep: c.Rep, Team: c.Team, PolicyVersion: c.PolicyVersion, Policy: c.Policy}}, StageHandedOff, nil
}

// Accept is sales accepting a handed-off lead (it becomes an SAL).
type Accept struct {
	Actor string
}

func (Accept) Name() string { return "Accept" }

func (c Accept) validate(time.Time) error {
	v := checker{cmd: "Accept"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	return v.err
}

func (c Accept) decide(_ State, m Meta) ([]Event, Stage, error) {
	return []Event{Accepted{Meta: m.by(c.Actor)}}, StageAccepted, nil
}

// Reject is sales rejecting a handed-off lead, with a reason. It returns to
// marketing's nurture, or with Disqualify is closed for good.
type Reject struct {
	Actor      string
	Reason     string
	Disqualify bool
}

func (Reject) Name() string { return "Reject" }

func (c Reject) validate(time.Time) error {
	v := checker{cmd: "Reject"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, true)
	return v.err
}

func (c Reject) decide(_ State, m Meta) ([]Event, Stage, error) {
	to := StageNurturing
	if c.Disqualify {
		to = StageDisqualified
	}
	return []Event{Rejected{Meta: m.by(c.Actor), Reason: c.Reason, Disqualify: c.Disqualify}}, to, nil
}

// Touch records an attempt by sales to reach the prospect. A touch on a
// stalled lead brings it back to the stage it stalled in.
type Touch struct {
	Actor    string
	Channel  Channel
	Outcome  Outcome
	Content  string
	Campaign string
}

func (Touch) Name() string { return "Touch" }

func (c Touch) validate(time.Time) error {
	v := checker{cmd: "Touch"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	switch c.Channel {
	case ChannelEmail, ChannelPhone, ChannelSocial, ChannelMeeting, ChannelOther:
	default:
		v.fail("Channel", "must be one of email, phone, social, meeting, other; got %q", c.Channel)
	}
	switch c.Outcome {
	case OutcomeNoAnswer, OutcomeVoicemail, OutcomeBounced, OutcomeConnected, OutcomeReplied:
	default:
		v.fail("Outcome", "must be one of no_answer, voicemail, bounced, connected, replied; got %q", c.Outcome)
	}
	v.prose("Content", c.Content, false)
	v.text("Campaign", c.Campaign, MaxFieldLen, false)
	return v.err
}

func (c Touch) decide(s State, m Meta) ([]Event, Stage, error) {
	to := s.Stage
	if s.Stage == StageStalled {
		to = s.StalledFrom
	}
	return []Event{Touched{Meta: m.by(c.Actor), Channel: c.Channel, Outcome: c.Outcome, Content: c.Content, Campaign: c.Campaign}}, to, nil
}

// QualifySales makes an accepted lead an SQL (an opportunity). Amount is
// the expected deal value in Currency; CloseDate must not be before today
// (UTC); Probability is the win probability in [0, 1].
type QualifySales struct {
	Actor       string
	Amount      float64
	Currency    string
	CloseDate   time.Time
	Probability float64
}

func (QualifySales) Name() string { return "QualifySales" }

func (c QualifySales) validate(now time.Time) error {
	v := checker{cmd: "QualifySales"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.amount("Amount", c.Amount)
	v.currency("Currency", c.Currency, c.Amount > 0)
	v.notBeforeDay("CloseDate", c.CloseDate, now)
	v.fraction("Probability", c.Probability, false)
	return v.err
}

func (c QualifySales) decide(_ State, m Meta) ([]Event, Stage, error) {
	var close time.Time
	if !c.CloseDate.IsZero() {
		close = c.CloseDate.UTC()
	}
	return []Event{SalesQualified{Meta: m.by(c.Actor), Amount: c.Amount, Currency: c.Currency, CloseDate: close, Probability: c.Probability}}, StageSQL, nil
}

// Stall marks an accepted or qualified lead as stalled.
type Stall struct {
	Actor  string
	Reason string
}

func (Stall) Name() string { return "Stall" }

func (c Stall) validate(time.Time) error {
	v := checker{cmd: "Stall"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, false)
	return v.err
}

func (c Stall) decide(s State, m Meta) ([]Event, Stage, error) {
	return []Event{Stalled{Meta: m.by(c.Actor), From: s.Stage, Reason: c.Reason}}, StageStalled, nil
}

// Recycle returns the lead to marketing's nurture, with a reason.
type Recycle struct {
	Actor  string
	Reason string
}

func (Recycle) Name() string { return "Recycle" }

func (c Recycle) validate(time.Time) error {
	v := checker{cmd: "Recycle"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, true)
	return v.err
}

func (c Recycle) decide(s State, m Meta) ([]Event, Stage, error) {
	return []Event{Recycled{Meta: m.by(c.Actor), From: s.Stage, Reason: c.Reason}}, StageNurturing, nil
}

// Disqualify closes the lead as not a fit, with a reason.
type Disqualify struct {
	Actor  string
	Reason string
}

func (Disqualify) Name() string { return "Disqualify" }

func (c Disqualify) validate(time.Time) error {
	v := checker{cmd: "Disqualify"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, true)
	return v.err
}

func (c Disqualify) decide(_ State, m Meta) ([]Event, Stage, error) {
	return []Event{Disqualified{Meta: m.by(c.Actor), Reason: c.Reason}}, StageDisqualified, nil
}

// Win closes an SQL as a customer. A zero Amount means the amount recorded
// at qualification.
type Win struct {
	Actor  string
	Amount float64
}

func (Win) Name() string { return "Win" }

func (c Win) validate(time.Time) error {
	v := checker{cmd: "Win"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.amount("Amount", c.Amount)
	return v.err
}

func (c Win) decide(s State, m Meta) ([]Event, Stage, error) {
	amount := c.Amount
	if amount == 0 {
		amount = s.Amount
	}
	return []Event{Won{Meta: m.by(c.Actor), Amount: amount, Currency: s.Currency}}, StageWon, nil
}

// Lose closes an SQL (or a stalled lead) without a deal, with a reason.
type Lose struct {
	Actor  string
	Reason string
}

func (Lose) Name() string { return "Lose" }

func (c Lose) validate(time.Time) error {
	v := checker{cmd: "Lose"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, true)
	return v.err
}

func (c Lose) decide(_ State, m Meta) ([]Event, Stage, error) {
	return []Event{Lost{Meta: m.by(c.Actor), Reason: c.Reason}}, StageLost, nil
}
