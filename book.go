package leadline

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadline/leadline/lead"
)

// book is the Engine's one record per lead it knows something about: the
// state it last folded (while cached), its place in the deadline queue,
// the rep holding it, whether its history is corrupt. One lookup finds all
// of it; the queue is a heap of the same entries. An entry is a compact
// schedule record: the cache of states is bounded (maxStates) and may be
// far smaller than the leads queued, so an open lead costs its entry and
// its slot in the map and the heap, not a State.
type book struct {
	mu        sync.Mutex
	leads     map[lead.ID]*entry
	heap      []*entry          // entries with something coming due, earliest first
	load      map[string]*rep   // open leads per rep
	names     map[string]string // segment names marks use
	lastName  string
	ring      []*entry // entries holding a state, swept to evict
	hand      int
	maxStates int
	// kick wakes Run when the queue's head moves earlier.
	kick chan struct{}
}

// rep counts the open leads of one rep; its name is the one copy of the
// name the entries share.
type rep struct {
	name string
	open int
}

type entry struct {
	id lead.ID
	// state is the cached state, owned by the book: overwritten in place
	// under b.mu (readers get copies), nil when not cached.
	state   *lead.State
	fold    *rebuilding // Rebuild's fold of the lead while it reads the store; set and read by Rebuild alone (changed under b.mu)
	corrupt *CorruptError
	seen    uint64 // the version the schedule was last set from
	due     int64  // unix nanoseconds; valid while pos >= 0
	rep     string // who holds the lead while sales owns it
	pos     int32  // index in heap, -1 when not queued
	slot    int32  // index in ring, -1 without a state
	used    bool   // read since the eviction hand last passed
	pinned  bool   // held by a Tick: kept in leads even when it holds nothing
	held    bool   // held by a command (hold), under the lead's lock: kept in leads
	// mark is the step the lead comes due with at due, when recording it
	// only marks the lead, planned from version seen (mark.ok).
	mark markStep
}

// markStep is a lead's next step when recording it only marks the lead:
// a warning, or a breach step whose action is notify. Such a step is
// decided by the lead's state at the version it was planned from alone
// (its clock running, not yet marked, the stage, the rep and the
// policy's segment): Tick records it from the entry, without the state,
// appending at that version, so a lead changed since meets the store's
// version check and is decided afresh. After it the lead is due again
// at then (sla.Policy.Next).
type markStep struct {
	ok       bool
	breach   bool
	kind     uint8 // index into kinds
	step     uint8 // of a breach step
	since    uint64
	due      int64   // the deadline's due instant, Unix ns
	then     int64   // when the lead is due again after the step, Unix ns; 0 for never
	fraction float64 // of a warning
	policy   string  // the segment a breach event names
}

// kinds are the deadline kinds a markStep indexes.
var kinds = lead.Kinds()

func (b *book) init(maxStates int) {
	b.leads = make(map[lead.ID]*entry)
	b.load = make(map[string]*rep)
	b.names = make(map[string]string)
	b.maxStates = maxStates
	b.kick = make(chan struct{}, 1)
}

// reserve makes room for n leads in an empty book, so that its index is
// made once at its size rather than grown (rehashed) as leads come.
func (b *book) reserve(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.leads) == 0 && n > 0 {
		b.leads = make(map[lead.ID]*entry, n)
	}
}

// entry returns id's entry, making one when make is set; b.mu is held.
func (b *book) entry(id lead.ID, make bool) *entry {
	en := b.leads[id]
	if en == nil && make {
		en = &entry{id: id, slot: -1, pos: -1}
		b.leads[id] = en
	}
	return en
}

// tidy forgets an entry that holds nothing; b.mu is held.
func (b *book) tidy(en *entry) {
	if en.state == nil && en.pos < 0 && en.rep == "" && en.corrupt == nil && en.fold == nil && !en.pinned && !en.held {
		delete(b.leads, en.id)
	}
}

// state returns the cached state of id (the zero State when there is
// none), or its CorruptError.
func (b *book) state(id lead.ID) (lead.State, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if en := b.leads[id]; en != nil {
		return en.cached()
	}
	return lead.State{}, nil
}

// hold returns id's entry, made if need be and kept in the book until
// releaseHeld, so that a command finds it once and caches and schedules the
// lead through it. When s is not nil, *s is set to the cached state, if
// any (a copy: the cache never aliases a State a caller holds). The error
// is the lead's CorruptError. The caller holds the lead's lock (leadLock):
// a lead has one holder at a time.
func (b *book) hold(id lead.ID, s *lead.State) (*entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	en := b.entry(id, true)
	en.held = true
	switch {
	case en.corrupt != nil:
		return en, en.corrupt
	case s != nil && en.state != nil:
		en.used = true
		*s = *en.state
	}
	return en, nil
}

// releaseHeld ends a command's hold on en. With put set it caches s first,
// as put does; with sched set it schedules s at wake, as schedule does.
func (b *book) releaseHeld(en *entry, s *lead.State, put, sched bool, wake time.Time, m *markStep) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if put && b.maxStates > 0 && s.ID != "" {
		b.putLocked(en, s, true)
	}
	if sched && s.ID != "" {
		b.scheduleLocked(en, s, wake, m)
	}
	en.held = false
	b.tidy(en)
}

// stateSeen is state, with the version the lead's schedule was last set
// from (0 for none).
func (b *book) stateSeen(id lead.ID) (lead.State, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	en := b.leads[id]
	if en == nil {
		return lead.State{}, 0, nil
	}
	s, err := en.cached()
	if err != nil {
		return lead.State{}, 0, err
	}
	return s, en.seen, nil
}

// folding returns id's entry and Rebuild's fold of it; before its first
// record in the pass the fold is nil and *cached is set to the state the
// cache holds, if any. The entry is nil for a corrupt lead.
func (b *book) folding(id lead.ID, cached *lead.State) (*entry, *rebuilding) {
	b.mu.Lock()
	defer b.mu.Unlock()
	en := b.entry(id, true)
	if en.corrupt != nil {
		return nil, nil
	}
	if en.fold == nil && en.state != nil {
		en.used = true
		*cached = *en.state
	}
	return en, en.fold
}

// setFold sets en's fold to rb, Rebuild's fold of it in this pass
// (endFolds clears it).
func (b *book) setFold(en *entry, rb *rebuilding) {
	b.mu.Lock()
	defer b.mu.Unlock()
	en.fold = rb
}

// endFolds ends Rebuild's pass over the leads of ens: each gets its fold
// set to nil.
func (b *book) endFolds(ens []*entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, en := range ens {
		en.fold = nil
		b.tidy(en)
	}
}

// corrupted returns id's CorruptError, or nil.
func (b *book) corrupted(id lead.ID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if en := b.leads[id]; en != nil && en.corrupt != nil {
		return en.corrupt
	}
	return nil
}

// put caches s unless a later version of the lead is cached already.
func (b *book) put(s lead.State) {
	if b.maxStates == 0 || s.ID == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putLocked(b.entry(s.ID, true), &s, true)
}

// putLocked caches *s for en, evicting another entry's state when evict
// is set and the cache is full; b.mu is held. The cache's State values
// are reused: a put copies into the one the entry or its victim held.
func (b *book) putLocked(en *entry, s *lead.State, evict bool) {
	if en.corrupt != nil || en.state != nil && en.state.Version >= s.Version {
		return
	}
	en.used = true
	if en.state != nil {
		*en.state = *s
		return
	}
	if len(b.ring) < b.maxStates {
		en.state = new(lead.State)
		*en.state = *s
		en.slot = int32(len(b.ring))
		b.ring = append(b.ring, en)
		return
	}
	if !evict {
		return
	}
	// Second chance: pass over entries read since the hand last came by.
	for {
		victim := b.ring[b.hand]
		if victim.used {
			victim.used = false
			b.hand = (b.hand + 1) % len(b.ring)
			continue
		}
		en.state, victim.state, victim.slot = victim.state, nil, -1
		*en.state = *s
		b.tidy(victim)
		b.ring[b.hand], en.slot = en, int32(b.hand)
		b.hand = (b.hand + 1) % len(b.ring)
		return
	}
}

// markCorrupt records that id is corrupt, keeping the first cause; it
// reports whether this was the first.
func (b *book) markCorrupt(id lead.ID, ce *CorruptError) (*CorruptError, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	en := b.entry(id, true)
	if en.corrupt != nil {
		return en.corrupt, false
	}
	en.corrupt = ce
	b.forget(en)
	return ce, true
}

// forget drops what the book holds of a lead it marked corrupt: its
// cached state, its rep and its place in the queue; b.mu is held.
func (b *book) forget(en *entry) {
	if en.state != nil {
		b.ring[en.slot] = b.ring[len(b.ring)-1]
		b.ring[en.slot].slot = en.slot
		b.ring = b.ring[:len(b.ring)-1]
		if b.hand >= len(b.ring) {
			b.hand = 0
		}
		en.state, en.slot = nil, -1
	}
	b.setRep(en, "")
	b.unqueue(en)
	en.mark = markStep{}
}

// loadOf reports the open leads rep holds.
func (b *book) loadOf(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.load[name]; r != nil {
		return r.open
	}
	return 0
}

// schedule records lead s as the Engine last saw it: the rep holding it
// and the instant something of it comes due (zero for never). An older
// version than one already scheduled from is ignored, so schedules from
// commands and from the store's feed may come in any order.
//
// m is the step due at wake when it only marks the lead (m.ok), with
// m.policy the segment its event names; it is kept only when the event
// would name the rep the book holds the lead by.
func (b *book) schedule(s *lead.State, wake time.Time, m *markStep) {
	if s.ID == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scheduleLocked(b.entry(s.ID, true), s, wake, m)
}

// scheduleLocked is schedule for en, the entry of s; b.mu is held.
func (b *book) scheduleLocked(en *entry, s *lead.State, wake time.Time, m *markStep) {
	if en.corrupt != nil || en.seen > s.Version {
		b.tidy(en)
		return
	}
	name := ""
	if s.Stage.Owner() == "sales" {
		name = s.Rep
	}
	en.seen = s.Version
	b.setRep(en, name)
	en.mark = markStep{}
	if m != nil && m.ok && !wake.IsZero() && (!m.breach || en.rep == s.Rep) {
		en.mark = *m
		en.mark.policy = b.intern(m.policy)
	}
	b.queue(en, wake)
	b.tidy(en)
}

// intern returns the book's one copy of a segment name: the entries
// share it rather than hold the copies their states were decoded with.
func (b *book) intern(name string) string {
	if name == "" {
		return ""
	}
	if name == b.lastName {
		return b.lastName
	}
	if n, ok := b.names[name]; ok {
		b.lastName = n
		return n
	}
	n := strings.Clone(name)
	b.names[n] = n
	b.lastName = n
	return n
}

// settle caches lead s and schedules it at wake, as put and schedule
// do, for entry en.
func (b *book) settle(en *entry, s *lead.State, wake time.Time, m *markStep) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.maxStates > 0 {
		b.putLocked(en, s, true)
	}
	b.scheduleLocked(en, s, wake, m)
}

// rebuilt schedules lead s, which Rebuild has just folded for entry en,
// and caches it only into a free slot of the cache: Rebuild reads every
// lead, and keeps the first it meets rather than churn the cache through
// all of them.
func (b *book) rebuilt(en *entry, s *lead.State, wake time.Time, m *markStep) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scheduleLocked(en, s, wake, m)
	if b.maxStates > 0 {
		b.putLocked(en, s, false)
	}
}

// dueMark is what Tick needs of a popped entry: its mark step, the
// version it was planned from and the rep holding the lead. ok is false
// without a mark step.
func (b *book) dueMark(en *entry) (m markStep, seen uint64, rep string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if en.corrupt != nil {
		return markStep{}, 0, ""
	}
	return en.mark, en.seen, en.rep
}

// marked records that Tick appended ev, the event of en's mark step
// planned from version seen: the lead is due again at the step's then,
// with no mark step known. A cached state at version seen takes ev.
func (b *book) marked(en *entry, seen uint64, ev lead.Event, then int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if en.corrupt != nil || en.seen != seen {
		// Scheduled since from a newer version: that schedule stands.
		return
	}
	if en.state != nil && en.state.Version == seen {
		*en.state = lead.Evolve(*en.state, ev)
	}
	en.seen = seen + 1
	en.mark = markStep{}
	if then == 0 {
		b.unqueue(en)
	} else {
		b.queue(en, time.Unix(0, then))
	}
}

// entryState returns en's cached state (the zero State when there is
// none), or its CorruptError.
func (b *book) entryState(en *entry) (lead.State, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return en.cached()
}

// cached returns en's cached state (the zero State when there is none),
// or its CorruptError, marking the state used. The book's lock is held.
func (en *entry) cached() (lead.State, error) {
	switch {
	case en.corrupt != nil:
		return lead.State{}, en.corrupt
	case en.state == nil:
		return lead.State{}, nil
	}
	en.used = true
	return *en.state, nil
}

// putEntry caches s for en, as put does.
func (b *book) putEntry(en *entry, s *lead.State) {
	if b.maxStates == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putLocked(en, s, true)
}

// release ends Tick's hold on entries ens.
func (b *book) release(ens []*entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, en := range ens {
		en.pinned = false
		b.tidy(en)
	}
}

// requeue sets en's next instant to at, keeping the rest.
func (b *book) requeue(en *entry, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if en.corrupt == nil {
		b.queue(en, at)
	}
}

// popDue removes the leads due at or before now from the queue, earliest
// first, and pins their entries (see release).
func (b *book) popDue(now time.Time) []*entry {
	n := now.UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	var ens []*entry
	for len(b.heap) > 0 && b.heap[0].due <= n {
		en := b.heap[0]
		en.pinned = true
		ens = append(ens, en)
		b.unqueue(en)
	}
	return ens
}

// next returns the earliest queued instant.
func (b *book) next() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.heap) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, b.heap[0].due), true
}

// queued returns how many leads have something coming due.
func (b *book) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.heap)
}

// setRep moves en to rep name ("" for none); b.mu is held.
func (b *book) setRep(en *entry, name string) {
	if en.rep == name {
		return
	}
	if en.rep != "" {
		if r := b.load[en.rep]; r != nil {
			if r.open--; r.open <= 0 {
				delete(b.load, en.rep)
			}
		}
	}
	en.rep = ""
	if name != "" {
		r := b.load[name]
		if r == nil {
			// The entries share one copy of the name, not the one each
			// lead's history was decoded with.
			r = &rep{name: strings.Clone(name)}
			b.load[r.name] = r
		}
		r.open++
		en.rep = r.name
	}
}

// queue puts en at instant at (zero removes it); b.mu is held.
func (b *book) queue(en *entry, at time.Time) {
	if at.IsZero() {
		b.unqueue(en)
		return
	}
	n := at.UnixNano()
	if en.pos < 0 {
		en.due, en.pos = n, int32(len(b.heap))
		b.heap = append(b.heap, en)
		b.up(int(en.pos))
	} else {
		old := en.due
		en.due = n
		if n < old {
			b.up(int(en.pos))
		} else {
			b.down(int(en.pos))
		}
	}
	if en.pos == 0 {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

func (b *book) unqueue(en *entry) {
	i := int(en.pos)
	if i < 0 {
		return
	}
	last := len(b.heap) - 1
	if i != last {
		b.heap[i] = b.heap[last]
		b.heap[i].pos = int32(i)
	}
	b.heap[last] = nil
	b.heap = b.heap[:last]
	en.pos = -1
	if i < last {
		b.down(i)
		b.up(i)
	}
}

func (b *book) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if b.heap[p].due <= b.heap[i].due {
			return
		}
		b.swap(i, p)
		i = p
	}
}

func (b *book) down(i int) {
	n := len(b.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && b.heap[r].due < b.heap[l].due {
			m = r
		}
		if b.heap[i].due <= b.heap[m].due {
			return
		}
		b.swap(i, m)
		i = m
	}
}

func (b *book) swap(i, j int) {
	b.heap[i], b.heap[j] = b.heap[j], b.heap[i]
	b.heap[i].pos = int32(i)
	b.heap[j].pos = int32(j)
}

// restore adds the entries of a checkpoint (queued ones first, in heap
// order) to the book. Into an empty book they go as they are; otherwise an
// entry is skipped for a lead the book marks corrupt or has scheduled from
// the same or a later version, since what the book holds is newer.
func (b *book) restore(ens []*entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.leads) == 0 {
		// The fast way, for a checkpoint that names each lead once (as
		// encode writes it): sized once, no look-ups.
		leads := make(map[lead.ID]*entry, len(ens))
		for _, en := range ens {
			leads[en.id] = en
		}
		if len(leads) == len(ens) {
			b.leads = leads
			b.heap = slices.Grow(b.heap, len(ens))
			for _, en := range ens {
				if en.pos >= 0 {
					en.pos = int32(len(b.heap))
					b.heap = append(b.heap, en)
				}
				if name := en.rep; name != "" {
					en.rep = ""
					b.setRep(en, name)
				}
			}
			// The entries came in heap order, so this only checks it.
			for i := len(b.heap)/2 - 1; i >= 0; i-- {
				b.down(i)
			}
			ens = nil
		}
	}
	for _, en := range ens {
		b.merge(en)
	}
	if len(b.heap) > 0 {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// merge adds one entry of a checkpoint to a book that holds others; b.mu
// is held.
func (b *book) merge(saved *entry) {
	en := b.entry(saved.id, true)
	switch {
	case en.corrupt != nil:
		return
	case saved.corrupt != nil:
		en.corrupt = saved.corrupt
		b.forget(en)
		return
	case en.seen >= saved.seen && (en.seen > 0 || en.pos >= 0 || en.rep != ""):
		return
	}
	en.seen = saved.seen
	en.mark = markStep{}
	b.setRep(en, saved.rep)
	if saved.pos >= 0 {
		b.queue(en, time.Unix(0, saved.due))
	} else {
		b.unqueue(en)
	}
	b.tidy(en)
}
