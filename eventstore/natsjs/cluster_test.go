package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

// TestClusterKeepsEveryAcknowledgedAppendOnceAcrossNodeRestarts appends
// continuously to a replicas-3 stream while one node, then the stream's
// leader, is shut down and restarted. Appends that fail are retried with
// the same record IDs, as the Engine does. Afterwards every acknowledged
// record is stored exactly once, and Load and Read agree.
func TestClusterKeepsEveryAcknowledgedAppendOnceAcrossNodeRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	c := natstest.RunCluster(t, 3)
	_, js := natstest.Connect(t, c.ClientURLs(), nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := natsjs.New(ctx, js, natsjs.WithReplicas(3), natsjs.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	leader := c.WaitForStreamLeader(s.StreamName())

	const leads = 8
	var (
		acked    atomic.Int64
		mu       sync.Mutex
		ackedIDs = map[string]bool{}
		failed   = map[string]bool{} // appends that returned an error at least once
		stop     = make(chan struct{})
		done     = make(chan error, 1)
	)
	go func() {
		versions := make([]uint64, leads)
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			l := i % leads
			stream := fmt.Sprintf("lead-%d", l)
			// Every third append is a two-record batch.
			recs := []eventstore.Record{newRec("Touched", fmt.Sprint(i))}
			if i%3 == 0 {
				recs = append(recs, newRec("Scored", fmt.Sprint(i)))
			}
			for attempt := 0; ; attempt++ {
				actx, cancel := context.WithTimeout(ctx, 2*time.Second)
				v, err := s.Append(actx, stream, versions[l], recs...)
				cancel()
				if err == nil {
					versions[l] = v
					mu.Lock()
					for _, r := range recs {
						ackedIDs[r.ID] = true
					}
					mu.Unlock()
					acked.Add(1)
					break
				}
				if ctx.Err() != nil {
					done <- fmt.Errorf("appending %s: %w", stream, err)
					return
				}
				var conflict *eventstore.ConflictError
				if errors.As(err, &conflict) {
					versions[l] = conflict.Actual
					continue
				}
				mu.Lock()
				for _, r := range recs {
					failed[r.ID] = true
				}
				mu.Unlock()
				time.Sleep(20 * time.Millisecond) // bounded by ctx above
				if recs, err := s.Load(actx, stream, 0); err == nil {
					versions[l] = uint64(len(recs))
				}
			}
		}
	}()
	waitAcked := func(n int64) {
		t.Helper()
		target := acked.Load() + n
		for acked.Load() < target {
			if ctx.Err() != nil {
				t.Fatalf("appends stalled at %d acknowledged, want %d", acked.Load(), target)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	waitAcked(50)
	follower := (leader + 1) % c.Size()
	c.Shutdown(follower)
	waitAcked(50)
	c.Restart(follower)
	waitAcked(50)
	leader = c.WaitForStreamLeader(s.StreamName())
	c.Shutdown(leader)
	waitAcked(50)
	c.Restart(leader)
	waitAcked(50)
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.WaitForCurrent()

	all, err := s.Read(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var loaded []eventstore.Record
	for l := range leads {
		recs, err := s.Load(ctx, fmt.Sprintf("lead-%d", l), 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if r.Version != uint64(i)+1 {
				t.Fatalf("%s: record %d has version %d", r.Stream, i, r.Version)
			}
			seen[r.ID]++
		}
		loaded = append(loaded, recs...)
	}
	if len(loaded) != len(all) {
		t.Fatalf("Load found %d records, Read %d", len(loaded), len(all))
	}
	for _, r := range all {
		if seen[r.ID] != 1 {
			t.Fatalf("record %s (%s v%d) is stored %d times", r.ID, r.Stream, r.Version, seen[r.ID])
		}
	}
	for id := range ackedIDs {
		if seen[id] != 1 {
			t.Fatalf("acknowledged record %s is stored %d times", id, seen[id])
		}
	}
	t.Logf("%d appends acknowledged (%d records), %d records saw an error first", acked.Load(), len(ackedIDs), len(failed))
}
