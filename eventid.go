package leadline

import (
	crand "crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/leadline/leadline/lead"
)

// eventIDs makes the UUID v7 IDs of events that have no derived ID: the
// millisecond time in the first 48 bits, then a 74-bit counter started at
// a random value each millisecond and stepped by one within it (RFC 9562's
// monotonic method 2), so IDs of one Engine sort in the order it made
// them. Randomness comes from a generator seeded once per Engine, not
// from a system call per ID. The zero value is ready to use.
type eventIDs struct {
	mu     sync.Mutex
	rng    *rand.ChaCha8
	ms     int64
	hi, lo uint64 // the counter: 10 bits in hi (of rand_a's 12), 64 in lo
}

// next returns a new ID.
func (g *eventIDs) next() uuid.UUID {
	ms := time.Now().UnixMilli()
	g.mu.Lock()
	if g.rng == nil {
		var seed [32]byte
		_, _ = crand.Read(seed[:]) // crypto/rand.Read never fails on supported platforms
		g.rng = rand.NewChaCha8(seed)
	}
	if ms > g.ms {
		// A new millisecond: a fresh random start, its top bits clear so
		// that the millisecond has room to count up.
		g.ms = ms
		g.hi, g.lo = g.rng.Uint64()&0x3ff>>1, g.rng.Uint64()
	} else {
		// The same millisecond (or the wall clock stepped back): count
		// on, carrying into the time on overflow so IDs stay ordered.
		g.lo++
		if g.lo == 0 {
			if g.hi++; g.hi > 0x3ff {
				g.ms++
				g.hi = 0
			}
		}
	}
	ms, hi, lo := g.ms, g.hi, g.lo
	g.mu.Unlock()
	return v7(ms, hi, lo)
}

// v7 lays out a UUID v7 from a millisecond time and a 74-bit counter
// (hi's low 10 bits and lo): 48 bits of time, the version, 12 bits of
// rand_a, the variant, 62 bits of rand_b.
func v7(ms int64, hi, lo uint64) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], uint64(ms)<<16)
	// rand_a: hi's 10 bits and lo's top 2; rand_b: lo's other 62.
	a := hi<<2 | lo>>62
	u[6] = 0x70 | byte(a>>8)&0x0f
	u[7] = byte(a)
	binary.BigEndian.PutUint64(u[8:16], lo&(1<<62-1)|0x8000000000000000)
	return u
}

// derivedID is uuid.NewSHA1(eventNamespace, id + "\x00" + key.prefix +
// key.name + "\x00" + i) without the allocations: the name is laid out on
// the stack.
func derivedID(id lead.ID, key eventKey, i int) uuid.UUID {
	var b [256]byte
	buf := append(b[:0], eventNamespace[:]...)
	buf = append(buf, id...)
	buf = append(buf, 0)
	buf = append(buf, key.prefix...)
	buf = append(buf, key.name...)
	buf = append(buf, 0)
	buf = strconv.AppendInt(buf, int64(i), 10)
	sum := sha1.Sum(buf)
	var u uuid.UUID
	copy(u[:], sum[:])
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// uuidLen is the length of a UUID's text form.
const uuidLen = 36

// putUUID writes u into dst[:uuidLen] in the form u.String returns.
func putUUID(dst []byte, u uuid.UUID) {
	dst = dst[:uuidLen]
	hex.Encode(dst[0:8], u[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], u[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], u[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], u[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:], u[10:])
}
