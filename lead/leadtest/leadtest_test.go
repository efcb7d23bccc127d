package leadtest_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
	"pgregory.net/rapid"
)

func TestCommandIsAcceptedInEveryStateOfAHistory(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(30).Draw(t, "history")
		s := h.State()
		if len(lead.Allowed(s.Stage)) == 0 {
			t.Skip("final stage")
		}
		c := leadtest.Command(s).Draw(t, "command")
		now := leadtest.Start
		if n := len(h.Times); n > 0 {
			now = h.Times[n-1]
		}
		events, err := lead.Decide(s, c, now)
		if err != nil {
			t.Fatalf("Decide(%s, %#v): %v", s.Stage, c, err)
		}
		if len(events) == 0 {
			t.Fatalf("Decide(%s, %#v) added no events", s.Stage, c)
		}
	})
}

func TestHistoryReplaysThroughTheTable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(40).Draw(t, "history")
		if len(h.Commands) != len(h.Times) {
			t.Fatalf("%d commands, %d times", len(h.Commands), len(h.Times))
		}
		var s lead.State
		var events []lead.Event
		for i, c := range h.Commands {
			if i > 0 && h.Times[i].Before(h.Times[i-1]) {
				t.Fatalf("time %d goes back: %s before %s", i, h.Times[i], h.Times[i-1])
			}
			if i == 0 && !h.Times[0].Equal(leadtest.Start) {
				t.Fatalf("first command at %s, want Start", h.Times[0])
			}
			es, err := lead.Decide(s, c, h.Times[i])
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			before := s.Stage
			for _, e := range es {
				s = lead.Evolve(s, e)
			}
			if !lead.Permits(before, c.Name(), s.Stage) {
				t.Fatalf("step %d: (%s, %s, %s) is not a row of the table", i, before, c.Name(), s.Stage)
			}
			events = append(events, es...)
		}
		if !reflect.DeepEqual(events, h.Events) {
			t.Fatalf("re-deciding the commands gives other events")
		}
	})
}

func TestHistoriesAreDeterministicGivenTheSeed(t *testing.T) {
	for seed := range 5 {
		a := leadtest.Histories(30).Example(seed)
		b := leadtest.Histories(30).Example(seed)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: two draws differ", seed)
		}
	}
}

func TestHistoriesCoverTheSLAEvents(t *testing.T) {
	seen := map[string]bool{}
	for seed := range 400 {
		for _, e := range leadtest.Histories(60).Example(seed).Events {
			seen[e.Type()] = true
		}
	}
	for _, typ := range lead.EventTypes() {
		if !seen[typ] {
			t.Errorf("no generated history has a %s event", typ)
		}
	}
}

func TestInvalidCommandIsRefusedInAnyState(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := leadtest.Histories(20).Draw(t, "history").State()
		bad := leadtest.InvalidCases().Draw(t, "invalid")
		events, err := lead.Decide(s, bad.Command, leadtest.Start)
		var v *lead.ValidationError
		if !errors.As(err, &v) || !errors.Is(err, lead.ErrInvalid) {
			t.Fatalf("%v: Decide returned %v, want a *ValidationError", bad, err)
		}
		if v.Field != bad.Field {
			t.Fatalf("%v: error names field %q: %v", bad, v.Field, err)
		}
		if events != nil {
			t.Fatalf("%v: %d events with the error", bad, len(events))
		}
		if c := leadtest.InvalidCommand().Draw(t, "command"); c == nil {
			t.Fatal("nil command")
		}
	})
}
