package natsjs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

func TestAppendBatchReturnsWhatAppendWould(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	s := newStore(t, js)
	if _, err := s.Append(ctx, "known", 0, newRec("Captured", "{}")); err != nil {
		t.Fatal(err)
	}
	retry := newRec("Captured", "{}")
	if _, err := s.Append(ctx, "retried", 0, retry); err != nil {
		t.Fatal(err)
	}
	var appends []eventstore.Append
	for i := range 300 {
		appends = append(appends, eventstore.Append{Stream: fmt.Sprintf("new-%d", i), Records: []eventstore.Record{newRec("Captured", "{}")}})
	}
	appends = append(appends,
		eventstore.Append{Stream: "known", Expected: 1, Records: []eventstore.Record{newRec("Touched", "{}"), newRec("Touched", "{}")}},
		eventstore.Append{Stream: "known", Expected: 3, Records: []eventstore.Record{newRec("Touched", "{}")}}, // same stream again
		eventstore.Append{Stream: "known", Expected: 1, Records: []eventstore.Record{newRec("Touched", "{}")}}, // stale
		eventstore.Append{Stream: "retried", Expected: 0, Records: []eventstore.Record{retry}},
		eventstore.Append{Stream: "bad.name", Records: []eventstore.Record{newRec("Captured", "{}")}},
	)
	res := s.AppendBatch(ctx, appends)
	n := len(appends)
	for i, r := range res[:300] {
		if r.Err != nil || r.Version != 1 {
			t.Fatalf("append %d: %+v, want version 1", i, r)
		}
	}
	want := []struct {
		version uint64
		err     error
	}{{3, nil}, {4, nil}, {0, eventstore.ErrConflict}, {1, nil}, {0, eventstore.ErrInvalid}}
	for i, w := range want {
		r := res[n-len(want)+i]
		if r.Version != w.version || (w.err == nil) != (r.Err == nil) || (w.err != nil && !errors.Is(r.Err, w.err)) {
			t.Fatalf("append %d: (%d, %v), want (%d, %v)", n-len(want)+i, r.Version, r.Err, w.version, w.err)
		}
	}
	all, err := s.Read(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2+300+3 {
		t.Fatalf("store holds %d records, want %d", len(all), 2+300+3)
	}
}
