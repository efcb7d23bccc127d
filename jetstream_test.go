package leadline_test

import (
	"context"
	"testing"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

// Two Engines, each with its own connection and store as two processes
// would have, share one JetStream stream: commands are interleaved over
// both, both run the SLA, and every due warning and breach step is
// recorded exactly once.
func TestTwoEnginesOnJetStreamRecordEachBreachStepExactlyOnce(t *testing.T) {
	ctx := context.Background()
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
	ids := raceEngines(t, mock, engines, 12)
	requireOnce(t, breachCounts(t, stores[0]), 2*len(ids))
	requireReturned(t, engines, ids)
}
