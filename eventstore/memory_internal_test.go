package eventstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"testing"
)

// Record IDs are looked up by a 32-bit hash first; IDs whose hashes
// collide must still be told apart by the IDs themselves, in a short
// stream (scanned) and in a long one (indexed).
func TestMemoryTellsApartRecordIDsWhoseHashesCollide(t *testing.T) {
	for _, n := range []int{scanIDs, 5 * scanIDs} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			m := NewMemory()
			for v := range n {
				if _, err := m.Append(context.Background(), "lead-1", uint64(v), Record{ID: fmt.Sprintf("e%d", v), Type: "Test"}); err != nil {
					t.Fatal(err)
				}
			}
			st, _ := m.find("lead-1", maphash.String(m.seed, "lead-1"))
			// Every ID gets the same hash.
			const h = 7
			recs := m.recs(st)
			for i := range recs {
				recs[i].hash = h
			}
			if st.index != 0 {
				m.indexes[st.index-1] = nil
				for i := scanIDs + 1; i <= n; i++ {
					st.n = uint32(i)
					m.indexed(st)
				}
			}
			for v := range n {
				got, ok := m.findID(st, fmt.Sprintf("e%d", v), h)
				if !ok || got != uint32(v) {
					t.Fatalf("find(e%d) = (%d, %v), want (%d, true)", v, got, ok, v)
				}
			}
			if got, ok := m.findID(st, "missing", h); ok {
				t.Fatalf("find(missing) = (%d, true), want not found", got)
			}
		})
	}
}

// Streams are looked up by the high half of their name's hash first;
// names whose halves collide must still be told apart by the names.
func TestMemoryTellsApartStreamsWhoseNameHashesCollide(t *testing.T) {
	m := NewMemory()
	seen := make(map[uint64]string)
	var a, b string
	for i := 0; a == ""; i++ {
		name := fmt.Sprintf("lead-%d", i)
		tag := maphash.String(m.seed, name) >> 32
		if o, ok := seen[tag]; ok {
			a, b = o, name
		}
		seen[tag] = name
	}
	ctx := context.Background()
	if _, err := m.Append(ctx, a, 0, Record{ID: "a1", Type: "Test"}); err != nil {
		t.Fatal(err)
	}
	if v := m.Version(b); v != 0 {
		t.Fatalf("Version(%s) = %d before any append to it, want 0 (%s shares its hash)", b, v, a)
	}
	if _, err := m.Append(ctx, b, 0, Record{ID: "b1", Type: "Test"}, Record{ID: "b2", Type: "Test"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{a: "a1", b: "b1"} {
		recs, err := m.Load(ctx, name, 1)
		if err != nil || len(recs) == 0 || recs[0].ID != want || recs[0].Stream != name {
			t.Fatalf("Load(%s) = %+v, %v; want its own records from %s", name, recs, err, want)
		}
	}
}
