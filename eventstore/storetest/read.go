package storetest

import (
	"fmt"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var readTests = []subtest{
	{"EmptyStoreReturnsNothing", testReadEmpty},
	{"FromZeroOrOneReturnsEverythingInAppendOrder", testReadAll},
	{"FromMiddlePositionReturnsTheRest", testReadFromMiddle},
	{"LimitBoundsThePage", testReadLimit},
	{"PagesJoinIntoTheWholeOrder", testReadPages},
	{"PastEndReturnsNothing", testReadPastEnd},
}

// interleaved appends records to three streams, in single and batch appends
// that alternate between them, and returns them in append order.
func interleaved(t *testing.T, s eventstore.Store) []eventstore.Record {
	var out []eventstore.Record
	versions := make(map[string]uint64)
	add := func(stream string, n int) {
		rs := recs("Step", n)
		mustAppend(t, s, stream, versions[stream], rs...)
		for i := range rs {
			rs[i].Stream = stream
			rs[i].Version = versions[stream] + uint64(i) + 1
		}
		versions[stream] += uint64(n)
		out = append(out, rs...)
	}
	add("lead-a", 1)
	add("lead-b", 2)
	add("lead-a", 1)
	add("lead-c", 3)
	add("lead-b", 1)
	add("lead-a", 2)
	add("lead-c", 1)
	add("lead-b", 1)
	return out
}

func testReadEmpty(t *testing.T, s eventstore.Store) {
	for _, from := range []uint64{0, 1, 2} {
		if got := mustRead(t, s, from, 0); len(got) != 0 {
			t.Fatalf("Read(%d) of an empty store returned %d records", from, len(got))
		}
	}
}

func testReadAll(t *testing.T, s eventstore.Store) {
	want := interleaved(t, s)
	all := mustRead(t, s, 0, 0)
	if len(all) != len(want) {
		t.Fatalf("Read(0) returned %d records, want %d", len(all), len(want))
	}
	checkGlobalOrder(t, "Read(0)", all)
	for i, r := range all {
		w := want[i]
		if r.ID != w.ID || r.Stream != w.Stream || r.Version != w.Version || r.Type != w.Type || string(r.Data) != string(w.Data) {
			t.Fatalf("Read(0) record %d is %s, want the %d-th appended: ID %q of %q version %d", i, show(r), i, w.ID, w.Stream, w.Version)
		}
	}
	checkRecords(t, "Read(1) against Read(0)", mustRead(t, s, 1, 0), all)
	checkRecords(t, "Read(0, -1) against Read(0, 0)", mustRead(t, s, 0, -1), all)
}

func testReadFromMiddle(t *testing.T, s eventstore.Store) {
	interleaved(t, s)
	all := mustRead(t, s, 0, 0)
	for _, i := range []int{1, len(all) / 2, len(all) - 1} {
		p := all[i].Position
		checkRecords(t, fmt.Sprintf("Read(%d), the position of record %d", p, i), mustRead(t, s, p, 0), all[i:])
		// Positions need not be contiguous: the next one up starts at the
		// next record.
		checkRecords(t, fmt.Sprintf("Read(%d), one past record %d", p+1, i), mustRead(t, s, p+1, 0), all[i+1:])
	}
}

func testReadLimit(t *testing.T, s eventstore.Store) {
	interleaved(t, s)
	all := mustRead(t, s, 0, 0)
	checkRecords(t, "Read(0, 1)", mustRead(t, s, 0, 1), all[:1])
	checkRecords(t, "Read(0, 3)", mustRead(t, s, 0, 3), all[:3])
	mid := len(all) / 2
	checkRecords(t, "Read(middle, 4)", mustRead(t, s, all[mid].Position, 4), all[mid:mid+4])
	checkRecords(t, "Read(0, len)", mustRead(t, s, 0, len(all)), all)
	checkRecords(t, "Read(0, len+100)", mustRead(t, s, 0, len(all)+100), all)
	checkRecords(t, "Read(last-1, 10)", mustRead(t, s, all[len(all)-2].Position, 10), all[len(all)-2:])
}

func testReadPages(t *testing.T, s eventstore.Store) {
	interleaved(t, s)
	all := mustRead(t, s, 0, 0)
	var joined []eventstore.Record
	from := uint64(0)
	for range len(all) + 1 {
		page := mustRead(t, s, from, 5)
		if len(page) == 0 {
			break
		}
		if len(page) > 5 {
			t.Fatalf("Read(%d, 5) returned %d records", from, len(page))
		}
		joined = append(joined, page...)
		from = page[len(page)-1].Position + 1
	}
	checkRecords(t, "pages of 5 joined", joined, all)
}

func testReadPastEnd(t *testing.T, s eventstore.Store) {
	interleaved(t, s)
	all := mustRead(t, s, 0, 0)
	last := all[len(all)-1].Position
	for _, from := range []uint64{last + 1, last + 1000, 1<<64 - 1} {
		if got := mustRead(t, s, from, 0); len(got) != 0 {
			t.Fatalf("Read(%d) past the last position %d returned %d records", from, last, len(got))
		}
	}
}
