package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var invalidTests = []subtest{
	{"BadStreamNamesAreRefused", testInvalidStreams},
	{"EmptyAppendIsRefused", testInvalidEmpty},
	{"RecordsWithoutIDOrTypeAreRefused", testInvalidRecords},
	{"LoadOfBadStreamNameIsRefused", testInvalidLoad},
	{"IDsTheStoreCannotKeepVerbatimAreRefused", testInvalidIDs},
	{"OversizedRecordsAndAppendsAreRefusedWithTheLimit", testInvalidSizes},
	{"LimitSizedRecordsAndAppendsAreKept", testLimitSizes},
}

// badIDs are record IDs a NATS header (or any line-based transport) would
// trim or rewrite; a store that altered them would turn a retry into a
// second record or a conflict.
var badIDs = []string{
	" padded ",
	"padded ",
	" padded",
	"cr\r\nlf",
	"tab\tid",
	"nul\x00id",
	"space id",
	"del\x7fid",
	"caf\u00e9",
}

var badStreams = []string{
	"",
	"a.b",
	"a b",
	"a*",
	"a>",
	">",
	"lead/1",
	"lead\n1",
	"léad",
	strings.Repeat("a", eventstore.MaxStreamLen+1),
}

func checkInvalidAppend(t *testing.T, s eventstore.Store, what, stream string, rs ...eventstore.Record) {
	t.Helper()
	v, err := s.Append(testContext(t), stream, 0, rs...)
	if !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("Append with %s returned (%d, %v), want an error matching ErrInvalid", what, v, err)
	}
}

func testInvalidStreams(t *testing.T, s eventstore.Store) {
	for _, name := range badStreams {
		checkInvalidAppend(t, s, "stream name "+quote(name), name, rec("Captured", "x"))
	}
	checkEmpty(t, s, "after appends to bad stream names")
}

func testInvalidEmpty(t *testing.T, s eventstore.Store) {
	checkInvalidAppend(t, s, "no records", "lead-1")
	checkInvalidAppend(t, s, "an empty slice of records", "lead-1", []eventstore.Record{}...)
	checkEmpty(t, s, "after empty appends")
	if got := mustLoad(t, s, "lead-1", 0); len(got) != 0 {
		t.Fatalf("Load after empty appends returned %d records", len(got))
	}
}

func testInvalidRecords(t *testing.T, s eventstore.Store) {
	cases := []struct {
		what string
		r    eventstore.Record
	}{
		{"a record with no ID", eventstore.Record{Type: "Captured", Data: []byte("x")}},
		{"a record with no Type", eventstore.Record{ID: newID("no-type"), Data: []byte("x")}},
		{"a record with neither ID nor Type", eventstore.Record{Data: []byte("x")}},
		{"a record whose Type holds a dot", eventstore.Record{ID: newID("dot"), Type: "lead.Captured"}},
		{"a record whose ID is too long", eventstore.Record{ID: strings.Repeat("i", eventstore.MaxIDLen+1), Type: "Captured"}},
		{"a record whose Type is too long", eventstore.Record{ID: newID("long"), Type: strings.Repeat("T", eventstore.MaxTypeLen+1)}},
	}
	for _, c := range cases {
		checkInvalidAppend(t, s, c.what, "lead-1", c.r)
		checkInvalidAppend(t, s, c.what+" after a good one", "lead-1", rec("Captured", "x"), c.r)
	}
	checkEmpty(t, s, "after appends of invalid records")
}

func testInvalidIDs(t *testing.T, s eventstore.Store) {
	for _, id := range badIDs {
		r := eventstore.Record{ID: id, Type: "Captured", Data: []byte("x")}
		checkInvalidAppend(t, s, "record ID "+quote(id), "lead-1", r)
		checkInvalidAppend(t, s, "record ID "+quote(id)+" after a good one", "lead-1", rec("Captured", "x"), r)
	}
	checkEmpty(t, s, "after appends of IDs that cannot be kept verbatim")
}

func testInvalidSizes(t *testing.T, s eventstore.Store) {
	big := eventstore.Record{ID: newID("big"), Type: "Big", Data: make([]byte, eventstore.MaxDataLen+1)}
	for _, rs := range [][]eventstore.Record{{big}, {rec("Captured", "x"), big}} {
		v, err := s.Append(testContext(t), "lead-1", 0, rs...)
		if !errors.Is(err, eventstore.ErrTooLarge) || !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("Append of a %d-byte record returned (%d, %v), want an error matching ErrTooLarge and ErrInvalid", len(big.Data), v, err)
		}
		if !strings.Contains(err.Error(), strconv.Itoa(eventstore.MaxDataLen)) {
			t.Fatalf("error %q does not name the limit of %d bytes", err, eventstore.MaxDataLen)
		}
	}
	many := recs("Many", eventstore.MaxAppendRecords+1)
	v, err := s.Append(testContext(t), "lead-1", 0, many...)
	if !errors.Is(err, eventstore.ErrTooLarge) || !strings.Contains(fmt.Sprint(err), strconv.Itoa(eventstore.MaxAppendRecords)) {
		t.Fatalf("Append of %d records returned (%d, %v), want ErrTooLarge naming the limit of %d", len(many), v, err, eventstore.MaxAppendRecords)
	}
	checkEmpty(t, s, "after oversized appends")
}

func testLimitSizes(t *testing.T, s eventstore.Store) {
	data := make([]byte, eventstore.MaxDataLen)
	for i := range data {
		data[i] = byte(i * 7)
	}
	big := eventstore.Record{ID: newID("limit"), Type: "Big", Data: data}
	mustAppend(t, s, "big", 0, big)
	checkAppended(t, "Load of a MaxDataLen record", mustLoad(t, s, "big", 0), "big", 1, []eventstore.Record{big})
	many := recs("Many", eventstore.MaxAppendRecords)
	mustAppend(t, s, "many", 0, many...)
	checkAppended(t, "Load of a MaxAppendRecords append", mustLoad(t, s, "many", 0), "many", 1, many)
}

func testInvalidLoad(t *testing.T, s eventstore.Store) {
	for _, name := range badStreams {
		got, err := s.Load(testContext(t), name, 0)
		if !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("Load(%s) returned (%d records, %v), want an error matching ErrInvalid", quote(name), len(got), err)
		}
	}
}

// quote names a stream in a failure message, shortening long ones.
func quote(s string) string {
	if len(s) > 20 {
		return fmt.Sprintf("%q... (%d bytes)", s[:8], len(s))
	}
	return fmt.Sprintf("%q", s)
}
