package leadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// A notify breach Tick records from a lead's schedule entry names the
// lead's own segment, the unnamed default one included, whatever segment
// the Engine scheduled before it.
func TestABreachRecordedFromTheScheduleNamesTheLeadsOwnSegment(t *testing.T) {
	ctx := context.Background()
	sel := sla.SelectorFunc(func(l lead.State) string { return l.Attributes["tier"] })
	set := policySet(t, sel, policy("", 1, time.Hour), policy("vip", 1, time.Hour))
	e, mock, _ := newEngine(t, leadline.WithPolicies(set))
	handOff := func(tier string) lead.ID {
		c := lead.Capture{Email: "lead@example.com"}
		if tier != "" {
			c.Attributes = map[string]string{"tier": tier}
		}
		id, err := e.Capture(ctx, c)
		must(t, err)
		must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
		must(t, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
		return id
	}
	vip := handOff("vip")
	plain := handOff("")
	for id, want := range map[lead.ID]string{vip: "vip", plain: ""} {
		if seg, _ := segmentOf(t, e, id); seg != want {
			t.Fatalf("lead handed off under segment %q, want %q", seg, want)
		}
	}
	advance(t, e, mock, time.Hour)
	for id, want := range map[lead.ID]string{vip: "vip", plain: ""} {
		got := breachPolicies(t, e, id)
		if len(got) != 1 || got[0] != want {
			t.Errorf("the breach of a lead of segment %q names %q", want, got)
		}
	}
}
