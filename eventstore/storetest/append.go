package storetest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var appendTests = []subtest{
	{"NewStreamStartsAtVersionOne", testAppendNewStream},
	{"ExtendsStreamWithNextVersions", testAppendExtends},
	{"KeepsIDTypeAndDataByteExact", testAppendKeepsPayload},
	{"SetsStreamVersionAndPositionIgnoringCallerValues", testAppendSetsStoreFields},
	{"CopiesDataTheCallerKeeps", testAppendCopiesData},
	{"StreamsHaveIndependentVersions", testAppendIndependentStreams},
	{"AcceptsLimitLengthNames", testAppendLimitLengths},
}

func testAppendNewStream(t *testing.T, s eventstore.Store) {
	rs := recs("Captured", 3)
	mustAppend(t, s, "lead-1", 0, rs...)
	checkAppended(t, "Load after first append", mustLoad(t, s, "lead-1", 0), "lead-1", 1, rs)
}

func testAppendExtends(t *testing.T, s eventstore.Store) {
	first, second, third := recs("A", 1), recs("B", 2), recs("C", 1)
	mustAppend(t, s, "lead-1", 0, first...)
	mustAppend(t, s, "lead-1", 1, second...)
	mustAppend(t, s, "lead-1", 3, third...)
	all := append(append(append([]eventstore.Record(nil), first...), second...), third...)
	checkAppended(t, "Load after three appends", mustLoad(t, s, "lead-1", 0), "lead-1", 1, all)
}

func testAppendKeepsPayload(t *testing.T, s eventstore.Store) {
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 1000)
	rs := []eventstore.Record{
		{ID: newID("bytes"), Type: "Every_Byte-Value", Data: every},
		{ID: newID("nil"), Type: "NilData", Data: nil},
		{ID: newID("empty"), Type: "EmptyData", Data: []byte{}},
		{ID: newID("json"), Type: "JSON", Data: []byte(`{"lead":"l-1","note":"héllo ✓ \"quoted\"\n"}`)},
		{ID: newID("big"), Type: "Big", Data: big},
		{ID: newID("id.with:punct/and_more"), Type: "x", Data: []byte("\r\n\r\n")},
	}
	mustAppend(t, s, "payloads", 0, rs...)
	checkAppended(t, "Load", mustLoad(t, s, "payloads", 0), "payloads", 1, rs)
	checkAppended(t, "Read", mustRead(t, s, 0, 0), "payloads", 1, rs)
}

func testAppendSetsStoreFields(t *testing.T, s eventstore.Store) {
	mustAppend(t, s, "other", 0, recs("Other", 2)...)
	r := rec("Captured", "x")
	r.Stream, r.Version, r.Position = "other", 99, 7
	mustAppend(t, s, "lead-1", 0, r)
	got := mustLoad(t, s, "lead-1", 0)
	if len(got) != 1 {
		t.Fatalf("Load returned %d records, want 1", len(got))
	}
	if got[0].Stream != "lead-1" || got[0].Version != 1 {
		t.Fatalf("stored %s, want Stream \"lead-1\" Version 1 whatever the caller set", show(got[0]))
	}
	all := mustRead(t, s, 0, 0)
	if len(all) != 3 || !sameRecord(all[2], got[0]) {
		t.Fatalf("Read returned %d records, want the 2 of \"other\" and then %s", len(all), show(got[0]))
	}
	if got[0].Position <= all[1].Position {
		t.Fatalf("stored Position %d is not after the earlier record's %d", got[0].Position, all[1].Position)
	}
	if n := len(mustLoad(t, s, "other", 0)); n != 2 {
		t.Fatalf("stream \"other\" holds %d records, want 2", n)
	}
}

func testAppendCopiesData(t *testing.T, s eventstore.Store) {
	data := []byte("original")
	r := eventstore.Record{ID: newID("copy"), Type: "Copied", Data: data}
	mustAppend(t, s, "lead-1", 0, r)
	copy(data, "CHANGED!")
	got := mustLoad(t, s, "lead-1", 0)
	if len(got) != 1 || string(got[0].Data) != "original" {
		t.Fatalf("after the caller changed its slice, Load returned %v; the store must keep its own copy", got)
	}
}

func testAppendIndependentStreams(t *testing.T, s eventstore.Store) {
	a, b := recs("A", 2), recs("B", 3)
	mustAppend(t, s, "lead-a", 0, a[0])
	mustAppend(t, s, "lead-b", 0, b[0])
	mustAppend(t, s, "lead-a", 1, a[1])
	mustAppend(t, s, "lead-b", 1, b[1:]...)
	checkAppended(t, "Load lead-a", mustLoad(t, s, "lead-a", 0), "lead-a", 1, a)
	checkAppended(t, "Load lead-b", mustLoad(t, s, "lead-b", 0), "lead-b", 1, b)
}

func testAppendLimitLengths(t *testing.T, s eventstore.Store) {
	stream := strings.Repeat("s", eventstore.MaxStreamLen)
	id := newID("max")
	r := eventstore.Record{
		ID:   id + strings.Repeat("i", eventstore.MaxIDLen-len(id)),
		Type: strings.Repeat("T", eventstore.MaxTypeLen),
		Data: []byte("limits"),
	}
	mustAppend(t, s, stream, 0, r)
	checkAppended(t, "Load", mustLoad(t, s, stream, 0), stream, 1, []eventstore.Record{r})
}

var loadTests = []subtest{
	{"FromZeroOrOneReturnsWholeStream", testLoadFromStart},
	{"FromMiddleReturnsTail", testLoadFromMiddle},
	{"PastEndReturnsNothing", testLoadPastEnd},
	{"MissingStreamReturnsNoRecordsAndNoError", testLoadMissing},
	{"MatchesRead", testLoadMatchesRead},
}

// fiveInLead1 appends five records to lead-1, with another stream's records
// in between, and returns them.
func fiveInLead1(t *testing.T, s eventstore.Store) []eventstore.Record {
	rs := recs("Step", 5)
	mustAppend(t, s, "lead-1", 0, rs[:2]...)
	mustAppend(t, s, "lead-2", 0, recs("Noise", 2)...)
	mustAppend(t, s, "lead-1", 2, rs[2])
	mustAppend(t, s, "lead-2", 2, recs("Noise", 1)...)
	mustAppend(t, s, "lead-1", 3, rs[3:]...)
	return rs
}

func testLoadFromStart(t *testing.T, s eventstore.Store) {
	rs := fiveInLead1(t, s)
	checkAppended(t, "Load from 0", mustLoad(t, s, "lead-1", 0), "lead-1", 1, rs)
	checkAppended(t, "Load from 1", mustLoad(t, s, "lead-1", 1), "lead-1", 1, rs)
}

func testLoadFromMiddle(t *testing.T, s eventstore.Store) {
	rs := fiveInLead1(t, s)
	checkAppended(t, "Load from 3", mustLoad(t, s, "lead-1", 3), "lead-1", 3, rs[2:])
	checkAppended(t, "Load from 5", mustLoad(t, s, "lead-1", 5), "lead-1", 5, rs[4:])
}

func testLoadPastEnd(t *testing.T, s eventstore.Store) {
	fiveInLead1(t, s)
	for _, from := range []uint64{6, 7, 1000, 1<<64 - 1} {
		if got := mustLoad(t, s, "lead-1", from); len(got) != 0 {
			t.Fatalf("Load from %d of a 5-record stream returned %d records, want none", from, len(got))
		}
	}
}

func testLoadMissing(t *testing.T, s eventstore.Store) {
	if got := mustLoad(t, s, "nobody", 0); len(got) != 0 {
		t.Fatalf("Load of a missing stream in an empty store returned %d records", len(got))
	}
	fiveInLead1(t, s)
	for _, from := range []uint64{0, 1, 3} {
		if got := mustLoad(t, s, "nobody", from); len(got) != 0 {
			t.Fatalf("Load(%q, %d) of a missing stream returned %d records", "nobody", from, len(got))
		}
	}
}

func testLoadMatchesRead(t *testing.T, s eventstore.Store) {
	fiveInLead1(t, s)
	all := mustRead(t, s, 0, 0)
	for _, stream := range []string{"lead-1", "lead-2"} {
		checkRecords(t, "Load("+stream+") against Read", mustLoad(t, s, stream, 0), streamOf(all, stream))
	}
}
