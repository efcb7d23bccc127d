package funnel

import (
	"hash/maphash"

	"github.com/leadline/leadline/lead"
)

// leadIndex numbers lead IDs 0, 1, 2, ... in the order they are added.
// It is an open-addressing table of 8-byte slots over the IDs' bytes
// kept back to back: finding a lead reads one slot and the ID's bytes,
// where a map from string reads a group of control bytes, a slot of
// string headers and the key's own allocation, and it holds no pointer
// per lead for the collector to scan. A lead found lately is found first
// in a small table of recent finds, without reading the large one.
//
// The zero leadIndex is empty and ready to use.
type leadIndex struct {
	seed  maphash.Seed
	slots []uint64 // the hash's high 32 bits << 32 | number+1; 0 for an empty slot
	bytes []byte   // the IDs, back to back, in the order of their numbers
	ends  []int    // where each ID ends in bytes, by number
	// recent is, by the top bits of an ID's hash, 1 + the number of the
	// ID last found under them: a feed's events come from a working set
	// of leads far smaller than the store, and this small table of them
	// stays in cache where a probe of the whole table misses it.
	recent [1 << recentBits]uint32
}

const recentBits = 12

// number returns the number of id, or -1 when x does not hold it.
func (x *leadIndex) number(id lead.ID) int32 {
	i, _ := x.find(id)
	return i
}

// id returns the bytes of the ID numbered i.
func (x *leadIndex) id(i int32) []byte {
	start := 0
	if i > 0 {
		start = x.ends[i-1]
	}
	return x.bytes[start:x.ends[i]]
}

// find returns the number of id, or -1 when x does not hold it, and the
// hash a following add takes.
func (x *leadIndex) find(id lead.ID) (int32, uint64) {
	if x.slots == nil {
		x.seed = maphash.MakeSeed()
		x.slots = make([]uint64, 1024)
	}
	h := maphash.String(x.seed, string(id))
	r := &x.recent[h>>(64-recentBits)]
	if i := int32(*r) - 1; i >= 0 && string(x.id(i)) == string(id) {
		return i, h
	}
	mask := uint64(len(x.slots) - 1)
	tag := h >> 32
	for j := h & mask; ; j = (j + 1) & mask {
		s := x.slots[j]
		if s == 0 {
			return -1, h
		}
		if s>>32 == tag {
			if i := int32(uint32(s) - 1); string(x.id(i)) == string(id) {
				*r = uint32(i) + 1
				return i, h
			}
		}
	}
}

// add numbers id, which x does not hold and whose hash find returned, and
// returns its number.
func (x *leadIndex) add(id lead.ID, h uint64) int32 {
	i := int32(len(x.ends))
	x.bytes = append(x.bytes, id...)
	x.ends = append(x.ends, len(x.bytes))
	// At most three slots in four are used, so a probe stays short.
	if 4*len(x.ends) > 3*len(x.slots) {
		x.grow()
	} else {
		x.place(h, i)
	}
	return i
}

// place puts number i, of hash h, in the first free slot of its probe.
func (x *leadIndex) place(h uint64, i int32) {
	mask := uint64(len(x.slots) - 1)
	j := h & mask
	for x.slots[j] != 0 {
		j = (j + 1) & mask
	}
	x.slots[j] = h>>32<<32 | uint64(uint32(i)+1)
}

// grow doubles the slots and places every ID again.
func (x *leadIndex) grow() {
	x.slots = make([]uint64, 2*len(x.slots))
	for i := range int32(len(x.ends)) {
		x.place(maphash.Bytes(x.seed, x.id(i)), i)
	}
}
