package lead_test

import (
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// t0 is when every scripted history starts; each scripted command comes an
// hour after the one before.
var t0 = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// scripted is a lead built by deciding commands one after the other.
type scripted struct {
	t      testing.TB
	State  lead.State
	Events []lead.Event
	Now    time.Time
}

// script decides cmds in order from an empty stream, an hour apart, and
// fails the test if any is refused.
func script(t testing.TB, cmds ...lead.Command) *scripted {
	t.Helper()
	s := &scripted{t: t, Now: t0.Add(-time.Hour)}
	for _, c := range cmds {
		s.Do(c)
	}
	return s
}

// Do decides c an hour after the previous command, folds its events and
// returns them; it fails the test if c is refused.
func (s *scripted) Do(c lead.Command) []lead.Event {
	s.t.Helper()
	events, err := s.Try(c)
	if err != nil {
		s.t.Fatalf("in stage %s, %s: %v", s.State.Stage, c.Name(), err)
	}
	return events
}

// Try is Do that returns the error instead of failing; a refused command
// changes nothing (but the clock still moves on).
func (s *scripted) Try(c lead.Command) ([]lead.Event, error) {
	s.Now = s.Now.Add(time.Hour)
	events, err := lead.Decide(s.State, c, s.Now)
	if err != nil {
		return events, err
	}
	for _, e := range events {
		s.State = lead.Evolve(s.State, e)
	}
	s.Events = append(s.Events, events...)
	return events, nil
}

// The scripted commands of a happy path.
var (
	capture     = lead.Capture{ID: "lead-1", Actor: "mkt:eve", Email: "ana@example.com", FullName: "Ana Lima", Company: "Acme", Source: "webinar"}
	score       = lead.Score{Actor: "system", Fit: 40, Intent: 35}
	salesReady  = lead.Score{Actor: "system", Fit: 60, Intent: 50, SalesReady: lead.Threshold{Total: 100}}
	qualifyMQL  = lead.QualifyMarketing{Actor: "mkt:eve", Source: lead.SourceScore}
	handOff     = lead.HandOff{Actor: "router", Rep: "rep:ana", Team: "emea", PolicyVersion: 1}
	accept      = lead.Accept{Actor: "rep:ana"}
	touchNo     = lead.Touch{Actor: "rep:ana", Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}
	touchYes    = lead.Touch{Actor: "rep:ana", Channel: lead.ChannelEmail, Outcome: lead.OutcomeReplied}
	qualifySQL  = lead.QualifySales{Actor: "rep:ana", Amount: 12000, Currency: "EUR", Probability: 0.4}
	stall       = lead.Stall{Actor: "system", Reason: "quiet"}
	recycle     = lead.Recycle{Actor: "rep:ana", Reason: "not now"}
	disqualify  = lead.Disqualify{Actor: "rep:ana", Reason: "student"}
	win         = lead.Win{Actor: "rep:ana"}
	lose        = lead.Lose{Actor: "rep:ana", Reason: "competitor"}
	reject      = lead.Reject{Actor: "rep:ana", Reason: "wrong persona"}
	rejectDQ    = lead.Reject{Actor: "rep:ana", Reason: "spam", Disqualify: true}
	reassignBen = lead.Reassign{Actor: "ops:sam", To: "rep:ben"}
	pause       = lead.Pause{Actor: "rep:ana", Reason: "call after the fair"}
	resume      = lead.Resume{Actor: "rep:ana"}
)

// scriptsTo lists scripted paths into each stage; some stages have several,
// because what a command does can depend on how the lead got there (a
// stalled lead remembers the stage it left, a paused one can be resumed).
var scriptsTo = map[lead.Stage][][]lead.Command{
	lead.StageNone:         {{}},
	lead.StageCaptured:     {{capture}},
	lead.StageNurturing:    {{capture, qualifyMQL, handOff, reject}},
	lead.StageMQL:          {{capture, qualifyMQL}},
	lead.StageHandedOff:    {{capture, qualifyMQL, handOff}, {capture, qualifyMQL, handOff, pause}},
	lead.StageAccepted:     {{capture, qualifyMQL, handOff, accept}, {capture, qualifyMQL, handOff, accept, pause}},
	lead.StageSQL:          {{capture, qualifyMQL, handOff, accept, qualifySQL}, {capture, qualifyMQL, handOff, accept, qualifySQL, pause}},
	lead.StageStalled:      {{capture, qualifyMQL, handOff, accept, stall}, {capture, qualifyMQL, handOff, accept, qualifySQL, stall}},
	lead.StageWon:          {{capture, qualifyMQL, handOff, accept, qualifySQL, win}},
	lead.StageLost:         {{capture, qualifyMQL, handOff, accept, qualifySQL, lose}},
	lead.StageDisqualified: {{capture, disqualify}},
}

// allStages is every stage, StageNone included.
func allStages() []lead.Stage { return append([]lead.Stage{lead.StageNone}, lead.Stages()...) }

// commandNames is every command the table knows, in table order.
func commandNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, tr := range lead.Transitions() {
		if !seen[tr.Command] {
			seen[tr.Command] = true
			names = append(names, tr.Command)
		}
	}
	return names
}

// runningDeadline returns a deadline whose clock runs in s, preferring
// kind k, or a zero ID when none runs.
func runningDeadline(s lead.State, k lead.DeadlineKind) lead.DeadlineID {
	var found lead.DeadlineID
	for _, d := range []lead.DeadlineID{
		{Kind: lead.KindHandOff, Since: s.MQLVersion},
		{Kind: lead.KindAccept, Since: s.HandOffVersion},
		{Kind: lead.KindQualify, Since: s.AcceptVersion},
		{Kind: lead.KindFirstTouch, Since: s.AcceptVersion},
		{Kind: lead.KindCadence, Since: s.AcceptVersion},
		{Kind: lead.KindUnresponsive, Since: s.UnansweredSince},
		{Kind: lead.KindStall, Since: s.ProgressVersion},
	} {
		if s.Running(d) {
			if d.Kind == k {
				return d
			}
			if found.IsZero() {
				found = d
			}
		}
	}
	return found
}

// validCommand returns a valid instance of the command named name, fitted
// to s where the command's conditions depend on it (a running deadline, a
// rep other than the current one).
func validCommand(s lead.State, name string) lead.Command {
	d := runningDeadline(s, lead.KindStall)
	if d.IsZero() {
		d = lead.DeadlineID{Kind: lead.KindAccept, Since: max(s.Version, 1)}
	}
	switch name {
	case "Capture":
		return capture
	case "Score":
		return score
	case "QualifyMarketing":
		return qualifyMQL
	case "HandOff":
		return handOff
	case "Accept":
		return accept
	case "Reject":
		return reject
	case "Touch":
		return touchYes
	case "QualifySales":
		return qualifySQL
	case "Stall":
		return stall
	case "Recycle":
		return recycle
	case "Disqualify":
		return disqualify
	case "Win":
		return win
	case "Lose":
		return lose
	case "Reassign":
		if s.Rep == "rep:ben" {
			return lead.Reassign{To: "rep:ana"}
		}
		return reassignBen
	case "Pause":
		return pause
	case "Resume":
		return resume
	case "Erase":
		return lead.Erase{Actor: "privacy:ops", Reason: "erasure request 42"}
	case "Warn":
		return lead.Warn{Actor: "sla", Deadline: d, Fraction: 0.5, Due: t0}
	case "Breach":
		return lead.Breach{Actor: "sla", Deadline: d, Action: lead.ActionNotify, Due: t0}
	}
	panic("no valid instance of " + name)
}
