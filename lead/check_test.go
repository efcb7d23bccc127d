package lead_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
)

// applyAll folds lead.Apply over events and returns the state and the
// first error.
func applyAll(events []lead.Event) (lead.State, error) {
	var s lead.State
	for _, e := range events {
		var err error
		if s, err = lead.Apply(s, e); err != nil {
			return s, err
		}
	}
	return s, nil
}

func TestEveryHistoryDecideWritesPassesTheCheck(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(40).Draw(t, "history")
		s, err := applyAll(h.Events)
		if err != nil {
			t.Fatalf("checked fold refused a history Decide wrote: %v", err)
		}
		if want := lead.Replay(h.Events); s.Version != want.Version || s.Stage != want.Stage {
			t.Fatalf("checked fold ended at %s v%d, Replay at %s v%d", s.Stage, s.Version, want.Stage, want.Version)
		}
	})
}

func TestForgedHistoriesAreCorrupt(t *testing.T) {
	at := t0
	m := func(v uint64) lead.Meta { return lead.Meta{Lead: "lead-1", Version: v, At: at} }
	captured := lead.Captured{Meta: m(1), Email: "ana@example.com"}
	handed := script(t, capture, qualifyMQL, handOff)
	accept3 := lead.DeadlineID{Kind: lead.KindAccept, Since: 3}
	cases := []struct {
		name   string
		events []lead.Event
	}{
		{"accepted straight from captured", []lead.Event{captured, lead.Accepted{Meta: m(2)}}},
		{"won straight from captured", []lead.Event{captured, lead.Won{Meta: m(2), Amount: 1e15}}},
		{"a version skipped", []lead.Event{captured, lead.Scored{Meta: m(3)}}},
		{"a version repeated", []lead.Event{captured, lead.Scored{Meta: m(1)}}},
		{"another lead's event", []lead.Event{captured, lead.Scored{Meta: lead.Meta{Lead: "lead-2", Version: 2, At: at}}}},
		{"a history not starting with a capture", []lead.Event{lead.Scored{Meta: m(1)}}},
		{"a stage the event cannot come from", []lead.Event{captured, lead.Touched{Meta: m(2), Channel: lead.ChannelPhone, Outcome: lead.OutcomeReplied}}},
		{"an escalation with no breach", append(handed.Events[:3:3], lead.Escalated{Meta: m(4), Deadline: accept3, Rep: "rep:ana", Manager: "mia"})},
		{"a breach of a clock that is not running", append(handed.Events[:3:3], lead.DeadlineBreached{Meta: m(4), Deadline: lead.DeadlineID{Kind: lead.KindQualify, Since: 3}, Action: lead.ActionNotify, Due: at})},
		{"a breach without the action it names", append(handed.Events[:3:3],
			lead.DeadlineBreached{Meta: m(4), Deadline: accept3, Action: lead.ActionReturn, Due: at},
			lead.Scored{Meta: m(5)})},
		{"a return for a breach that is not right before it", append(handed.Events[:3:3],
			lead.Recycled{Meta: m(4), From: lead.StageHandedOff, Reason: "sla", Deadline: accept3})},
		{"a name that forges a log line", []lead.Event{lead.Captured{Meta: m(1), Email: "ana@example.com", FullName: "Ada\x1b[31m\r\nINFO fake"}}},
		{"a reason over MaxTextLen", []lead.Event{captured, lead.Disqualified{Meta: m(2), Reason: strings.Repeat("x", lead.MaxTextLen+1)}}},
		{"an attribute with a bidi override", []lead.Event{lead.Captured{Meta: m(1), Email: "ana@example.com", Attributes: map[string]string{"tier": "gold\u202e"}}}},
		{"a stall that says it left another stage", append(script(t, capture, qualifyMQL, handOff, accept).Events,
			lead.Stalled{Meta: m(5), From: lead.StageSQL})},
	}
	for _, c := range cases {
		_, err := applyAll(c.events)
		f := lead.NewFold(lead.State{})
		for _, e := range c.events {
			if ferr := f.Apply(e); ferr != nil {
				if ferr.Error() != err.Error() {
					t.Errorf("%s: Fold refused with %v, Apply with %v", c.name, ferr, err)
				}
				break
			}
		}
		if _, ferr := f.State(); ferr == nil {
			t.Errorf("%s: Fold took the forged history", c.name)
		}
		var he *lead.HistoryError
		if !errors.As(err, &he) || !errors.Is(err, lead.ErrCorrupt) {
			t.Errorf("%s: checked fold returned %v, want a *lead.HistoryError", c.name, err)
			continue
		}
		if last := c.events[len(c.events)-1]; he.Version != last.Base().Version || he.Type != last.Type() {
			t.Errorf("%s: error names %s v%d, want the forged %s v%d", c.name, he.Type, he.Version, last.Type(), last.Base().Version)
		}
	}
}

// A Fold takes exactly the histories Apply takes and ends where Replay
// does, from any state before: it changes neither that state nor a State
// it returned before more events.
func TestFoldEndsWhereReplayDoesAndChangesNoStateItWasGiven(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(60).Draw(t, "history")
		k := rapid.IntRange(0, len(h.Events)).Draw(t, "prefix")
		j := rapid.IntRange(k, len(h.Events)).Draw(t, "middle")
		start := lead.Replay(h.Events[:k])
		startCopy := start.Clone()
		f := lead.NewFold(start)
		apply := func(events []lead.Event) {
			for _, e := range events {
				if err := f.Apply(e); err != nil {
					t.Fatalf("Fold refused a history Decide wrote: %v", err)
				}
			}
		}
		apply(h.Events[k:j])
		middle, err := f.State()
		if err != nil {
			t.Fatal(err)
		}
		middleCopy := middle.Clone()
		apply(h.Events[j:])
		got, err := f.State()
		if err != nil {
			t.Fatal(err)
		}
		if want := lead.Replay(h.Events); !reflect.DeepEqual(got, want) {
			t.Fatalf("Fold from version %d ended at\n%+v\nReplay at\n%+v", k, got, want)
		}
		if !reflect.DeepEqual(start, startCopy) {
			t.Fatal("Fold changed the State it started from")
		}
		if !reflect.DeepEqual(middle, middleCopy) {
			t.Fatal("Fold changed a State it had returned")
		}
	})
}

// followAll follows events on a Lifecycle and returns it and the first
// error.
func followAll(id lead.ID, events []lead.Event) (lead.Lifecycle, error) {
	var l lead.Lifecycle
	for _, e := range events {
		var err error
		if l, _, err = l.Follow(id, e); err != nil {
			return l, err
		}
	}
	return l, nil
}

func TestFollowAcceptsEveryHistoryDecideWrites(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(40).Draw(t, "history")
		want := lead.Replay(h.Events)
		l, err := followAll(want.ID, h.Events)
		if err != nil {
			t.Fatalf("Follow refused a history Decide wrote: %v", err)
		}
		if l != want.Lifecycle() {
			t.Fatalf("Follow ended at %s v%d, Replay at %s v%d", l.Stage(), l.Version(), want.Stage, want.Version)
		}
	})
}

func TestFollowRefusesForgedStepsAndStaysPut(t *testing.T) {
	m := func(v uint64) lead.Meta { return lead.Meta{Lead: "lead-1", Version: v, At: t0} }
	captured := lead.Captured{Meta: m(1), Email: "ana@example.com"}
	for name, forged := range map[string]lead.Event{
		"accepted straight from captured": lead.Accepted{Meta: m(2)},
		"won straight from captured":      lead.Won{Meta: m(2), Amount: 1e15},
		"a version skipped":               lead.Scored{Meta: m(3)},
		"another lead's event":            lead.Scored{Meta: lead.Meta{Lead: "lead-2", Version: 2, At: t0}},
		"a control character in a reason": lead.Disqualified{Meta: m(2), Reason: "spam\x00"},
	} {
		l, _ := followAll("lead-1", []lead.Event{captured})
		after, _, err := l.Follow("lead-1", forged)
		var he *lead.HistoryError
		if !errors.As(err, &he) || he.Version != forged.Base().Version {
			t.Errorf("%s: Follow = %v; want a *lead.HistoryError for it", name, err)
		}
		if after != l || l.Stage() != lead.StageCaptured || l.Version() != 1 {
			t.Errorf("%s: the lifecycle moved to %s v%d", name, after.Stage(), after.Version())
		}
	}
	if _, _, err := (lead.Lifecycle{}).Follow("lead-1", lead.Captured{Meta: lead.Meta{Lead: "lead-9", Version: 1, At: t0}}); err == nil {
		t.Error("Follow took another lead's Captured as the start of lead-1's history")
	}
}

func TestApplyLeavesTheStateAsItWasOnAForgedEvent(t *testing.T) {
	s := script(t, capture).State
	got, err := lead.Apply(s, lead.Won{Meta: lead.Meta{Lead: "lead-1", Version: 2, At: t0.Add(time.Hour)}, Amount: 1e15})
	if err == nil || got.Stage != lead.StageCaptured || got.WonAmount != 0 || got.Version != 1 {
		t.Fatalf("Apply(forged Won) = %s v%d amount %v, %v; want the state unchanged and an error", got.Stage, got.Version, got.WonAmount, err)
	}
}

func TestAStateRemembersItsLastIdentifiedCommandsOnly(t *testing.T) {
	s := script(t, capture, qualifyMQL, handOff, accept).State
	now := t0.Add(10 * time.Hour)
	var first []lead.Event
	for i := range lead.MaxRemembered + 3 {
		events, err := lead.DecideWith(s, touchNo, now, lead.Origin{Command: "touch-" + string(rune('a'+i))})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = events
		}
		for _, e := range events {
			s = lead.Evolve(s, e)
		}
	}
	if len(s.Recent) != lead.MaxRemembered {
		t.Fatalf("State remembers %d commands, want %d", len(s.Recent), lead.MaxRemembered)
	}
	if _, ok := s.Applied("touch-a"); ok {
		t.Fatal("the oldest command is still remembered beyond MaxRemembered")
	}
	last := "touch-" + string(rune('a'+lead.MaxRemembered+2))
	if a, ok := s.Applied(last); !ok || a.Command != "Touch" || a.From != s.Version || a.Count != 1 {
		t.Fatalf("Applied(%s) = %+v, %v", last, a, ok)
	}
	if first[0].Base().Command != "touch-a" {
		t.Fatalf("first touch carries command %q", first[0].Base().Command)
	}
}

func TestABreachAndItsActionAreOneRememberedCommand(t *testing.T) {
	s := script(t, capture, qualifyMQL, handOff).State
	b := lead.Breach{Actor: "sla", Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: 3}, Action: lead.ActionReturn, Due: t0}
	events, err := lead.DecideWith(s, b, t0.Add(9*time.Hour), lead.Origin{Command: "sla-accept@3-0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		s = lead.Evolve(s, e)
	}
	if a, ok := s.Applied("sla-accept@3-0"); !ok || a.Command != "Breach" || a.From != 4 || a.Count != 2 {
		t.Fatalf("Applied = %+v, %v; want Breach at version 4 with 2 events", a, ok)
	}
}

// Prose fields keep their tabs and line breaks through the check; a name
// of exactly MaxFieldLen bytes passes too.
func TestTheCheckTakesWhatValidationTakes(t *testing.T) {
	m := func(v uint64) lead.Meta { return lead.Meta{Lead: "lead-1", Version: v, At: t0} }
	events := []lead.Event{
		lead.Captured{Meta: m(1), Email: "ana@example.com", FullName: strings.Repeat("a", lead.MaxFieldLen)},
		lead.Disqualified{Meta: m(2), Reason: "student\n\tno budget"},
	}
	if _, err := applyAll(events); err != nil {
		t.Fatalf("checked fold refused what validation takes: %v", err)
	}
	if _, err := followAll("lead-1", events); err != nil {
		t.Fatalf("Follow refused what validation takes: %v", err)
	}
}
