package leadline

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/leadline/leadline/lead"
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

// Derived event IDs are what other Engines and earlier releases derive:
// a retry must find the records the first attempt wrote.
func TestDerivedIDsAreTheNameBasedUUIDsOfLeadKeyAndIndex(t *testing.T) {
	for _, c := range []struct {
		id  lead.ID
		key string
		i   int
	}{{"lead-1", "cmd/req-7", 0}, {"0192f6e4-7c1a-7b3e-9d2a-5f0c8e1b2a3d", "sla/accept@3/step/1", 12}, {"x", strings.Repeat("k", 400), 999}} {
		want := uuid.NewSHA1(eventNamespace, []byte(string(c.id)+"\x00"+c.key+"\x00"+strconv.Itoa(c.i)))
		if got := derivedID(c.id, eventKey{name: c.key}, c.i); got != want {
			t.Errorf("derivedID(%q, %q, %d) = %s, want %s", c.id, c.key, c.i, got, want)
		}
	}
}

// A key given as a prefix and a name derives the IDs of the two joined:
// command IDs ("cmd/" and the caller's ID) keep the IDs earlier releases
// wrote.
func TestDerivedIDsOfAPrefixedKeyAreThoseOfTheJoinedKey(t *testing.T) {
	want := uuid.NewSHA1(eventNamespace, []byte("lead-1\x00cmd/req-7\x003"))
	if got := derivedID("lead-1", eventKey{"cmd/", "req-7"}, 3); got != want {
		t.Fatalf("derivedID(lead-1, cmd/ + req-7, 3) = %s, want %s", got, want)
	}
}

func TestEventIDTextIsTheUUIDsCanonicalForm(t *testing.T) {
	var g eventIDs
	for _, u := range []uuid.UUID{{}, uuid.Max, g.next(), derivedID("lead-1", eventKey{"cmd/", "x"}, 0)} {
		var b [uuidLen]byte
		putUUID(b[:], u)
		if string(b[:]) != u.String() {
			t.Fatalf("putUUID wrote %q, want %q", b[:], u.String())
		}
	}
}
