package leadline

import (
	"bytes"
	"testing"
)

func TestEventIDsAreVersion7AndIncreaseWithinAMillisecond(t *testing.T) {
	var g eventIDs
	prev := g.next()
	for range 10_000 {
		u := g.next()
		if u.Version() != 7 || u.Variant().String() != "RFC4122" {
			t.Fatalf("%s is version %d, variant %s; want a version 7 RFC 9562 UUID", u, u.Version(), u.Variant())
		}
		if bytes.Compare(u[:], prev[:]) <= 0 {
			t.Fatalf("%s follows %s: IDs of one source must increase", u, prev)
		}
		prev = u
	}
}

func TestEventIDsCarryTheCounterIntoTheTime(t *testing.T) {
	var g eventIDs
	g.next()
	g.ms += 1 << 20 // a clock far ahead, so that next counts on in g.ms
	g.hi, g.lo = 0x3ff, 1<<64-1
	before := v7(g.ms, g.hi, g.lo)
	u := g.next()
	if bytes.Compare(u[:], before[:]) <= 0 || u.Time() != before.Time()+10_000 {
		t.Fatalf("after the last counter value of a millisecond came %s (time %d), want an ID of the next millisecond (time %d)", u, u.Time(), before.Time()+10_000)
	}
}
