package leadline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// policy is a policy of segment name at version v whose accept window is
// within, with ladder.
func policy(name string, v int, within time.Duration, ladder ...sla.Step) sla.Policy {
	return sla.Policy{Name: name, Version: v, Accept: sla.Rule{Within: within, Ladder: ladder}}
}

func policySet(t *testing.T, sel sla.Selector, ps ...sla.Policy) sla.Set {
	t.Helper()
	set, err := sla.NewSet(sel, ps...)
	must(t, err)
	return set
}

// segmentOf returns the segment and version lead id runs under.
func segmentOf(t *testing.T, e *leadline.Engine, id lead.ID) (string, int) {
	t.Helper()
	s, err := e.Lead(context.Background(), id)
	must(t, err)
	return s.PolicyName, s.PolicyVersion
}

// breachPolicies returns the policy field of every breach in id's history.
func breachPolicies(t *testing.T, e *leadline.Engine, id lead.ID) []string {
	t.Helper()
	hist, err := e.History(context.Background(), id)
	must(t, err)
	var out []string
	for _, ev := range hist {
		if b, ok := ev.(lead.DeadlineBreached); ok {
			out = append(out, b.Policy)
		}
	}
	return out
}

func TestTwoSegmentsRunSideBySideInOneEngine(t *testing.T) {
	tiers := sla.Rules{{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}}}
	set := policySet(t, tiers, policy("", 1, 8*time.Hour), policy("enterprise", 1, 2*time.Hour))
	e, mock, _ := newEngine(t, leadline.WithPolicies(set))
	ctx := context.Background()
	hand := func(tier string) lead.ID {
		id, err := e.Capture(ctx, lead.Capture{Email: tier + "@example.com", Attributes: map[string]string{"tier": tier}})
		must(t, err)
		must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
		must(t, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
		return id
	}
	big, small := hand("enterprise"), hand("smb")
	if name, v := segmentOf(t, e, big); name != "enterprise" || v != 1 {
		t.Fatalf("enterprise lead runs under %q v%d; want enterprise v1", name, v)
	}
	if name, v := segmentOf(t, e, small); name != "" || v != 1 {
		t.Fatalf("smb lead runs under %q v%d; want the default segment v1", name, v)
	}

	advance(t, e, mock, 2*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, big))
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, big), "breach accept@3 step 0 notify")
	wantEvents(t, slaEvents(t, e, small))
	advance(t, e, mock, 6*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, small))
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, small), "breach accept@3 step 0 notify")

	if got := breachPolicies(t, e, big); len(got) != 1 || got[0] != "enterprise" {
		t.Errorf("enterprise breach records policy %q; want enterprise, for consumers routing by segment", got)
	}
	if got := breachPolicies(t, e, small); len(got) != 1 || got[0] != "" {
		t.Errorf("default-segment breach records policy %q; want none", got)
	}
}

// Reassignments (by hand and by the breach ladder), breach steps and a new
// version of the segment never move a lead to another segment or a newer
// version: only a new hand-off picks again.
func TestLeadKeepsItsSegmentAndVersionThroughReassignmentsLaddersAndNewVersions(t *testing.T) {
	reps, err := sla.NewRoundRobin("",
		sla.Rep{Name: "ana", Team: "key-accounts"},
		sla.Rep{Name: "ben", Team: "emea"},
	)
	must(t, err)
	// The segment follows the team at hand-off: ben's team would pick the
	// default segment, whose window is much shorter.
	byTeam := sla.Rules{{Segment: "enterprise", Team: "key-accounts"}}
	ladder := []sla.Step{{After: 0, Action: lead.ActionReassign}, {After: time.Hour, Action: lead.ActionNotify}}
	v1 := policySet(t, byTeam, policy("", 1, 10*time.Minute), policy("enterprise", 1, 2*time.Hour, ladder...))

	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	ctx := context.Background()
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(v1), leadline.WithRouter(reps))
	must(t, err)
	id := handedOff(t, e, "ana") // Monday 09:00, accept@3 due 11:00
	wantSegment := func(when string) {
		t.Helper()
		if name, v := segmentOf(t, e, id); name != "enterprise" || v != 1 {
			t.Fatalf("%s: the lead runs under %q v%d; want enterprise v1", when, name, v)
		}
	}
	wantSegment("after the hand-off")

	advance(t, e, mock, 10*time.Minute)
	wantEvents(t, slaEvents(t, e, id))
	advance(t, e, mock, 2*time.Hour-10*time.Minute)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 reassign", "reassigned ana -> ben")
	wantSegment("after the ladder reassigned it to ben of emea")
	advance(t, e, mock, time.Hour)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 reassign", "reassigned ana -> ben", "breach accept@3 step 1 notify")
	wantSegment("after the ladder's last step")

	// A new version of both segments, in an Engine that takes over the
	// store.
	v2 := v1.Clone()
	must(t, v2.Add(policy("enterprise", 2, 30*time.Minute)))
	must(t, v2.Add(policy("", 2, 5*time.Minute)))
	e, err = leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(v2), leadline.WithRouter(reps))
	must(t, err)
	_, err = e.Rebuild(ctx)
	must(t, err)
	wantSegment("under an Engine with newer versions")

	// A reassignment by hand is a fresh accept clock, still under
	// enterprise v1: two hours, not v2's thirty minutes.
	must(t, run(e, ctx, id, lead.Reassign{To: "ana"})) // 12:00, accept@7
	wantSegment("after a reassignment by hand")
	advance(t, e, mock, 2*time.Hour-time.Second)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 reassign", "reassigned ana -> ben", "breach accept@3 step 1 notify",
		"reassigned ben -> ana")
	advance(t, e, mock, time.Second)
	wantEvents(t, slaEvents(t, e, id), "breach accept@3 step 0 reassign", "reassigned ana -> ben", "breach accept@3 step 1 notify",
		"reassigned ben -> ana", "breach accept@7 step 0 reassign", "reassigned ana -> ben")
	wantSegment("after the second ladder")
	for i, p := range breachPolicies(t, e, id) {
		if p != "enterprise" {
			t.Errorf("breach %d records policy %q; want enterprise", i, p)
		}
	}

	// A new hand-off runs under the new version.
	fresh := handedOff(t, e, "ana")
	if name, v := segmentOf(t, e, fresh); name != "enterprise" || v != 2 {
		t.Fatalf("a new hand-off runs under %q v%d; want enterprise v2", name, v)
	}
	advance(t, e, mock, 30*time.Minute)
	wantEvents(t, slaEvents(t, e, fresh), "breach accept@3 step 0 notify")
}

func TestWithPoliciesRefusesAnEmptySet(t *testing.T) {
	_, err := leadline.New(eventstore.NewMemory(), leadline.WithPolicies(sla.Set{}))
	if !errorsIs(err, leadline.ErrInvalidOption) {
		t.Fatalf("New with an empty set = %v; want ErrInvalidOption", err)
	}
}

func TestWithPolicyRefusesADuplicateVersion(t *testing.T) {
	_, err := leadline.New(eventstore.NewMemory(), leadline.WithPolicy(sla.DefaultPolicy()), leadline.WithPolicy(sla.DefaultPolicy()))
	if !errorsIs(err, leadline.ErrInvalidOption) || !errorsIs(err, sla.ErrPolicy) {
		t.Fatalf("New with version 1 twice = %v; want ErrInvalidOption and sla.ErrPolicy", err)
	}
}

// Enterprise leads must be accepted within two hours, all others within
// eight: one Engine runs both segments, and each breach names its
// segment so that a consumer can route it.
func ExampleWithPolicies() {
	ctx := context.Background()
	standard := sla.Policy{Version: 1, Accept: sla.Rule{Within: 8 * time.Hour}}
	enterprise := sla.Policy{Name: "enterprise", Version: 1, Accept: sla.Rule{Within: 2 * time.Hour}}
	tiers := sla.Rules{{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}}}
	set, err := sla.NewSet(tiers, standard, enterprise)
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mock := clock.NewMock(start)
	engine, err := leadline.New(eventstore.NewMemory(), leadline.WithClock(mock), leadline.WithPolicies(set))
	if err != nil {
		panic(err)
	}
	var ids []lead.ID
	for _, tier := range []string{"enterprise", "smb"} {
		id, _ := engine.Capture(ctx, lead.Capture{Email: tier + "@example.com", Attributes: map[string]string{"tier": tier}})
		engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore})
		engine.Execute(ctx, id, lead.HandOff{Rep: "ana"})
		ids = append(ids, id)
	}
	for _, d := range []time.Duration{2 * time.Hour, 6 * time.Hour} {
		mock.Add(d)
		engine.Tick(ctx)
		for i, id := range ids {
			history, _ := engine.History(ctx, id)
			for _, ev := range history {
				if b, ok := ev.(lead.DeadlineBreached); ok && b.At.Equal(mock.Now()) {
					fmt.Printf("after %v: lead %d breached %s under policy %q\n", mock.Now().Sub(start), i+1, b.Deadline.Kind, b.Policy)
				}
			}
		}
	}
	// Output:
	// after 2h0m0s: lead 1 breached accept under policy "enterprise"
	// after 8h0m0s: lead 2 breached accept under policy ""
}
