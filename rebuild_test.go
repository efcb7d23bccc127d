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

// An Engine that rebuilt from the store, with a cache of any size, holds
// for each lead the State a replay of its history builds, deeply equal,
// before and after commands touch the leads from several goroutines; the
// States it handed out before stay as they were.
func TestRebuiltEngineHoldsWhatReplayBuilds(t *testing.T) {
	ctx := context.Background()
	p := sla.Policy{Version: 1, Warnings: []float64{0.5}, Accept: sla.Rule{Within: time.Hour}, Cadence: sla.Cadence{Touches: 20, Within: 48 * time.Hour}}
	for _, size := range []int{0, 1, 3, 100} {
		t.Run(fmt.Sprintf("cache %d", size), func(t *testing.T) {
			store := eventstore.NewMemory()
			mock := clock.NewMock(monday)
			w, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p))
			must(t, err)
			ids := make([]lead.ID, 10)
			for i := range ids {
				ids[i] = accepted(t, w, "ana")
				for j := range i {
					mock.Add(time.Minute)
					o := lead.OutcomeNoAnswer
					if j%4 == 3 {
						o = lead.OutcomeConnected
					}
					must(t, run(w, ctx, ids[i], lead.Touch{Actor: "ana", Channel: lead.ChannelPhone, Outcome: o}))
				}
			}
			e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithCacheSize(size))
			must(t, err)
			_, err = e.Rebuild(ctx)
			must(t, err)
			check := func() []lead.State {
				var out []lead.State
				for _, id := range ids {
					h, err := e.History(ctx, id)
					must(t, err)
					got, err := e.Lead(ctx, id)
					must(t, err)
					if want := lead.Replay(h); !reflect.DeepEqual(got, want) {
						t.Fatalf("lead %s: the Engine holds\n%+v\nReplay builds\n%+v", id, got, want)
					}
					out = append(out, got)
				}
				return out
			}
			before := check()
			snaps := make([]lead.State, len(before))
			for i, s := range before {
				snaps[i] = s.Clone()
			}
			var wg sync.WaitGroup
			for g := range 3 {
				wg.Go(func() {
					for k := range 10 {
						id := ids[(g*3+k)%len(ids)]
						if _, err := e.Execute(ctx, id, lead.Touch{Actor: "ana", Channel: lead.ChannelEmail, Outcome: lead.OutcomeNoAnswer}); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			check()
			for i := range before {
				if !reflect.DeepEqual(before[i], snaps[i]) {
					t.Fatalf("lead %s: a State handed out changed afterwards", ids[i])
				}
			}
		})
	}
}
