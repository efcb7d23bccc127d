package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var concurrencyTests = []subtest{
	{"ContendedStreamKeepsEveryAppendOnceAtContiguousVersions", testContendedStream},
	{"ParallelStreamsGetDistinctPositions", testParallelStreams},
}

const (
	writers   = 8
	perWriter = 25
)

// testContendedStream has writers append to one stream the way the Engine
// does: with the version they last saw, reloading and retrying on conflict.
func testContendedStream(t *testing.T, s eventstore.Store) {
	ctx := testContext(t)
	const stream = "contended"
	var (
		mu  sync.Mutex
		won = make(map[string]uint64) // record ID -> version its append returned
		by  = make(map[uint64]string) // version -> record ID whose append returned it
		wg  sync.WaitGroup
	)
	ids := make([][]string, writers)
	for w := range writers {
		ids[w] = make([]string, perWriter)
		for i := range perWriter {
			ids[w][i] = newID(fmt.Sprintf("w%d-%d", w, i))
		}
	}
	for w := range writers {
		wg.Go(func() {
			var seen uint64 // the stream's version as this writer last saw it
			for i := range perWriter {
				r := eventstore.Record{ID: ids[w][i], Type: "Contended", Data: fmt.Appendf(nil, "writer %d event %d", w, i)}
				for {
					v, err := s.Append(ctx, stream, seen, r)
					if err == nil {
						if v != seen+1 {
							t.Errorf("writer %d: Append at expected %d returned version %d, want %d", w, seen, v, seen+1)
							return
						}
						mu.Lock()
						if other, dup := by[v]; dup {
							t.Errorf("writer %d: Append of %q returned version %d, which the append of %q returned too", w, r.ID, v, other)
						}
						by[v], won[r.ID] = r.ID, v
						mu.Unlock()
						seen = v
						break
					}
					if !errors.Is(err, eventstore.ErrConflict) {
						t.Errorf("writer %d: Append at expected %d: %v", w, seen, err)
						return
					}
					newer, err := s.Load(ctx, stream, seen+1)
					if err != nil {
						t.Errorf("writer %d: Load after a conflict: %v", w, err)
						return
					}
					if len(newer) == 0 {
						t.Errorf("writer %d: Append at expected %d conflicted, but Load shows no record after version %d", w, seen, seen)
						return
					}
					seen = newer[len(newer)-1].Version
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	const total = writers * perWriter
	if len(won) != total {
		t.Fatalf("%d appends succeeded, want %d", len(won), total)
	}
	got := mustLoad(t, s, stream, 0)
	if len(got) != total {
		t.Fatalf("stream holds %d records after %d writers appended %d each, want %d", len(got), writers, perWriter, total)
	}
	stored := make(map[string]bool, total)
	for i, r := range got {
		if r.Version != uint64(i)+1 {
			t.Fatalf("record %d has version %d; versions must run 1..%d without gaps", i, r.Version, total)
		}
		if i > 0 && r.Position <= got[i-1].Position {
			t.Fatalf("record %d has Position %d, not after the previous record's %d", i, r.Position, got[i-1].Position)
		}
		if stored[r.ID] {
			t.Fatalf("record ID %q is stored twice", r.ID)
		}
		stored[r.ID] = true
		if v, ok := won[r.ID]; !ok || v != r.Version {
			t.Fatalf("record %q is stored at version %d, but its append returned %d (ok %v)", r.ID, r.Version, v, ok)
		}
	}
	// Each writer's records are in the order it appended them.
	for w := range writers {
		for i := 1; i < perWriter; i++ {
			if won[ids[w][i]] <= won[ids[w][i-1]] {
				t.Fatalf("writer %d: event %d is at version %d, before its event %d at %d", w, i, won[ids[w][i]], i-1, won[ids[w][i-1]])
			}
		}
	}
	checkRecords(t, "Read against Load", mustRead(t, s, 0, 0), got)
}

// testParallelStreams has writers append to their own streams at once.
func testParallelStreams(t *testing.T, s eventstore.Store) {
	ctx := testContext(t)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("lead-%d", w)
			for i := range perWriter {
				v, err := s.Append(ctx, stream, uint64(i), rec("Parallel", fmt.Sprintf("%d/%d", w, i)))
				if err != nil || v != uint64(i)+1 {
					t.Errorf("Append(%q, expected %d) = (%d, %v), want (%d, nil): no one else writes this stream", stream, i, v, err, i+1)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := mustRead(t, s, 0, 0)
	if len(all) != writers*perWriter {
		t.Fatalf("Read returned %d records, want %d", len(all), writers*perWriter)
	}
	checkGlobalOrder(t, "Read", all)
	for w := range writers {
		stream := fmt.Sprintf("lead-%d", w)
		checkRecords(t, "Load("+stream+") against Read", mustLoad(t, s, stream, 0), streamOf(all, stream))
	}
}
