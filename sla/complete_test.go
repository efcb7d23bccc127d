package sla_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// completeEnv is two policies (versions 1 and 2), ana and ben on emea
// under mia, and cho, who has no manager.
func completeEnv(t *testing.T) sla.Env {
	t.Helper()
	team, err := sla.NewRoundRobin("",
		sla.Rep{Name: "ana", Team: "emea", Manager: "mia"},
		sla.Rep{Name: "ben", Team: "emea", Manager: "mia"},
		sla.Rep{Name: "cho", Team: "apac"})
	if err != nil {
		t.Fatal(err)
	}
	p1 := sla.DefaultPolicy()
	p1.RequiredAtSQL = nil
	p2 := sla.DefaultPolicy()
	p2.Version = 2
	p2.RequiredAtSQL = []sla.Field{sla.FieldAmount, sla.FieldCloseDate}
	set, err := sla.NewSet(nil, p1, p2)
	if err != nil {
		t.Fatal(err)
	}
	return sla.Env{Policies: set, Router: team, Directory: team}
}

// owned is lead l handed off to rep under policy version policy, at
// version 3.
func owned(t *testing.T, rep string, policy int) lead.State {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var s lead.State
	for _, c := range []lead.Command{
		lead.Capture{ID: "l", Email: "ada@example.com"},
		lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: rep, PolicyVersion: policy},
	} {
		events, err := lead.Decide(s, c, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			s = lead.Evolve(s, ev)
		}
	}
	return s
}

func TestCompleteHandOff(t *testing.T) {
	env := completeEnv(t)
	mql := lead.State{ID: "l", Version: 2, Stage: lead.StageMQL}
	got, err := sla.Complete(mql, lead.HandOff{}, env)
	if err != nil {
		t.Fatal(err)
	}
	h := got.(lead.HandOff)
	if h.Rep != "ana" || h.Team != "emea" || h.PolicyVersion != 2 {
		t.Errorf("routed hand-off = %+v; want ana of emea under policy 2 (the current one)", h)
	}
	got, err = sla.Complete(mql, lead.HandOff{Rep: "cho", PolicyVersion: 1}, env)
	if err != nil {
		t.Fatal(err)
	}
	if h := got.(lead.HandOff); h.Rep != "cho" || h.Team != "apac" || h.PolicyVersion != 1 {
		t.Errorf("named hand-off = %+v; want cho of apac (from the directory) under policy 1", h)
	}
	for _, tt := range []struct {
		cmd   lead.HandOff
		field string
	}{
		{lead.HandOff{Rep: "zed"}, "Rep"},
		{lead.HandOff{Rep: "ana", PolicyVersion: 9}, "PolicyVersion"},
	} {
		_, err := sla.Complete(mql, tt.cmd, env)
		var ve *lead.ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("Complete(%+v) = %v; want a ValidationError on %s", tt.cmd, err, tt.field)
		}
	}
}

func TestCompleteReassignKeepsTheLeadsPolicy(t *testing.T) {
	env := completeEnv(t)
	got, err := sla.Complete(owned(t, "ana", 1), lead.Reassign{}, env)
	if err != nil {
		t.Fatal(err)
	}
	r := got.(lead.Reassign)
	if r.To != "ben" || r.Team != "emea" {
		t.Errorf("reassignment = %+v; want ben, the next rep who is not ana", r)
	}
	if r.PolicyVersion != 0 {
		t.Errorf("reassignment moves the lead to policy %d; want 0, which keeps its policy 1", r.PolicyVersion)
	}
	_, err = sla.Complete(owned(t, "ana", 1), lead.Reassign{To: "ben", PolicyVersion: 99}, env)
	var ve *lead.ValidationError
	if !errors.As(err, &ve) || ve.Field != "PolicyVersion" {
		t.Errorf("Reassign to policy 99 = %v; want a ValidationError on PolicyVersion, as for HandOff", err)
	}
}

func TestCompleteQualifySalesRequiresTheLeadsPolicyFields(t *testing.T) {
	env := completeEnv(t)
	accepted := lead.State{ID: "l", Version: 4, Stage: lead.StageAccepted, Rep: "ana"}
	closing := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		policy int
		cmd    lead.QualifySales
		field  string // "" for accepted
	}{
		{"policy 1 requires nothing", 1, lead.QualifySales{}, ""},
		{"policy 2 requires an amount", 2, lead.QualifySales{CloseDate: closing}, "Amount"},
		{"policy 2 requires a close date", 2, lead.QualifySales{Amount: 10}, "CloseDate"},
		{"policy 2 with both", 2, lead.QualifySales{Amount: 10, CloseDate: closing}, ""},
		{"NaN is not missing: Decide reports it", 2, lead.QualifySales{Amount: math.NaN(), CloseDate: closing}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := accepted
			s.PolicyVersion = tt.policy
			_, err := sla.Complete(s, tt.cmd, env)
			var ve *lead.ValidationError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("Complete = %v; want it accepted", err)
			case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field):
				t.Fatalf("Complete = %v; want a ValidationError on %s", err, tt.field)
			}
		})
	}
}

func TestCompleteBreachFallsThroughWhatCannotBeDone(t *testing.T) {
	env := completeEnv(t)
	esc := lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: 3}, Step: 0, Action: lead.ActionEscalate}
	got, _ := sla.Complete(owned(t, "ana", 1), esc, env)
	if b := got.(lead.Breach); b.Action != lead.ActionEscalate || b.To != "mia" {
		t.Errorf("escalation for ana = %+v; want it to go to mia", b)
	}
	// cho has no manager: the default ladder's next step is a reassignment.
	got, _ = sla.Complete(owned(t, "cho", 1), esc, env)
	if b := got.(lead.Breach); b.Action != lead.ActionReassign || b.To == "" || b.To == "cho" {
		t.Errorf("escalation for cho = %+v; want the ladder's reassignment to someone else", b)
	}
	alone := sla.Env{Policies: env.Policies}
	got, _ = sla.Complete(owned(t, "cho", 1), esc, alone)
	if b := got.(lead.Breach); b.Action != lead.ActionReturn {
		t.Errorf("escalation with no directory or router = %+v; want the ladder's return to marketing", b)
	}
}

func TestCompleteIsPure(t *testing.T) {
	env := completeEnv(t)
	s := lead.State{ID: "l", Version: 2, Stage: lead.StageMQL}
	first, err := sla.Complete(s, lead.HandOff{}, env)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := sla.Complete(s, lead.HandOff{}, env)
		if err != nil || again != first {
			t.Fatalf("Complete again = %+v, %v; want %+v: the same lead, command and Env give the same result", again, err, first)
		}
	}
}

// Complete fills in what the SLA knows: here the rep a hand-off goes to,
// her team and the policy version the lead will run under.
func ExampleComplete() {
	team, _ := sla.NewRoundRobin("", sla.Rep{Name: "ana", Team: "emea", Manager: "mia"})
	set, _ := sla.NewSet(nil, sla.DefaultPolicy())
	env := sla.Env{Policies: set, Router: team, Directory: team}
	mql := lead.State{ID: "lead-1", Version: 2, Stage: lead.StageMQL}

	cmd, err := sla.Complete(mql, lead.HandOff{}, env)
	fmt.Printf("%+v %v\n", cmd, err)
	// Output:
	// {Actor: Rep:ana Team:emea PolicyVersion:1 Policy:} <nil>
}
