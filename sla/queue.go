package sla

import (
	"time"

	"github.com/leadline/leadline/lead"
)

// Queue holds, for each lead with an open deadline, the next instant
// something is due: a min-heap keyed by time with an index by lead, so
// one timer serves every lead instead of a goroutine per lead. It is not
// safe for concurrent use; the Engine guards it.
type Queue struct {
	heap  []*entry
	index map[lead.ID]*entry
}

// entry keeps its own place in the heap, so moving it touches no map.
type entry struct {
	at  int64 // Unix nanoseconds
	pos int   // index in heap
	id  lead.ID
}

// Len returns the number of leads queued.
func (q *Queue) Len() int { return len(q.heap) }

// Set queues lead id at instant at, replacing its earlier instant. A zero
// at removes the lead.
func (q *Queue) Set(id lead.ID, at time.Time) {
	if q.index == nil {
		q.index = make(map[lead.ID]*entry)
	}
	e, ok := q.index[id]
	if at.IsZero() {
		if ok {
			q.remove(e.pos)
		}
		return
	}
	n := at.UnixNano()
	if ok {
		old := e.at
		e.at = n
		if n < old {
			q.up(e.pos)
		} else {
			q.down(e.pos)
		}
		return
	}
	e = &entry{at: n, pos: len(q.heap), id: id}
	q.heap = append(q.heap, e)
	q.index[id] = e
	q.up(e.pos)
}

// Peek returns the earliest queued lead and its instant.
func (q *Queue) Peek() (lead.ID, time.Time, bool) {
	if len(q.heap) == 0 {
		return "", time.Time{}, false
	}
	return q.heap[0].id, time.Unix(0, q.heap[0].at).UTC(), true
}

// PopDue removes the leads whose instant is at or before now and appends
// them to buf, earliest first.
func (q *Queue) PopDue(now time.Time, buf []lead.ID) []lead.ID {
	n := now.UnixNano()
	for len(q.heap) > 0 && q.heap[0].at <= n {
		buf = append(buf, q.heap[0].id)
		q.remove(0)
	}
	return buf
}

func (q *Queue) remove(i int) {
	last := len(q.heap) - 1
	delete(q.index, q.heap[i].id)
	if i != last {
		q.heap[i] = q.heap[last]
		q.heap[i].pos = i
	}
	q.heap[last] = nil
	q.heap = q.heap[:last]
	if i < last {
		q.down(i)
		q.up(i)
	}
}

func (q *Queue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if q.heap[p].at <= q.heap[i].at {
			return
		}
		q.swap(i, p)
		i = p
	}
}

func (q *Queue) down(i int) {
	n := len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.heap[r].at < q.heap[l].at {
			m = r
		}
		if q.heap[i].at <= q.heap[m].at {
			return
		}
		q.swap(i, m)
		i = m
	}
}

func (q *Queue) swap(i, j int) {
	q.heap[i], q.heap[j] = q.heap[j], q.heap[i]
	q.heap[i].pos = i
	q.heap[j].pos = j
}
