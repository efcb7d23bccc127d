package leadtest

import (
	"fmt"
	"slices"
	"time"
	"unicode"

	"github.com/leadline/leadline/lead"
	"pgregory.net/rapid"
)

// Start is the time of the first command of every generated History. Later commands
// follow at non-negative offsets from it.
var Start = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// Reps are the sales reps the generators hand leads to and reassign them
// between.
var Reps = []string{"rep:ana", "rep:ben", "rep:chloe", "rep:dev"}

// farFuture is where close dates and pause ends go when the time of the
// decision is not known: valid for any now before it.
var farFuture = time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC)

// WarningFractions are the warning fractions the generators use, as a
// typical policy would (see package sla).
var WarningFractions = []float64{0.5, 0.75, 0.9}

// Command returns a generator of commands that lead.Decide accepts in state
// s: one of the commands lead.Allowed(s.Stage) lists, with valid input that
// also meets the rest of the state (Pause only when not paused, Resume only
// when paused, Reassign to a different rep, Warn and Breach only for
// deadlines that are running in s and steps not yet recorded). For
// StageNone it is a Capture with a fresh valid ID.
//
// Time-dependent fields (QualifySales.CloseDate, Pause.Until) are zero or
// in the year 2100, so the command is valid at any now before then; use
// CommandAt for values relative to a known now.
//
// Command panics if no command is allowed in s (Won, Disqualified).
func Command(s lead.State) *rapid.Generator[lead.Command] {
	return CommandAt(s, time.Time{})
}

// CommandAt is Command for a decision at time now: close dates fall on or
// after now's day and pause ends after now. A zero now behaves as Command.
func CommandAt(s lead.State, now time.Time) *rapid.Generator[lead.Command] {
	names := commandNames(s)
	if len(names) == 0 {
		panic(fmt.Sprintf("leadtest: no command is allowed in stage %s", s.Stage))
	}
	return rapid.Custom(func(t *rapid.T) lead.Command {
		name := rapid.SampledFrom(names).Draw(t, "command")
		return drawCommand(t, s, now, name)
	})
}

// commandNames lists the commands that can be generated for s: the ones the
// stage allows, less those the rest of the state rules out.
func commandNames(s lead.State) []string {
	var names []string
	for _, n := range lead.Allowed(s.Stage) {
		switch n {
		case "Pause":
			if s.Paused {
				continue
			}
		case "Resume":
			if !s.Paused {
				continue
			}
		case "Warn":
			if len(openWarnings(s)) == 0 {
				continue
			}
		case "Breach":
			if len(openBreaches(s)) == 0 {
				continue
			}
		}
		names = append(names, n)
	}
	// Erase is legal in every stage but not a row of the table; it is
	// drawn once, and not where nothing else is allowed, so that
	// histories still end in the final stages.
	if len(names) > 0 && s.Stage != lead.StageNone && !s.Erased {
		names = append(names, "Erase")
	}
	return names
}

// RunningDeadlines returns the deadlines whose clocks run in s, one per
// kind at most, in lead.Kinds order.
func RunningDeadlines(s lead.State) []lead.DeadlineID {
	return slices.Collect(s.Clocks().All())
}

type warning struct {
	deadline lead.DeadlineID
	fraction float64
}

func openWarnings(s lead.State) []warning {
	var ws []warning
	for _, d := range RunningDeadlines(s) {
		for _, f := range WarningFractions {
			if !s.Warned(d, f) {
				ws = append(ws, warning{d, f})
			}
		}
	}
	return ws
}

type breach struct {
	deadline lead.DeadlineID
	step     int
	action   lead.Action
}

// openBreaches lists the (deadline, step, action) triples a Breach may carry
// in s: running deadline, unrecorded step, and an action whose outcome the
// table permits from s.Stage.
func openBreaches(s lead.State) []breach {
	var bs []breach
	for _, d := range RunningDeadlines(s) {
		step := -1
		for i := 0; i < lead.MaxStepsInLadder; i++ {
			if !s.Marked(d, true, i) {
				step = i
				break
			}
		}
		if step < 0 {
			continue
		}
		for _, a := range actions(s, d) {
			bs = append(bs, breach{d, step, a})
		}
	}
	return bs
}

// actions lists the breach actions that Decide carries out in s for
// deadline d: marketing's hand-off clock notifies, routes or returns; the
// others never route.
func actions(s lead.State, d lead.DeadlineID) []lead.Action {
	var as []lead.Action
	for _, a := range []lead.Action{lead.ActionNotify, lead.ActionEscalate, lead.ActionReassign, lead.ActionRoute, lead.ActionReturn, lead.ActionStall} {
		if d.Kind == lead.KindHandOff {
			if a != lead.ActionNotify && a != lead.ActionRoute && a != lead.ActionReturn {
				continue
			}
		} else if a == lead.ActionRoute {
			continue
		}
		to := s.Stage
		switch a {
		case lead.ActionReassign, lead.ActionRoute:
			to = lead.StageHandedOff
		case lead.ActionReturn:
			to = lead.StageNurturing
		case lead.ActionStall:
			if s.Stage == lead.StageStalled {
				continue
			}
			to = lead.StageStalled
		}
		if lead.Permits(s.Stage, "Breach", to) {
			as = append(as, a)
		}
	}
	return as
}

func otherReps(rep string) []string {
	return slices.DeleteFunc(slices.Clone(Reps), func(r string) bool { return r == rep })
}

var (
	actors   = []string{"", "system", "mkt:eve", "rep:ana", "ops:sam"}
	sources  = []lead.MQLSource{lead.SourceScore, lead.SourceManual, lead.SourceAQL, lead.SourceTPQ}
	channels = []lead.Channel{lead.ChannelEmail, lead.ChannelPhone, lead.ChannelSocial, lead.ChannelMeeting, lead.ChannelOther}
	outcomes = []lead.Outcome{lead.OutcomeNoAnswer, lead.OutcomeVoicemail, lead.OutcomeBounced, lead.OutcomeConnected, lead.OutcomeReplied}
	reasons  = []string{"no budget", "wrong persona", "asked to call back in Q3", "went with a competitor", "duplicate", "Zahlungsziel zu lang"}
	teams    = []string{"", "emea", "na-east", "smb"}
	// thresholds are sales-ready thresholds a Score may carry; the zero
	// one (off) twice, so most scores qualify nobody.
	thresholds = []lead.Threshold{{}, {}, {Total: 120}, {Fit: 50, Intent: 40}}
)

func drawActor(t *rapid.T) string { return rapid.SampledFrom(actors).Draw(t, "actor") }

func drawReason(t *rapid.T) string { return rapid.SampledFrom(reasons).Draw(t, "reason") }

// optionalText draws a short, possibly empty, valid one-line field: any
// letters, marks, digits, punctuation, symbols and spaces, none of the
// control or bidirectional characters validation refuses.
func optionalText(t *rapid.T, label string) string {
	return textGen.Draw(t, label)
}

var textGen = rapid.StringOfN(rapid.RuneFrom(nil, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs), 0, 24, lead.MaxFieldLen)

var emailGen = rapid.StringMatching(`[a-z][a-z0-9]{0,11}(\.[a-z0-9]{1,6})?(\+[a-z0-9]{1,6})?@[a-z][a-z0-9]{0,11}\.(com|io|co|de|co\.uk)`)

// Email returns a generator of plain email addresses that Capture accepts.
func Email() *rapid.Generator[string] { return emailGen }

func drawCommand(t *rapid.T, s lead.State, now time.Time, name string) lead.Command {
	switch name {
	case "Capture":
		return lead.Capture{
			ID:         lead.ID(fmt.Sprintf("lead-%016x", rapid.Uint64().Draw(t, "id"))),
			Actor:      drawActor(t),
			Email:      emailGen.Draw(t, "email"),
			FullName:   optionalText(t, "full_name"),
			Company:    optionalText(t, "company"),
			Source:     rapid.SampledFrom([]string{"", "webinar", "ebook", "referral", "paid-search"}).Draw(t, "source"),
			Campaign:   optionalText(t, "campaign"),
			Attributes: rapid.MapOfN(rapid.StringMatching(`[a-z]{1,10}`), textGen, 0, 3).Draw(t, "attributes"),
		}
	case "Score":
		return lead.Score{Actor: drawActor(t), Fit: rapid.IntRange(0, lead.MaxScore).Draw(t, "fit"), Intent: rapid.IntRange(0, lead.MaxScore).Draw(t, "intent"),
			SalesReady: rapid.SampledFrom(thresholds).Draw(t, "sales_ready")}
	case "QualifyMarketing":
		return lead.QualifyMarketing{Actor: drawActor(t), Source: rapid.SampledFrom(sources).Draw(t, "source")}
	case "HandOff":
		return lead.HandOff{Actor: drawActor(t), Rep: rapid.SampledFrom(Reps).Draw(t, "rep"),
			Team: rapid.SampledFrom(teams).Draw(t, "team"), PolicyVersion: rapid.IntRange(0, 3).Draw(t, "policy")}
	case "Accept":
		return lead.Accept{Actor: drawActor(t)}
	case "Reject":
		return lead.Reject{Actor: drawActor(t), Reason: drawReason(t), Disqualify: rapid.Bool().Draw(t, "disqualify")}
	case "Touch":
		return lead.Touch{Actor: drawActor(t), Channel: rapid.SampledFrom(channels).Draw(t, "channel"),
			Outcome: rapid.SampledFrom(outcomes).Draw(t, "outcome"), Content: optionalText(t, "content"), Campaign: optionalText(t, "campaign")}
	case "QualifySales":
		c := lead.QualifySales{Actor: drawActor(t), Probability: rapid.Float64Range(0, 1).Draw(t, "probability")}
		if rapid.Bool().Draw(t, "has_amount") {
			c.Amount = float64(rapid.IntRange(0, 1_000_000).Draw(t, "amount_cents")) / 100
			c.Currency = rapid.SampledFrom([]string{"EUR", "USD", "GBP"}).Draw(t, "currency")
		}
		if rapid.Bool().Draw(t, "has_close_date") {
			c.CloseDate = day(now).AddDate(0, 0, rapid.IntRange(0, 180).Draw(t, "close_in_days"))
		}
		return c
	case "Stall":
		return lead.Stall{Actor: drawActor(t), Reason: rapid.SampledFrom(append([]string{""}, reasons...)).Draw(t, "reason")}
	case "Recycle":
		return lead.Recycle{Actor: drawActor(t), Reason: drawReason(t)}
	case "Disqualify":
		return lead.Disqualify{Actor: drawActor(t), Reason: drawReason(t)}
	case "Win":
		c := lead.Win{Actor: drawActor(t)}
		if rapid.Bool().Draw(t, "has_amount") {
			c.Amount = float64(rapid.IntRange(0, 1_000_000).Draw(t, "amount_cents")) / 100
		}
		return c
	case "Lose":
		return lead.Lose{Actor: drawActor(t), Reason: drawReason(t)}
	case "Reassign":
		return lead.Reassign{Actor: drawActor(t), To: rapid.SampledFrom(otherReps(s.Rep)).Draw(t, "to"),
			Team: rapid.SampledFrom(teams).Draw(t, "team"), PolicyVersion: rapid.IntRange(0, 3).Draw(t, "policy")}
	case "Pause":
		c := lead.Pause{Actor: drawActor(t), Reason: drawReason(t)}
		if rapid.Bool().Draw(t, "has_until") {
			c.Until = after(now).Add(time.Duration(rapid.IntRange(1, 30*24).Draw(t, "until_hours")) * time.Hour)
		}
		return c
	case "Resume":
		return lead.Resume{Actor: drawActor(t)}
	case "Warn":
		w := rapid.SampledFrom(openWarnings(s)).Draw(t, "warning")
		return lead.Warn{Actor: "sla", Deadline: w.deadline, Fraction: w.fraction, Due: due(s, now, t)}
	case "Breach":
		b := rapid.SampledFrom(openBreaches(s)).Draw(t, "breach")
		c := lead.Breach{Actor: "sla", Deadline: b.deadline, Step: b.step, Action: b.action, Due: due(s, now, t)}
		switch b.action {
		case lead.ActionEscalate:
			c.To = rapid.SampledFrom([]string{"mgr:ida", "mgr:jo"}).Draw(t, "manager")
		case lead.ActionReassign:
			c.To = rapid.SampledFrom(otherReps(s.Rep)).Draw(t, "to")
			c.Team = rapid.SampledFrom(teams).Draw(t, "team")
		case lead.ActionRoute:
			c.To = rapid.SampledFrom(otherReps("")).Draw(t, "to")
			c.Team = rapid.SampledFrom(teams).Draw(t, "team")
			c.PolicyVersion = 1
		}
		return c
	}
	if name == "Erase" {
		return lead.Erase{Actor: drawActor(t), Reason: drawReason(t)}
	}
	panic(fmt.Sprintf("leadtest: no generator for command %q; the lifecycle table has a command this package does not know", name))
}

// day returns the start of now's UTC day, or farFuture for a zero now.
func day(now time.Time) time.Time {
	if now.IsZero() {
		return farFuture
	}
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// after returns now, or farFuture for a zero now.
func after(now time.Time) time.Time {
	if now.IsZero() {
		return farFuture
	}
	return now.UTC()
}

// due draws the due time a warning or breach reports: at or before now when
// now is known, somewhere after the stage was entered otherwise.
func due(s lead.State, now time.Time, t *rapid.T) time.Time {
	base := now
	if base.IsZero() {
		base = s.Entered
		if base.IsZero() {
			base = Start
		}
		return base.UTC().Add(time.Duration(rapid.IntRange(1, 96).Draw(t, "due_hours")) * time.Hour)
	}
	return base.UTC().Add(-time.Duration(rapid.IntRange(0, 96).Draw(t, "due_hours_ago")) * time.Hour)
}
