package eventstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) eventstore.Store { return eventstore.NewMemory() })
}

func TestMemoryVersionFollowsAppendsOfItsStreamOnly(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	if v := m.Version("lead-1"); v != 0 {
		t.Fatalf("Version of a missing stream = %d, want 0", v)
	}
	if _, err := m.Append(ctx, "lead-1", 0, rec("a"), rec("b")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Append(ctx, "lead-2", 0, rec("c")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Append(ctx, "lead-1", 1, rec("d")); !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("stale append returned %v, want ErrConflict", err)
	}
	if v := m.Version("lead-1"); v != 2 {
		t.Fatalf("Version(lead-1) = %d, want 2", v)
	}
	if v := m.Version("lead-2"); v != 1 {
		t.Fatalf("Version(lead-2) = %d, want 1", v)
	}
}

func TestMemoryKeepsRecordIDsPerStream(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	if _, err := m.Append(ctx, "lead-1", 0, rec("a")); err != nil {
		t.Fatal(err)
	}
	// The contract recognises a retry by its own stream holding the ID;
	// another stream's record with that ID is another record.
	if v, err := m.Append(ctx, "lead-2", 0, rec("a")); err != nil || v != 1 {
		t.Fatalf("append of an ID that lead-1 holds to lead-2 returned (%d, %v), want (1, nil)", v, err)
	}
	if v, err := m.Append(ctx, "lead-2", 0, rec("a")); err != nil || v != 1 {
		t.Fatalf("retry of lead-2's append returned (%d, %v), want (1, nil)", v, err)
	}
	if v := m.Version("lead-1"); v != 1 {
		t.Fatalf("Version(lead-1) = %d, want 1", v)
	}
}

// A long stream looks its IDs up in an index instead of scanning them:
// retries and reused IDs are found in every part of it.
func TestMemoryFindsRecordIDsAnywhereInALongStream(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	const n = 1000
	for v := range uint64(n) {
		if _, err := m.Append(ctx, "lead-1", v, rec(fmt.Sprintf("e%d", v))); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []int{0, 31, 32, 33, 64, 127, 128, 129, 500, n - 1} {
		if got, err := m.Append(ctx, "lead-1", 0, rec(fmt.Sprintf("e%d", v))); err != nil || got != uint64(v+1) {
			t.Fatalf("retry of the append of version %d returned (%d, %v), want (%d, nil)", v+1, got, err, v+1)
		}
		if _, err := m.Append(ctx, "lead-1", n, rec("new"), rec(fmt.Sprintf("e%d", v))); !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("append reusing the ID of version %d returned %v, want ErrInvalid", v+1, err)
		}
	}
	if v := m.Version("lead-1"); v != n {
		t.Fatalf("Version(lead-1) = %d, want %d", v, n)
	}
}

func TestMemoryRefusesDuplicateIDsInOneAppend(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	if _, err := m.Append(ctx, "lead-1", 0, rec("a")); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]eventstore.Record{
		{rec("b"), rec("b")},
		{rec("c"), rec("a")},
	} {
		if _, err := m.Append(ctx, "lead-1", 1, batch...); !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("append of IDs %q, %q returned %v, want ErrInvalid", batch[0].ID, batch[1].ID, err)
		}
	}
	if v := m.Version("lead-1"); v != 1 {
		t.Fatalf("Version(lead-1) = %d after refused appends, want 1", v)
	}
}

func rec(id string) eventstore.Record {
	return eventstore.Record{ID: id, Type: "Test", Data: []byte(id)}
}

// Streams made one after another share blocks of the store's memory;
// growing one must never reach into another's records.
func TestMemoryStreamsGrownInTurnKeepTheirOwnRecords(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	const streams, perStream = 300, 10
	for v := range perStream {
		for s := range streams {
			if _, err := m.Append(ctx, fmt.Sprintf("lead-%d", s), uint64(v), rec(fmt.Sprintf("s%d-e%d", s, v))); err != nil {
				t.Fatal(err)
			}
		}
	}
	for s := range streams {
		recs, err := m.Load(ctx, fmt.Sprintf("lead-%d", s), 1)
		if err != nil || len(recs) != perStream {
			t.Fatalf("Load(lead-%d) = %d records, %v; want %d", s, len(recs), err, perStream)
		}
		for v, r := range recs {
			if want := fmt.Sprintf("s%d-e%d", s, v); r.ID != want || string(r.Data) != want || r.Version != uint64(v+1) || r.Stream != fmt.Sprintf("lead-%d", s) {
				t.Fatalf("lead-%d version %d is %+v, want ID and Data %q", s, v+1, r, want)
			}
		}
	}
}

// Records too large to share the store's blocks get blocks of their own;
// they and the small records around them read back byte for byte.
func TestMemoryKeepsLargeAndSmallRecordsByteForByte(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	var want []eventstore.Record
	for i, size := range []int{10, 40 << 10, 0, eventstore.MaxDataLen, 300} {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(i + j*7)
		}
		r := eventstore.Record{ID: fmt.Sprintf("r%d", i), Type: "Test", Data: data}
		if _, err := m.Append(ctx, "lead-1", uint64(i), r); err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	got, err := m.Load(ctx, "lead-1", 1)
	if err != nil || len(got) != len(want) {
		t.Fatalf("Load = %d records, %v; want %d", len(got), err, len(want))
	}
	for i, r := range got {
		if r.ID != want[i].ID || r.Type != want[i].Type || !bytes.Equal(r.Data, want[i].Data) || r.Version != uint64(i+1) {
			t.Fatalf("record %d is %s %s (%d bytes), want %s %s (%d bytes)", i+1, r.ID, r.Type, len(r.Data), want[i].ID, want[i].Type, len(want[i].Data))
		}
	}
}

// Streams are found by name in a table that grows as streams are made;
// every stream, made before or after a growth, is found with its own
// records, and a name never appended to is not found.
func TestMemoryFindsEveryStreamAmongManyByName(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	const streams = 20_000
	for s := range streams {
		if _, err := m.Append(ctx, fmt.Sprintf("lead-%d", s), 0, rec(fmt.Sprintf("s%d", s))); err != nil {
			t.Fatal(err)
		}
	}
	for s := range streams {
		name := fmt.Sprintf("lead-%d", s)
		recs, err := m.Load(ctx, name, 1)
		if err != nil || len(recs) != 1 || recs[0].ID != fmt.Sprintf("s%d", s) || recs[0].Stream != name {
			t.Fatalf("Load(%s) = %+v, %v; want its one record s%d", name, recs, err, s)
		}
		if v := m.Version(name); v != 1 {
			t.Fatalf("Version(%s) = %d, want 1", name, v)
		}
	}
	if v := m.Version(fmt.Sprintf("lead-%d", streams)); v != 0 {
		t.Fatalf("Version of a stream never appended to = %d, want 0", v)
	}
}

// A stream may grow past any block the store keeps its streams' records
// in: it keeps every record, in order, and still finds retries and reused
// IDs in all of it.
func TestMemoryKeepsAStreamLongerThanItsBlocks(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	const batches, per = 70, eventstore.MaxAppendRecords
	// Another stream grows beside it, so their records interleave.
	if _, err := m.Append(ctx, "other", 0, rec("o0")); err != nil {
		t.Fatal(err)
	}
	batch := make([]eventstore.Record, per)
	for b := range batches {
		for i := range batch {
			batch[i] = rec(fmt.Sprintf("e%d", b*per+i))
		}
		if _, err := m.Append(ctx, "lead-1", uint64(b*per), batch...); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Append(ctx, "other", uint64(b+1), rec(fmt.Sprintf("o%d", b+1))); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := m.Load(ctx, "lead-1", 1)
	if err != nil || len(recs) != batches*per {
		t.Fatalf("Load = %d records, %v; want %d", len(recs), err, batches*per)
	}
	for v, r := range recs {
		if want := fmt.Sprintf("e%d", v); r.ID != want || r.Version != uint64(v+1) || r.Stream != "lead-1" {
			t.Fatalf("version %d is %s (version %d of %s), want %s", v+1, r.ID, r.Version, r.Stream, want)
		}
	}
	for _, b := range []int{0, 31, 65, batches - 1} {
		for i := range batch {
			batch[i] = rec(fmt.Sprintf("e%d", b*per+i))
		}
		first := batch[0]
		if v, err := m.Append(ctx, "lead-1", 0, batch...); err != nil || v != uint64((b+1)*per) {
			t.Fatalf("retry of batch %d returned (%d, %v), want (%d, nil)", b, v, err, (b+1)*per)
		}
		if _, err := m.Append(ctx, "lead-1", batches*per, rec("new"), first); !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("append reusing the first ID of batch %d returned %v, want ErrInvalid", b, err)
		}
	}
	if others, err := m.Load(ctx, "other", 1); err != nil || len(others) != batches+1 || others[batches].ID != fmt.Sprintf("o%d", batches) {
		t.Fatalf("Load(other) = %d records, %v; want %d", len(others), err, batches+1)
	}
}

// One batch may make a stream and append to it again: the later append
// sees the stream the earlier one made.
func TestMemoryBatchAppendsToAStreamItMade(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	res := m.AppendBatch(ctx, []eventstore.Append{
		{Stream: "lead-1", Expected: 0, Records: []eventstore.Record{rec("a")}},
		{Stream: "lead-2", Expected: 0, Records: []eventstore.Record{rec("x")}},
		{Stream: "lead-1", Expected: 1, Records: []eventstore.Record{rec("b")}},
		{Stream: "lead-1", Expected: 0, Records: []eventstore.Record{rec("c")}},
	})
	if res[0].Err != nil || res[0].Version != 1 || res[2].Err != nil || res[2].Version != 2 {
		t.Fatalf("appends to lead-1 returned %+v and %+v, want versions 1 and 2", res[0], res[2])
	}
	if !errors.Is(res[3].Err, eventstore.ErrConflict) {
		t.Fatalf("append expecting a new lead-1 returned %+v, want ErrConflict", res[3])
	}
	recs, err := m.Load(ctx, "lead-1", 1)
	if err != nil || len(recs) != 2 || recs[0].ID != "a" || recs[1].ID != "b" {
		t.Fatalf("Load(lead-1) = %+v, %v; want a, b", recs, err)
	}
}
