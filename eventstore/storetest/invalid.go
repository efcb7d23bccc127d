package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var invalidTests = []subtest{
	{"BadStreamNamesAreRefused", testInvalidStreams},
	{"EmptyAppendIsRefused", testInvalidEmpty},
	{"RecordsWithoutIDOrTypeAreRefused", testInvalidRecords},
	{"LoadOfBadStreamNameIsRefused", testInvalidLoad},
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
