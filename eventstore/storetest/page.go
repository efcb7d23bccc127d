package storetest

import (
	"fmt"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var pageTests = []subtest{
	{"ReusedPagesReadWhatReadReturns", testPagesLikeRead},
	{"PastEndReadsNothing", testPagePastEnd},
	{"StreamsCountsStreamsWithRecords", testPageStreams},
}

func testPagesLikeRead(t *testing.T, s eventstore.Store) {
	p := optional[eventstore.PageReader](t, s)
	interleaved(t, s)
	// Records without Data among those with: a reused record must not
	// keep the Data of the one it held before.
	empty := recs("Empty", 2)
	for i := range empty {
		empty[i].Data = nil
	}
	mustAppend(t, s, "lead-d", 0, empty...)
	mustAppend(t, s, "lead-a", 4, recs("Step", 1)...)
	all := mustRead(t, s, 0, 0)
	for _, size := range []int{1, 3, len(all), len(all) + 5} {
		page := make([]eventstore.Record, size)
		var got []eventstore.Record
		from := uint64(1)
		for {
			n, err := p.ReadInto(testContext(t), from, page)
			if err != nil {
				t.Fatalf("ReadInto(%d) with a page of %d: %v", from, size, err)
			}
			if n > size {
				t.Fatalf("ReadInto(%d) filled %d records of a page of %d", from, n, size)
			}
			if n == 0 {
				break
			}
			checkRecords(t, fmt.Sprintf("ReadInto(%d) with a page of %d", from, size), page[:n], mustRead(t, s, from, size))
			// Kept records stay as they were when the page is reused.
			got = append(got, page[:n]...)
			from = page[n-1].Position + 1
		}
		checkRecords(t, fmt.Sprintf("pages of %d against Read(0)", size), got, all)
	}
}

func testPagePastEnd(t *testing.T, s eventstore.Store) {
	p := optional[eventstore.PageReader](t, s)
	page := make([]eventstore.Record, 4)
	if n, err := p.ReadInto(testContext(t), 1, page); err != nil || n != 0 {
		t.Fatalf("ReadInto(1) of an empty store = %d, %v; want 0, nil", n, err)
	}
	interleaved(t, s)
	all := mustRead(t, s, 0, 0)
	end := all[len(all)-1].Position + 1
	if n, err := p.ReadInto(testContext(t), end, page); err != nil || n != 0 {
		t.Fatalf("ReadInto(%d), past the last position, = %d, %v; want 0, nil", end, n, err)
	}
}

func testPageStreams(t *testing.T, s eventstore.Store) {
	p := optional[eventstore.PageReader](t, s)
	if n := p.Streams(); n != 0 {
		t.Fatalf("Streams() of an empty store = %d, want 0", n)
	}
	interleaved(t, s)
	// A refused append makes no stream.
	if _, err := s.Append(testContext(t), "lead-z", 3, recs("Step", 1)...); err == nil {
		t.Fatal("Append to a new stream expecting version 3 succeeded")
	}
	if n := p.Streams(); n != 3 {
		t.Fatalf("Streams() after appends to 3 streams = %d, want 3", n)
	}
}
