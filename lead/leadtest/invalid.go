package leadtest

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/leadline/leadline/lead"
	"pgregory.net/rapid"
)

// Invalid is a command that lead.Decide must refuse with a
// *lead.ValidationError naming Field, whatever the state.
type Invalid struct {
	Command lead.Command
	Field   string
}

// String describes the case for test names and failure messages.
func (i Invalid) String() string { return fmt.Sprintf("%s.%s", i.Command.Name(), i.Field) }

// past is a day before any time a test decides at; a close date or pause
// end on it is invalid for every now after it.
var past = time.Date(2001, time.January, 1, 12, 0, 0, 0, time.UTC)

const badUTF8 = "ab\xffcd"

// InvalidCases returns a generator of commands with exactly one bad field
// each, and the field's name as the *lead.ValidationError reports it: bad
// emails, scores out of range, NaN, infinite or negative amounts,
// probabilities out of range, close dates and pause ends in the past, empty
// required fields, fields one byte over their limit, invalid UTF-8, unknown
// enum values and deadline identities.
//
// Close dates and pause ends are in 2001, so the cases are invalid at any
// now after that.
func InvalidCases() *rapid.Generator[Invalid] {
	return rapid.Custom(func(t *rapid.T) Invalid {
		return rapid.SampledFrom(invalidCases).Draw(t, "case")(t)
	})
}

// InvalidCommand returns a generator of commands that lead.Decide must
// refuse with a *lead.ValidationError (errors.Is lead.ErrInvalid) and no
// events, in any state. See InvalidCases for what is wrong with them.
func InvalidCommand() *rapid.Generator[lead.Command] {
	return rapid.Map(InvalidCases(), func(i Invalid) lead.Command { return i.Command })
}

// UnsafeText are characters every text field refuses: they could forge
// what a log line, a terminal or a report shows (NUL, ESC, a line break in
// a one-line field, DEL, a C1 control, a line separator, the right-to-left
// override and isolate, a bidirectional mark).
var UnsafeText = []string{"\x00", "\x1b", "\r\n", "\x7f", "\u0085", "\u2028", "\u202e", "\u2067", "\u200f"}

// BadEmails are addresses Capture refuses.
var BadEmails = []string{
	"", "a", "a@", "@b.co", "A <a@b.co>", "a@b", "a@.co", "a@b.", "a b@c.co", "a@@b.co", "<a@b.co>",
	"a@b.co\n", strings.Repeat("a", lead.MaxEmailLen-4) + "@b.co",
}

// over returns a string n+1 bytes long: one byte over a limit of n.
func over(n int) string { return strings.Repeat("x", n+1) }

func validCapture() lead.Capture {
	return lead.Capture{ID: "lead-1", Email: "ana@example.com"}
}

func validQualifySales() lead.QualifySales {
	return lead.QualifySales{Amount: 1000, Currency: "EUR", Probability: 0.5}
}

func validWarn() lead.Warn {
	return lead.Warn{Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: 4}, Fraction: 0.5, Due: Start}
}

func validBreach() lead.Breach {
	return lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: 4}, Action: lead.ActionNotify, Due: Start}
}

func fixed(c lead.Command, field string) func(*rapid.T) Invalid {
	return func(*rapid.T) Invalid { return Invalid{c, field} }
}

func with[C lead.Command](base C, field string, edit func(*C)) func(*rapid.T) Invalid {
	c := base
	edit(&c)
	return fixed(c, field)
}

var invalidCases = func() []func(*rapid.T) Invalid {
	cs := []func(*rapid.T) Invalid{
		// Capture
		with(validCapture(), "ID", func(c *lead.Capture) { c.ID = "" }),
		with(validCapture(), "ID", func(c *lead.Capture) { c.ID = lead.ID(over(lead.MaxIDLen)) }),
		with(validCapture(), "ID", func(c *lead.Capture) { c.ID = "lead 1" }),
		with(validCapture(), "ID", func(c *lead.Capture) { c.ID = "lead/1" }),
		with(validCapture(), "Actor", func(c *lead.Capture) { c.Actor = over(lead.MaxFieldLen) }),
		with(validCapture(), "Actor", func(c *lead.Capture) { c.Actor = badUTF8 }),
		with(validCapture(), "FullName", func(c *lead.Capture) { c.FullName = over(lead.MaxFieldLen) }),
		with(validCapture(), "FullName", func(c *lead.Capture) { c.FullName = badUTF8 }),
		with(validCapture(), "Company", func(c *lead.Capture) { c.Company = over(lead.MaxFieldLen) }),
		with(validCapture(), "Source", func(c *lead.Capture) { c.Source = over(lead.MaxFieldLen) }),
		with(validCapture(), "Campaign", func(c *lead.Capture) { c.Campaign = over(lead.MaxFieldLen) }),
		with(validCapture(), "Attributes", func(c *lead.Capture) {
			c.Attributes = map[string]string{}
			for i := range lead.MaxAttributes + 1 {
				c.Attributes[fmt.Sprintf("k%d", i)] = "v"
			}
		}),
		with(validCapture(), "Attributes key", func(c *lead.Capture) { c.Attributes = map[string]string{"": "v"} }),
		with(validCapture(), "Attributes key", func(c *lead.Capture) { c.Attributes = map[string]string{over(lead.MaxFieldLen): "v"} }),
		with(validCapture(), "Attributes[k]", func(c *lead.Capture) { c.Attributes = map[string]string{"k": over(lead.MaxFieldLen)} }),
		with(validCapture(), "Attributes[k]", func(c *lead.Capture) { c.Attributes = map[string]string{"k": badUTF8} }),

		// Score
		fixed(lead.Score{Fit: -1}, "Fit"),
		fixed(lead.Score{Fit: lead.MaxScore + 1}, "Fit"),
		fixed(lead.Score{Intent: -1}, "Intent"),
		fixed(lead.Score{Intent: lead.MaxScore + 1}, "Intent"),
		fixed(lead.Score{Actor: badUTF8}, "Actor"),
		fixed(lead.Score{SalesReady: lead.Threshold{Fit: lead.MaxScore + 1}}, "SalesReady"),
		fixed(lead.Score{SalesReady: lead.Threshold{Total: -1}}, "SalesReady"),

		// QualifyMarketing
		fixed(lead.QualifyMarketing{}, "Source"),
		fixed(lead.QualifyMarketing{Source: "SCORE"}, "Source"),

		// HandOff
		fixed(lead.HandOff{}, "Rep"),
		fixed(lead.HandOff{Rep: "  "}, "Rep"),
		fixed(lead.HandOff{Rep: over(lead.MaxFieldLen)}, "Rep"),
		fixed(lead.HandOff{Rep: "rep:ana", Team: over(lead.MaxFieldLen)}, "Team"),
		fixed(lead.HandOff{Rep: "rep:ana", PolicyVersion: -1}, "PolicyVersion"),

		// Accept, Reject
		fixed(lead.Accept{Actor: over(lead.MaxFieldLen)}, "Actor"),
		fixed(lead.Reject{}, "Reason"),
		fixed(lead.Reject{Reason: over(lead.MaxTextLen)}, "Reason"),
		fixed(lead.Reject{Reason: badUTF8}, "Reason"),

		// Touch
		fixed(lead.Touch{Outcome: lead.OutcomeReplied}, "Channel"),
		fixed(lead.Touch{Channel: "fax", Outcome: lead.OutcomeReplied}, "Channel"),
		fixed(lead.Touch{Channel: lead.ChannelPhone}, "Outcome"),
		fixed(lead.Touch{Channel: lead.ChannelPhone, Outcome: "ghosted"}, "Outcome"),
		fixed(lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeReplied, Content: over(lead.MaxTextLen)}, "Content"),
		fixed(lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeReplied, Campaign: over(lead.MaxFieldLen)}, "Campaign"),

		// QualifySales
		with(validQualifySales(), "Amount", func(c *lead.QualifySales) { c.Amount = math.NaN() }),
		with(validQualifySales(), "Amount", func(c *lead.QualifySales) { c.Amount = math.Inf(1) }),
		with(validQualifySales(), "Amount", func(c *lead.QualifySales) { c.Amount = math.Inf(-1) }),
		with(validQualifySales(), "Amount", func(c *lead.QualifySales) { c.Amount = -1 }),
		with(validQualifySales(), "Currency", func(c *lead.QualifySales) { c.Currency = "" }),
		with(validQualifySales(), "Currency", func(c *lead.QualifySales) { c.Currency = "eur" }),
		with(validQualifySales(), "Currency", func(c *lead.QualifySales) { c.Currency = "EURO" }),
		with(validQualifySales(), "CloseDate", func(c *lead.QualifySales) { c.CloseDate = past }),
		with(validQualifySales(), "Probability", func(c *lead.QualifySales) { c.Probability = -0.1 }),
		with(validQualifySales(), "Probability", func(c *lead.QualifySales) { c.Probability = 1.1 }),
		with(validQualifySales(), "Probability", func(c *lead.QualifySales) { c.Probability = math.NaN() }),

		// Stall, Recycle, Disqualify, Win, Lose
		fixed(lead.Stall{Reason: over(lead.MaxTextLen)}, "Reason"),
		fixed(lead.Recycle{}, "Reason"),
		fixed(lead.Disqualify{}, "Reason"),
		fixed(lead.Disqualify{Reason: over(lead.MaxTextLen)}, "Reason"),
		fixed(lead.Win{Amount: math.NaN()}, "Amount"),
		fixed(lead.Win{Amount: -1}, "Amount"),
		fixed(lead.Lose{}, "Reason"),

		// Reassign, Pause, Resume
		fixed(lead.Reassign{}, "To"),
		fixed(lead.Reassign{To: over(lead.MaxFieldLen)}, "To"),
		fixed(lead.Reassign{To: "rep:ben", PolicyVersion: -1}, "PolicyVersion"),
		fixed(lead.Pause{}, "Reason"),
		fixed(lead.Pause{Reason: "call in May", Until: past}, "Until"),
		fixed(lead.Resume{Actor: badUTF8}, "Actor"),

		// Warn
		with(validWarn(), "Deadline.Kind", func(c *lead.Warn) { c.Deadline.Kind = "lunch" }),
		with(validWarn(), "Deadline.Since", func(c *lead.Warn) { c.Deadline.Since = 0 }),
		with(validWarn(), "Fraction", func(c *lead.Warn) { c.Fraction = 0 }),
		with(validWarn(), "Fraction", func(c *lead.Warn) { c.Fraction = 1 }),
		with(validWarn(), "Fraction", func(c *lead.Warn) { c.Fraction = math.NaN() }),
		with(validWarn(), "Due", func(c *lead.Warn) { c.Due = time.Time{} }),

		// Breach
		with(validBreach(), "Deadline.Kind", func(c *lead.Breach) { c.Deadline.Kind = "" }),
		with(validBreach(), "Deadline.Since", func(c *lead.Breach) { c.Deadline.Since = 0 }),
		with(validBreach(), "Step", func(c *lead.Breach) { c.Step = -1 }),
		with(validBreach(), "Step", func(c *lead.Breach) { c.Step = lead.MaxStepsInLadder }),
		with(validBreach(), "Action", func(c *lead.Breach) { c.Action = "shout" }),
		with(validBreach(), "Due", func(c *lead.Breach) { c.Due = time.Time{} }),
		with(validBreach(), "To", func(c *lead.Breach) { c.Action = lead.ActionEscalate }),
		with(validBreach(), "To", func(c *lead.Breach) { c.Action = lead.ActionReassign }),
		with(validBreach(), "Team", func(c *lead.Breach) { c.Team = over(lead.MaxFieldLen) }),
		with(validBreach(), "PolicyVersion", func(c *lead.Breach) { c.PolicyVersion = -1 }),
	}
	for _, bad := range UnsafeText {
		cs = append(cs,
			with(validCapture(), "FullName", func(c *lead.Capture) { c.FullName = "Ada" + bad + "Lovelace" }),
			fixed(lead.Reassign{To: "rep" + bad + "ben"}, "To"),
		)
		if bad != "\r\n" { // reasons may run over several lines
			cs = append(cs, fixed(lead.Disqualify{Reason: "spam" + bad}, "Reason"))
		}
	}
	cs = append(cs,
		with(validCapture(), "FullName", func(c *lead.Capture) { c.FullName = "Ada\x00\x1b[31m\r\nINFO fake log line" }),
		with(validQualifySales(), "CloseDate", func(c *lead.QualifySales) { c.CloseDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }),
		fixed(lead.Pause{Reason: "call after the fair", Until: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "Until"),
		with(validWarn(), "Due", func(c *lead.Warn) { c.Due = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC) }),
		with(validBreach(), "Due", func(c *lead.Breach) { c.Due = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }),
		fixed(lead.Recycle{Reason: " \t "}, "Reason"),
		fixed(lead.HandOff{Rep: "   "}, "Rep"),
	)
	for _, e := range BadEmails {
		cs = append(cs, with(validCapture(), "Email", func(c *lead.Capture) { c.Email = e }))
	}
	// Generated cases, beyond the fixed ones.
	cs = append(cs,
		func(t *rapid.T) Invalid {
			c := lead.Score{Fit: rapid.OneOf(rapid.IntMax(-1), rapid.IntMin(lead.MaxScore+1)).Draw(t, "fit")}
			return Invalid{c, "Fit"}
		},
		func(t *rapid.T) Invalid {
			c := validQualifySales()
			c.Probability = rapid.OneOf(rapid.Float64Max(-math.SmallestNonzeroFloat64), rapid.Float64Min(math.Nextafter(1, 2))).Draw(t, "probability")
			return Invalid{c, "Probability"}
		},
		func(t *rapid.T) Invalid {
			return Invalid{lead.Win{Amount: rapid.Float64Max(-math.SmallestNonzeroFloat64).Draw(t, "amount")}, "Amount"}
		},
		func(t *rapid.T) Invalid {
			return Invalid{lead.Reject{Reason: rapid.StringMatching(`[ \t\n]{0,8}`).Draw(t, "reason")}, "Reason"}
		},
	)
	return cs
}()
