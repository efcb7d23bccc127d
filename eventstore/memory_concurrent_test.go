package eventstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

// reviewName is a valid stream name of odd shape and length (1 to
// MaxStreamLen bytes), distinct for each i.
func reviewName(i int) string {
	base := fmt.Sprintf("s-%d_", i)
	switch i % 4 {
	case 0:
		return base
	case 1:
		return base + strings.Repeat("x", eventstore.MaxStreamLen-len(base))
	case 2:
		return strings.Repeat("_", 7) + base + "-"
	default:
		return base + strings.Repeat("9", i%(eventstore.MaxStreamLen-len(base)))
	}
}

// Writers append to many streams at once, some through AppendBatch, while
// readers Load, Read and Subscribe: every stream ends with its records in
// order, byte for byte, none lost or twice; a retry by record ID of any
// earlier append, long after its stream grew, is recognised and adds
// nothing (run with -race).
func TestMemoryConcurrentAppendsReadsAndRetriesAcrossManyStreams(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	const writers, streams, perStream = 4, 300, 40 // past the ID scan and first index sizes
	id := func(s, v int) string { return fmt.Sprintf("%s/rec-%d", strings.Repeat("i", s%90), v) }
	data := func(s, v int) []byte {
		return bytes.Repeat([]byte{byte(s), byte(v)}, 1+(s*v)%300)
	}
	subCtx, stop := context.WithCancel(ctx)
	var subErr error
	var seen int
	subDone := make(chan struct{})
	go func() {
		defer close(subDone)
		var last uint64
		subErr = m.Subscribe(subCtx, 1, func(r eventstore.Record) error {
			if r.Position != last+1 {
				return fmt.Errorf("position %d after %d", r.Position, last)
			}
			last = r.Position
			seen++
			if seen == streams*perStream {
				return errSeenAll
			}
			return nil
		})
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for v := 1; v <= perStream; v++ {
				var batch []eventstore.Append
				for s := w; s < streams; s += writers {
					rec := eventstore.Record{ID: id(s, v), Type: "T" + fmt.Sprint(s%3), Data: data(s, v)}
					if s%2 == 0 {
						batch = append(batch, eventstore.Append{Stream: reviewName(s), Expected: uint64(v - 1), Records: []eventstore.Record{rec}})
						continue
					}
					if got, err := m.Append(ctx, reviewName(s), uint64(v-1), rec); err != nil || got != uint64(v) {
						t.Errorf("Append %d to %s = %d, %v", v, reviewName(s), got, err)
						return
					}
					// A retry of an earlier append of the stream.
					old := 1 + (v*7+s)%v
					r := eventstore.Record{ID: id(s, old), Type: "T" + fmt.Sprint(s%3), Data: data(s, old)}
					if got, err := m.Append(ctx, reviewName(s), uint64(old-1), r); err != nil || got != uint64(old) {
						t.Errorf("retry of version %d of %s = %d, %v", old, reviewName(s), got, err)
						return
					}
				}
				for i, r := range m.AppendBatch(ctx, batch) {
					if r.Err != nil || r.Version != uint64(v) {
						t.Errorf("batch append %d to %s = %d, %v", v, batch[i].Stream, r.Version, r.Err)
						return
					}
				}
			}
		})
		wg.Go(func() {
			for k := range 200 {
				s := (k*31 + w) % streams
				recs, err := m.Load(ctx, reviewName(s), 1)
				if err != nil {
					t.Error(err)
					return
				}
				for i, r := range recs {
					if r.ID != id(s, i+1) || !bytes.Equal(r.Data, data(s, i+1)) || r.Version != uint64(i+1) || r.Stream != reviewName(s) {
						t.Errorf("Load of %s: record %d is %s v%d", reviewName(s), i+1, r.ID, r.Version)
						return
					}
				}
				if _, err := m.Read(ctx, uint64(k*10), 50); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for s := range streams {
		recs, err := m.Load(ctx, reviewName(s), 0)
		if err != nil || len(recs) != perStream {
			t.Fatalf("Load(%s) = %d records, %v; want %d", reviewName(s), len(recs), err, perStream)
		}
		for i, r := range recs {
			if r.ID != id(s, i+1) || !bytes.Equal(r.Data, data(s, i+1)) || r.Type != "T"+fmt.Sprint(s%3) {
				t.Fatalf("%s version %d: got %s %s", reviewName(s), i+1, r.ID, r.Type)
			}
		}
		// Retries of the first and the last append, and an append that
		// reuses an old ID with another record first, after the growth.
		for _, v := range []int{1, perStream / 2, perStream} {
			got, err := m.Append(ctx, reviewName(s), uint64(v-1), eventstore.Record{ID: id(s, v), Type: "T0", Data: data(s, v)})
			if err != nil || got != uint64(v) {
				t.Fatalf("retry of version %d of %s = %d, %v", v, reviewName(s), got, err)
			}
		}
		_, err = m.Append(ctx, reviewName(s), perStream, eventstore.Record{ID: "fresh", Type: "T0"}, eventstore.Record{ID: id(s, 3), Type: "T0"})
		if !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("an append reusing an ID of %s deep in it = %v, want ErrInvalid", reviewName(s), err)
		}
		if m.Version(reviewName(s)) != perStream {
			t.Fatalf("%s at version %d after retries, want %d", reviewName(s), m.Version(reviewName(s)), perStream)
		}
	}
	all, err := m.Read(ctx, 1, 0)
	if err != nil || len(all) != streams*perStream {
		t.Fatalf("Read = %d records, %v; want %d", len(all), err, streams*perStream)
	}
	// The subscriber sees every record once, in order, and stops.
	<-subDone
	stop()
	if !errors.Is(subErr, errSeenAll) {
		t.Fatalf("the subscriber stopped with %v after %d records of %d", subErr, seen, len(all))
	}
}

var errSeenAll = errors.New("seen all")
