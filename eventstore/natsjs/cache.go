package natsjs

import "container/list"

// recentVersions is how many (version, sequence) pairs the Store keeps
// per lead stream: enough for Load of the last few records and for an
// append with a slightly stale expected version to be resolved without
// reading the lead from its start.
const recentVersions = 4

// place is where one record of a lead stream is in the JetStream stream.
type place struct {
	version uint64
	seq     uint64
}

// streamState is what the Store knows of one lead stream. Streams only
// grow (the store refuses a JetStream stream that deletes messages), so
// what it knows stays true; it may only be behind.
type streamState struct {
	version uint64                // version of the last leadline record seen
	tail    uint64                // sequence of the last message seen on the stream's subjects, leadline's or not
	recent  [recentVersions]place // the newest known records, newest first; zero entries unused
}

// seqOf returns the sequence of the record at version v, when known.
// Version 0 is "before the first message": sequence 0.
func (st *streamState) seqOf(v uint64) (uint64, bool) {
	if v == 0 {
		return 0, true
	}
	for _, p := range st.recent {
		if p.version == v {
			return p.seq, true
		}
	}
	return 0, false
}

// add records that version v is at sequence seq.
func (st *streamState) add(v, seq uint64) {
	st.tail = max(st.tail, seq)
	if v == 0 {
		return
	}
	if v > st.version {
		st.version = v
	}
	for _, p := range st.recent {
		if p.version == v {
			return
		}
	}
	// Keep the newest: drop the oldest entry if v is newer than it.
	oldest := len(st.recent) - 1
	if st.recent[oldest].version != 0 && st.recent[oldest].version > v {
		return
	}
	st.recent[oldest] = place{v, seq}
	for i := oldest; i > 0 && st.recent[i].version > st.recent[i-1].version; i-- {
		st.recent[i], st.recent[i-1] = st.recent[i-1], st.recent[i]
	}
}

// streamCache remembers the state of the most recently used lead streams,
// evicting the least recently used one when full. It is not safe for
// concurrent use; the Store guards it with its mutex.
type streamCache struct {
	max   int
	order *list.List // of *cacheEntry, most recently used first
	index map[string]*list.Element
}

type cacheEntry struct {
	stream string
	state  streamState
}

func newStreamCache(max int) *streamCache {
	return &streamCache{max: max, order: list.New(), index: make(map[string]*list.Element)}
}

// get returns the state of stream and marks it used.
func (c *streamCache) get(stream string) (streamState, bool) {
	e, ok := c.index[stream]
	if !ok {
		return streamState{}, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).state, true
}

// update applies f to the state of stream (a zero state for a stream not
// cached), marks it used, and evicts the least recently used stream when
// the cache is over its bound.
func (c *streamCache) update(stream string, f func(*streamState)) {
	if e, ok := c.index[stream]; ok {
		c.order.MoveToFront(e)
		f(&e.Value.(*cacheEntry).state)
		return
	}
	ent := &cacheEntry{stream: stream}
	f(&ent.state)
	c.index[stream] = c.order.PushFront(ent)
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.index, last.Value.(*cacheEntry).stream)
	}
}

// len returns how many streams are cached.
func (c *streamCache) len() int { return c.order.Len() }
