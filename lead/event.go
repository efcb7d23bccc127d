package lead

import "time"

// ID identifies a lead. The Engine issues UUID v7 strings, which sort by
// creation time.
type ID string

// Meta is what every event carries: which lead, its position in the lead's
// stream (1 for the first event), when it happened and who did it, and,
// when the command that added it carried them, the command's ID and the
// caller's correlation ID (see Origin).
type Meta struct {
	Lead        ID        `json:"lead"`
	Version     uint64    `json:"version"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor,omitempty"`
	Command     string    `json:"command,omitempty"`
	Correlation string    `json:"correlation,omitempty"`
}

// Base returns the event's Meta. It lets code that holds an Event read the
// common fields without a type switch.
func (m Meta) Base() Meta { return m }

// Event is a fact about a lead, in the past tense. The concrete types are
// the structs in this file; the set is closed, so a type switch over them is
// exhaustive.
type Event interface {
	// Base returns the fields every event carries.
	Base() Meta
	// Type returns the event's type name as the codec writes it, e.g. "Touched".
	Type() string
}

// Captured records a new inquiry: who it is and where it came from.
type Captured struct {
	Meta
	Email    string `json:"email"`
	FullName string `json:"full_name,omitempty"`
	Company  string `json:"company,omitempty"`
	Source   string `json:"source,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	// Attributes are free-form facts used by routing (territory, segment).
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Scored records a new lead score. Total is Fit + Intent.
type Scored struct {
	Meta
	Fit    int `json:"fit"`
	Intent int `json:"intent"`
	Total  int `json:"total"`
}

// MQLSource says why a lead became marketing qualified.
type MQLSource string

// The ways a lead becomes an MQL. AQL (automation qualified) and TPQ
// (teleprospecting qualified) are sources of the same stage.
const (
	SourceScore  MQLSource = "score"
	SourceManual MQLSource = "manual"
	SourceAQL    MQLSource = "aql"
	SourceTPQ    MQLSource = "tpq"
)

// MarketingQualified records that marketing declared the lead sales-ready.
type MarketingQualified struct {
	Meta
	Source MQLSource `json:"source"`
}

// HandedOff records that the lead was routed to a rep. Policy and
// PolicyVersion name the SLA policy in force at that moment (Policy is its
// segment, empty for the default one); the lead's clocks run under it
// until the next hand-off.
type HandedOff struct {
	Meta
	Rep           string `json:"rep"`
	Team          string `json:"team,omitempty"`
	PolicyVersion int    `json:"policy_version,omitempty"`
	Policy        string `json:"policy,omitempty"`
}

// Accepted records that sales accepted the lead (SAL).
type Accepted struct {
	Meta
}

// Rejected records that sales rejected the lead. With Disqualify the lead
// is closed as Disqualified; otherwise it returns to marketing's nurture.
type Rejected struct {
	Meta
	Reason     string `json:"reason"`
	Disqualify bool   `json:"disqualify,omitempty"`
}

// Channel is how a rep reached out.
type Channel string

// Touch channels.
const (
	ChannelEmail   Channel = "email"
	ChannelPhone   Channel = "phone"
	ChannelSocial  Channel = "social"
	ChannelMeeting Channel = "meeting"
	ChannelOther   Channel = "other"
)

// Outcome is what came of a touch. Only OutcomeConnected and OutcomeReplied
// count as an answer; the others count towards an unresponsive lead.
type Outcome string

// Touch outcomes.
const (
	OutcomeNoAnswer  Outcome = "no_answer"
	OutcomeVoicemail Outcome = "voicemail"
	OutcomeBounced   Outcome = "bounced"
	OutcomeConnected Outcome = "connected"
	OutcomeReplied   Outcome = "replied"
)

// Answered reports whether the prospect responded.
func (o Outcome) Answered() bool { return o == OutcomeConnected || o == OutcomeReplied }

// Touched records a sales attempt to reach the prospect.
type Touched struct {
	Meta
	Channel  Channel `json:"channel"`
	Outcome  Outcome `json:"outcome"`
	Content  string  `json:"content,omitempty"`
	Campaign string  `json:"campaign,omitempty"`
}

// SalesQualified records that sales qualified the lead as an opportunity.
type SalesQualified struct {
	Meta
	Amount      float64   `json:"amount"`
	Currency    string    `json:"currency"`
	CloseDate   time.Time `json:"close_date,omitzero"`
	Probability float64   `json:"probability"`
}

// Stalled records that the lead made no progress within its stall window.
// From is the stage it left; a touch brings it back there.
type Stalled struct {
	Meta
	From   Stage  `json:"from"`
	Reason string `json:"reason,omitempty"`
}

// Recycled records that the lead went back to marketing's nurture. Deadline
// is set when an SLA breach returned it.
type Recycled struct {
	Meta
	From     Stage      `json:"from"`
	Reason   string     `json:"reason"`
	Deadline DeadlineID `json:"deadline,omitzero"`
}

// Disqualified records that the lead is not a fit. It is final.
type Disqualified struct {
	Meta
	Reason string `json:"reason"`
}

// Won records that the lead became a customer.
type Won struct {
	Meta
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency,omitempty"`
}

// Lost records that the opportunity closed without a deal.
type Lost struct {
	Meta
	Reason string `json:"reason"`
}

// DeadlineWarned records that an SLA deadline reached one of its warning
// fractions (Fraction of the allowed time has passed).
type DeadlineWarned struct {
	Meta
	Deadline DeadlineID `json:"deadline"`
	Fraction float64    `json:"fraction"`
	Due      time.Time  `json:"due"`
}

// DeadlineBreached records that an SLA deadline passed unmet and which step
// of its breach ladder is being carried out. Step 0 is the breach itself.
type DeadlineBreached struct {
	Meta
	Deadline DeadlineID `json:"deadline"`
	Step     int        `json:"step"`
	Action   Action     `json:"action"`
	Due      time.Time  `json:"due"`
	Rep      string     `json:"rep,omitempty"`
	// Policy is the segment of the policy the lead runs under, so that a
	// consumer can route breaches by segment; empty for the default one.
	Policy string `json:"policy,omitempty"`
}

// Escalated records that a breach was escalated to the rep's manager.
type Escalated struct {
	Meta
	Deadline DeadlineID `json:"deadline"`
	Rep      string     `json:"rep"`
	Manager  string     `json:"manager"`
}

// Reassigned records that the lead moved from one rep to another. A
// reassignment by a step of the accept deadline's breach ladder (Deadline
// set, kind accept) hands the running accept clock to the new rep, so the
// ladder's later steps still apply; any other reassignment is a fresh
// hand-off whose accept clock starts at this event.
type Reassigned struct {
	Meta
	Deadline      DeadlineID `json:"deadline,omitzero"`
	From          string     `json:"from"`
	To            string     `json:"to"`
	Team          string     `json:"team,omitempty"`
	PolicyVersion int        `json:"policy_version,omitempty"`
}

// Paused records that the lead's SLA clocks stopped, for example because
// the prospect asked to be called after a date. Until is zero when open-ended.
type Paused struct {
	Meta
	Reason string    `json:"reason"`
	Until  time.Time `json:"until,omitzero"`
}

// Resumed records that the lead's SLA clocks run again.
type Resumed struct {
	Meta
}

// Type names, as the codec writes them.
func (Captured) Type() string           { return "Captured" }
func (Scored) Type() string             { return "Scored" }
func (MarketingQualified) Type() string { return "MarketingQualified" }
func (HandedOff) Type() string          { return "HandedOff" }
func (Accepted) Type() string           { return "Accepted" }
func (Rejected) Type() string           { return "Rejected" }
func (Touched) Type() string            { return "Touched" }
func (SalesQualified) Type() string     { return "SalesQualified" }
func (Stalled) Type() string            { return "Stalled" }
func (Recycled) Type() string           { return "Recycled" }
func (Disqualified) Type() string       { return "Disqualified" }
func (Won) Type() string                { return "Won" }
func (Lost) Type() string               { return "Lost" }
func (DeadlineWarned) Type() string     { return "DeadlineWarned" }
func (DeadlineBreached) Type() string   { return "DeadlineBreached" }
func (Escalated) Type() string          { return "Escalated" }
func (Reassigned) Type() string         { return "Reassigned" }
func (Paused) Type() string             { return "Paused" }
func (Resumed) Type() string            { return "Resumed" }

// Erased records that the lead's personal data was erased: its data key
// was deleted, so its personal fields (PersonalFields) read as ErasedField
// in every event from then on, while its stages, times, amounts and SLA
// record stay. It is stage-neutral: legal in every stage, it moves
// nothing and starts or stops no clock.
type Erased struct {
	Meta
	Reason string `json:"reason"`
}

func (Erased) Type() string { return "Erased" }
