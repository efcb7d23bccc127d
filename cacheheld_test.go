package leadline_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Commands on a few leads race Ticks on the same leads, with caches of
// size 0, 1 and more: every SLA step is recorded once, every command
// once (its retry is recognised and adds nothing), and a State the Engine
// handed out never changes afterwards.
func TestCommandsRacingTicksRecordEachStepOnceAndLeaveHandedOutStatesAlone(t *testing.T) {
	for _, size := range []int{0, 1, 2, 64} {
		t.Run(fmt.Sprintf("cache %d", size), func(t *testing.T) {
			ctx := context.Background()
			store := eventstore.NewMemory()
			mock := clock.NewMock(monday)
			p := sla.Policy{Version: 1, Warnings: []float64{0.25, 0.5, 0.75},
				Accept:     sla.Rule{Within: time.Hour, Ladder: []sla.Step{{After: 0, Action: lead.ActionNotify}, {After: time.Hour, Action: lead.ActionNotify}}},
				FirstTouch: sla.Rule{Within: 2 * time.Hour},
				Cadence:    sla.Cadence{Touches: 30, Within: 8 * time.Hour},
			}
			e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithCacheSize(size))
			must(t, err)
			const leads = 6
			ids := make([]lead.ID, leads)
			for i := range ids {
				if i%2 == 0 {
					ids[i] = accepted(t, e, "ana")
				} else {
					ids[i] = handedOff(t, e, "ana")
				}
			}
			type handed struct {
				got, snap lead.State
			}
			var mu sync.Mutex
			var out []handed
			var wg sync.WaitGroup
			for g, id := range ids {
				wg.Go(func() {
					for j := range 20 {
						cmd := fmt.Sprintf("touch-%d-%d", g, j)
						touch := lead.Touch{Actor: "ana", Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}
						first, err := e.Execute(ctx, id, touch, leadline.CommandID(cmd))
						if err != nil {
							// A handed-off lead cannot be touched before
							// it is accepted: only its reads matter.
							first = nil
						}
						again, err := e.Execute(ctx, id, touch, leadline.CommandID(cmd))
						if err == nil && len(again) != len(first) {
							t.Errorf("retry of %s returned %d events, the first run %d", cmd, len(again), len(first))
						}
						s, err := e.Lead(ctx, id)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						out = append(out, handed{s, s.Clone()})
						mu.Unlock()
					}
				})
			}
			wg.Go(func() {
				for range 40 {
					mock.Add(5 * time.Minute)
					if _, err := e.Tick(ctx); err != nil {
						t.Error(err)
					}
				}
			})
			wg.Wait()
			for _, h := range out {
				if !reflect.DeepEqual(h.got, h.snap) {
					t.Fatalf("a State handed out at version %d changed afterwards:\n%+v\nwas\n%+v", h.snap.Version, h.got, h.snap)
				}
			}
			var slaSteps, touches int
			for _, id := range ids {
				history, err := e.History(ctx, id)
				must(t, err)
				steps := map[string]int{}
				for _, ev := range history {
					switch ev := ev.(type) {
					case lead.DeadlineWarned:
						steps[fmt.Sprintf("warn %s %v", ev.Deadline, ev.Fraction)]++
					case lead.DeadlineBreached:
						steps[fmt.Sprintf("breach %s %d", ev.Deadline, ev.Step)]++
					case lead.Touched:
						steps["touch "+ev.Command]++
					}
				}
				for k := range steps {
					if k[:5] == "touch" {
						touches++
					} else {
						slaSteps++
					}
				}
				for k, n := range steps {
					if n != 1 {
						t.Errorf("lead %s: %s recorded %d times", id, k, n)
					}
				}
				want := lead.Replay(history)
				got, err := e.Lead(ctx, id)
				must(t, err)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("lead %s: the Engine holds\n%+v\nthe store replays to\n%+v", id, got, want)
				}
			}
			if slaSteps == 0 || touches == 0 {
				t.Fatalf("%d SLA steps and %d touches recorded: the race was not run", slaSteps, touches)
			}
		})
	}
}
