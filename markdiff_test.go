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

// plainStore hides the memory store's AppendBatch: an Engine on it
// records every step from the lead's state, one command at a time.
type plainStore struct{ eventstore.Store }

// The steps Tick records from schedule entries alone (on a store that
// appends batches) are the events recording them from each lead's state
// makes: the same histories, event for event, over leads of two segments
// in several stages, paused, reassigned and touched.
func TestMarkStepsFromTheScheduleRecordWhatTheStateWould(t *testing.T) {
	ctx := context.Background()
	sel := sla.SelectorFunc(func(l lead.State) string { return l.Attributes["tier"] })
	ladder := []sla.Step{{After: 0, Action: lead.ActionNotify}, {After: 30 * time.Minute, Action: lead.ActionNotify}}
	base := sla.Policy{Version: 1, Warnings: []float64{0.5, 0.9},
		Accept:     sla.Rule{Within: time.Hour, Ladder: ladder},
		FirstTouch: sla.Rule{Within: 2 * time.Hour, Ladder: ladder},
		Cadence:    sla.Cadence{Touches: 3, Within: 6 * time.Hour, Ladder: ladder},
		Qualify:    sla.Rule{Within: 8 * time.Hour, Ladder: ladder},
	}
	vip := base
	vip.Name, vip.Accept.Within = "vip", 40*time.Minute
	histories := func(store eventstore.Store) map[int][]string {
		mock := clock.NewMock(monday)
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicies(policySet(t, sel, base, vip)))
		must(t, err)
		out := map[int][]string{}
		ids := make([]lead.ID, 12)
		for i := range ids {
			c := lead.Capture{Email: fmt.Sprintf("l%d@example.com", i)}
			if i%2 == 1 {
				c.Attributes = map[string]string{"tier": "vip"}
			}
			id, err := e.Capture(ctx, c, leadline.CommandID(fmt.Sprintf("cap-%d", i)))
			must(t, err)
			ids[i] = id
			must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
			must(t, run(e, ctx, id, lead.HandOff{Rep: []string{"ana", "ben"}[i%2]}))
			mock.Add(time.Minute)
		}
		for step := range 60 {
			mock.Add(7 * time.Minute)
			_, err := e.Tick(ctx)
			must(t, err)
			for i, id := range ids {
				var cmd lead.Command
				switch {
				case step == 3 && i%3 == 0:
					cmd = lead.Accept{Actor: "ana"}
				case step == 5 && i%4 == 1:
					cmd = lead.Pause{Actor: "mgr:ida", Reason: "leave", Until: mock.Now().Add(45 * time.Minute)}
				case step == 6 && i%5 == 2:
					cmd = lead.Reassign{Actor: "mgr:ida", To: "cy"}
				case step > 8 && step%6 == i%6 && i%3 == 0:
					cmd = lead.Touch{Actor: "ana", Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}
				}
				if cmd != nil {
					_, _ = e.Execute(ctx, id, cmd)
				}
			}
		}
		for i, id := range ids {
			h, err := e.History(ctx, id)
			must(t, err)
			for _, ev := range h {
				out[i] = append(out[i], fmt.Sprintf("%T %+v", ev, ev))
			}
		}
		return out
	}
	batched := histories(eventstore.NewMemory())
	single := histories(plainStore{eventstore.NewMemory()})
	marks := 0
	for i := range single {
		a, b := batched[i], single[i]
		for k := range max(len(a), len(b)) {
			var x, y string
			if k < len(a) {
				x = a[k]
			}
			if k < len(b) {
				y = b[k]
			}
			if x != y {
				t.Fatalf("lead %d, version %d:\nfrom the schedule: %s\nfrom the state:    %s", i, k+1, x, y)
			}
		}
		for _, s := range a {
			if len(s) > 18 && (s[:18] == "lead.DeadlineWarne" || s[:18] == "lead.DeadlineBreac") {
				marks++
			}
		}
	}
	if marks == 0 {
		t.Fatal("no warning or breach recorded")
	}
}
