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
	mu      sync.RWMutex
	seed    maphash.Seed       // of the record IDs' hashes
	log     chunks             // the global order; Position == index+1
	streams map[string]*stream // one entry per stream, made by its first append
	byIndex []*stream          // the streams by entry.stream
	// streamBlock and refBlock are where new streams and their first
	// records' refs are made (newStream).
	streamBlock []stream
	refBlock    []ref
	types       []string          // the record types by entry.typ
	typeIdx     map[string]uint32 // index of each type in types
	data        slab              // the bytes of every record's ID and Data
	// wake is closed by the next append; subscribers that have caught up
	// wait on it. nil when nobody waits, so appends make no channel.
	wake chan struct{}
}

// stream is what the store knows of one stream: its name (validated
// when the stream was made), its records and, once it is long, an index of
// their IDs.
type stream struct {
	name string
	idx  uint32 // in Memory.byIndex
	recs []ref
	// index is an open-addressing table (linear probing) of the records'
	// ID hashes, each slot hash<<32 | version, 0 for empty; nil while
	// len(recs) <= scanIDs. A look-up compares hashes, and reads a
	// record's ID from the log only when they match.
	index []uint64
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

// find returns the version-1 of the record of st with ID id, whose hash
// is h.
func (m *Memory) find(st *stream, id string, h uint32) (uint32, bool) {
	if st.index == nil {
		for v, r := range st.recs {
			if r.hash == h && m.id(r.at) == id {
				return uint32(v), true
			}
		}
		return 0, false
	}
	mask := uint32(len(st.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		slot := st.index[i]
		if slot == 0 {
			return 0, false
		}
		if uint32(slot>>32) == h {
			v := uint32(slot) - 1
			if m.id(st.recs[v].at) == id {
				return v, true
			}
		}
	}
}

// indexed adds st's last record to its index, making or growing the
// index as the stream's length needs (at most half of it full).
func (st *stream) indexed() {
	n := len(st.recs)
	if n <= scanIDs {
		return
	}
	if st.index != nil && 2*n <= len(st.index) {
		st.insert(uint32(n))
		return
	}
	size := 2 * scanIDs
	for size < 2*n {
		size *= 2
	}
	st.index = make([]uint64, size)
	for v := 1; v <= n; v++ {
		st.insert(uint32(v))
	}
}

// insert puts version v (1-based) of st into its index.
func (st *stream) insert(v uint32) {
	h := st.recs[v-1].hash
	mask := uint32(len(st.index) - 1)
	i := h & mask
	for st.index[i] != 0 {
		i = (i + 1) & mask
	}
	st.index[i] = uint64(h)<<32 | uint64(v)
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

// string returns a copy of v in the slab.
func (s *slab) string(v string) string {
	block, off := s.put(v, nil)
	return unsafe.String(&s.blocks[block][off], len(v))
}

// entry is a record of the global log without pointers, so that the log,
// however long, is nothing the garbage collector scans: its ID and Data
// are in the slab, its stream and type are indexes into the store's
// tables.
type entry struct {
	block, off uint32 // where its ID, then its Data, are in the slab
	data       uint32 // len(Data)
	stream     uint32 // index into Memory.byIndex
	typ        uint32 // index into Memory.types
	version    uint32
	idLen      uint8
}

// chunks is the global log in fixed-size blocks, so that growing it never
// copies one ever larger array.
type chunks struct {
	blocks [][]entry
	n      int
}

const chunkBits = 12

func (c *chunks) len() int { return c.n }

func (c *chunks) at(i uint32) *entry { return &c.blocks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *chunks) append(e entry) {
	if c.n>>chunkBits == len(c.blocks) {
		c.blocks = append(c.blocks, make([]entry, 0, 1<<chunkBits))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, e)
	c.n++
}

// id returns the ID of the record at log index i.
func (m *Memory) id(i uint32) string {
	e := m.log.at(i)
	return unsafe.String(&m.data.blocks[e.block][e.off], int(e.idLen))
}

// record returns the record at log index i. Its ID and Data share the
// slab's bytes, which are never written again.
func (m *Memory) record(i uint32) Record {
	e := m.log.at(i)
	b := m.data.blocks[e.block]
	r := Record{
		ID:       unsafe.String(&b[e.off], int(e.idLen)),
		Stream:   m.byIndex[e.stream].name,
		Version:  uint64(e.version),
		Position: uint64(i) + 1,
		Type:     m.types[e.typ],
	}
	if e.data > 0 {
		start := e.off + uint32(e.idLen)
		r.Data = b[start : start+e.data : start+e.data]
	}
	return r
}

// typeIndex returns the index of typ in m.types, adding it.
func (m *Memory) typeIndex(typ string) uint32 {
	if i, ok := m.typeIdx[typ]; ok {
		return i
	}
	typ = strings.Clone(typ)
	m.types = append(m.types, typ)
	m.typeIdx[typ] = uint32(len(m.types) - 1)
	return uint32(len(m.types) - 1)
}

var (
	_ Store         = (*Memory)(nil)
	_ BatchAppender = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{streams: make(map[string]*stream), typeIdx: make(map[string]uint32), seed: maphash.MakeSeed()}
}

// Append implements Store.
func (m *Memory) Append(ctx context.Context, stream string, expected uint64, recs ...Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := validateRecords(stream, recs); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.appendLocked(stream, expected, recs)
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
	for i, a := range appends {
		out[i].Err = validateRecords(a.Stream, a.Records)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, a := range appends {
		if out[i].Err == nil {
			out[i].Version, out[i].Err = m.appendLocked(a.Stream, a.Expected, a.Records)
		}
	}
	return out
}

// appendLocked is Append after validateRecords, with m.mu held. The
// stream's name is validated here, once, when the stream is made.
func (m *Memory) appendLocked(name string, expected uint64, recs []Record) (uint64, error) {
	h0 := m.hash(recs[0].ID)
	st := m.streams[name]
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
		// A stream enters the map with its first record: a refused
		// append leaves nothing behind.
		st = m.newStream(name)
	} else {
		if v, ok := m.find(st, recs[0].ID, h0); ok {
			return uint64(v) + uint64(len(recs)), nil
		}
		actual := uint64(len(st.recs))
		if actual != expected {
			return 0, &ConflictError{Stream: name, Expected: expected, Actual: actual}
		}
		for _, r := range recs[1:] {
			if _, dup := m.find(st, r.ID, m.hash(r.ID)); dup {
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
			version: uint32(len(st.recs)) + 1,
			idLen:   uint8(len(r.ID)),
		})
		st.recs = append(st.recs, ref{at: n, hash: h})
		st.indexed()
	}
	if m.wake != nil {
		close(m.wake)
		m.wake = nil
	}
	return uint64(len(st.recs)), nil
}

// room returns an error when the log cannot take n more records.
func (m *Memory) room(n int) error {
	if m.log.len()+n > maxMemoryRecords {
		return fmt.Errorf("eventstore: memory store is full (%d records)", maxMemoryRecords)
	}
	return nil
}

// newStream adds stream name. Streams are made in blocks, with their
// name in the slab and room for their first records in a shared block of
// refs (clipped, so that a longer stream moves out): making one
// allocates nothing of its own.
func (m *Memory) newStream(name string) *stream {
	if len(m.streamBlock) == cap(m.streamBlock) {
		m.streamBlock = make([]stream, 0, 256)
	}
	if len(m.refBlock)+firstRefs > cap(m.refBlock) {
		m.refBlock = make([]ref, 0, 256*firstRefs)
	}
	n := len(m.refBlock)
	m.refBlock = m.refBlock[:n+firstRefs]
	m.streamBlock = append(m.streamBlock, stream{
		name: m.data.string(name),
		idx:  uint32(len(m.byIndex)),
		recs: m.refBlock[n : n : n+firstRefs],
	})
	st := &m.streamBlock[len(m.streamBlock)-1]
	m.byIndex = append(m.byIndex, st)
	m.streams[st.name] = st
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
	m.mu.RLock()
	st := m.streams[stream]
	if st == nil {
		m.mu.RUnlock()
		// Only a stream that does not exist may have a bad name.
		return nil, ValidateStream(stream)
	}
	defer m.mu.RUnlock()
	refs := st.recs
	if from >= uint64(len(refs)) {
		return nil, nil
	}
	out := make([]Record, 0, uint64(len(refs))-from)
	for _, r := range refs[from:] {
		out = append(out, m.record(r.at))
	}
	return out, nil
}

// Version returns the current version of stream (0 when it does not exist)
// without copying its records.
func (m *Memory) Version(stream string) uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if st := m.streams[stream]; st != nil {
		return uint64(len(st.recs))
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
	out := make([]Record, 0, end-from)
	for i := from; i < end; i++ {
		out = append(out, m.record(uint32(i)))
	}
	return out
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
