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

// reached counts, over histories drawn from g with seeds 0..n-1, how many
// ever entered each stage and how many hold each event type.
func reached(g *rapid.Generator[leadtest.History], n int) (map[lead.Stage]int, map[string]int, int) {
	stages, types := map[lead.Stage]int{}, map[string]int{}
	empty := 0
	for seed := range n {
		h := g.Example(seed)
		if len(h.Events) == 0 {
			empty++
		}
		seenStage, seenType := map[lead.Stage]bool{}, map[string]bool{}
		var s lead.State
		for _, e := range h.Events {
			s = lead.Evolve(s, e)
			seenStage[s.Stage] = true
			seenType[e.Type()] = true
		}
		for st := range seenStage {
			stages[st]++
		}
		for typ := range seenType {
			types[typ]++
		}
	}
	return stages, types, empty
}

func TestDefaultWeightsReachSQLAndWin(t *testing.T) {
	const n = 1000
	stages, _, empty := reached(leadtest.Histories(60), n)
	t.Logf("of %d histories: %d reach SQL, %d won, %d disqualified, %d lost", n,
		stages[lead.StageSQL], stages[lead.StageWon], stages[lead.StageDisqualified], stages[lead.StageLost])
	if empty != 0 {
		t.Errorf("%d empty histories", empty)
	}
	if stages[lead.StageSQL] < n/4 {
		t.Errorf("%d of %d histories reach SQL, want at least a quarter", stages[lead.StageSQL], n)
	}
	if stages[lead.StageWon] == 0 {
		t.Errorf("no history is won")
	}
}

func TestWeightsSteerTowardTheGoal(t *testing.T) {
	const n = 300
	for _, tc := range []struct {
		name  string
		w     leadtest.Weights
		check func(map[lead.Stage]int, map[string]int) bool
	}{
		{"sql", leadtest.TowardSQL(), func(s map[lead.Stage]int, _ map[string]int) bool { return s[lead.StageSQL] >= n/2 }},
		{"win", leadtest.TowardWin(), func(s map[lead.Stage]int, _ map[string]int) bool { return s[lead.StageWon] >= n/3 }},
		{"breach", leadtest.TowardBreach(), func(_ map[lead.Stage]int, ty map[string]int) bool { return ty["DeadlineBreached"] >= n/2 }},
	} {
		stages, types, _ := reached(leadtest.HistoriesWith(leadtest.Options{Length: 40, Weights: tc.w}), n)
		t.Logf("%s: of %d histories, SQL %d, won %d, with a breach %d", tc.name, n, stages[lead.StageSQL], stages[lead.StageWon], types["DeadlineBreached"])
		if !tc.check(stages, types) {
			t.Errorf("%s: of %d histories, SQL %d, won %d, with a breach %d", tc.name, n, stages[lead.StageSQL], stages[lead.StageWon], types["DeadlineBreached"])
		}
	}
}

func TestWeightZeroLeavesACommandOut(t *testing.T) {
	w := leadtest.DefaultWeights()
	w["Disqualify"], w["Reject"] = 0, 0
	for seed := range 200 {
		for _, c := range leadtest.HistoriesWith(leadtest.Options{Weights: w}).Example(seed).Commands {
			if c.Name() == "Disqualify" || c.Name() == "Reject" {
				t.Fatalf("seed %d: drew %s with weight 0", seed, c.Name())
			}
		}
	}
}

func TestEmptyHistoriesOnlyWhenAskedFor(t *testing.T) {
	_, _, empty := reached(leadtest.HistoriesWith(leadtest.Options{Length: 1}), 200)
	if empty != 0 {
		t.Errorf("%d empty histories without AllowEmpty", empty)
	}
	_, _, empty = reached(leadtest.HistoriesWith(leadtest.Options{Length: 1, AllowEmpty: true}), 200)
	if empty == 0 {
		t.Errorf("no empty history with AllowEmpty")
	}
}

func TestFeedsInterleaveValidHistoriesInTimeOrder(t *testing.T) {
	interleaved := 0
	rapid.Check(t, func(t *rapid.T) {
		f := leadtest.Feeds(5, leadtest.Options{Length: 30}).Draw(t, "feed")
		var all int
		ids := map[lead.ID]bool{}
		for _, h := range f.Leads {
			if len(h.Events) == 0 {
				t.Fatal("an empty history in a feed")
			}
			id := h.Events[0].Base().Lead
			if ids[id] {
				t.Fatalf("two leads with ID %s", id)
			}
			ids[id] = true
			all += len(h.Events)
		}
		if len(f.Events) != all {
			t.Fatalf("%d events in the feed, %d in its histories", len(f.Events), all)
		}
		states := map[lead.ID]lead.State{}
		for i, e := range f.Events {
			if i > 0 && e.Base().At.Before(f.Events[i-1].Base().At) {
				t.Fatalf("event %d goes back in time", i)
			}
			m := e.Base()
			s, err := lead.Apply(states[m.Lead], e)
			if err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			states[m.Lead] = s
			if i > 0 && f.Events[i-1].Base().Lead != m.Lead {
				interleaved++
			}
		}
	})
	if interleaved == 0 {
		t.Error("no feed interleaves two leads")
	}
}
