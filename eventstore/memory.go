package eventstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
// Records returned by Load, Read and Subscribe share their Data with the
// store: callers must not modify it.
type Memory struct {
	mu      sync.RWMutex
	log     chunks             // the global order; Position == index+1
	streams map[string]*stream // one entry per stream, made by its first append
	data    slab               // the bytes of every record's Data
	// wake is closed by the next append; subscribers that have caught up
	// wait on it. nil when nobody waits, so appends make no channel.
	wake chan struct{}
}

// stream is what the store knows of one stream: its records and, once it
// is long, an index of their IDs. Its name was validated when it was made.
type stream struct {
	recs []uint32          // indexes into the log, in version order
	ids  map[string]uint32 // record ID -> version-1; nil while len(recs) <= scanIDs
}

// scanIDs is how many records a stream may hold before its IDs get an
// index: up to it, looking an ID up is a scan of a few cache lines, cheaper
// than hashing it and far smaller than a map per stream.
const scanIDs = 32

// find returns the version-1 of the record of st with ID id.
func (m *Memory) find(st *stream, id string) (uint32, bool) {
	if st.ids != nil {
		v, ok := st.ids[id]
		return v, ok
	}
	for v, i := range st.recs {
		if m.log.at(i).ID == id {
			return uint32(v), true
		}
	}
	return 0, false
}

// slab hands out the bytes records' Data is copied into from large
// blocks, so that an append makes no allocation of its own and the
// garbage collector sees a few pointer-free blocks instead of one small
// object per record.
type slab struct {
	block []byte
}

const slabSize = 64 << 10

// copy returns a copy of b, with no spare capacity.
func (s *slab) copy(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	if len(b) > slabSize/4 {
		return slices.Clone(b)
	}
	if len(b) > cap(s.block)-len(s.block) {
		s.block = make([]byte, 0, slabSize)
	}
	n := len(s.block)
	s.block = append(s.block, b...)
	return s.block[n:len(s.block):len(s.block)]
}

// chunks is the global log in fixed-size blocks, so that growing it never
// copies (or makes the garbage collector rescan) one ever larger array.
type chunks struct {
	blocks [][]Record
	n      int
}

const chunkBits = 12

func (c *chunks) len() int { return c.n }

func (c *chunks) at(i uint32) *Record { return &c.blocks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *chunks) append(r Record) {
	if c.n>>chunkBits == len(c.blocks) {
		c.blocks = append(c.blocks, make([]Record, 0, 1<<chunkBits))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, r)
	c.n++
}

// copyRange appends the records at indexes [from, to) to out.
func (c *chunks) copyRange(out []Record, from, to int) []Record {
	for from < to {
		blk := c.blocks[from>>chunkBits]
		off := from & (1<<chunkBits - 1)
		end := min(len(blk), off+to-from)
		out = append(out, blk[off:end]...)
		from += end - off
	}
	return out
}

var (
	_ Store         = (*Memory)(nil)
	_ BatchAppender = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{streams: make(map[string]*stream)}
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
	st := m.streams[name]
	if st == nil {
		if err := ValidateStream(name); err != nil {
			return 0, err
		}
		st = &stream{}
	}
	if v, ok := m.find(st, recs[0].ID); ok {
		return uint64(v) + uint64(len(recs)), nil
	}
	actual := uint64(len(st.recs))
	if actual != expected {
		return 0, &ConflictError{Stream: name, Expected: expected, Actual: actual}
	}
	for _, r := range recs[1:] {
		if _, dup := m.find(st, r.ID); dup {
			return 0, fmt.Errorf("%w: record ID %q is already used in stream %q", ErrInvalid, r.ID, name)
		}
	}
	if m.log.len()+len(recs) > maxMemoryRecords {
		return 0, fmt.Errorf("eventstore: memory store is full (%d records)", maxMemoryRecords)
	}
	if actual == 0 {
		// A stream enters the map with its first record: a refused
		// append leaves nothing behind.
		m.streams[name] = st
	}
	for _, r := range recs {
		n := uint32(m.log.len())
		r.Stream = name
		r.Version = uint64(len(st.recs)) + 1
		r.Position = uint64(n) + 1
		r.Data = m.data.copy(r.Data)
		m.log.append(r)
		st.recs = append(st.recs, n)
		if st.ids != nil {
			st.ids[r.ID] = uint32(len(st.recs) - 1)
		}
	}
	if st.ids == nil && len(st.recs) > scanIDs {
		st.ids = make(map[string]uint32, 2*len(st.recs))
		for v, i := range st.recs {
			st.ids[m.log.at(i).ID] = uint32(v)
		}
	}
	if m.wake != nil {
		close(m.wake)
		m.wake = nil
	}
	return uint64(len(st.recs)), nil
}

// maxMemoryRecords is what a uint32 index can address.
const maxMemoryRecords = 1<<32 - 1

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
	idx := st.recs
	if from >= uint64(len(idx)) {
		return nil, nil
	}
	out := make([]Record, 0, uint64(len(idx))-from)
	for _, i := range idx[from:] {
		out = append(out, *m.log.at(i))
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
	return m.log.copyRange(make([]Record, 0, end-from), int(from), int(end))
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
