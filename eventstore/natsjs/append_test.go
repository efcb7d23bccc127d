package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

// Many appends at once, some of them given up part way (their context
// ends while they wait), each to one of a few shared streams: every
// append that returned a version finds its own record there (never
// another append's acknowledgement), and retrying every append by its
// record ID, whatever the first attempt returned, leaves each record in
// the stream exactly once.
func TestConcurrentAppendsSomeGivenUpKeepEachRecordOnce(t *testing.T) {
	js := runJS(t)
	s := newStore(t, js)
	ctx := testCtx(t)
	const goroutines, each, streams = 16, 15, 4
	type result struct {
		stream string
		rec    eventstore.Record
		v      uint64
		err    error
	}
	results := make([][]result, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				stream := fmt.Sprintf("lead-%d", (g+i)%streams)
				rec := newRec("Touched", fmt.Sprintf("g%d-i%d", g, i))
				actx, cancel := context.WithCancel(ctx)
				if i%3 == 2 {
					// Ends while the append is under way, or before.
					go cancel()
				}
				// Appends race for each stream: take its version as the
				// expected one, as a writer that just loaded it would.
				var v uint64
				var err error
				for range 50 {
					v, err = s.Append(actx, stream, versionOf(ctx, t, s, stream), rec)
					if err == nil || actx.Err() != nil || !isConflict(err) {
						break
					}
				}
				cancel()
				results[g] = append(results[g], result{stream, rec, v, err})
			}
		})
	}
	wg.Wait()
	load := func(stream string) map[string][]uint64 {
		recs, err := s.Load(ctx, stream, 1)
		if err != nil {
			t.Fatal(err)
		}
		at := map[string][]uint64{}
		for _, r := range recs {
			at[r.ID] = append(at[r.ID], r.Version)
		}
		return at
	}
	stored := map[string]map[string][]uint64{}
	for k := range streams {
		name := fmt.Sprintf("lead-%d", k)
		stored[name] = load(name)
	}
	for _, rs := range results {
		for _, r := range rs {
			if r.err != nil {
				continue
			}
			if vs := stored[r.stream][r.rec.ID]; len(vs) != 1 || vs[0] != r.v {
				t.Fatalf("an append to %s returned version %d; its record %s is at %v", r.stream, r.v, r.rec.ID, vs)
			}
		}
	}
	// Retry every append by its record ID until it lands or is found.
	for _, rs := range results {
		for _, r := range rs {
			var err error
			for range 50 {
				var v uint64
				v, err = s.Append(ctx, r.stream, versionOf(ctx, t, s, r.stream), r.rec)
				if err == nil {
					if r.err == nil && v != r.v {
						t.Fatalf("the retry of %s in %s returned version %d, the first attempt %d", r.rec.ID, r.stream, v, r.v)
					}
					break
				}
				if !isConflict(err) {
					break
				}
			}
			if err != nil {
				t.Fatalf("retry of %s in %s: %v", r.rec.ID, r.stream, err)
			}
		}
	}
	total := 0
	for k := range streams {
		name := fmt.Sprintf("lead-%d", k)
		for id, vs := range load(name) {
			if len(vs) != 1 {
				t.Fatalf("record %s is in %s %d times, at %v", id, name, len(vs), vs)
			}
			total++
		}
	}
	if total != goroutines*each {
		t.Fatalf("%d records stored, want %d", total, goroutines*each)
	}
}

func isConflict(err error) bool { return errors.Is(err, eventstore.ErrConflict) }

// versionOf is the version of stream as a Load reads it.
func versionOf(ctx context.Context, t *testing.T, s eventstore.Store, stream string) uint64 {
	recs, err := s.Load(ctx, stream, 1)
	if err != nil {
		t.Error(err)
		return 0
	}
	return uint64(len(recs))
}

// Appends under way when their connection closes return (an error that
// says the outcome is unknown or that retrying on this connection cannot
// help, or the version they got); retried on a new connection by record
// ID, each record is stored exactly once.
func TestAppendsWhenTheConnectionClosesLandOnceOnRetry(t *testing.T) {
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv.ClientURL())
	ctx := testCtx(t)
	opts := []natsjs.Option{natsjs.WithStream("CLOSING"), natsjs.WithSubjectPrefix("closing")}
	s, err := natsjs.New(ctx, js, opts...)
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, each = 8, 10
	recs := make([][]eventstore.Record, goroutines)
	errs := make(chan error, goroutines*each)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range goroutines {
		wg.Go(func() {
			<-start
			stream := fmt.Sprintf("lead-%d", g)
			for i := range each {
				rec := newRec("Touched", fmt.Sprintf("g%d-i%d", g, i))
				recs[g] = append(recs[g], rec)
				if _, err := s.Append(ctx, stream, uint64(i), rec); err != nil {
					errs <- err
					return // the rest of this stream waits for the retry
				}
			}
		})
	}
	close(start)
	nc.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, eventstore.ErrUnknownOutcome) && !errors.Is(err, eventstore.ErrPermanent) && !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("an append cut off by the connection closing returned %v", err)
		}
	}
	_, js2 := natstest.Connect(t, srv.ClientURL())
	s2, err := natsjs.New(ctx, js2, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for g := range goroutines {
		stream := fmt.Sprintf("lead-%d", g)
		for i, rec := range recs[g] {
			if _, err := s2.Append(ctx, stream, uint64(i), rec); err != nil {
				t.Fatalf("retry of %s version %d: %v", stream, i+1, err)
			}
		}
		got, err := s2.Load(ctx, stream, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recs[g]) {
			t.Fatalf("%s holds %d records after the retries, want %d", stream, len(got), len(recs[g]))
		}
		for i, r := range got {
			if r.ID != recs[g][i].ID {
				t.Fatalf("%s version %d is %s, want %s", stream, i+1, r.ID, recs[g][i].ID)
			}
		}
	}
}
