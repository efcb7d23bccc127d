package lead_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// over returns a string one byte over a limit of n bytes.
func over(n int) string { return strings.Repeat("x", n+1) }

const badUTF8 = "ok\xc3\x28"

// withCapture returns the scripted Capture changed by edit.
func withCapture(edit func(*lead.Capture)) lead.Capture {
	c := capture
	edit(&c)
	return c
}

func withQualifySales(edit func(*lead.QualifySales)) lead.QualifySales {
	c := qualifySQL
	edit(&c)
	return c
}

func manyAttributes(n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("key%d", i)] = "v"
	}
	return m
}

var acceptDeadline = lead.DeadlineID{Kind: lead.KindAccept, Since: 3}

func TestDecideRejectsEachBadFieldWithAValidationErrorNamingIt(t *testing.T) {
	now := t0
	yesterday := now.AddDate(0, 0, -1)
	tests := []struct {
		name  string
		cmd   lead.Command
		field string
	}{
		{"nil command", nil, "Command"},

		{"empty email", withCapture(func(c *lead.Capture) { c.Email = "" }), "Email"},
		{"email without @", withCapture(func(c *lead.Capture) { c.Email = "a" }), "Email"},
		{"email without domain", withCapture(func(c *lead.Capture) { c.Email = "a@" }), "Email"},
		{"email without local part", withCapture(func(c *lead.Capture) { c.Email = "@b.co" }), "Email"},
		{"email with display name", withCapture(func(c *lead.Capture) { c.Email = "A <a@b.co>" }), "Email"},
		{"email in angle brackets", withCapture(func(c *lead.Capture) { c.Email = "<a@b.co>" }), "Email"},
		{"email domain without dot", withCapture(func(c *lead.Capture) { c.Email = "a@b" }), "Email"},
		{"email domain starting with dot", withCapture(func(c *lead.Capture) { c.Email = "a@.b.co" }), "Email"},
		{"email with spaces", withCapture(func(c *lead.Capture) { c.Email = " a@b.co" }), "Email"},
		{"email one byte over MaxEmailLen", withCapture(func(c *lead.Capture) { c.Email = strings.Repeat("a", lead.MaxEmailLen-4) + "@b.co" }), "Email"},
		{"empty ID", withCapture(func(c *lead.Capture) { c.ID = "" }), "ID"},
		{"ID one byte over MaxIDLen", withCapture(func(c *lead.Capture) { c.ID = lead.ID(over(lead.MaxIDLen)) }), "ID"},
		{"ID with a slash", withCapture(func(c *lead.Capture) { c.ID = "lead/1" }), "ID"},
		{"ID with a dot", withCapture(func(c *lead.Capture) { c.ID = "lead.1" }), "ID"},
		{"ID with non-ASCII letter", withCapture(func(c *lead.Capture) { c.ID = "leäd" }), "ID"},
		{"actor one byte over MaxFieldLen", withCapture(func(c *lead.Capture) { c.Actor = over(lead.MaxFieldLen) }), "Actor"},
		{"full name one byte over MaxFieldLen", withCapture(func(c *lead.Capture) { c.FullName = over(lead.MaxFieldLen) }), "FullName"},
		{"full name invalid UTF-8", withCapture(func(c *lead.Capture) { c.FullName = badUTF8 }), "FullName"},
		{"company one byte over MaxFieldLen", withCapture(func(c *lead.Capture) { c.Company = over(lead.MaxFieldLen) }), "Company"},
		{"company invalid UTF-8", withCapture(func(c *lead.Capture) { c.Company = badUTF8 }), "Company"},
		{"source one byte over MaxFieldLen", withCapture(func(c *lead.Capture) { c.Source = over(lead.MaxFieldLen) }), "Source"},
		{"campaign one byte over MaxFieldLen", withCapture(func(c *lead.Capture) { c.Campaign = over(lead.MaxFieldLen) }), "Campaign"},
		{"one attribute over MaxAttributes", withCapture(func(c *lead.Capture) { c.Attributes = manyAttributes(lead.MaxAttributes + 1) }), "Attributes"},
		{"empty attribute key", withCapture(func(c *lead.Capture) { c.Attributes = map[string]string{"": "x"} }), "Attributes key"},
		{"attribute key over MaxFieldLen", withCapture(func(c *lead.Capture) { c.Attributes = map[string]string{over(lead.MaxFieldLen): "x"} }), "Attributes key"},
		{"attribute value over MaxFieldLen", withCapture(func(c *lead.Capture) { c.Attributes = map[string]string{"region": over(lead.MaxFieldLen)} }), "Attributes[region]"},
		{"attribute value invalid UTF-8", withCapture(func(c *lead.Capture) { c.Attributes = map[string]string{"region": badUTF8} }), "Attributes[region]"},

		{"fit -1", lead.Score{Fit: -1}, "Fit"},
		{"fit 101", lead.Score{Fit: 101}, "Fit"},
		{"intent -1", lead.Score{Intent: -1}, "Intent"},
		{"intent 101", lead.Score{Intent: 101}, "Intent"},
		{"score actor invalid UTF-8", lead.Score{Actor: badUTF8}, "Actor"},

		{"MQL without source", lead.QualifyMarketing{}, "Source"},
		{"MQL with unknown source", lead.QualifyMarketing{Source: "magic"}, "Source"},

		{"hand-off without rep", lead.HandOff{}, "Rep"},
		{"hand-off to a blank rep", lead.HandOff{Rep: " \t"}, "Rep"},
		{"hand-off rep over MaxFieldLen", lead.HandOff{Rep: over(lead.MaxFieldLen)}, "Rep"},
		{"hand-off rep invalid UTF-8", lead.HandOff{Rep: badUTF8}, "Rep"},
		{"hand-off team over MaxFieldLen", lead.HandOff{Rep: "rep:ana", Team: over(lead.MaxFieldLen)}, "Team"},
		{"hand-off negative policy", lead.HandOff{Rep: "rep:ana", PolicyVersion: -1}, "PolicyVersion"},

		{"accept actor over MaxFieldLen", lead.Accept{Actor: over(lead.MaxFieldLen)}, "Actor"},
		{"reject without reason", lead.Reject{}, "Reason"},
		{"reject reason over MaxTextLen", lead.Reject{Reason: over(lead.MaxTextLen)}, "Reason"},

		{"touch without channel", lead.Touch{Outcome: lead.OutcomeReplied}, "Channel"},
		{"touch by carrier pigeon", lead.Touch{Channel: "pigeon", Outcome: lead.OutcomeReplied}, "Channel"},
		{"touch without outcome", lead.Touch{Channel: lead.ChannelPhone}, "Outcome"},
		{"touch with unknown outcome", lead.Touch{Channel: lead.ChannelPhone, Outcome: "maybe"}, "Outcome"},
		{"touch content over MaxTextLen", lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeReplied, Content: over(lead.MaxTextLen)}, "Content"},
		{"touch content invalid UTF-8", lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeReplied, Content: badUTF8}, "Content"},
		{"touch campaign over MaxFieldLen", lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeReplied, Campaign: over(lead.MaxFieldLen)}, "Campaign"},

		{"amount NaN", withQualifySales(func(c *lead.QualifySales) { c.Amount = math.NaN() }), "Amount"},
		{"amount +Inf", withQualifySales(func(c *lead.QualifySales) { c.Amount = math.Inf(1) }), "Amount"},
		{"amount -1", withQualifySales(func(c *lead.QualifySales) { c.Amount = -1 }), "Amount"},
		{"amount without currency", withQualifySales(func(c *lead.QualifySales) { c.Currency = "" }), "Currency"},
		{"currency in lower case", withQualifySales(func(c *lead.QualifySales) { c.Currency = "eur" }), "Currency"},
		{"currency symbol", withQualifySales(func(c *lead.QualifySales) { c.Currency = "€" }), "Currency"},
		{"close date yesterday", withQualifySales(func(c *lead.QualifySales) { c.CloseDate = yesterday }), "CloseDate"},
		{"close date last second of yesterday", withQualifySales(func(c *lead.QualifySales) {
			c.CloseDate = time.Date(2026, time.March, 1, 23, 59, 59, 0, time.UTC)
		}), "CloseDate"},
		{"probability -0.1", withQualifySales(func(c *lead.QualifySales) { c.Probability = -0.1 }), "Probability"},
		{"probability 1.1", withQualifySales(func(c *lead.QualifySales) { c.Probability = 1.1 }), "Probability"},
		{"probability NaN", withQualifySales(func(c *lead.QualifySales) { c.Probability = math.NaN() }), "Probability"},

		{"stall reason over MaxTextLen", lead.Stall{Reason: over(lead.MaxTextLen)}, "Reason"},
		{"recycle without reason", lead.Recycle{}, "Reason"},
		{"disqualify without reason", lead.Disqualify{}, "Reason"},
		{"disqualify reason invalid UTF-8", lead.Disqualify{Reason: badUTF8}, "Reason"},
		{"win amount NaN", lead.Win{Amount: math.NaN()}, "Amount"},
		{"win amount +Inf", lead.Win{Amount: math.Inf(1)}, "Amount"},
		{"win amount -1", lead.Win{Amount: -1}, "Amount"},
		{"lose without reason", lead.Lose{}, "Reason"},

		{"reassign to nobody", lead.Reassign{}, "To"},
		{"reassign to a rep over MaxFieldLen", lead.Reassign{To: over(lead.MaxFieldLen)}, "To"},
		{"reassign team over MaxFieldLen", lead.Reassign{To: "rep:ben", Team: over(lead.MaxFieldLen)}, "Team"},
		{"reassign negative policy", lead.Reassign{To: "rep:ben", PolicyVersion: -2}, "PolicyVersion"},
		{"pause without reason", lead.Pause{}, "Reason"},
		{"pause until now", lead.Pause{Reason: "r", Until: now}, "Until"},
		{"pause until yesterday", lead.Pause{Reason: "r", Until: yesterday}, "Until"},
		{"resume actor over MaxFieldLen", lead.Resume{Actor: over(lead.MaxFieldLen)}, "Actor"},

		{"warn for an unknown deadline kind", lead.Warn{Deadline: lead.DeadlineID{Kind: "coffee", Since: 3}, Fraction: 0.5, Due: now}, "Deadline.Kind"},
		{"warn for a deadline since version 0", lead.Warn{Deadline: lead.DeadlineID{Kind: lead.KindAccept}, Fraction: 0.5, Due: now}, "Deadline.Since"},
		{"warn at fraction 0", lead.Warn{Deadline: acceptDeadline, Fraction: 0, Due: now}, "Fraction"},
		{"warn at fraction 1", lead.Warn{Deadline: acceptDeadline, Fraction: 1, Due: now}, "Fraction"},
		{"warn at fraction NaN", lead.Warn{Deadline: acceptDeadline, Fraction: math.NaN(), Due: now}, "Fraction"},
		{"warn without due time", lead.Warn{Deadline: acceptDeadline, Fraction: 0.5}, "Due"},
		{"warn actor over MaxFieldLen", lead.Warn{Actor: over(lead.MaxFieldLen), Deadline: acceptDeadline, Fraction: 0.5, Due: now}, "Actor"},

		{"breach for an unknown deadline kind", lead.Breach{Deadline: lead.DeadlineID{Kind: "x", Since: 3}, Action: lead.ActionNotify, Due: now}, "Deadline.Kind"},
		{"breach for a deadline since version 0", lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindStall}, Action: lead.ActionNotify, Due: now}, "Deadline.Since"},
		{"breach step -1", lead.Breach{Deadline: acceptDeadline, Step: -1, Action: lead.ActionNotify, Due: now}, "Step"},
		{"breach step MaxStepsInLadder", lead.Breach{Deadline: acceptDeadline, Step: lead.MaxStepsInLadder, Action: lead.ActionNotify, Due: now}, "Step"},
		{"breach without action", lead.Breach{Deadline: acceptDeadline, Due: now}, "Action"},
		{"breach without due time", lead.Breach{Deadline: acceptDeadline, Action: lead.ActionNotify}, "Due"},
		{"breach escalating to nobody", lead.Breach{Deadline: acceptDeadline, Action: lead.ActionEscalate, Due: now}, "To"},
		{"breach reassigning to nobody", lead.Breach{Deadline: acceptDeadline, Action: lead.ActionReassign, Due: now}, "To"},
		{"breach reassigning to a rep over MaxFieldLen", lead.Breach{Deadline: acceptDeadline, Action: lead.ActionReassign, Due: now, To: over(lead.MaxFieldLen)}, "To"},
		{"breach team over MaxFieldLen", lead.Breach{Deadline: acceptDeadline, Action: lead.ActionNotify, Due: now, Team: over(lead.MaxFieldLen)}, "Team"},
		{"breach negative policy", lead.Breach{Deadline: acceptDeadline, Action: lead.ActionNotify, Due: now, PolicyVersion: -1}, "PolicyVersion"},
	}
	// Validation comes before the stage: the answer is the same in every
	// state, including one where the command would be allowed.
	states := map[string]lead.State{}
	for _, st := range allStages() {
		for i, cmds := range scriptsTo[st] {
			states[fmt.Sprintf("%s#%d", st, i)] = script(t, cmds...).State
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, s := range states {
				events, err := lead.Decide(s, tt.cmd, now)
				var v *lead.ValidationError
				if !errors.As(err, &v) {
					t.Fatalf("in %s: err = %v, want a *ValidationError", name, err)
				}
				if !errors.Is(err, lead.ErrInvalid) {
					t.Errorf("in %s: errors.Is(%v, ErrInvalid) is false", name, err)
				}
				if errors.Is(err, lead.ErrTransition) {
					t.Errorf("in %s: a validation error matches ErrTransition", name)
				}
				if v.Field != tt.field {
					t.Errorf("in %s: Field = %q, want %q (%v)", name, v.Field, tt.field, err)
				}
				if tt.cmd != nil && v.Command != tt.cmd.Name() {
					t.Errorf("in %s: Command = %q, want %q", name, v.Command, tt.cmd.Name())
				}
				if !strings.Contains(err.Error(), tt.field) {
					t.Errorf("in %s: message %q does not name %s", name, err, tt.field)
				}
				if events != nil {
					t.Errorf("in %s: %d events with the error", name, len(events))
				}
			}
		})
	}
}

func TestDecideAcceptsFieldsAtTheirLimits(t *testing.T) {
	atLimit := func(n int) string { return strings.Repeat("y", n) }
	tests := []struct {
		name  string
		stage lead.Stage
		cmd   lead.Command
	}{
		{"ID of MaxIDLen", lead.StageNone, withCapture(func(c *lead.Capture) { c.ID = lead.ID(strings.Repeat("a", lead.MaxIDLen)) })},
		{"ID of letters digits dash underscore", lead.StageNone, withCapture(func(c *lead.Capture) { c.ID = "Lead_0192-abc" })},
		{"email of MaxEmailLen", lead.StageNone, withCapture(func(c *lead.Capture) {
			c.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", lead.MaxEmailLen-64-1-3) + ".co"
		})},
		{"email with plus tag and subdomain", lead.StageNone, withCapture(func(c *lead.Capture) { c.Email = "ana.lima+demo@mail.example.co.uk" })},
		{"fields of MaxFieldLen", lead.StageNone, withCapture(func(c *lead.Capture) {
			c.Actor, c.FullName, c.Company, c.Source, c.Campaign = atLimit(lead.MaxFieldLen), atLimit(lead.MaxFieldLen), atLimit(lead.MaxFieldLen), atLimit(lead.MaxFieldLen), atLimit(lead.MaxFieldLen)
		})},
		{"MaxAttributes attributes", lead.StageNone, withCapture(func(c *lead.Capture) { c.Attributes = manyAttributes(lead.MaxAttributes) })},
		{"multi-byte name", lead.StageNone, withCapture(func(c *lead.Capture) { c.FullName = "Zoë Ørsted 李" })},
		{"scores 0 and 100", lead.StageCaptured, lead.Score{Fit: 0, Intent: lead.MaxScore}},
		{"reason of MaxTextLen", lead.StageHandedOff, lead.Reject{Reason: atLimit(lead.MaxTextLen)}},
		{"content of MaxTextLen", lead.StageAccepted, lead.Touch{Channel: lead.ChannelMeeting, Outcome: lead.OutcomeConnected, Content: atLimit(lead.MaxTextLen)}},
		{"close date today", lead.StageAccepted, withQualifySales(func(c *lead.QualifySales) {
			y, m, d := t0.Add(4 * time.Hour).Date()
			c.CloseDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		})},
		{"zero amount, no currency, no close date", lead.StageAccepted, lead.QualifySales{Probability: 0}},
		{"probability 1", lead.StageAccepted, withQualifySales(func(c *lead.QualifySales) { c.Probability = 1 })},
		{"win amount 0", lead.StageSQL, lead.Win{}},
		{"pause until a minute from now", lead.StageHandedOff, lead.Pause{Reason: "r", Until: t0.Add(3*time.Hour + time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := script(t, scriptsTo[tt.stage][0]...)
			events, err := s.Try(tt.cmd)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if len(events) == 0 {
				t.Fatal("no events")
			}
		})
	}
}

func TestTextThatCouldForgeLogsOrReportsIsRefusedNamingTheField(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		cmd   lead.Command
		field string
	}{
		{withCapture(func(c *lead.Capture) { c.FullName = "Ada\x00\x1b[31m\r\nINFO fake log line" }), "FullName"},
		{withCapture(func(c *lead.Capture) { c.Company = "Acme\u202egnp.exe" }), "Company"},
		{withCapture(func(c *lead.Capture) { c.Source = "web\x7f" }), "Source"},
		{withCapture(func(c *lead.Capture) { c.Attributes = map[string]string{"tier": "gold\u2028"} }), "Attributes[tier]"},
		{withCapture(func(c *lead.Capture) { c.Email = "ada\u202e@example.com" }), "Email"},
		{lead.HandOff{Rep: "ana\nbo"}, "Rep"},
		{lead.HandOff{Rep: "   "}, "Rep"},
		{lead.HandOff{Rep: "ana", Team: "emea\u2067"}, "Team"},
		{lead.Reassign{To: "\t"}, "To"},
		{lead.Recycle{Reason: " \n\t "}, "Reason"},
		{lead.Disqualify{Reason: "spam\x1b[2J"}, "Reason"},
		{lead.Touch{Actor: "rep:ana\x00", Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}, "Actor"},
		{withQualifySales(func(c *lead.QualifySales) { c.CloseDate = far }), "CloseDate"},
		{lead.Pause{Reason: "fair", Until: far}, "Until"},
		{lead.Warn{Deadline: acceptDeadline, Fraction: 0.5, Due: far}, "Due"},
		{lead.Breach{Deadline: acceptDeadline, Action: lead.ActionNotify, Due: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}, "Due"},
	}
	for _, c := range cases {
		err := lead.Validate(c.cmd, now)
		var v *lead.ValidationError
		if !errors.As(err, &v) || v.Field != c.field {
			t.Errorf("Validate(%#v) = %v, want a *ValidationError naming %s", c.cmd, err, c.field)
		}
		if events, err := lead.Decide(lead.State{}, c.cmd, now); err == nil || events != nil {
			t.Errorf("Decide(%#v) = %d events, %v; want the validation error and no events", c.cmd, len(events), err)
		}
	}
}

func TestReasonsMayRunOverSeveralLines(t *testing.T) {
	c := lead.Disqualify{Reason: "no budget this year;\r\n\tcall again in Q3"}
	if err := lead.Validate(c, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("Validate(%q) = %v, want nil: tabs and line breaks are allowed in reasons", c.Reason, err)
	}
}

func TestDecideRefusesAClockOutsideTheYearsTheCodecWrites(t *testing.T) {
	_, err := lead.Decide(lead.State{}, capture, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	var v *lead.ValidationError
	if !errors.As(err, &v) || v.Field != "now" {
		t.Fatalf("Decide at year 10000 = %v, want a *ValidationError naming now", err)
	}
}

func TestOriginIDsMustBePrintableASCII(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, o := range []lead.Origin{{Command: "req 1"}, {Command: "req\r\n1"}, {Correlation: strings.Repeat("c", lead.MaxOriginLen+1)}, {Command: "caf\u00e9"}} {
		_, err := lead.DecideWith(lead.State{}, capture, now, o)
		if !errors.Is(err, lead.ErrInvalid) {
			t.Errorf("DecideWith(origin %q) = %v, want a *ValidationError", o, err)
		}
	}
	events, err := lead.DecideWith(lead.State{}, capture, now, lead.Origin{Command: "req-7f3a", Correlation: "00-4bf92f3577b34da6-01"})
	if err != nil {
		t.Fatal(err)
	}
	if m := events[0].Base(); m.Command != "req-7f3a" || m.Correlation != "00-4bf92f3577b34da6-01" {
		t.Fatalf("event Meta = %+v, want the origin's IDs", m)
	}
	s := lead.Replay(events)
	if a, ok := s.Applied("req-7f3a"); !ok || a.Command != "Capture" || a.From != 1 || a.Count != 1 {
		t.Fatalf("Applied(req-7f3a) = %+v, %v; want Capture at version 1, 1 event", a, ok)
	}
}
