package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadline/leadline/eventstore"
)

// Bounds on waiting. A correct store is far inside them; a broken one fails
// the test when they run out.
const (
	// opLimit bounds a whole subtest's store calls.
	opLimit = 30 * time.Second
	// waitLimit bounds waiting for a subscription to deliver what was appended.
	waitLimit = 5 * time.Second
	// promptLimit bounds how long Subscribe may take to return once its
	// context ends.
	promptLimit = 2 * time.Second
)

type subtest struct {
	name string
	fn   func(t *testing.T, s eventstore.Store)
}

type group struct {
	name  string
	tests []subtest
}

var suite = []group{
	{"Append", appendTests},
	{"Load", loadTests},
	{"Conflict", conflictTests},
	{"Idempotency", idempotencyTests},
	{"Invalid", invalidTests},
	{"Concurrency", concurrencyTests},
	{"Read", readTests},
	{"Subscribe", subscribeTests},
	{"Context", contextTests},
	{"Batch", batchTests},
	{"Page", pageTests},
}

// Run runs the conformance suite against stores made by newStore; each subtest gets a fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	t.Helper()
	for _, g := range suite {
		t.Run(g.name, func(t *testing.T) {
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) {
					s := newStore(t)
					if s == nil {
						t.Fatal("newStore returned a nil Store")
					}
					st.fn(t, s)
				})
			}
		})
	}
}

// nonce keeps record IDs unique across runs, for stores whose deduplication
// outlives one test process.
var nonce = func() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}()

var idSeq atomic.Uint64

// newID returns a record ID no other call returns.
func newID(label string) string {
	return fmt.Sprintf("%s-%d-%s", nonce, idSeq.Add(1), label)
}

// rec returns a record with a fresh ID.
func rec(typ, data string) eventstore.Record {
	return eventstore.Record{ID: newID(typ), Type: typ, Data: []byte(data)}
}

// recs returns n records with fresh IDs and distinct data.
func recs(typ string, n int) []eventstore.Record {
	out := make([]eventstore.Record, n)
	for i := range out {
		out[i] = rec(typ, fmt.Sprintf("%s payload %d", typ, i))
	}
	return out
}

// testContext is the context for a subtest's store calls: it ends with the
// test or after opLimit, so that a hung store fails instead of blocking.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), opLimit)
	t.Cleanup(cancel)
	return ctx
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, expected uint64, rs ...eventstore.Record) uint64 {
	t.Helper()
	v, err := s.Append(testContext(t), stream, expected, rs...)
	if err != nil {
		t.Fatalf("Append(%q, expected %d, %d records): %v", stream, expected, len(rs), err)
	}
	if want := expected + uint64(len(rs)); v != want {
		t.Fatalf("Append(%q, expected %d, %d records) returned version %d, want %d", stream, expected, len(rs), v, want)
	}
	return v
}

func mustLoad(t *testing.T, s eventstore.Store, stream string, from uint64) []eventstore.Record {
	t.Helper()
	rs, err := s.Load(testContext(t), stream, from)
	if err != nil {
		t.Fatalf("Load(%q, %d): %v", stream, from, err)
	}
	return rs
}

func mustRead(t *testing.T, s eventstore.Store, from uint64, limit int) []eventstore.Record {
	t.Helper()
	rs, err := s.Read(testContext(t), from, limit)
	if err != nil {
		t.Fatalf("Read(%d, %d): %v", from, limit, err)
	}
	return rs
}

// sameRecord reports whether a and b are the same stored record. Nil and
// empty Data are the same payload.
func sameRecord(a, b eventstore.Record) bool {
	return a.ID == b.ID && a.Stream == b.Stream && a.Version == b.Version &&
		a.Position == b.Position && a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

// checkRecords fails t unless got and want hold the same records in the same
// order.
func checkRecords(t *testing.T, what string, got, want []eventstore.Record) {
	t.Helper()
	for i := 0; i < len(got) && i < len(want); i++ {
		if !sameRecord(got[i], want[i]) {
			t.Fatalf("%s: record %d is %s, want %s", what, i, show(got[i]), show(want[i]))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d", what, len(got), len(want))
	}
}

// checkAppended fails t unless got are the records rs as stored in stream
// from version first on: same ID, Type and Data, and Stream and Version set.
func checkAppended(t *testing.T, what string, got []eventstore.Record, stream string, first uint64, rs []eventstore.Record) {
	t.Helper()
	if len(got) != len(rs) {
		t.Fatalf("%s: got %d records, want %d", what, len(got), len(rs))
	}
	for i, r := range got {
		want := rs[i]
		if r.ID != want.ID || r.Type != want.Type || !bytes.Equal(r.Data, want.Data) {
			t.Fatalf("%s: record %d is %s, want ID %q Type %q Data %q", what, i, show(r), want.ID, want.Type, want.Data)
		}
		if r.Stream != stream || r.Version != first+uint64(i) {
			t.Fatalf("%s: record %d (%q) has Stream %q Version %d, want %q and %d", what, i, r.ID, r.Stream, r.Version, stream, first+uint64(i))
		}
		if r.Position == 0 {
			t.Fatalf("%s: record %d (%q) has Position 0; positions are 1-based", what, i, r.ID)
		}
		if i > 0 && r.Position <= got[i-1].Position {
			t.Fatalf("%s: record %d (%q) has Position %d, not after the previous record's %d", what, i, r.ID, r.Position, got[i-1].Position)
		}
	}
}

// checkGlobalOrder fails t unless rs have strictly increasing positions and
// every stream's records appear with versions 1, 2, 3, ... in that order.
func checkGlobalOrder(t *testing.T, what string, rs []eventstore.Record) {
	t.Helper()
	last := make(map[string]uint64)
	for i, r := range rs {
		if r.Position == 0 {
			t.Fatalf("%s: record %d (%q) has Position 0", what, i, r.ID)
		}
		if i > 0 && r.Position <= rs[i-1].Position {
			t.Fatalf("%s: record %d (%q) has Position %d after Position %d", what, i, r.ID, r.Position, rs[i-1].Position)
		}
		if r.Version != last[r.Stream]+1 {
			t.Fatalf("%s: record %d (%q) is version %d of %q, want version %d", what, i, r.ID, r.Version, r.Stream, last[r.Stream]+1)
		}
		last[r.Stream] = r.Version
	}
}

func show(r eventstore.Record) string {
	data := r.Data
	if len(data) > 32 {
		data = data[:32]
	}
	return fmt.Sprintf("{ID %q Stream %q Version %d Position %d Type %q Data %q (%d bytes)}", r.ID, r.Stream, r.Version, r.Position, r.Type, data, len(r.Data))
}

// streamOf returns the records of rs that belong to stream, in order.
func streamOf(rs []eventstore.Record, stream string) []eventstore.Record {
	var out []eventstore.Record
	for _, r := range rs {
		if r.Stream == stream {
			out = append(out, r)
		}
	}
	return out
}

// checkEmpty fails t unless the store holds no records at all.
func checkEmpty(t *testing.T, s eventstore.Store, what string) {
	t.Helper()
	if rs := mustRead(t, s, 0, 0); len(rs) != 0 {
		t.Fatalf("%s: store holds %d records, want none; first is %s", what, len(rs), show(rs[0]))
	}
}
