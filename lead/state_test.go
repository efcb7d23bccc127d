package lead_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
	"pgregory.net/rapid"
)

func TestReplayEqualsFoldingEvolveOneByOne(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(60).Draw(t, "history")
		var s lead.State
		for _, e := range h.Events {
			s = lead.Evolve(s, e)
		}
		if got := lead.Replay(h.Events); !reflect.DeepEqual(got, s) {
			t.Fatalf("Replay differs from the fold:\n%+v\n%+v", got, s)
		}
		if len(h.Events) > 0 && s.Version != uint64(len(h.Events)) {
			t.Fatalf("version %d after %d events", s.Version, len(h.Events))
		}
	})
}

func TestReplayOfDecodedEventsEqualsReplayOfTheOriginals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(60).Draw(t, "history")
		decoded := make([]lead.Event, len(h.Events))
		for i, e := range h.Events {
			b, err := lead.Encode(e)
			if err != nil {
				t.Fatalf("Encode(%#v): %v", e, err)
			}
			if decoded[i], err = lead.Decode(b); err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if !reflect.DeepEqual(decoded[i], e) {
				t.Fatalf("round trip changed the event:\n%#v\n%#v", e, decoded[i])
			}
		}
		if a, b := lead.Replay(h.Events), lead.Replay(decoded); !reflect.DeepEqual(a, b) {
			t.Fatalf("replays differ:\n%+v\n%+v", a, b)
		}
	})
}

// TestEvolveNeverChangesMemoryReachableFromItsInput evolves every state of
// a history along two branches: if Evolve wrote into a slice or map its
// input shares (through spare capacity, say), the second branch would
// change what the first one returned.
func TestEvolveNeverChangesMemoryReachableFromItsInput(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(40).Draw(t, "history")
		var s lead.State
		for _, e := range h.Events {
			in := s.Clone()
			a := lead.Evolve(s, e)
			snapshot := a.Clone()
			for _, other := range branchEvents(s) {
				lead.Evolve(s, other)
				lead.Evolve(a, other)
			}
			if !reflect.DeepEqual(s, in) {
				t.Fatalf("Evolve(_, %s) changed its input", e.Type())
			}
			if !reflect.DeepEqual(a, snapshot) {
				t.Fatalf("evolving a sibling changed the state after %s", e.Type())
			}
			s = a
		}
	})
}

// branchEvents are events that append to or edit each of State's slices
// and maps.
func branchEvents(s lead.State) []lead.Event {
	m := lead.Meta{Lead: s.ID, Version: s.Version + 1, At: t0.Add(1000 * time.Hour), Actor: "branch"}
	d := lead.DeadlineID{Kind: lead.KindStall, Since: s.ProgressVersion + 1}
	return []lead.Event{
		lead.Touched{Meta: m, Channel: lead.ChannelOther, Outcome: lead.OutcomeNoAnswer},
		lead.DeadlineWarned{Meta: m, Deadline: d, Fraction: 0.33},
		lead.DeadlineBreached{Meta: m, Deadline: d, Step: 9},
		lead.Paused{Meta: m, Reason: "branch"},
		lead.Resumed{Meta: m},
		lead.Accepted{Meta: m},
		lead.Recycled{Meta: m, Reason: "branch"},
	}
}

// zeroEvents is the zero value of every event type.
func zeroEvents() []lead.Event {
	return []lead.Event{
		lead.Erased{}, lead.Captured{}, lead.Scored{}, lead.MarketingQualified{}, lead.HandedOff{}, lead.Accepted{},
		lead.Rejected{}, lead.Touched{}, lead.SalesQualified{}, lead.Stalled{}, lead.Recycled{},
		lead.Disqualified{}, lead.Won{}, lead.Lost{}, lead.DeadlineWarned{}, lead.DeadlineBreached{},
		lead.Escalated{}, lead.Reassigned{}, lead.Paused{}, lead.Resumed{},
	}
}

func TestZeroEventsCoverEveryEventType(t *testing.T) {
	var types []string
	for _, e := range zeroEvents() {
		types = append(types, e.Type())
	}
	slices.Sort(types)
	if !slices.Equal(types, lead.EventTypes()) {
		t.Fatalf("zero events %v, codec knows %v", types, lead.EventTypes())
	}
}

func TestEvolveNeverPanicsOnZeroEvents(t *testing.T) {
	states := []lead.State{{}}
	for _, st := range allStages() {
		for _, cmds := range scriptsTo[st] {
			states = append(states, script(t, cmds...).State)
		}
	}
	for _, s := range states {
		for _, e := range zeroEvents() {
			t.Run(fmt.Sprintf("%s/%s", s.Stage, e.Type()), func(t *testing.T) {
				lead.Evolve(s, e)
			})
		}
	}
}

// anyEvent draws an event of any type with arbitrary fields, stages and
// numbers out of range included: Evolve trusts its input but must not
// panic on it.
func anyEvent(t *rapid.T) lead.Event {
	m := lead.Meta{
		Lead:    lead.ID(rapid.String().Draw(t, "lead")),
		Version: rapid.Uint64().Draw(t, "version"),
		At:      time.Unix(rapid.Int64Range(-1e11, 1e11).Draw(t, "at"), 0),
		Actor:   rapid.String().Draw(t, "actor"),
	}
	stage := lead.Stage(rapid.Uint8().Draw(t, "stage"))
	d := lead.DeadlineID{Kind: lead.DeadlineKind(rapid.SampledFrom(append(lead.Kinds(), "", "bogus")).Draw(t, "kind")), Since: rapid.Uint64().Draw(t, "since")}
	f := rapid.Float64().Draw(t, "float")
	n := rapid.Int().Draw(t, "int")
	str := rapid.String().Draw(t, "string")
	when := time.Unix(rapid.Int64Range(-1e11, 1e11).Draw(t, "when"), 0)
	events := []lead.Event{
		lead.Captured{Meta: m, Email: str, Attributes: map[string]string{str: str}},
		lead.Scored{Meta: m, Fit: n, Intent: -n, Total: n},
		lead.MarketingQualified{Meta: m, Source: lead.MQLSource(str)},
		lead.HandedOff{Meta: m, Rep: str, PolicyVersion: n},
		lead.Accepted{Meta: m},
		lead.Rejected{Meta: m, Reason: str, Disqualify: n%2 == 0},
		lead.Touched{Meta: m, Channel: lead.Channel(str), Outcome: lead.Outcome(str)},
		lead.SalesQualified{Meta: m, Amount: f, Probability: f, CloseDate: when},
		lead.Stalled{Meta: m, From: stage},
		lead.Recycled{Meta: m, From: stage, Deadline: d},
		lead.Disqualified{Meta: m},
		lead.Won{Meta: m, Amount: f},
		lead.Lost{Meta: m},
		lead.DeadlineWarned{Meta: m, Deadline: d, Fraction: f, Due: when},
		lead.DeadlineBreached{Meta: m, Deadline: d, Step: n, Action: lead.Action(str)},
		lead.Escalated{Meta: m, Deadline: d},
		lead.Reassigned{Meta: m, Deadline: d, From: str, To: str, PolicyVersion: n},
		lead.Paused{Meta: m, Until: when},
		lead.Resumed{Meta: m},
		lead.Erased{Meta: m, Reason: str},
	}
	return rapid.SampledFrom(events).Draw(t, "event")
}

func TestEvolveNeverPanicsOnAnyEventSequence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := leadtest.Histories(20).Draw(t, "history").State()
		for range rapid.IntRange(1, 30).Draw(t, "n") {
			e := anyEvent(t)
			s = lead.Evolve(s, e)
			if s.Version != e.Base().Version {
				t.Fatalf("version %d after an event of version %d", s.Version, e.Base().Version)
			}
		}
		_ = s.Running(lead.DeadlineID{Kind: lead.KindStall, Since: s.ProgressVersion})
	})
}

func TestWarningStepsRoundFractionsToThousandths(t *testing.T) {
	s, d := handedOff(t)
	s.Do(lead.Warn{Deadline: d, Fraction: 0.75, Due: t0})
	if !s.State.Warned(d, 0.7504) || s.State.Warned(d, 0.751) || s.State.Warned(d, math.Nextafter(0.5, 1)) {
		t.Fatal("Warned does not match fractions by thousandths")
	}
}

func TestCloneSharesNothingWithTheOriginal(t *testing.T) {
	s := script(t, lead.Capture{ID: "x", Email: "a@b.co", Attributes: map[string]string{"k": "v"}}, qualifyMQL, handOff, accept, touchNo, pause)
	d := runningDeadline(s.State, lead.KindAccept)
	s.Do(lead.Warn{Deadline: d, Fraction: 0.5, Due: t0})
	orig := s.State
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatal("clone differs")
	}
	c.Attributes["k"] = "changed"
	c.TouchTimes[0] = time.Time{}
	c.Pauses[0].From = time.Time{}
	c.Marks[0].Step = 99
	if orig.Attributes["k"] != "v" || orig.TouchTimes[0].IsZero() || orig.Pauses[0].From.IsZero() || orig.Marks[0].Step == 99 {
		t.Fatal("changing the clone changed the original")
	}
}

// Replay grows the slices of the State it builds in place; a State it
// returns must still be safe to evolve along two branches.
func TestEvolvingAReplayedStateAlongTwoBranchesKeepsThemApart(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(50).Draw(t, "history")
		k := rapid.IntRange(0, len(h.Events)).Draw(t, "prefix")
		s := lead.Replay(h.Events[:k])
		in := s.Clone()
		branches := branchEvents(s)
		for i, a := range branches {
			got := lead.Evolve(s, a)
			snapshot := got.Clone()
			for _, b := range branches[i+1:] {
				lead.Evolve(s, b)
			}
			if !reflect.DeepEqual(got, snapshot) {
				t.Fatalf("evolving a replayed state with a sibling of %s changed it", a.Type())
			}
		}
		if !reflect.DeepEqual(s, in) {
			t.Fatal("Evolve changed the replayed state")
		}
	})
}

// Evolve adds a touch time in place only where no other State can see
// it; two goroutines that evolve one State at once must each get their
// own touch (run with -race, a claim that is not atomic is reported).
func TestEvolvingOneStateFromTwoGoroutinesKeepsTheBranchesApart(t *testing.T) {
	sc := script(t, capture, qualifyMQL, handOff, accept, touchNo)
	touch := func(s lead.State, at time.Time) lead.State {
		m := lead.Meta{Lead: s.ID, Version: s.Version + 1, At: at, Actor: "rep:ana"}
		return lead.Evolve(s, lead.Touched{Meta: m, Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer})
	}
	for i := range 500 {
		// A State with a second touch just added: the next one may be
		// added in place, by one of the branches only.
		s := touch(sc.State, t0.Add(50*time.Hour))
		branches := make([]lead.State, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range branches {
			wg.Go(func() {
				<-start
				branches[g] = touch(s, t0.Add(time.Duration(g+100)*time.Hour))
			})
		}
		close(start)
		wg.Wait()
		for g, b := range branches {
			want := t0.Add(time.Duration(g+100) * time.Hour)
			if len(b.TouchTimes) != 3 || !b.TouchTimes[2].Equal(want) || len(b.UnansweredTimes) != 3 || !b.UnansweredTimes[2].Equal(want) {
				t.Fatalf("round %d: branch %d has touch times %v and unanswered %v; want 3 ending at %v", i, g, b.TouchTimes, b.UnansweredTimes, want)
			}
		}
		if len(s.TouchTimes) != 2 || len(s.UnansweredTimes) != 2 {
			t.Fatalf("round %d: the State both branches came from has %d touch times", i, len(s.TouchTimes))
		}
	}
}
