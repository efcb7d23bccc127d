package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

// optional returns s as T, an optional interface of a Store, skipping the
// test for a store that does not implement it.
func optional[T any](t *testing.T, s eventstore.Store) T {
	t.Helper()
	v, ok := s.(T)
	if !ok {
		t.Skipf("the store does not implement %v", reflect.TypeFor[T]())
	}
	return v
}

var batchTests = []subtest{
	{"EachAppendIsWhatAppendWouldReturn", testBatchResults},
	{"AFailingAppendStopsNoOther", testBatchIndependent},
	{"RetryOfABatchWritesNothingTwice", testBatchRetry},
}

func testBatchResults(t *testing.T, s eventstore.Store) {
	b := optional[eventstore.BatchAppender](t, s)
	mustAppend(t, s, "old", 0, recs("A", 2)...)
	var appends []eventstore.Append
	for i := range 20 {
		appends = append(appends, eventstore.Append{Stream: fmt.Sprintf("lead-%d", i), Records: recs("Captured", 1+i%3)})
	}
	appends = append(appends, eventstore.Append{Stream: "old", Expected: 2, Records: recs("B", 1)})
	res := b.AppendBatch(testContext(t), appends)
	if len(res) != len(appends) {
		t.Fatalf("AppendBatch returned %d results for %d appends", len(res), len(appends))
	}
	for i, a := range appends {
		if res[i].Err != nil || res[i].Version != a.Expected+uint64(len(a.Records)) {
			t.Fatalf("append %d (%s): result %+v, want version %d", i, a.Stream, res[i], a.Expected+uint64(len(a.Records)))
		}
		got := mustLoad(t, s, a.Stream, a.Expected+1)
		checkAppended(t, "Load after AppendBatch of "+a.Stream, got, a.Stream, a.Expected+1, a.Records)
	}
	checkGlobalOrder(t, "Read after AppendBatch", mustRead(t, s, 0, 0))
}

func testBatchIndependent(t *testing.T, s eventstore.Store) {
	b := optional[eventstore.BatchAppender](t, s)
	mustAppend(t, s, "taken", 0, recs("A", 1)...)
	good1, good2 := recs("G", 2), recs("G", 1)
	res := b.AppendBatch(testContext(t), []eventstore.Append{
		{Stream: "good-1", Records: good1},
		{Stream: "taken", Expected: 0, Records: recs("X", 1)}, // stale
		{Stream: "bad.name", Records: recs("X", 1)},
		{Stream: "good-2", Records: good2},
	})
	if res[1].Err == nil || !errors.Is(res[1].Err, eventstore.ErrConflict) {
		t.Fatalf("stale append in a batch: %+v, want ErrConflict", res[1])
	}
	if !errors.Is(res[2].Err, eventstore.ErrInvalid) {
		t.Fatalf("append to a bad stream name in a batch: %+v, want ErrInvalid", res[2])
	}
	if res[0].Err != nil || res[3].Err != nil {
		t.Fatalf("good appends beside failing ones: %+v and %+v", res[0], res[3])
	}
	checkAppended(t, "good-1", mustLoad(t, s, "good-1", 0), "good-1", 1, good1)
	checkAppended(t, "good-2", mustLoad(t, s, "good-2", 0), "good-2", 1, good2)
	if got := mustLoad(t, s, "taken", 0); len(got) != 1 {
		t.Fatalf("stale append in a batch wrote: stream holds %d records", len(got))
	}
}

func testBatchRetry(t *testing.T, s eventstore.Store) {
	b := optional[eventstore.BatchAppender](t, s)
	appends := []eventstore.Append{
		{Stream: "lead-1", Records: recs("Captured", 2)},
		{Stream: "lead-2", Records: recs("Captured", 1)},
	}
	first := b.AppendBatch(testContext(t), appends)
	before := mustRead(t, s, 0, 0)
	again := b.AppendBatch(testContext(t), appends)
	for i := range appends {
		if first[i].Err != nil || again[i] != first[i] {
			t.Fatalf("append %d: first %+v, retry %+v; want the same version and no error", i, first[i], again[i])
		}
	}
	checkRecords(t, "Read after a retried batch", mustRead(t, s, 0, 0), before)
}
