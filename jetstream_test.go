package leadline_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
	"github.com/leadline/leadline/lead"
)

// Two Engines, each with its own connection and store as two processes
// would have, share one JetStream stream: commands are interleaved over
// both, both run the SLA, and every due warning and breach step is
// recorded exactly once.
func TestTwoEnginesOnJetStreamRecordEachBreachStepExactlyOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := natstest.RunServer(t)
	mock := clock.NewMock(monday)
	var engines []*leadline.Engine
	var stores []*natsjs.Store
	for range 2 {
		_, js := natstest.Connect(t, srv.ClientURL())
		store, err := natsjs.New(ctx, js, natsjs.WithStream("TWOENGINES"))
		must(t, err)
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(t)))
		must(t, err)
		engines = append(engines, e)
		stores = append(stores, store)
	}
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Run(ctx); err != context.Canceled {
				t.Errorf("Run returned %v", err)
			}
		}()
	}
	var ids []lead.ID
	for i := range 12 {
		e := engines[i%2]
		if i%3 == 0 {
			ids = append(ids, accepted(t, e, "ana"))
		} else {
			ids = append(ids, handedOff(t, e, "ben"))
		}
	}
	for range 40 {
		mock.Add(3 * time.Hour)
		var tw sync.WaitGroup
		for _, e := range engines {
			tw.Add(1)
			go func() {
				defer tw.Done()
				if _, err := e.Tick(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		tw.Wait()
	}
	cancel()
	wg.Wait()
	requireOnce(t, breachCounts(t, stores[0]), 2*len(ids))
	for _, id := range ids {
		for i, e := range engines {
			if st := stage(t, e, id); st != lead.StageNurturing {
				t.Fatalf("engine %d sees lead %s in %s after five days, want Nurturing", i, id, st)
			}
		}
	}
}
