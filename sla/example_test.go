package sla_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// decide decides c for the lead in s at time at and folds the events it
// adds. A command that is refused, or that adds nothing, is an error:
// the examples and tests build leads only from histories the decider
// itself would write.
func decide(s lead.State, at time.Time, c lead.Command) (lead.State, error) {
	events, err := lead.Decide(s, c, at)
	if err != nil {
		return s, fmt.Errorf("%s at %s: %w", c.Name(), at.Format(time.RFC3339), err)
	}
	if len(events) == 0 {
		return s, fmt.Errorf("%s at %s added no events", c.Name(), at.Format(time.RFC3339))
	}
	for _, e := range events {
		s = lead.Evolve(s, e)
	}
	return s, nil
}

// handOff returns a lead captured two hours before at, made an MQL an hour
// before, and handed off to rep ana at at: the accept clock starts at
// version 3.
func handOff(at time.Time) (lead.State, error) {
	var s lead.State
	var err error
	for _, c := range []struct {
		at  time.Time
		cmd lead.Command
	}{
		{at.Add(-2 * time.Hour), lead.Capture{ID: "lead-1", Email: "pat@example.com", Attributes: map[string]string{"region": "emea"}}},
		{at.Add(-time.Hour), lead.QualifyMarketing{Source: lead.SourceManual}},
		{at, lead.HandOff{Rep: "ana", Team: "emea", PolicyVersion: 1}},
	} {
		if s, err = decide(s, c.at, c.cmd); err != nil {
			return s, err
		}
	}
	return s, nil
}

func must(s lead.State, err error) lead.State {
	if err != nil {
		panic(err)
	}
	return s
}

const clock = "Mon 15:04"

func ExamplePolicy() {
	p := sla.DefaultPolicy()
	fmt.Printf("accept within %v of business time\n", p.Accept.Within)
	for _, st := range p.Accept.Ladder {
		fmt.Printf("  %v after the due time: %s\n", st.After, st.Action)
	}
	fmt.Println("valid:", p.Validate() == nil)
	// Output:
	// accept within 8h0m0s of business time
	//   0s after the due time: escalate
	//   4h0m0s after the due time: reassign
	//   8h0m0s after the due time: return
	// valid: true
}

func ExamplePolicy_Deadlines() {
	p := sla.DefaultPolicy() // Monday to Friday, 9:00-18:00 UTC
	friday := time.Date(2026, time.March, 6, 15, 0, 0, 0, time.UTC)
	s := must(handOff(friday))

	for _, d := range p.Deadlines(s) {
		fmt.Printf("%s: started %s, due %s\n", d.ID, d.Start.Format(clock), d.Due.Format(clock))
		for _, w := range d.Warnings {
			fmt.Printf("  warn at %2.0f%%: %s\n", w.Fraction*100, w.At.Format(clock))
		}
		for _, st := range d.Steps {
			fmt.Printf("  step %d %-8s %s\n", st.Step, st.Action, st.At.Format(clock))
		}
	}
	// Output:
	// accept@3: started Fri 15:00, due Mon 14:00
	//   warn at 50%: Mon 10:00
	//   warn at 75%: Mon 12:00
	//   warn at 90%: Mon 13:12
	//   step 0 escalate Mon 14:00
	//   step 1 reassign Mon 18:00
	//   step 2 return   Tue 13:00
}

// A policy without a hand-off clock: the lifecycle still runs one from
// each MQL, but nothing enforces it.
func ExamplePolicy_Enforces() {
	p := sla.DefaultPolicy()
	p.HandOff = sla.Rule{}
	for _, k := range lead.Kinds() {
		fmt.Printf("%s: %v\n", k, p.Enforces(k))
	}
	// Output:
	// hand_off: false
	// accept: true
	// first_touch: true
	// cadence: true
	// unresponsive: true
	// qualify: true
	// stall: true
}

// A breach ladder: escalate to the rep's manager at the breach, reassign to
// another rep 4 hours later, and return the lead to marketing 8 hours
// later. Due lists each step as the command that records it once it comes
// due.
func ExampleRule() {
	p := sla.Policy{
		Version: 1,
		Accept: sla.Rule{Within: 2 * time.Hour, Ladder: []sla.Step{
			{After: 0, Action: lead.ActionEscalate},
			{After: 4 * time.Hour, Action: lead.ActionReassign},
			{After: 8 * time.Hour, Action: lead.ActionReturn},
		}},
	}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	handed := time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC)
	s := must(handOff(handed))

	for _, st := range p.Deadlines(s)[0].Steps {
		fmt.Printf("step %d at %s: %s\n", st.Step, st.At.Format(clock), st.Action)
	}
	due, _ := p.Plan(s, handed.Add(7*time.Hour))
	for _, c := range due {
		b := c.(lead.Breach)
		fmt.Printf("due at 16:00: %s step %d (%s)\n", b.Deadline, b.Step, b.Action)
	}
	// Output:
	// step 0 at Mon 11:00: escalate
	// step 1 at Mon 15:00: reassign
	// step 2 at Mon 19:00: return
	// due at 16:00: accept@3 step 0 (escalate)
	// due at 16:00: accept@3 step 1 (reassign)
}

// Next names the step that comes due first and when the one after it
// does: after a warning (which only marks the lead) is recorded, the lead
// is due again at then without planning its new state.
func ExamplePolicy_Next() {
	p := sla.Policy{
		Version:  1,
		Accept:   sla.Rule{Within: 4 * time.Hour},
		Warnings: []float64{0.5},
	}
	handed := time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC)
	s := must(handOff(handed))

	first, at, then := p.Next(s)
	w := first.(lead.Warn)
	fmt.Printf("first: warn %s at %v, at %s\n", w.Deadline, w.Fraction, at.Format(clock))
	fmt.Printf("then: %s\n", then.Format(clock))
	// Output:
	// first: warn accept@3 at 0.5, at Mon 11:00
	// then: Mon 13:00
}

func ExampleRoundRobin() {
	rr, err := sla.NewRoundRobin("region",
		sla.Rep{Name: "ana", Manager: "maria", Territories: []string{"emea"}},
		sla.Rep{Name: "ben", Manager: "maria", Territories: []string{"amer"}},
		sla.Rep{Name: "chloe", Manager: "maria", Capacity: 1},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	open := map[string]int{}
	load := func(rep string) int { return open[rep] }
	emea := lead.State{Attributes: map[string]string{"region": "emea"}}

	for range 4 {
		rep, err := rr.Route(emea, load, "")
		if errors.Is(err, sla.ErrNoRep) {
			fmt.Println("nobody can take it")
			continue
		}
		open[rep.Name]++
		fmt.Println("emea lead to", rep.Name)
	}
	// The rep who let a deadline pass is never picked; with chloe at
	// capacity and ben outside emea, nobody is left.
	_, err = rr.Route(emea, load, "ana")
	fmt.Println("emea lead away from ana:", err)

	amer := lead.State{Attributes: map[string]string{"region": "amer"}}
	rep, _ := rr.Route(amer, load, "")
	fmt.Println("amer lead to", rep.Name)
	// Output:
	// emea lead to ana
	// emea lead to chloe
	// emea lead to ana
	// emea lead to ana
	// emea lead away from ana: sla: no rep available
	// amer lead to ben
}

// A Set holds the policies of several segments; its selector picks a
// lead's segment at hand-off, here by a lead attribute.
func ExampleNewSet() {
	standard := sla.DefaultPolicy()
	enterprise := sla.DefaultPolicy()
	enterprise.Name = "enterprise"
	enterprise.Accept.Within = 2 * time.Hour

	set, err := sla.NewSet(sla.Rules{{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}}}, standard, enterprise)
	if err != nil {
		panic(err)
	}
	for _, l := range []lead.State{
		{Attributes: map[string]string{"tier": "enterprise"}},
		{Attributes: map[string]string{"tier": "smb"}},
	} {
		p, _ := set.Select(l)
		fmt.Printf("tier %s: segment %q version %d, accept within %v\n", l.Attributes["tier"], p.Name, p.Version, p.Accept.Within)
	}
	// Output:
	// tier enterprise: segment "enterprise" version 1, accept within 2h0m0s
	// tier smb: segment "" version 1, accept within 8h0m0s
}

// Rules pick a segment as data: the first match wins, and a lead no rule
// matches is in the default segment.
func ExampleRules() {
	rules := sla.Rules{
		{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}},
		{Segment: "hot", MinScore: 80},
		{Segment: "partner", Source: "partner"},
	}
	fmt.Printf("%q\n", rules.Segment(lead.State{Score: 85, Attributes: map[string]string{"tier": "enterprise"}}))
	fmt.Printf("%q\n", rules.Segment(lead.State{Score: 85, Source: "partner"}))
	fmt.Printf("%q\n", rules.Segment(lead.State{Score: 20, Source: "partner"}))
	fmt.Printf("%q\n", rules.Segment(lead.State{Score: 20, Source: "webinar"}))
	// Output:
	// "enterprise"
	// "hot"
	// "partner"
	// ""
}

// A new version of a segment applies to new hand-offs only: a lead keeps
// the version its hand-off recorded.
func ExampleSet_For() {
	v1 := sla.DefaultPolicy()
	v1.Name = "enterprise"
	set, _ := sla.NewSet(sla.Rules{{Segment: "enterprise"}}, v1)

	running := lead.State{Stage: lead.StageHandedOff, PolicyName: "enterprise", PolicyVersion: 1}
	v2 := v1
	v2.Version, v2.Accept.Within = 2, 4*time.Hour
	if err := set.Add(v2); err != nil {
		panic(err)
	}
	p, _ := set.For(running)
	fmt.Printf("running lead: %q v%d\n", p.Name, p.Version)
	p, _ = set.For(lead.State{Stage: lead.StageMQL})
	fmt.Printf("new hand-off: %q v%d\n", p.Name, p.Version)
	// Output:
	// running lead: "enterprise" v1
	// new hand-off: "enterprise" v2
}

// Any function of the lead can select its segment.
func ExampleSelectorFunc() {
	byRegion := sla.SelectorFunc(func(l lead.State) string { return l.Attributes["region"] })
	fmt.Printf("%q\n", byRegion.Segment(lead.State{Attributes: map[string]string{"region": "apac"}}))
	// Output:
	// "apac"
}
