package lead_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/leadline/leadline/lead"
)

// A lead is captured, qualified by marketing, handed to a rep and accepted.
// Each command is decided against the state so far; its events are folded
// into the next state.
func ExampleDecide() {
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	var s lead.State
	for _, c := range []lead.Command{
		lead.Capture{ID: "lead-42", Email: "ana@example.com", Source: "webinar"},
		lead.QualifyMarketing{Actor: "mkt:eve", Source: lead.SourceScore},
		lead.HandOff{Actor: "router", Rep: "rep:ana", Team: "emea"},
		lead.Accept{Actor: "rep:ana"},
	} {
		events, err := lead.Decide(s, c, now)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, e := range events {
			s = lead.Evolve(s, e)
		}
		fmt.Printf("%-16s -> %s (v%d)\n", c.Name(), s.Stage, s.Version)
		now = now.Add(time.Hour)
	}
	// Output:
	// Capture          -> Captured (v1)
	// QualifyMarketing -> MQL (v2)
	// HandOff          -> HandedOff (v3)
	// Accept           -> Accepted (v4)
}

// A command the stage does not allow returns a *TransitionError that says
// what is allowed instead, and no events.
func ExampleTransitionError() {
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	events, _ := lead.Decide(lead.State{}, lead.Capture{ID: "lead-42", Email: "ana@example.com"}, now)
	s := lead.Replay(events)

	events, err := lead.Decide(s, lead.Win{Actor: "rep:ana"}, now)
	var te *lead.TransitionError
	if errors.As(err, &te) {
		fmt.Println(len(events), te.Stage, te.Command, te.Allowed)
	}
	fmt.Println(errors.Is(err, lead.ErrTransition))
	// Output:
	// 0 Captured Win [Score QualifyMarketing Disqualify]
	// true
}

// Bad input is a *ValidationError naming the field.
func ExampleValidationError() {
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	_, err := lead.Decide(lead.State{}, lead.Capture{ID: "lead-42", Email: "A <ana@example.com>"}, now)
	var ve *lead.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field, errors.Is(err, lead.ErrInvalid))
	// Output: true Email true
}

func ExampleEncode() {
	e := lead.Touched{
		Meta:    lead.Meta{Lead: "lead-42", Version: 7, At: time.Date(2026, time.March, 2, 10, 15, 0, 0, time.UTC), Actor: "rep:ana"},
		Channel: lead.ChannelPhone,
		Outcome: lead.OutcomeNoAnswer,
	}
	b, err := lead.Encode(e)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"type":"Touched","schema":1,"lead":"lead-42","version":7,"at":"2026-03-02T10:15:00Z","actor":"rep:ana","channel":"phone","outcome":"no_answer"}
}

func ExampleDecode() {
	data := []byte(`{"type":"DeadlineBreached","schema":1,"lead":"lead-42","version":5,"at":"2026-03-02T17:00:00Z","actor":"sla","deadline":{"kind":"accept","since":3},"step":0,"action":"escalate","due":"2026-03-02T17:00:00Z","rep":"rep:ana"}`)
	e, err := lead.Decode(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	if b, ok := e.(lead.DeadlineBreached); ok {
		fmt.Println(b.Type(), b.Deadline, b.Action, b.Rep)
	}

	_, err = lead.Decode([]byte(`{"type":"Teleported","schema":1}`))
	fmt.Println(errors.Is(err, lead.ErrUnknownEvent))
	// Output:
	// DeadlineBreached accept@3 escalate rep:ana
	// true
}

// The lifecycle diagram is generated from the transition table.
func ExampleMermaid() {
	lines := strings.Split(lead.Mermaid(), "\n")
	fmt.Println(lines[0])
	fmt.Println(lines[1])
	// Output:
	// stateDiagram-v2
	//     [*] --> Captured: Capture
}

// A Fold builds a lead's state from events read from a store, checking
// each one and changing the state in place; a forged event stops it.
func ExampleFold() {
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	var history []lead.Event
	var s lead.State
	for _, c := range []lead.Command{
		lead.Capture{ID: "lead-42", Email: "ana@example.com"},
		lead.QualifyMarketing{Actor: "mkt:eve", Source: lead.SourceScore},
	} {
		events, _ := lead.Decide(s, c, now)
		s = lead.Replay(append(history, events...))
		history = append(history, events...)
	}

	f := lead.NewFold(lead.State{})
	for _, e := range history {
		if err := f.Apply(e); err != nil {
			fmt.Println(err)
			return
		}
	}
	s, err := f.State()
	fmt.Println(s.Stage, s.Version, err)

	forged := lead.Won{Meta: lead.Meta{Lead: "lead-42", Version: 3, At: now}}
	fmt.Println(errors.Is(f.Apply(forged), lead.ErrCorrupt))
	// Output:
	// MQL 2 <nil>
	// true
}

func ExampleKindIndex() {
	counts := make([]int, len(lead.Kinds()))
	for _, k := range []lead.DeadlineKind{lead.KindAccept, lead.KindFirstTouch, lead.KindAccept} {
		counts[lead.KindIndex(k)]++
	}
	fmt.Println(counts[lead.KindIndex(lead.KindAccept)], lead.KindIndex("lunch"))
	// Output: 2 -1
}
