package sla_test

import (
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// mqlEnv has an "enterprise" segment (tier attribute) with a hand-off clock
// that routes and a sales-ready threshold, beside a default segment
// without them; ana is the one rep.
func mqlEnv(t *testing.T, router bool) sla.Env {
	t.Helper()
	ent := sla.Policy{Name: "enterprise", Version: 3, SalesReady: lead.Threshold{Fit: 60, Total: 150},
		HandOff: sla.Rule{Within: time.Hour, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: time.Hour, Action: lead.ActionRoute}}}}
	set, err := sla.NewSet(sla.Rules{{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}}},
		sla.Policy{Version: 1}, ent)
	if err != nil {
		t.Fatal(err)
	}
	env := sla.Env{Policies: set}
	if router {
		rr, err := sla.NewRoundRobin("", sla.Rep{Name: "ana", Team: "emea"})
		if err != nil {
			t.Fatal(err)
		}
		env.Router, env.Directory = rr, rr
	}
	return env
}

func mqlOf(t *testing.T, tier string) lead.State {
	t.Helper()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s, err := decide(lead.State{}, at, lead.Capture{ID: "l", Email: "ada@example.com", Attributes: map[string]string{"tier": tier}})
	if err == nil {
		s, err = decide(s, at, lead.QualifyMarketing{Source: lead.SourceAQL})
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCompleteScoreCarriesTheThresholdOfTheLeadsSegment(t *testing.T) {
	env := mqlEnv(t, false)
	captured := mqlOf(t, "enterprise")
	captured.Stage = lead.StageCaptured
	got, err := sla.Complete(captured, lead.Score{Fit: 70, Intent: 90}, env)
	if err != nil || got.(lead.Score).SalesReady != (lead.Threshold{Fit: 60, Total: 150}) {
		t.Fatalf("Complete = %+v, %v; want the enterprise threshold", got, err)
	}
	got, _ = sla.Complete(mqlOf(t, "smb"), lead.Score{Fit: 70, Intent: 90}, env)
	if !got.(lead.Score).SalesReady.IsZero() {
		t.Fatalf("Complete = %+v; the default segment has no threshold", got)
	}
	own := lead.Threshold{Total: 10}
	got, _ = sla.Complete(captured, lead.Score{Fit: 70, Intent: 90, SalesReady: own}, env)
	if got.(lead.Score).SalesReady != own {
		t.Fatalf("Complete = %+v; a threshold the caller names stays", got)
	}
}

func TestCompleteRouteStepPicksTheRepAndTheSegmentOfTheHandOff(t *testing.T) {
	s := mqlOf(t, "enterprise")
	route := lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindHandOff, Since: 2}, Step: 1, Action: lead.ActionRoute, Due: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	got, err := sla.Complete(s, route, mqlEnv(t, true))
	b := got.(lead.Breach)
	if err != nil || b.To != "ana" || b.Team != "emea" || b.Policy != "enterprise" || b.PolicyVersion != 3 {
		t.Fatalf("Complete = %+v, %v; want a route to ana of emea under enterprise v3", b, err)
	}
	// No router: the route is the ladder's last step, so the breach only
	// notifies; it still names the segment.
	got, _ = sla.Complete(s, route, mqlEnv(t, false))
	if b := got.(lead.Breach); b.Action != lead.ActionNotify || b.Policy != "enterprise" {
		t.Fatalf("Complete without a router = %+v; want a notify in the enterprise segment", b)
	}
	events, err := lead.Decide(s, got, s.MQLAt.Add(3*time.Hour))
	if err != nil || len(events) != 1 || events[0].(lead.DeadlineBreached).Policy != "enterprise" {
		t.Fatalf("Decide = %+v, %v; want one breach naming the segment", events, err)
	}
}
