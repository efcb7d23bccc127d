package lead_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
	"pgregory.net/rapid"
)

// runningByBruteForce returns every deadline State.Running accepts in s,
// trying every kind and every version up to s.Version.
func runningByBruteForce(s lead.State) []lead.DeadlineID {
	var out []lead.DeadlineID
	for _, k := range lead.Kinds() {
		for v := uint64(1); v <= s.Version; v++ {
			if d := (lead.DeadlineID{Kind: k, Since: v}); s.Running(d) {
				out = append(out, d)
			}
		}
	}
	return out
}

func TestClocksAreExactlyTheDeadlinesRunningAccepts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(40).Draw(t, "history")
		var s lead.State
		for _, e := range h.Events {
			s = lead.Evolve(s, e)
			want := runningByBruteForce(s)
			got := slices.Collect(s.Clocks().All())
			if !slices.Equal(got, want) {
				t.Fatalf("after %s (v%d, stage %s): Clocks %v, Running accepts %v", e.Type(), s.Version, s.Stage, got, want)
			}
			if s.Clocks().Len() != len(want) {
				t.Fatalf("Len %d, want %d", s.Clocks().Len(), len(want))
			}
			for _, k := range lead.Kinds() {
				d, ok := s.Clock(k)
				wantOK := slices.ContainsFunc(want, func(w lead.DeadlineID) bool { return w.Kind == k })
				if ok != wantOK || (ok && !slices.Contains(want, d)) {
					t.Fatalf("Clock(%s) = %v, %v; running %v", k, d, ok, want)
				}
				if g, gok := s.Clocks().Get(k); g != d || gok != ok {
					t.Fatalf("Clocks().Get(%s) = %v, %v; Clock says %v, %v", k, g, gok, d, ok)
				}
			}
		}
	})
}

func TestChangeIsTheDifferenceOfTheStatesAroundAnEvent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(40).Draw(t, "history")
		var s lead.State
		for _, e := range h.Events {
			before := s
			var c lead.Change
			s, c = lead.Step(s, e)
			if c != lead.Diff(before, s) {
				t.Fatalf("Step and Diff disagree on %s", e.Type())
			}
			if c.From != before.Stage || c.To != s.Stage || !c.At.Equal(s.Entered) {
				t.Fatalf("%s: change %s->%s at %v, states %s->%s entered %v", e.Type(), c.From, c.To, c.At, before.Stage, s.Stage, s.Entered)
			}
			if c.Moved() && !c.Entered {
				t.Fatalf("%s moved the lead from %s to %s without entering", e.Type(), c.From, c.To)
			}
			b, a := runningByBruteForce(before), runningByBruteForce(s)
			for _, d := range lead.Kinds() {
				started, sok := c.Started.Get(d)
				stopped, tok := c.Stopped.Get(d)
				wantStarted := firstOf(a, d, b)
				wantStopped := firstOf(b, d, a)
				if sok != !wantStarted.IsZero() || started != wantStarted {
					t.Fatalf("%s: started %v (%v), want %v; before %v after %v", e.Type(), started, sok, wantStarted, b, a)
				}
				if tok != !wantStopped.IsZero() || stopped != wantStopped {
					t.Fatalf("%s: stopped %v (%v), want %v; before %v after %v", e.Type(), stopped, tok, wantStopped, b, a)
				}
			}
			owner := s.Rep != before.Rep || s.Team != before.Team
			if c.Assigned != (owner && s.Rep != "") || (c.Assigned && (c.Rep != s.Rep || c.Team != s.Team)) {
				t.Fatalf("%s: assigned %v to %q/%q, states %q/%q -> %q/%q", e.Type(), c.Assigned, c.Rep, c.Team, before.Rep, before.Team, s.Rep, s.Team)
			}
		}
	})
}

// firstOf returns the deadline of kind k in xs that is not in ys, or a
// zero ID.
func firstOf(xs []lead.DeadlineID, k lead.DeadlineKind, ys []lead.DeadlineID) lead.DeadlineID {
	for _, x := range xs {
		if x.Kind == k && !slices.Contains(ys, x) {
			return x
		}
	}
	return lead.DeadlineID{}
}

func TestLifecycleStepsLikeTheFullState(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := leadtest.Histories(60).Draw(t, "history")
		var s lead.State
		var l lead.Lifecycle
		for _, e := range h.Events {
			var want, got lead.Change
			s, want = lead.Step(s, e)
			l, got = l.Step(e)
			if got != want {
				t.Fatalf("after %s (v%d): Lifecycle.Step gives %+v, Step gives %+v", e.Type(), s.Version, got, want)
			}
			if l != s.Lifecycle() {
				t.Fatalf("after %s (v%d): lifecycle %+v, state's %+v", e.Type(), s.Version, l, s.Lifecycle())
			}
			if l.Clocks() != s.Clocks() || l.Stage() != s.Stage || l.Version() != s.Version || !l.Entered().Equal(s.Entered) || l.StalledFrom() != s.StalledFrom {
				t.Fatalf("after %s (v%d): lifecycle reads differ from the state's", e.Type(), s.Version)
			}
			if rep, team := l.Owner(); rep != s.Rep || team != s.Team {
				t.Fatalf("owner %q/%q, state's %q/%q", rep, team, s.Rep, s.Team)
			}
		}
	})
}

func TestChangesOfTheLifecycleMilestones(t *testing.T) {
	sc := script(t, capture, qualifyMQL, handOff)
	hv := sc.State.Version
	step := func(c lead.Command) lead.Change {
		t.Helper()
		before := sc.State
		sc.Do(c)
		return lead.Diff(before, sc.State)
	}
	kinds := func(cs lead.ClockSet) []string {
		var out []string
		for d := range cs.All() {
			out = append(out, d.String())
		}
		return out
	}
	check := func(name string, c lead.Change, from, to lead.Stage, entered bool, started, stopped []string) {
		t.Helper()
		if c.From != from || c.To != to || c.Entered != entered {
			t.Errorf("%s: %s->%s entered %v, want %s->%s entered %v", name, c.From, c.To, c.Entered, from, to, entered)
		}
		if got := kinds(c.Started); !slices.Equal(got, started) {
			t.Errorf("%s: started %v, want %v", name, got, started)
		}
		if got := kinds(c.Stopped); !slices.Equal(got, stopped) {
			t.Errorf("%s: stopped %v, want %v", name, got, stopped)
		}
	}

	// A ladder reassignment hands the running accept clock to the new rep:
	// an assignment, no new entry, no clock started or stopped.
	c := step(lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: hv}, Action: lead.ActionReassign, To: "rep:ben", Due: sc.Now})
	check("ladder reassignment", c, lead.StageHandedOff, lead.StageHandedOff, false, nil, nil)
	if !c.Assigned || c.Rep != "rep:ben" || c.Team != "emea" {
		t.Errorf("ladder reassignment: assigned %v to %q/%q, want rep:ben/emea", c.Assigned, c.Rep, c.Team)
	}

	av := sc.State.Version + 1
	c = step(accept)
	a := func(k lead.DeadlineKind) string { return lead.DeadlineID{Kind: k, Since: av}.String() }
	check("accept", c, lead.StageHandedOff, lead.StageAccepted, true,
		[]string{a(lead.KindFirstTouch), a(lead.KindCadence), a(lead.KindQualify), a(lead.KindStall)},
		[]string{fmt.Sprintf("accept@%d", hv)})
	if c.Assigned {
		t.Errorf("accept: assigned %q", c.Rep)
	}

	c = step(stall)
	check("stall", c, lead.StageAccepted, lead.StageStalled, true, nil,
		[]string{a(lead.KindFirstTouch), a(lead.KindCadence), a(lead.KindQualify)})

	tv := sc.State.Version + 1
	c = step(touchNo)
	check("touch out of the stall", c, lead.StageStalled, lead.StageAccepted, true,
		[]string{a(lead.KindCadence), fmt.Sprintf("unresponsive@%d", tv), a(lead.KindQualify), fmt.Sprintf("stall@%d", tv)},
		[]string{a(lead.KindStall)})

	c = step(recycle)
	check("recycle", c, lead.StageAccepted, lead.StageNurturing, true, nil,
		[]string{a(lead.KindCadence), fmt.Sprintf("unresponsive@%d", tv), a(lead.KindQualify), fmt.Sprintf("stall@%d", tv)})
	if c.Assigned || c.Rep != "" {
		t.Errorf("recycle: assigned %v to %q; a return to marketing clears the owner", c.Assigned, c.Rep)
	}
}

// A projection that counts SLA clocks folds Changes: which clocks an event
// started and stopped, without knowing which event starts which clock.
func ExampleStep() {
	at := t0
	var s lead.State
	for _, c := range []lead.Command{capture, qualifyMQL, handOff, accept, touchYes} {
		events, err := lead.Decide(s, c, at)
		if err != nil {
			panic(err)
		}
		for _, e := range events {
			var ch lead.Change
			s, ch = lead.Step(s, e)
			fmt.Printf("%s: %s -> %s", e.Type(), ch.From, ch.To)
			for d := range ch.Started.All() {
				fmt.Printf(" +%s", d)
			}
			for d := range ch.Stopped.All() {
				fmt.Printf(" -%s", d)
			}
			fmt.Println()
		}
	}
	// Output:
	// Captured: None -> Captured
	// MarketingQualified: Captured -> MQL +hand_off@2
	// HandedOff: MQL -> HandedOff +accept@3 -hand_off@2
	// Accepted: HandedOff -> Accepted +first_touch@4 +cadence@4 +qualify@4 +stall@4 -accept@3
	// Touched: Accepted -> Accepted +stall@5 -first_touch@4 -stall@4
}

// Lifecycle is the small form of a State for readers that follow many
// leads: it steps through the same events and reports the same Changes.
func ExampleLifecycle_Step() {
	var l lead.Lifecycle
	s := script(&testing.T{}, capture, qualifyMQL, handOff)
	for _, e := range s.Events {
		var c lead.Change
		l, c = l.Step(e)
		if c.Assigned {
			fmt.Println("assigned to", c.Rep, "in", c.Team)
		}
	}
	d, _ := l.Clocks().Get(lead.KindAccept)
	fmt.Println(l.Stage(), "running", d)
	// Output:
	// assigned to rep:ana in emea
	// HandedOff running accept@3
}

// Advance is Step in place, for a projection that keeps a Lifecycle per
// lead in a table.
func ExampleLifecycle_Advance() {
	leads := map[lead.ID]*lead.Lifecycle{}
	s := script(&testing.T{}, capture, qualifyMQL)
	for _, e := range s.Events {
		l := leads[e.Base().Lead]
		if l == nil {
			l = new(lead.Lifecycle)
			leads[e.Base().Lead] = l
		}
		if c := l.Advance(e); c.Moved() {
			fmt.Println(c.From, "->", c.To)
		}
	}
	// Output:
	// None -> Captured
	// Captured -> MQL
}

// Diff compares two states of one lead, such as a state loaded before a
// command and the one after it.
func ExampleDiff() {
	s := script(&testing.T{}, capture, qualifyMQL, handOff, accept)
	before := s.State
	s.Do(qualifySQL)
	c := lead.Diff(before, s.State)
	fmt.Println(c.From, "->", c.To, "stopped", c.Stopped.Len(), "started", c.Started.Len())
	_, stopped := c.Stopped.Get(lead.KindQualify)
	fmt.Println("qualify stopped:", stopped)
	// Output:
	// Accepted -> SQL stopped 3 started 1
	// qualify stopped: true
}

// ExampleState_Clock shows the one clock of a kind a lead has running.
func ExampleState_Clock() {
	s := script(&testing.T{}, capture, qualifyMQL, handOff, accept).State
	for _, k := range lead.Kinds() {
		if d, ok := s.Clock(k); ok {
			fmt.Println(d)
		}
	}
	// Output:
	// first_touch@4
	// cadence@4
	// qualify@4
	// stall@4
}

func TestEveryKindRunsInSomeGeneratedHistory(t *testing.T) {
	// Clock looks for clocks among the versions a State records; a new
	// kind that starts from a version it does not try would never be
	// found, and this test names it.
	seen := map[lead.DeadlineKind]bool{}
	for seed := range 300 {
		var s lead.State
		for _, e := range leadtest.Histories(60).Example(seed).Events {
			s = lead.Evolve(s, e)
			for d := range s.Clocks().All() {
				seen[d.Kind] = true
			}
		}
	}
	for _, k := range lead.Kinds() {
		if !seen[k] {
			t.Errorf("no generated history ran a %s clock", k)
		}
	}
}

// TestReassignInTheInstantOfTheHandOffIsANewEntry: a reassignment starts a
// fresh hand-off, which is a new entry into the stage even when it comes
// in the same instant as the hand-off it replaces, so neither the stage
// nor its entry time changes; Step, Diff and Lifecycle agree on it.
func TestReassignInTheInstantOfTheHandOffIsANewEntry(t *testing.T) {
	sc := script(t, capture, qualifyMQL, handOff)
	events, err := lead.Decide(sc.State, reassignBen, sc.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || !events[0].Base().At.Equal(sc.State.Entered) {
		t.Fatalf("reassignment gave %v, want one event in the instant of the hand-off", events)
	}
	e := events[0]
	after, c := lead.Step(sc.State, e)
	hv, rv := sc.State.Version, after.Version
	if c.From != lead.StageHandedOff || c.To != lead.StageHandedOff || !c.Entered || !c.At.Equal(sc.Now) {
		t.Errorf("Step: %s->%s entered %v at %v, want a new entry into HandedOff at %v", c.From, c.To, c.Entered, c.At, sc.Now)
	}
	if d, ok := c.Started.Get(lead.KindAccept); !ok || d.Since != rv {
		t.Errorf("Step started %v, want accept@%d", d, rv)
	}
	if d, ok := c.Stopped.Get(lead.KindAccept); !ok || d.Since != hv {
		t.Errorf("Step stopped %v, want accept@%d", d, hv)
	}
	if !c.Assigned || c.Rep != "rep:ben" {
		t.Errorf("Step: assigned %v to %q, want rep:ben", c.Assigned, c.Rep)
	}
	if d := lead.Diff(sc.State, after); d != c {
		t.Errorf("Diff gives %+v, Step gives %+v", d, c)
	}
	l := sc.State.Lifecycle()
	if got := l.Advance(e); got != c {
		t.Errorf("Lifecycle.Advance gives %+v, Step gives %+v", got, c)
	}
}
