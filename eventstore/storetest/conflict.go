package storetest

import (
	"errors"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

var conflictTests = []subtest{
	{"StaleExpectedVersionIsRefused", testConflictStale},
	{"ExpectedVersionAheadIsRefused", testConflictAhead},
	{"ExpectingNewStreamOnExistingStreamIsRefused", testConflictExistsAlready},
	{"ExpectingExistingVersionOnMissingStreamIsRefused", testConflictMissingStream},
	{"ConflictingBatchWritesNothing", testConflictBatchAllOrNone},
	{"InvalidRecordInBatchWritesNothing", testInvalidBatchAllOrNone},
}

// threeInLead1 appends three records to lead-1 and returns what the store
// holds afterwards.
func threeInLead1(t *testing.T, s eventstore.Store) []eventstore.Record {
	mustAppend(t, s, "lead-1", 0, recs("Step", 2)...)
	mustAppend(t, s, "lead-1", 2, recs("Step", 1)...)
	return mustRead(t, s, 0, 0)
}

// checkConflict fails t unless appending rs to stream at expected is refused
// with ErrConflict and leaves the store as before.
func checkConflict(t *testing.T, s eventstore.Store, stream string, expected, actual uint64, rs ...eventstore.Record) {
	t.Helper()
	before := mustRead(t, s, 0, 0)
	v, err := s.Append(testContext(t), stream, expected, rs...)
	if !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("Append(%q, expected %d) to a stream at version %d returned (%d, %v), want an error matching ErrConflict", stream, expected, actual, v, err)
	}
	var ce *eventstore.ConflictError
	if errors.As(err, &ce) && (ce.Stream != stream || ce.Expected != expected || ce.Actual != actual) {
		t.Fatalf("ConflictError is %+v, want Stream %q Expected %d Actual %d", *ce, stream, expected, actual)
	}
	checkRecords(t, "Read after a refused append", mustRead(t, s, 0, 0), before)
	checkRecords(t, "Load after a refused append", mustLoad(t, s, stream, 0), streamOf(before, stream))
}

func testConflictStale(t *testing.T, s eventstore.Store) {
	threeInLead1(t, s)
	checkConflict(t, s, "lead-1", 2, 3, rec("Late", "x"))
	checkConflict(t, s, "lead-1", 1, 3, rec("Late", "x"))
}

func testConflictAhead(t *testing.T, s eventstore.Store) {
	threeInLead1(t, s)
	checkConflict(t, s, "lead-1", 4, 3, rec("Early", "x"))
	checkConflict(t, s, "lead-1", 10, 3, rec("Early", "x"))
}

func testConflictExistsAlready(t *testing.T, s eventstore.Store) {
	threeInLead1(t, s)
	checkConflict(t, s, "lead-1", 0, 3, rec("Captured", "again"))
}

func testConflictMissingStream(t *testing.T, s eventstore.Store) {
	checkConflict(t, s, "lead-9", 1, 0, rec("Touched", "x"))
	threeInLead1(t, s)
	checkConflict(t, s, "lead-9", 3, 0, rec("Touched", "x"))
	// The refused appends created nothing: the stream starts at version 1.
	r := rec("Captured", "x")
	mustAppend(t, s, "lead-9", 0, r)
	checkAppended(t, "Load lead-9", mustLoad(t, s, "lead-9", 0), "lead-9", 1, []eventstore.Record{r})
}

func testConflictBatchAllOrNone(t *testing.T, s eventstore.Store) {
	threeInLead1(t, s)
	batch := recs("Breach", 3)
	checkConflict(t, s, "lead-1", 2, 3, batch...)
	checkConflict(t, s, "lead-1", 5, 3, batch...)
	// None of the refused batch's IDs was kept: the same batch now appends
	// whole, rather than passing for a retry of an earlier success.
	mustAppend(t, s, "lead-1", 3, batch...)
	checkAppended(t, "Load from 4", mustLoad(t, s, "lead-1", 4), "lead-1", 4, batch)
}

func testInvalidBatchAllOrNone(t *testing.T, s eventstore.Store) {
	before := threeInLead1(t, s)
	batch := recs("Breach", 3)
	batch[2].Type = ""
	if _, err := s.Append(testContext(t), "lead-1", 3, batch...); !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("Append of a batch whose third record has no Type returned %v, want an error matching ErrInvalid", err)
	}
	checkRecords(t, "Read after a refused batch", mustRead(t, s, 0, 0), before)
	batch[2].Type = "Breach"
	mustAppend(t, s, "lead-1", 3, batch...)
	checkAppended(t, "Load from 4", mustLoad(t, s, "lead-1", 4), "lead-1", 4, batch)
}

var idempotencyTests = []subtest{
	{"RetryReturnsSameVersionAndWritesOnce", testRetrySame},
	{"RetryWithStaleExpectedVersionSucceeds", testRetryStale},
	{"RetryOfBatchReturnsVersionOfItsLastRecord", testRetryBatch},
}

// checkRetry fails t unless appending rs again to stream at expected
// returns want, no error, and leaves the store as before.
func checkRetry(t *testing.T, s eventstore.Store, stream string, expected, want uint64, rs ...eventstore.Record) {
	t.Helper()
	before := mustRead(t, s, 0, 0)
	v, err := s.Append(testContext(t), stream, expected, rs...)
	if err != nil || v != want {
		t.Fatalf("retry of an append that succeeded at version %d, with expected %d, returned (%d, %v), want (%d, nil)", want, expected, v, err, want)
	}
	checkRecords(t, "Read after a retry", mustRead(t, s, 0, 0), before)
}

func testRetrySame(t *testing.T, s eventstore.Store) {
	r := rec("Captured", "once")
	mustAppend(t, s, "lead-1", 0, r)
	checkRetry(t, s, "lead-1", 0, 1, r)
	checkRetry(t, s, "lead-1", 0, 1, r)
	checkAppended(t, "Load", mustLoad(t, s, "lead-1", 0), "lead-1", 1, []eventstore.Record{r})
}

func testRetryStale(t *testing.T, s eventstore.Store) {
	a, b, c := rec("A", "a"), rec("B", "b"), rec("C", "c")
	mustAppend(t, s, "lead-1", 0, a)
	mustAppend(t, s, "lead-1", 1, b)
	mustAppend(t, s, "lead-1", 2, c)
	checkRetry(t, s, "lead-1", 0, 1, a)
	checkRetry(t, s, "lead-1", 1, 2, b)
	// Even an expected version that would make a new record succeed.
	checkRetry(t, s, "lead-1", 3, 1, a)
	checkAppended(t, "Load", mustLoad(t, s, "lead-1", 0), "lead-1", 1, []eventstore.Record{a, b, c})
}

func testRetryBatch(t *testing.T, s eventstore.Store) {
	first, batch := recs("First", 2), recs("Batch", 3)
	mustAppend(t, s, "lead-1", 0, first...)
	mustAppend(t, s, "lead-1", 2, batch...)
	mustAppend(t, s, "lead-2", 0, recs("Other", 1)...)
	checkRetry(t, s, "lead-1", 2, 5, batch...)
	checkRetry(t, s, "lead-1", 5, 5, batch...)
	checkRetry(t, s, "lead-1", 0, 2, first...)
	checkAppended(t, "Load", mustLoad(t, s, "lead-1", 0), "lead-1", 1, append(first, batch...))
}
