package funnel

import (
	"fmt"
	"testing"

	"github.com/leadline/leadline/lead"
)

func TestLeadIndexNumbersEachIDOnceAcrossGrowth(t *testing.T) {
	var x leadIndex
	const n = 20_000 // several doublings of the table
	ids := make([]lead.ID, n)
	for i := range ids {
		// IDs of different lengths, some prefixes of others.
		ids[i] = lead.ID(fmt.Sprintf("lead-%d", i))
		if got, h := x.find(ids[i]); got != -1 {
			t.Fatalf("%s found as %d before it was added", ids[i], got)
		} else if got := x.add(ids[i], h); got != int32(i) {
			t.Fatalf("%s numbered %d, want %d", ids[i], got, i)
		}
	}
	for i, id := range ids {
		if got := x.number(id); got != int32(i) {
			t.Fatalf("%s is %d, want %d", id, got, i)
		}
		if got := lead.ID(x.id(int32(i))); got != id {
			t.Fatalf("id(%d) = %q, want %q", i, got, id)
		}
	}
	for _, id := range []lead.ID{"lead-", "lead-20000", "ead-1", "lead-1 "} {
		if got := x.number(id); got != -1 {
			t.Fatalf("%q, never added, found as %d", id, got)
		}
	}
}

func TestLeadIndexTellsApartIDsWhoseHashesMatch(t *testing.T) {
	var x leadIndex
	_, h := x.find("lead-a")
	x.add("lead-a", h)
	// A slot with lead-b's hash that numbers lead-a: what a collision of
	// two IDs' hashes leaves in the table.
	_, hb := x.find("lead-b")
	x.place(hb, 0)
	if got := x.number("lead-b"); got != -1 {
		t.Fatalf("lead-b, never added, found as %d", got)
	}
	if got := x.number("lead-a"); got != 0 {
		t.Fatalf("lead-a is %d, want 0", got)
	}
}

func TestKindIndexIsThePositionInLeadKinds(t *testing.T) {
	for i, k := range lead.Kinds() {
		if got := kindIndex(k); got != i {
			t.Errorf("kindIndex(%q) = %d, want %d", k, got, i)
		}
	}
	if got := kindIndex("no_such_kind"); got != -1 {
		t.Errorf("kindIndex of an unknown kind = %d, want -1", got)
	}
}

func TestLeadIndexFindsIDsAgainWhoseRecentSlotsAnotherTook(t *testing.T) {
	var x leadIndex
	const n = 4 << recentBits // many IDs per slot of the recent table
	ids := make([]lead.ID, n)
	for i := range ids {
		ids[i] = lead.ID(fmt.Sprintf("L%d", i))
		_, h := x.find(ids[i])
		x.add(ids[i], h)
	}
	// Each ID found twice in a row, then all again in reverse: the
	// second look-up finds it in the recent table, the reverse pass
	// finds slots that other IDs took since.
	for i, id := range ids {
		for range 2 {
			if got := x.number(id); got != int32(i) {
				t.Fatalf("%s is %d, want %d", id, got, i)
			}
		}
	}
	for i := n - 1; i >= 0; i-- {
		if got := x.number(ids[i]); got != int32(i) {
			t.Fatalf("%s is %d, want %d", ids[i], got, i)
		}
	}
}
