package eventstore

import (
	"context"
	"fmt"
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
			st := m.streams["lead-1"]
			// Every ID gets the same hash.
			const h = 7
			for i := range st.recs {
				st.recs[i].hash = h
			}
			if st.index != nil {
				st.index = nil
				st.recs = st.recs[:scanIDs]
				for i := scanIDs + 1; i <= n; i++ {
					st.recs = st.recs[:i]
					st.indexed()
				}
			}
			for v := range n {
				got, ok := m.find(st, fmt.Sprintf("e%d", v), h)
				if !ok || got != uint32(v) {
					t.Fatalf("find(e%d) = (%d, %v), want (%d, true)", v, got, ok, v)
				}
			}
			if got, ok := m.find(st, "missing", h); ok {
				t.Fatalf("find(missing) = (%d, true), want not found", got)
			}
		})
	}
}
