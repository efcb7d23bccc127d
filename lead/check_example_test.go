package lead_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/leadline/leadline/lead"
)

// A stored history is folded with Apply, which refuses an event Decide
// could not have written: here a Won on a lead that was only captured.
func ExampleApply() {
	at := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	history := []lead.Event{
		lead.Captured{Meta: lead.Meta{Lead: "lead-1", Version: 1, At: at}, Email: "ada@example.com"},
		lead.Won{Meta: lead.Meta{Lead: "lead-1", Version: 2, At: at}, Amount: 1e15},
	}
	var s lead.State
	for _, e := range history {
		var err error
		if s, err = lead.Apply(s, e); err != nil {
			fmt.Println(errors.Is(err, lead.ErrCorrupt), err)
			break
		}
	}
	fmt.Println(s.Stage, s.WonAmount)
	// Output:
	// true lead: history of lead-1: Won at version 2: no command moves a lead from Captured to Won with it (the lifecycle allows [Score QualifyMarketing Disqualify] in Captured)
	// Captured 0
}

// Follow checks a feed of many leads' events with a Lifecycle per lead.
func ExampleLifecycle_Follow() {
	at := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	var l lead.Lifecycle
	for _, e := range []lead.Event{
		lead.Captured{Meta: lead.Meta{Lead: "lead-1", Version: 1, At: at}, Email: "ada@example.com"},
		lead.MarketingQualified{Meta: lead.Meta{Lead: "lead-1", Version: 2, At: at}, Source: lead.SourceScore},
		lead.Accepted{Meta: lead.Meta{Lead: "lead-1", Version: 3, At: at}},
	} {
		next, _, err := l.Follow("lead-1", e)
		if err != nil {
			fmt.Println(err)
			continue
		}
		l = next
	}
	fmt.Println(l.Stage(), l.Version())
	// Output:
	// lead: history of lead-1: Accepted at version 3: no command moves a lead from MQL to Accepted with it (the lifecycle allows [Score HandOff Recycle Disqualify Warn Breach] in MQL)
	// MQL 2
}

// DecideWith stamps the caller's command ID into the events, and the
// state remembers it: a retry of the same request is recognised.
func ExampleState_Applied() {
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	var s lead.State
	for _, c := range []lead.Command{
		lead.Capture{ID: "lead-1", Email: "ada@example.com"},
		lead.QualifyMarketing{Source: lead.SourceScore},
	} {
		events, err := lead.DecideWith(s, c, now, lead.Origin{Command: "req-" + c.Name()})
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, e := range events {
			s = lead.Evolve(s, e)
		}
	}
	a, ok := s.Applied("req-QualifyMarketing")
	fmt.Println(ok, a.Command, "added", a.Count, "event(s) from version", a.From)
	// Output:
	// true QualifyMarketing added 1 event(s) from version 2
}

// ForLead makes a command one for a given lead: a Capture takes the ID,
// and a Capture that names another lead is refused.
func ExampleForLead() {
	c, err := lead.ForLead(lead.Capture{Email: "ada@example.com"}, "lead-1")
	fmt.Println(c.(lead.Capture).ID, err)
	_, err = lead.ForLead(lead.Capture{ID: "lead-2", Email: "ada@example.com"}, "lead-1")
	fmt.Println(err)
	// Output:
	// lead-1 <nil>
	// lead: Capture.ID: is "lead-2", but the command is for lead "lead-1"
}

// Scheduled tells the SLA's own commands from a caller's.
func ExampleScheduled() {
	fmt.Println(lead.Scheduled(lead.Breach{}), lead.Scheduled(lead.Warn{}), lead.Scheduled(lead.Touch{}))
	// Output:
	// true true false
}
