package natsjs

import "testing"

func TestStreamCacheEvictsTheLeastRecentlyUsedLead(t *testing.T) {
	c := newStreamCache(2)
	set := func(stream string, v uint64) {
		c.update(stream, func(st *streamState) { st.add(v, v*10) })
	}
	set("a", 1)
	set("b", 1)
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a was evicted with room to spare")
	}
	set("c", 1)
	if _, ok := c.get("b"); ok {
		t.Fatal("b, the least recently used, was kept")
	}
	for _, s := range []string{"a", "c"} {
		if st, ok := c.get(s); !ok || st.version != 1 || st.tail != 10 {
			t.Fatalf("%s: %+v, %v; want version 1 at tail 10", s, st, ok)
		}
	}
	if c.len() != 2 {
		t.Fatalf("cache holds %d leads, bound 2", c.len())
	}
}

func TestStreamStateKeepsTheNewestVersions(t *testing.T) {
	var st streamState
	for v := uint64(1); v <= 10; v++ {
		st.add(v, 100+v)
	}
	st.add(3, 103) // an old version learned late is not kept over newer ones
	st.add(0, 200) // a foreign message moves only the tail
	if st.version != 10 || st.tail != 200 {
		t.Fatalf("version %d tail %d, want 10 and 200", st.version, st.tail)
	}
	for v := uint64(1); v <= 10; v++ {
		seq, ok := st.seqOf(v)
		if want := v > 10-recentVersions; ok != want || (ok && seq != 100+v) {
			t.Fatalf("seqOf(%d) = %d, %v; want known %v at %d", v, seq, ok, want, 100+v)
		}
	}
	if seq, ok := st.seqOf(0); !ok || seq != 0 {
		t.Fatalf("seqOf(0) = %d, %v; want 0, true", seq, ok)
	}
}
