package leadline_test

import (
	"context"
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

// An Engine on JetStream restarts from a checkpoint in a key-value
// bucket: it reads only the stream's records after it, and each due
// warning and breach step is still recorded exactly once.
func TestRestartFromJetStreamCheckpointRecordsEachBreachStepOnce(t *testing.T) {
	ctx := context.Background()
	srv := natstest.RunServer(t)
	mock := clock.NewMock(monday)
	engine := func(reads *readLog) *leadline.Engine {
		_, js := natstest.Connect(t, srv.ClientURL())
		store, err := natsjs.New(ctx, js, natsjs.WithStream("CHECKPOINTED"))
		must(t, err)
		cp, err := natsjs.NewCheckpoints(ctx, js, "", "engine")
		must(t, err)
		reads.Store = store
		e, err := leadline.New(reads, leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(t)), leadline.WithCheckpoints(cp, 0))
		must(t, err)
		_, err = e.Rebuild(ctx)
		must(t, err)
		return e
	}
	firstReads := &readLog{}
	first := engine(firstReads)
	var ids []lead.ID
	for i := range 8 {
		if i%2 == 0 {
			ids = append(ids, handedOff(t, first, "ana"))
		} else {
			ids = append(ids, accepted(t, first, "ben"))
		}
	}
	advance(t, first, mock, 5*time.Hour)
	_, err := first.Rebuild(ctx)
	must(t, err)
	must(t, first.Checkpoint(ctx))
	reads := &readLog{}
	at := lastPosition(t, firstReads.Store)
	ids = append(ids, handedOff(t, first, "ana")) // after the checkpoint
	second := engine(reads)
	if reads.lowest() < at {
		t.Fatalf("the Engine read from position %d; the checkpoint covers up to %d", reads.lowest(), at)
	}
	for range 12 {
		advance(t, second, mock, 12*time.Hour)
	}
	requireOnce(t, breachCounts(t, reads.Store), 2*len(ids))
	for _, id := range ids {
		if st := stage(t, second, id); st != lead.StageNurturing {
			t.Fatalf("lead %s is %s after six days, want Nurturing", id, st)
		}
	}
}
