package eventstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"unsafe"
)

// Memory is a Store that keeps everything in process memory: the embedded
// default, and the store tests and examples run on. The zero value is not
// usable; call NewMemory.
//
// Record IDs are kept per stream, as the Store contract needs them: a
// retried append is recognised by its stream holding recs[0].ID, and an
// append whose other records reuse an ID of their stream is refused. The
// same ID in two streams names two records.
//
// Append keeps nothing of the records it is given: their IDs, types and
// Data are copied, so a caller may reuse the records and their bytes once
// it returns. Records returned by Load, Read and Subscribe share their Data
// with the store: callers must not modify it.
type Memory struct {
	mu   sync.RWMutex
	seed maphash.Seed  // of the record IDs' and stream names' hashes
	log  blocks[entry] // the global order; Position == index+1
	// streams holds one stream per index (entry.stream), made by its
	// first append; table finds a stream's index by its name.
	streams blocks[stream]
	table   streamTable
	refs    refArena
	// indexes holds the ID indexes of long streams, by stream.index-1.
	indexes  [][]uint64
	types    []string          // the record types by entry.typ
	typeIdx  map[string]uint32 // index of each type in types
	lastType uint32            // the type typeIndex returned last
	data     slab              // the bytes of every record's ID and Data, and of stream names
	// wake is closed by the next append; subscribers that have caught up
	// wait on it. nil when nobody waits, so appends make no channel.
	wake chan struct{}
}

// stream is what the store knows of one stream: where its name (validated
// when the stream was made) is in the slab, where its records' refs are
// and, once it is long, an index of their IDs. It holds no pointer, so
// that a million streams are nothing the garbage collector scans.
type stream struct {
	nameBlock, nameOff uint32
	// refChunk and refOff place its refs in the arena: refChunk is an
	// index into refArena.chunks, or into refArena.big when big is set.
	refChunk, refOff uint32
	n, cap           uint32 // how many refs it has, and room for
	// index is 1 + its index into Memory.indexes; 0 while n <= scanIDs.
	// An index is an open-addressing table (linear probing) of the
	// records' ID hashes, each slot hash<<32 | version, 0 for empty. A
	// look-up compares hashes, and reads a record's ID from the log only
	// when they match.
	index   uint32
	idx     uint32 // in Memory.streams
	nameLen uint8
	big     bool
}

// name returns the name of st, from the slab.
func (m *Memory) name(st *stream) string {
	return unsafe.String(&m.data.blocks[st.nameBlock][st.nameOff], int(st.nameLen))
}

// recs returns the refs of st's records, in version order. They are the
// arena's: callers must not keep them past an append.
func (m *Memory) recs(st *stream) []ref {
	if st.big {
		return m.refs.big[st.refChunk][:st.n]
	}
	return m.refs.chunks[st.refChunk][st.refOff : st.refOff+st.n]
}

// addRef adds r as st's next record, moving its refs to a region twice
// as large when it has no room left.
func (m *Memory) addRef(st *stream, r ref) {
	switch {
	case st.big:
		m.refs.big[st.refChunk] = append(m.refs.big[st.refChunk], r)
	case st.n < st.cap:
		m.refs.chunks[st.refChunk][st.refOff+st.n] = r
	case 2*st.cap > refChunkLen:
		b := make([]ref, st.n, 2*st.n)
		copy(b, m.recs(st))
		m.refs.big = append(m.refs.big, append(b, r))
		st.refChunk, st.refOff, st.big = uint32(len(m.refs.big)-1), 0, true
	default:
		c := 2 * st.cap
		chunk, off := m.refs.alloc(c)
		dst := m.refs.chunks[chunk][off : off+c]
		copy(dst, m.recs(st))
		dst[st.n] = r
		st.refChunk, st.refOff, st.cap = chunk, off, c
	}
	st.n++
}

// refArena holds the refs of every stream in large pointer-free chunks.
// A stream's refs are a region of one chunk, moved to a region twice as
// large when full (the old one is not reused: at most as many refs as
// the stream holds); a stream longer than a chunk gets a slice of its
// own in big.
type refArena struct {
	chunks [][]ref
	used   uint32 // refs handed out of the last chunk
	big    [][]ref
}

// refChunkLen is how many refs a chunk holds.
const refChunkLen = 1 << 16

// alloc returns a region of n <= refChunkLen refs: its chunk and offset.
func (a *refArena) alloc(n uint32) (chunk, off uint32) {
	if len(a.chunks) == 0 || a.used+n > refChunkLen {
		a.chunks = append(a.chunks, make([]ref, refChunkLen))
		a.used = 0
	}
	off = a.used
	a.used += n
	return uint32(len(a.chunks) - 1), off
}

// streamTable finds a stream's index by its name: an open-addressing
// table (linear probing) whose slots hold the high 32 bits of the name's
// hash (which also place the slot, so that growing reads no name) and
// 1 + the stream's index, 0 for empty. A look-up compares a name only
// when the hashes match.
type streamTable struct {
	slots []uint64
	n     int
}

// find returns the stream named name, whose hash is h.
func (m *Memory) find(name string, h uint64) (*stream, bool) {
	t := &m.table
	if len(t.slots) == 0 {
		return nil, false
	}
	tag := h >> 32
	mask := uint64(len(t.slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		slot := t.slots[i]
		if slot == 0 {
			return nil, false
		}
		if slot>>32 == tag {
			st := m.streams.at(uint32(slot) - 1)
			if m.name(st) == name {
				return st, true
			}
		}
	}
}

// add puts stream idx, whose name's hash is h, into t, growing t to keep
// it at most 3/4 full.
func (t *streamTable) add(h uint64, idx uint32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]uint64, max(2*len(old), 1024))
		for _, s := range old {
			if s != 0 {
				t.put(s)
			}
		}
	}
	t.put(h>>32<<32 | (uint64(idx) + 1))
	t.n++
}

func (t *streamTable) put(slot uint64) {
	mask := uint64(len(t.slots) - 1)
	i := slot >> 32 & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = slot
}

// ref is a record of a stream: its index in the log and the hash of its
// ID, so that looking an ID up touches neither the log nor a string
// unless the hash matches.
type ref struct {
	at   uint32
	hash uint32
}

// scanIDs is how many records a stream may hold before its IDs get an
// index: up to it, a look-up scans the hashes in recs, a few cache lines.
const scanIDs = 32

// hash is the hash of a record ID that refs and indexes keep.
func (m *Memory) hash(id string) uint32 {
	return uint32(maphash.String(m.seed, id))
}

// findID returns the version-1 of the record of st with ID id, whose
// hash is h.
func (m *Memory) findID(st *stream, id string, h uint32) (uint32, bool) {
	recs := m.recs(st)
	if st.index == 0 {
		for v, r := range recs {
			if r.hash == h && m.id(r.at) == id {
				return uint32(v), true
			}
		}
		return 0, false
	}
	index := m.indexes[st.index-1]
	mask := uint32(len(index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		slot := index[i]
		if slot == 0 {
			return 0, false
		}
		if uint32(slot>>32) == h {
			v := uint32(slot) - 1
			if m.id(recs[v].at) == id {
				return v, true
			}
		}
	}
}

// indexed adds st's last record to its index, making or growing the
// index as the stream's length needs (at most half of it full).
func (m *Memory) indexed(st *stream) {
	n := int(st.n)
	if n <= scanIDs {
		return
	}
	recs := m.recs(st)
	if st.index != 0 && 2*n <= len(m.indexes[st.index-1]) {
		insertID(m.indexes[st.index-1], recs, uint32(n))
		return
	}
	size := 2 * scanIDs
	for size < 2*n {
		size *= 2
	}
	index := make([]uint64, size)
	for v := 1; v <= n; v++ {
		insertID(index, recs, uint32(v))
	}
	if st.index == 0 {
		m.indexes = append(m.indexes, index)
		st.index = uint32(len(m.indexes))
	} else {
		m.indexes[st.index-1] = index
	}
}

// insertID puts version v (1-based) of recs into index.
func insertID(index []uint64, recs []ref, v uint32) {
	h := recs[v-1].hash
	mask := uint32(len(index) - 1)
	i := h & mask
	for index[i] != 0 {
		i = (i + 1) & mask
	}
	index[i] = uint64(h)<<32 | uint64(v)
}

// slab holds the bytes of every record's ID and Data, in large blocks, so
// that an append makes no allocation of its own and the garbage collector
// sees a few pointer-free blocks instead of objects per record.
type slab struct {
	blocks [][]byte
	cur    int // the block small records go to, once blocks has one
}

const slabSize = 64 << 10

// put copies id and then data into the slab and returns where: the block
// and the offset of id. A record too large to share a block gets a block
// of its own.
func (s *slab) put(id string, data []byte) (block, off uint32) {
	n := len(id) + len(data)
	if n > slabSize/4 {
		b := make([]byte, 0, n)
		b = append(append(b, id...), data...)
		s.blocks = append(s.blocks, b)
		return uint32(len(s.blocks) - 1), 0
	}
	if len(s.blocks) == 0 || n > cap(s.blocks[s.cur])-len(s.blocks[s.cur]) {
		s.blocks = append(s.blocks, make([]byte, 0, slabSize))
		s.cur = len(s.blocks) - 1
	}
	b := &s.blocks[s.cur]
	off = uint32(len(*b))
	*b = append(append(*b, id...), data...)
	return uint32(s.cur), off
}

// entry is a record of the global log without pointers, so that the log,
// however long, is nothing the garbage collector scans: its ID and Data
// are in the slab, its stream and type are indexes into the store's
// tables.
type entry struct {
	block, off uint32 // where its ID, then its Data, are in the slab
	data       uint32 // len(Data)
	stream     uint32 // index into Memory.streams
	typ        uint32 // index into Memory.types
	version    uint32
	idLen      uint8
}

// blocks is a growing array in fixed-size blocks, so that growing it
// never copies one ever larger array and its elements never move.
type blocks[T any] struct {
	b [][]T
	n int
}

const blockBits = 12

func (c *blocks[T]) len() int { return c.n }

func (c *blocks[T]) at(i uint32) *T { return &c.b[i>>blockBits][i&(1<<blockBits-1)] }

// append adds v and returns where it is.
func (c *blocks[T]) append(v T) *T {
	if c.n>>blockBits == len(c.b) {
		c.b = append(c.b, make([]T, 0, 1<<blockBits))
	}
	b := &c.b[len(c.b)-1]
	*b = append(*b, v)
	c.n++
	return &(*b)[len(*b)-1]
}

// id returns the ID of the record at log index i.
func (m *Memory) id(i uint32) string {
	e := m.log.at(i)
	return unsafe.String(&m.data.blocks[e.block][e.off], int(e.idLen))
}

// fill sets the zero record r to the record e at log index i, of the
// stream named stream, field by field (copying a whole Record into a
// slice costs a bulk write barrier while the collector runs). Its ID and
// Data share the slab's bytes, which are never written again.
func (m *Memory) fill(r *Record, e *entry, i uint32, stream string) {
	b := m.data.blocks[e.block]
	r.ID = unsafe.String(&b[e.off], int(e.idLen))
	r.Stream = stream
	r.Version = uint64(e.version)
	r.Position = uint64(i) + 1
	r.Type = m.types[e.typ]
	if e.data > 0 {
		start := e.off + uint32(e.idLen)
		r.Data = b[start : start+e.data : start+e.data]
	}
}

// typeIndex returns the index of typ in m.types, adding it.
func (m *Memory) typeIndex(typ string) uint32 {
	// Appends in a row often carry one type (a tick's breaches): no
	// map look-up for them.
	if len(m.types) > 0 && m.types[m.lastType] == typ {
		return m.lastType
	}
	i, ok := m.typeIdx[typ]
	if !ok {
		typ = strings.Clone(typ)
		m.types = append(m.types, typ)
		i = uint32(len(m.types) - 1)
		m.typeIdx[typ] = i
	}
	m.lastType = i
	return i
}

var (
	_ Store         = (*Memory)(nil)
	_ BatchAppender = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{typeIdx: make(map[string]uint32), seed: maphash.MakeSeed()}
}

// Append implements Store.
func (m *Memory) Append(ctx context.Context, stream string, expected uint64, recs ...Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := validateRecords(stream, recs); err != nil {
		return 0, err
	}
	sh := maphash.String(m.seed, stream)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.appendLocked(stream, sh, nil, expected, recs)
}

// AppendBatch implements BatchAppender: every append under one lock.
func (m *Memory) AppendBatch(ctx context.Context, appends []Append) []AppendResult {
	out := make([]AppendResult, len(appends))
	if err := ctx.Err(); err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	// The names' hashes are made before the lock is taken (the seed
	// never changes).
	hs := make([]uint64, len(appends))
	for i, a := range appends {
		out[i].Err = validateRecords(a.Stream, a.Records)
		hs[i] = maphash.String(m.seed, a.Stream)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Streams are looked up a group at a time before the group's appends
	// are made: look-ups independent of each other wait for memory
	// together instead of one after the other.
	const group = 8
	var found [group]*stream
	for g := 0; g < len(appends); g += group {
		n := min(group, len(appends)-g)
		for k := range n {
			found[k], _ = m.find(appends[g+k].Stream, hs[g+k])
		}
		for k := range n {
			if i, a := g+k, appends[g+k]; out[i].Err == nil {
				out[i].Version, out[i].Err = m.appendLocked(a.Stream, hs[i], found[k], a.Expected, a.Records)
			}
		}
	}
	return out
}

// appendLocked is Append after validateRecords, with m.mu held, to the
// stream name whose hash is sh: st when the caller has found it, else
// looked up here. The stream's name is validated here, once, when the
// stream is made.
func (m *Memory) appendLocked(name string, sh uint64, st *stream, expected uint64, recs []Record) (uint64, error) {
	h0 := m.hash(recs[0].ID)
	if st == nil {
		// Not found by the caller, or made since by an append of the
		// same batch.
		st, _ = m.find(name, sh)
	}
	if st == nil {
		// A new stream holds no IDs, and its records' IDs differ
		// (validateRecords): it takes the append when it expects nothing.
		if err := ValidateStream(name); err != nil {
			return 0, err
		}
		if expected != 0 {
			return 0, &ConflictError{Stream: name, Expected: expected, Actual: 0}
		}
		if err := m.room(len(recs)); err != nil {
			return 0, err
		}
		// A stream is made with its first record: a refused append
		// leaves nothing behind.
		st = m.newStream(name, sh)
	} else {
		if v, ok := m.findID(st, recs[0].ID, h0); ok {
			return uint64(v) + uint64(len(recs)), nil
		}
		actual := uint64(st.n)
		if actual != expected {
			return 0, &ConflictError{Stream: name, Expected: expected, Actual: actual}
		}
		for _, r := range recs[1:] {
			if _, dup := m.findID(st, r.ID, m.hash(r.ID)); dup {
				return 0, fmt.Errorf("%w: record ID %q is already used in stream %q", ErrInvalid, r.ID, name)
			}
		}
		if err := m.room(len(recs)); err != nil {
			return 0, err
		}
	}
	typ, ti := "", uint32(0)
	for i, r := range recs {
		n := uint32(m.log.len())
		h := h0
		if i > 0 {
			h = m.hash(r.ID)
		}
		if i == 0 || r.Type != typ {
			typ, ti = r.Type, m.typeIndex(r.Type)
		}
		block, off := m.data.put(r.ID, r.Data)
		m.log.append(entry{
			block: block, off: off, data: uint32(len(r.Data)),
			stream: st.idx, typ: ti,
			version: st.n + 1,
			idLen:   uint8(len(r.ID)),
		})
		m.addRef(st, ref{at: n, hash: h})
		m.indexed(st)
	}
	if m.wake != nil {
		close(m.wake)
		m.wake = nil
	}
	return uint64(st.n), nil
}

// room returns an error when the log cannot take n more records.
func (m *Memory) room(n int) error {
	if m.log.len()+n > maxMemoryRecords {
		return fmt.Errorf("eventstore: memory store is full (%d records)", maxMemoryRecords)
	}
	return nil
}

// newStream adds stream name, whose hash is h, with its name in the slab
// and room for its first records in the arena: making one allocates
// nothing of its own.
func (m *Memory) newStream(name string, h uint64) *stream {
	block, off := m.data.put(name, nil)
	chunk, roff := m.refs.alloc(firstRefs)
	idx := uint32(m.streams.len())
	st := m.streams.append(stream{
		nameBlock: block, nameOff: off, nameLen: uint8(len(name)),
		idx:      idx,
		refChunk: chunk, refOff: roff, cap: firstRefs,
	})
	m.table.add(h, idx)
	return st
}

// firstRefs is how many records a new stream has room for.
const firstRefs = 4

// maxMemoryRecords is what a uint32 index can address.
const maxMemoryRecords = 1<<32 - 1

// An entry keeps an ID's length in a byte.
const _ = uint8(MaxIDLen)

// Load implements Store.
func (m *Memory) Load(ctx context.Context, stream string, from uint64) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if from > 0 {
		from--
	}
	h := maphash.String(m.seed, stream)
	m.mu.RLock()
	st, ok := m.find(stream, h)
	if !ok {
		m.mu.RUnlock()
		// Only a stream that does not exist may have a bad name.
		return nil, ValidateStream(stream)
	}
	defer m.mu.RUnlock()
	refs := m.recs(st)
	if from >= uint64(len(refs)) {
		return nil, nil
	}
	name := m.name(st)
	out := make([]Record, uint64(len(refs))-from)
	for i, r := range refs[from:] {
		m.fill(&out[i], m.log.at(r.at), r.at, name)
	}
	return out, nil
}

// Version returns the current version of stream (0 when it does not exist)
// without copying its records.
func (m *Memory) Version(stream string) uint64 {
	h := maphash.String(m.seed, stream)
	m.mu.RLock()
	defer m.mu.RUnlock()
	if st, ok := m.find(stream, h); ok {
		return uint64(st.n)
	}
	return 0
}

// Read implements Store.
func (m *Memory) Read(ctx context.Context, from uint64, limit int) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	recs, _ := m.since(from, limit, false)
	return recs, nil
}

// ReadInto implements PageReader.
func (m *Memory) ReadInto(ctx context.Context, from uint64, recs []Record) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if from > 0 {
		from--
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.fillFrom(from, recs), nil
}

// Streams implements PageReader: the streams appended to.
func (m *Memory) Streams() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.streams.len()
}

// since returns up to limit records from position from. When there are
// none and wait is set, it returns instead a channel the next append
// closes, made under the same lock that saw the log end, so no append
// slips between the look and the wait.
func (m *Memory) since(from uint64, limit int, wait bool) ([]Record, <-chan struct{}) {
	if from > 0 {
		from--
	}
	m.mu.RLock()
	recs := m.copyFrom(from, limit)
	m.mu.RUnlock()
	if recs != nil || !wait {
		return recs, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if recs := m.copyFrom(from, limit); recs != nil {
		return recs, nil
	}
	if m.wake == nil {
		m.wake = make(chan struct{})
	}
	return nil, m.wake
}

// copyFrom copies up to limit records from index from; m.mu is held.
func (m *Memory) copyFrom(from uint64, limit int) []Record {
	if from >= uint64(m.log.len()) {
		return nil
	}
	end := uint64(m.log.len())
	if limit > 0 && from+uint64(limit) < end {
		end = from + uint64(limit)
	}
	out := make([]Record, end-from)
	m.fillFrom(from, out)
	return out
}

// fillFrom sets the records of out to those from log index from on, as
// many as there are, and returns how many; m.mu is held.
func (m *Memory) fillFrom(from uint64, out []Record) int {
	if from >= uint64(m.log.len()) {
		return 0
	}
	n := min(uint64(len(out)), uint64(m.log.len())-from)
	// Records of one stream often come together: one name for them all.
	var name string
	last := uint32(1<<32 - 1)
	for i := range n {
		e := m.log.at(uint32(from + i))
		if e.stream != last {
			last, name = e.stream, m.name(m.streams.at(e.stream))
		}
		r := &out[i]
		if r.Data != nil {
			// A reused record: fill sets Data only when there is some.
			*r = Record{}
		}
		m.fill(r, e, uint32(from+i), name)
	}
	return int(n)
}

// subscribeBatch bounds how many records a subscriber copies per lock.
const subscribeBatch = 1024

// Subscribe implements Store.
func (m *Memory) Subscribe(ctx context.Context, from uint64, fn func(Record) error) error {
	if from == 0 {
		from = 1
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		recs, wake := m.since(from, subscribeBatch, true)
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
			from = r.Position + 1
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(recs) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}
