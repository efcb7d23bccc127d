package funnel

import (
	"reflect"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// policyWorld is a world whose Projection knows the policies set holds.
func policyWorld(t *testing.T, set sla.Set) *world {
	w := newWorld(t)
	w.p.Policies = set
	return w
}

func policySet(t *testing.T, sel sla.Selector, ps ...sla.Policy) sla.Set {
	t.Helper()
	set, err := sla.NewSet(sel, ps...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// withoutHandOff is the default policy, which has no hand-off clock.
func withoutHandOff() sla.Policy {
	p := sla.DefaultPolicy()
	p.HandOff = sla.Rule{}
	return p
}

func withHandOff(name string) sla.Policy {
	p := sla.DefaultPolicy()
	p.Name = name
	p.HandOff = sla.Rule{Within: 4 * time.Hour}
	return p
}

// hasKind reports whether c has a row of kind k.
func hasKind(c Compliance, k lead.DeadlineKind) bool {
	for _, r := range c.Rows {
		if r.Kind == k {
			return true
		}
	}
	return false
}

func TestComplianceCountsNoHandOffDeadlineUnderAPolicyWithoutOne(t *testing.T) {
	w := policyWorld(t, policySet(t, nil, withoutHandOff()))
	w.do("A", t0, capture("web", "", ""), mql)
	w.do("A", t0.Add(hours(1)), handOff("ana", "east"), accept)
	c := w.p.Compliance(Filter{}, 0)
	if hasKind(c, lead.KindHandOff) {
		t.Errorf("a hand_off row under a policy without a hand-off clock: %+v", kindRow(c, lead.KindHandOff))
	}
	if r := kindRow(c, lead.KindAccept); r.Met != 1 {
		t.Errorf("accept = %+v, want met 1", r)
	}
	if hasKind(w.p.Compliance(Filter{}, ByPolicy), lead.KindHandOff) {
		t.Error("a hand_off row by policy")
	}
}

func TestComplianceCountsTheHandOffDeadlineOfAPolicyWithOne(t *testing.T) {
	w := policyWorld(t, policySet(t, nil, withHandOff("")))
	w.do("A", t0, capture("web", "", ""), mql)
	w.do("A", t0.Add(hours(1)), handOff("ana", "east"))
	w.do("B", t0, capture("web", "", ""), mql)
	c := w.p.Compliance(Filter{}, 0)
	if r := kindRow(c, lead.KindHandOff); r.Met != 1 || r.Open != 1 || r.Breached != 0 {
		t.Errorf("hand_off = %+v, want met 1, open 1", r)
	}
}

func TestComplianceWithoutPoliciesCountsEveryClock(t *testing.T) {
	w := newWorld(t)
	w.do("A", t0, capture("web", "", ""), mql)
	w.do("A", t0.Add(hours(1)), handOff("ana", "east"))
	if r := kindRow(w.p.Compliance(Filter{}, 0), lead.KindHandOff); r.Met != 1 {
		t.Errorf("hand_off without policies = %+v, want met 1", r)
	}
}

func TestComplianceByPolicyCountsCadenceOnlyWhereThePolicyHasIt(t *testing.T) {
	smb := sla.DefaultPolicy()
	smb.Name, smb.Cadence = "smb", sla.Cadence{}
	w := policyWorld(t, policySet(t, nil, sla.DefaultPolicy(), smb))
	w.do("D", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", PolicyVersion: 1}, accept)
	w.do("S", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ben", Policy: "smb", PolicyVersion: 1}, accept)
	got := map[string]tally{}
	for _, r := range w.p.Compliance(Filter{}, ByPolicy).Rows {
		if r.Kind == lead.KindCadence {
			got[r.Group] = tally{r.Met, r.Breached, r.Open}
		}
	}
	if want := map[string]tally{"": {Open: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("cadence by policy = %v, want %v", got, want)
	}
	if r := kindRow(w.p.Compliance(Filter{Policy: "smb"}, 0), lead.KindAccept); r.Met != 1 {
		t.Errorf("smb accept = %+v, want met 1", r)
	}
}

func TestComplianceResolvesTheHandOffClocksPolicyWithTheSelector(t *testing.T) {
	// Only leads from ads run under "fast", whose hand-off clock the
	// default segment lacks.
	sel := sla.Rules{{Segment: "fast", Source: "ads"}}
	w := policyWorld(t, policySet(t, sel, withoutHandOff(), withHandOff("fast")))
	w.do("ad", t0, capture("ads", "", ""), mql)
	w.do("web", t0, capture("web", "", ""), mql)
	if r := kindRow(w.p.Compliance(Filter{}, 0), lead.KindHandOff); r.Open != 1 || r.Met+r.Breached != 0 {
		t.Errorf("hand_off = %+v, want the ads lead's clock open", r)
	}
	if r := kindRow(w.p.Compliance(Filter{Source: "web"}, 0), lead.KindHandOff); r != (ComplianceRow{Kind: lead.KindHandOff}) {
		t.Errorf("hand_off of the web lead = %+v, want none", r)
	}
}

func TestComplianceSelectorSeesTheAttributesOfTheCapture(t *testing.T) {
	sel := sla.Rules{{Segment: "fast", Attributes: map[string]string{"tier": "gold"}}}
	w := policyWorld(t, policySet(t, sel, withoutHandOff(), withHandOff("fast")))
	gold := capture("web", "", "")
	gold.Attributes = map[string]string{"tier": "gold"}
	w.do("gold", t0, gold, mql)
	w.do("plain", t0, capture("web", "", ""), mql)
	if r := kindRow(w.p.Compliance(Filter{}, 0), lead.KindHandOff); r.Open != 1 {
		t.Errorf("hand_off = %+v, want the gold lead's clock open", r)
	}
}

func TestComplianceCountsABreachOfAClockThePolicyDoesNotHave(t *testing.T) {
	w := policyWorld(t, policySet(t, nil, withoutHandOff()))
	w.do("A", t0, capture("web", "", ""), mql)
	w.breach("A", t0.Add(hours(5)), lead.KindHandOff, lead.ActionNotify, "")
	w.do("A", t0.Add(hours(6)), handOff("ana", "east"))
	if r := kindRow(w.p.Compliance(Filter{}, 0), lead.KindHandOff); r.Breached != 1 || r.Met+r.Open != 0 {
		t.Errorf("hand_off = %+v, want breached 1", r)
	}
	// As it stood before the breach, nothing was enforced yet.
	if r := kindRow(w.p.Compliance(Filter{To: t0.Add(hours(24))}, 0), lead.KindHandOff); r.Breached != 1 {
		t.Errorf("hand_off on its start day = %+v, want breached 1", r)
	}
}

func TestComplianceCountsTheStallClockOfTheStagesWithAWindow(t *testing.T) {
	p := sla.DefaultPolicy()
	p.Stall.Accepted = 0 // a stall window in SQL only
	w := policyWorld(t, policySet(t, nil, p))
	w.do("A", t0, capture("web", "", ""), mql, handOff("ana", "east"), accept)
	if hasKind(w.p.Compliance(Filter{}, 0), lead.KindStall) {
		t.Error("a stall row for a lead accepted under a policy without an Accepted window")
	}
	w.do("A", t0.Add(hours(2)), sql(1000))
	if r := kindRow(w.p.Compliance(Filter{}, 0), lead.KindStall); r.Open != 1 || r.Met != 0 {
		t.Errorf("stall in SQL = %+v, want open 1", r)
	}
}

func TestComplianceUnderNoPolicyCountsNoClock(t *testing.T) {
	// A set without a default segment: a lead of another segment runs
	// under no policy, so it has no SLA clocks.
	w := policyWorld(t, policySet(t, nil, withHandOff("enterprise")))
	w.do("A", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", Policy: "smb", PolicyVersion: 1}, accept)
	if c := w.p.Compliance(Filter{}, 0); len(c.Rows) != 0 {
		t.Errorf("rows under no policy: %+v", c.Rows)
	}
}

func TestClockTimesLeaveOutClocksThePolicyDoesNotHave(t *testing.T) {
	noTouch := sla.DefaultPolicy()
	noTouch.Name, noTouch.FirstTouch = "lazy", sla.Rule{}
	noAccept := sla.DefaultPolicy()
	noAccept.Name, noAccept.Accept = "open", sla.Rule{}
	w := policyWorld(t, policySet(t, nil, sla.DefaultPolicy(), noTouch, noAccept))
	for id, pol := range map[lead.ID]string{"D": "", "L": "lazy", "O": "open"} {
		w.do(id, t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", Policy: pol, PolicyVersion: 1})
		w.do(id, t0.Add(hours(1)), accept)
		w.do(id, t0.Add(hours(2)), touch("demo", lead.OutcomeReplied))
	}
	if n := w.p.AcceptTimes(Filter{}).Wall.N; n != 2 {
		t.Errorf("accept times of %d acceptances, want 2 (not the one without an accept rule)", n)
	}
	if n := w.p.FirstTouchTimes(Filter{}).Wall.N; n != 2 {
		t.Errorf("first-touch times of %d touches, want 2 (not the one without a first-touch rule)", n)
	}
	var all Projection
	for _, e := range w.events {
		if err := all.Apply(e.pos, e.e); err != nil {
			t.Fatal(err)
		}
	}
	if n := all.AcceptTimes(Filter{}).Wall.N; n != 3 {
		t.Errorf("without policies: accept times of %d acceptances, want 3", n)
	}
}
