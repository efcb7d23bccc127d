package leadline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// observe schedules lead s: the rep holding it, when its next warning or
// breach step comes due under its policy, and that step when recording
// it only marks the lead.
func (e *Engine) observe(s lead.State) {
	wake, m := e.due(&s)
	e.book.schedule(&s, wake, &m)
}

// plan returns when lead s is next due under its policy (zero for
// never), and the step due then when recording it only marks the lead.
func (e *Engine) plan(s *lead.State) (time.Time, markStep) {
	p, ok := e.env.PolicyFor(*s)
	if !ok {
		return time.Time{}, markStep{}
	}
	first, at, then := p.Next(*s)
	return at, markOf(s, p, first, then)
}

// markOf returns first, the step of lead s that comes due first under
// policy p, as a markStep when recording it only marks the lead (then
// is when the lead is due after it); else a markStep that is not ok.
func markOf(s *lead.State, p sla.Policy, first lead.Command, then time.Time) markStep {
	var m markStep
	var d lead.DeadlineID
	var due time.Time
	switch c := first.(type) {
	case lead.Warn:
		m = markStep{fraction: c.Fraction}
		d, due = c.Deadline, c.Due
	case lead.Breach:
		if c.Action != lead.ActionNotify || c.Step < 0 || c.Step > 255 {
			return markStep{}
		}
		// As sla.Complete and the decision name the segment.
		m = markStep{breach: true, step: uint8(c.Step), policy: s.PolicyName}
		if c.Deadline.Kind == lead.KindHandOff {
			m.policy = p.Name
		}
		d, due = c.Deadline, c.Due
	default:
		return markStep{}
	}
	k := slices.Index(kinds, d.Kind)
	if k < 0 || !markable[s.Stage][b2i(m.breach)] || !due.Equal(time.Unix(0, due.UnixNano())) {
		return markStep{}
	}
	m.ok, m.kind, m.since, m.due = true, uint8(k), d.Since, due.UnixNano()
	if !then.IsZero() {
		m.then = then.UnixNano()
	}
	return m
}

// markable says, per stage, whether the lifecycle table lets a warning
// ([0]) and a breach step ([1]) keep a lead in the stage it is in, as
// a step that only marks the lead does.
var markable = func() (m [256][2]bool) {
	for _, st := range lead.Stages() {
		m[st] = [2]bool{lead.Permits(st, lead.Warn{}.Name(), st), lead.Permits(st, lead.Breach{}.Name(), st)}
	}
	return m
}()

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// record returns the command that records m for lead id, planned from
// version seen, and the event it adds at now: the event Decide adds on
// the lead's state at that version, whose rep is rep.
func (m *markStep) record(id lead.ID, seen uint64, rep string, now time.Time) (lead.Command, lead.Event) {
	d := lead.DeadlineID{Kind: kinds[m.kind], Since: m.since}
	due := time.Unix(0, m.due).UTC()
	meta := lead.Meta{Lead: id, Version: seen + 1, At: now.UTC(), Actor: sla.Actor}
	if !m.breach {
		return lead.Warn{Actor: sla.Actor, Deadline: d, Fraction: m.fraction, Due: due},
			lead.DeadlineWarned{Meta: meta, Deadline: d, Fraction: m.fraction, Due: due}
	}
	return lead.Breach{Actor: sla.Actor, Deadline: d, Step: int(m.step), Action: lead.ActionNotify, Due: due},
		lead.DeadlineBreached{Meta: meta, Deadline: d, Step: int(m.step), Action: lead.ActionNotify, Due: due, Rep: rep, Policy: m.policy}
}

// onlyMarks reports whether events only mark the lead: one warning, or
// one breach step whose action is notify.
func onlyMarks(events []lead.Event) bool {
	if len(events) != 1 {
		return false
	}
	switch ev := events[0].(type) {
	case lead.DeadlineWarned:
		return true
	case lead.DeadlineBreached:
		return ev.Action == lead.ActionNotify
	}
	return false
}

// Tick records every warning and breach step that is due at the clock's
// current time, for the leads this Engine has seen (through its own
// commands, or through Run's subscription to the store), and returns how
// many events it appended. When it returns without error, everything due
// when it was called is recorded: Ticks of one Engine run one at a time,
// so a Tick never returns while another holds due leads. Run calls it
// whenever the next deadline comes; tests that advance a mock clock call
// it directly to act at once.
//
// On a store that implements eventstore.BatchAppender, Tick decides the
// first due step of many leads and appends them together; a lead the
// batch cannot record (a conflict, a store error, more steps due) is
// recorded one command at a time, as on any store.
//
// A lead Tick could not record for (a store error) is tried again a few
// seconds later on the Engine's clock, and its error is returned joined
// with the others; a corrupt lead is skipped. Tick returns ctx.Err() when
// ctx ends, also while it waits for another Tick.
func (e *Engine) Tick(ctx context.Context) (int, error) {
	select {
	case e.ticking <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-e.ticking }()
	now := e.clock.Now()
	ens := e.book.popDue(now)
	defer e.book.release(ens)
	batch, _ := e.store.(eventstore.BatchAppender)
	var fb *firing
	if batch != nil && len(ens) > 1 {
		fb = &firing{pend: make([]pending, 0, min(len(ens), tickBatch)), appends: make([]eventstore.Append, 0, min(len(ens), tickBatch))}
	}
	appended := 0
	var errs []error
	for i := 0; i < len(ens); {
		one := ens[i : i+1]
		if batch != nil && len(ens)-i > 1 {
			// Many leads due: decide each, append them together, and fire
			// one by one only those the batch could not record.
			end := min(i+tickBatch, len(ens))
			var n int
			one, n = e.fireBatch(ctx, batch, fb, ens[i:end], now)
			appended += n
			i = end
		} else {
			i++
		}
		for j, en := range one {
			n, err := e.fire(ctx, en.id, now)
			appended += n
			switch {
			case err == nil, errors.Is(err, ErrCorrupt):
			case ctx.Err() != nil:
				for _, rest := range one[j:] {
					e.book.requeue(rest, now)
				}
				for _, rest := range ens[i:] {
					e.book.requeue(rest, now)
				}
				return appended, ctx.Err()
			default:
				errs = append(errs, err)
				e.log.Warn("leadline: recording SLA steps failed; retrying", "lead", en.id, "retry_in", e.retry, "err", err)
				e.book.requeue(en, now.Add(e.retry))
			}
		}
	}
	return appended, errors.Join(errs...)
}

// tickBatch bounds how many leads' steps a Tick appends in one call of a
// BatchAppender.
const tickBatch = 512

// firing is the room fireBatch decides a batch in, reused across the
// batches of one Tick.
type firing struct {
	pend    []pending
	appends []eventstore.Append
	rest    []*entry
	buf     []byte              // the batch's mark events, encoded
	recs    []eventstore.Record // their records
}

// encodeMark is encodeRecords for the one event of a mark step, into the
// batch's buffers rather than allocations of its own.
func (e *Engine) encodeMark(ctx context.Context, fb *firing, id lead.ID, key eventKey, events []lead.Event) ([]eventstore.Record, error) {
	ev := events[0]
	if e.keys != nil && lead.HasPersonal(ev) {
		return e.encodeRecords(ctx, id, key, events)
	}
	start := len(fb.buf)
	buf, err := lead.AppendEncodeSealed(fb.buf, ev, nil)
	if err != nil {
		return nil, err
	}
	fb.buf = buf
	k := len(fb.recs)
	fb.recs = append(fb.recs, eventstore.Record{ID: derivedID(id, key, 0).String(), Type: ev.Type(), Data: buf[start:len(buf):len(buf)]})
	return fb.recs[k : k+1 : k+1], nil
}

// pending is one lead's step in a batch: decided from its mark step (mark)
// or from its state s.
type pending struct {
	en     *entry
	seen   uint64 // the version appended after
	mark   bool   // decided from the entry's mark step
	marks  bool   // the events only mark the lead (onlyMarks)
	then   int64  // for a step that only marks: when the lead is due after it
	s      lead.State
	events []lead.Event
}

// fireBatch records the first due step of each of leads ens as fire
// would, and appends them in one call: each append keeps its expected
// version and its record IDs derived from the step, so exactly once holds
// as for one. A lead whose step only marks it is decided from its entry
// (markStep), others on their state from the store. It returns the
// leads it leaves to fire (a store error or conflict, a step recorded by
// another Engine first, a command that did not decide, more steps due)
// and how many events it appended.
func (e *Engine) fireBatch(ctx context.Context, batch eventstore.BatchAppender, fb *firing, ens []*entry, now time.Time) ([]*entry, int) {
	fb.pend, fb.appends, fb.rest = fb.pend[:0], fb.appends[:0], fb.rest[:0]
	// Fresh for each batch: the store may keep what it is given.
	fb.buf, fb.recs = make([]byte, 0, 256*len(ens)), make([]eventstore.Record, 0, len(ens))
	for _, en := range ens {
		pd := pending{en: en}
		if m, seen, rep := e.book.dueMark(en); m.ok && !e.metrics.on {
			c, ev := m.record(en.id, seen, rep, now)
			if lead.Validate(c, now) != nil {
				fb.rest = append(fb.rest, en)
				continue
			}
			pd.seen, pd.mark, pd.then, pd.events = seen, true, m.then, []lead.Event{ev}
			recs, err := e.encodeMark(ctx, fb, en.id, recordKey(c, lead.Origin{}), pd.events)
			if err != nil {
				fb.rest = append(fb.rest, en)
				continue
			}
			fb.pend = append(fb.pend, pd)
			fb.appends = append(fb.appends, eventstore.Append{Stream: string(en.id), Expected: seen, Records: recs})
			continue
		}
		s, err := e.entryState(ctx, en)
		if err != nil {
			fb.rest = append(fb.rest, en)
			continue
		}
		p, ok := e.env.PolicyFor(s)
		if !ok {
			e.book.settle(en, &s, time.Time{}, nil)
			continue
		}
		first, at, then := p.Next(s)
		if first == nil || at.After(now) {
			m := markOf(&s, p, first, then)
			e.book.settle(en, &s, at, &m)
			continue
		}
		c, err := sla.Complete(s, first, e.env)
		if err != nil {
			fb.rest = append(fb.rest, en)
			continue
		}
		events, err := lead.DecideWith(s, c, now, lead.Origin{})
		if err != nil || len(events) == 0 {
			fb.rest = append(fb.rest, en)
			continue
		}
		recs, err := e.encodeRecords(ctx, en.id, recordKey(c, lead.Origin{}), events)
		if err != nil {
			fb.rest = append(fb.rest, en)
			continue
		}
		pd.seen, pd.s, pd.events, pd.marks = s.Version, s, events, onlyMarks(events)
		if pd.marks && !then.IsZero() {
			pd.then = then.UnixNano()
		}
		fb.pend = append(fb.pend, pd)
		fb.appends = append(fb.appends, eventstore.Append{Stream: string(en.id), Expected: s.Version, Records: recs})
	}
	if len(fb.appends) == 0 {
		return fb.rest, 0
	}
	start := time.Now()
	results := batch.AppendBatch(ctx, fb.appends)
	appended := 0
	logging := e.log.Enabled(ctx, slog.LevelInfo)
	for i, r := range results {
		pd := &fb.pend[i]
		en := pd.en
		e.metrics.appendDone(start, r.Err)
		if r.Err != nil || r.Version != pd.seen+uint64(len(pd.events)) {
			fb.rest = append(fb.rest, en)
			continue
		}
		appended += len(pd.events)
		if logging {
			e.logBreaches(en.id, pd.events)
		}
		if pd.mark {
			e.book.marked(en, pd.seen, pd.events[0], pd.then)
			if pd.then != 0 && pd.then <= now.UnixNano() {
				fb.rest = append(fb.rest, en)
			}
			continue
		}
		s := e.evolve(pd.s, pd.events)
		if pd.marks {
			// The step only marked the lead: it is due again at the then
			// of the plan it was decided on, and the state after it is
			// planned when that comes.
			if pd.then != 0 && pd.then <= now.UnixNano() {
				e.book.putEntry(en, &s)
				fb.rest = append(fb.rest, en)
				continue
			}
			var wake time.Time
			if pd.then != 0 {
				wake = time.Unix(0, pd.then)
			}
			e.book.settle(en, &s, wake, nil)
			continue
		}
		wake, m := e.plan(&s)
		if !wake.IsZero() && !wake.After(now) {
			e.book.putEntry(en, &s)
			fb.rest = append(fb.rest, en)
			continue
		}
		e.book.settle(en, &s, wake, &m)
	}
	return fb.rest, appended
}

// logBreaches logs each breach step among the events just recorded for
// lead id, at Info (callers check that the level is enabled first, so
// that a Tick with logging off builds no attributes).
func (e *Engine) logBreaches(id lead.ID, events []lead.Event) {
	for _, ev := range events {
		if b, ok := ev.(lead.DeadlineBreached); ok {
			e.log.Info("leadline: SLA breach step", "lead", id, "deadline", b.Deadline.String(), "step", b.Step, "action", string(b.Action), "rep", b.Rep)
		}
	}
}

// fire records what is due for one lead, one command at a time, deciding
// each against the state the last one left.
func (e *Engine) fire(ctx context.Context, id lead.ID, now time.Time) (int, error) {
	s, err := e.state(ctx, id)
	if err != nil {
		return 0, err
	}
	appended := 0
	logging := e.log.Enabled(ctx, slog.LevelInfo)
	// Each round records at least one event or stops; a ladder has at
	// most MaxStepsInLadder steps and a few warnings per clock. The policy
	// is looked up each round: a step that routes or reassigns the lead
	// may move its clocks into another rep's calendar.
	for range 8 * lead.MaxStepsInLadder {
		p, ok := e.env.PolicyFor(s)
		if !ok {
			e.book.schedule(&s, time.Time{}, nil)
			return appended, nil
		}
		first, at, then := p.Next(s)
		if first == nil || at.After(now) {
			m := markOf(&s, p, first, then)
			e.book.schedule(&s, at, &m)
			return appended, nil
		}
		var events []lead.Event
		events, s, _, err = e.execute(ctx, id, first, lead.Origin{}, &s)
		if err != nil {
			return appended, err
		}
		appended += len(events)
		if logging {
			e.logBreaches(id, events)
		}
	}
	e.observe(s)
	return appended, nil
}

// Run enforces the SLA until ctx ends. It first rebuilds its deadline
// queue from the store (nothing about timers lives only in memory), then
// follows the store's global order so that commands from other Engines
// schedule deadlines here too, and sleeps on the clock until the earliest
// deadline, where it records warnings and breach steps through Decide with
// the expected version. Several Engines may Run on one store, and an Engine
// may be restarted at any point: each due warning and step is recorded
// exactly once.
//
// Run supervises itself: a store error while rebuilding, following or
// recording is logged (at Warn, with the lead) and retried with capped
// exponential backoff (WithBackoff), however long the store is away. It
// returns ctx.Err() when ctx ends, and otherwise only an error retrying
// cannot fix: one matching eventstore.ErrPermanent (the stream was deleted
// or misconfigured, the connection closed for good).
//
// With WithCheckpoints, Run starts from the saved checkpoint (see
// Rebuild), saves one every period given there and one when it stops.
//
// Give the Engine a cache (WithCacheSize) at least as large as the number
// of open leads, or following the store reloads leads it evicted.
func (e *Engine) Run(ctx context.Context) error {
	var last uint64
	for attempt := 0; ; attempt++ {
		pos, err := e.Rebuild(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			last = pos
			break
		}
		if errors.Is(err, eventstore.ErrPermanent) {
			return err
		}
		e.log.Warn("leadline: rebuilding from the store failed; retrying", "attempt", attempt+1, "err", err)
		if e.backoff.wait(ctx, attempt) != nil {
			return ctx.Err()
		}
	}
	if e.checkpoints != nil {
		defer e.saveAtStop(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if e.checkpoints != nil && e.every > 0 {
		// On a goroutine of its own, so a slow save never holds up a
		// deadline; it ends before the save at the stop begins.
		saving := make(chan struct{})
		go func() {
			defer close(saving)
			e.saveEvery(ctx)
		}()
		defer func() { cancel(); <-saving }()
	}
	fatal := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := e.followFrom(ctx, last); err != nil {
			fatal <- err
		}
	}()
	defer func() { cancel(); <-done }()
	for {
		if _, err := e.Tick(ctx); ctx.Err() != nil {
			return ctx.Err()
		} else if err != nil {
			e.log.Warn("leadline: SLA tick", "err", err)
		}
		next, ok := e.book.next()
		var timer *clock.Timer
		var fire <-chan time.Time
		if ok {
			timer = e.clock.Timer(max(next.Sub(e.clock.Now()), 0))
			fire = timer.C
		}
		select {
		case <-ctx.Done():
		case err := <-fatal:
			if ok {
				timer.Stop()
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("leadline: following the store: %w", err)
		case <-e.book.kick:
		case <-fire:
		}
		if ok {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// followFrom follows the store's global order after position last,
// resubscribing after transient errors, until ctx ends (nil) or the store
// fails for good.
func (e *Engine) followFrom(ctx context.Context, last uint64) error {
	for attempt := 0; ; {
		err := e.store.Subscribe(ctx, last+1, func(r eventstore.Record) error {
			if err := e.follow(ctx, r); err != nil {
				return err
			}
			last, attempt = r.Position, 0
			e.covered(last)
			return nil
		})
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, eventstore.ErrPermanent) {
			return err
		}
		e.log.Warn("leadline: following the store failed; resubscribing", "position", last+1, "attempt", attempt+1, "err", err)
		if e.backoff.wait(ctx, attempt) != nil {
			return nil
		}
		attempt++
	}
}

// Rebuild reads the store's whole global order, brings the Engine's view
// of every lead up to date and queues each lead's next deadline. It returns
// the position of the last record read. Records it cannot read are
// quarantined (see Fault) and skipped. Run calls it first; call it
// directly to prepare an Engine that will only Tick.
//
// With WithCheckpoints, the first Rebuild loads the saved checkpoint and
// reads only the records after it; a checkpoint that is missing, damaged,
// from another store or written under other policies is logged at Warn
// with the reason, and the whole store is read instead. A later Rebuild
// reads only the records after those the Engine has already read.
func (e *Engine) Rebuild(ctx context.Context) (uint64, error) {
	e.rebuildMu.Lock()
	defer e.rebuildMu.Unlock()
	var last uint64
	if e.checkpoints != nil {
		if e.rebuilt.Load() {
			last = e.pos.Load()
		} else {
			var err error
			if last, err = e.resume(ctx); err != nil {
				return 0, err
			}
		}
	}
	rp := &rebuildPass{window: max(min(e.book.maxStates, 1<<16), 1<<12)}
	defer func() { e.book.endFolds(rp.folded) }()
	pr, _ := e.store.(eventstore.PageReader)
	var page []eventstore.Record
	if pr != nil {
		// One page, reused: reading the store allocates no records.
		page = make([]eventstore.Record, rebuildPage)
		// Every lead read holds its entry until the pass ends: size the
		// book for them once rather than grow it step by step.
		e.book.reserve(pr.Streams())
	}
	for {
		var recs []eventstore.Record
		var err error
		if pr != nil {
			var n int
			n, err = pr.ReadInto(ctx, last+1, page)
			recs = page[:n]
		} else {
			recs, err = e.store.Read(ctx, last+1, rebuildPage)
		}
		if err != nil {
			return last, fmt.Errorf("leadline: rebuild: %w", err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			last = r.Position
			if err := e.rebuildRecord(ctx, r, rp); err != nil {
				return last, fmt.Errorf("leadline: rebuild: %w", err)
			}
		}
	}
	// Schedule each lead still open on the state just folded; the cache
	// keeps those it has room for.
	for _, en := range rp.open[rp.head:] {
		e.closeFold(en, rp)
	}
	e.covered(last)
	e.rebuilt.Store(true)
	return last, nil
}

// rebuildPage is how many records Rebuild reads from the store at once.
const rebuildPage = 4096

// rebuildPass is what one pass of Rebuild over the global order keeps.
// A lead's fold is open (it holds the lead's state) from its first record
// until window other leads have opened theirs: then the lead is
// scheduled on the state folded so far, and the fold is closed, keeping
// only the versions it has read. A later record of a closed lead opens it
// again, from the cache or from the store. When the records of a lead
// come close together, as a command's do, every lead is read once, and
// a pass holds window states, not one per lead.
type rebuildPass struct {
	folded []*entry // the leads read, each once
	open   []*entry // the leads whose fold is open, oldest first from head
	head   int
	window int
	spare  []*lead.Fold // of closed folds, for the next to open
	folds  []rebuilding // made in blocks, not one by one: they live as long as the pass
	last   *entry       // the entry of the record before
}

// rebuilding is Rebuild's fold of one lead, in place, over the records
// of one pass of the global order.
type rebuilding struct {
	f       *lead.Fold // nil while closed
	version uint64     // of the state f holds, or held when it closed
	read    uint64     // the last version read in this pass
	corrupt bool
}

// newFold returns a lead's rebuilding for this pass.
func (rp *rebuildPass) newFold() *rebuilding {
	if len(rp.folds) == cap(rp.folds) {
		rp.folds = make([]rebuilding, 0, 1024)
	}
	rp.folds = rp.folds[:len(rp.folds)+1]
	return &rp.folds[len(rp.folds)-1]
}

// openFold opens rb's fold on state s, closing the oldest open fold when
// the window is full.
func (e *Engine) openFold(en *entry, rb *rebuilding, s lead.State, rp *rebuildPass) {
	if len(rp.open)-rp.head >= rp.window {
		e.closeFold(rp.open[rp.head], rp)
		rp.open[rp.head] = nil
		rp.head++
		if rp.head >= rp.window {
			n := copy(rp.open, rp.open[rp.head:])
			clear(rp.open[n:])
			rp.open, rp.head = rp.open[:n], 0
		}
	}
	if n := len(rp.spare); n > 0 {
		rb.f, rp.spare = rp.spare[n-1], rp.spare[:n-1]
	} else {
		rb.f = new(lead.Fold)
	}
	*rb.f = lead.NewFold(s)
	rb.version = s.Version
	rp.open = append(rp.open, en)
}

// closeFold schedules the lead of en on the state its open fold holds,
// caches it while the cache has a free slot, and closes the fold.
func (e *Engine) closeFold(en *entry, rp *rebuildPass) {
	rb := en.fold
	if rb.f == nil {
		return
	}
	if !rb.corrupt {
		if s, err := rb.f.State(); err == nil {
			wake, m := e.plan(&s)
			e.book.rebuilt(en, &s, wake, &m)
		}
	}
	*rb.f = lead.Fold{}
	rp.spare = append(rp.spare, rb.f)
	rb.f = nil
}

// rebuildRecord folds record r of Rebuild's pass into its lead's fold.
// Only store errors are returned.
func (e *Engine) rebuildRecord(ctx context.Context, r eventstore.Record, rp *rebuildPass) error {
	id := lead.ID(r.Stream)
	var en *entry
	var rb *rebuilding
	if last := rp.last; last != nil && last.id == id {
		// The records of one command come together: one look-up for all.
		en, rb = last, last.fold
	} else {
		var s lead.State
		en, rb = e.book.folding(id, &s)
		if en == nil {
			rp.last = nil
			return nil // corrupt: reported when found
		}
		if rb == nil {
			// The lead's first record in this pass: fold on from the
			// state the cache holds, if any.
			rb = rp.newFold()
			e.book.setFold(en, rb)
			rp.folded = append(rp.folded, en)
			e.openFold(en, rb, s, rp)
		}
		rp.last = en
	}
	if rb.corrupt {
		return nil
	}
	if r.Version <= rb.read {
		// In one pass of the global order a stream's versions only grow:
		// this record was written around the store's version check.
		rb.corrupt = true
		e.corrupt(id, r, &lead.HistoryError{Lead: id, Version: r.Version, Type: r.Type, Reason: fmt.Sprintf("comes after version %d in the global order", rb.read)})
		return nil
	}
	rb.read = r.Version
	if rb.f == nil && rb.version < r.Version {
		// A closed fold: open it again on the state it closed with, if
		// the cache still holds it, else read the lead whole (below).
		s, _ := e.book.entryState(en)
		if s.Version != rb.version {
			s = lead.State{}
		}
		e.openFold(en, rb, s, rp)
	}
	switch {
	case rb.version+1 == r.Version:
		ev, err := e.decodeRecord(ctx, r)
		if errors.Is(err, ErrKeyUnavailable) {
			return err
		}
		if err == nil {
			err = rb.f.Apply(ev)
		}
		if err != nil {
			rb.corrupt = true
			e.corrupt(id, r, err)
			return nil
		}
		rb.version = r.Version
	case rb.version < r.Version:
		// The lead's earlier records are before this pass (a checkpoint,
		// an earlier Rebuild) or were read before its fold closed, and
		// the cache does not hold them: read it whole. A record that does
		// not decode is still found, by the load.
		s, err := e.state(ctx, id)
		if errors.Is(err, ErrCorrupt) {
			rb.corrupt = true
			return nil
		}
		if err != nil {
			return err
		}
		*rb.f, rb.version = lead.NewFold(s), s.Version
	default:
		// Known already (a command of this Engine, or read by a load):
		// still a record that must decode.
		if _, err := e.decodeRecord(ctx, r); errors.Is(err, ErrKeyUnavailable) {
			return err
		} else if err != nil {
			rb.corrupt = true
			e.corrupt(id, r, err)
		}
	}
	return nil
}

// follow folds one record of the global order into the Engine's view of
// its lead and schedules the lead.
func (e *Engine) follow(ctx context.Context, r eventstore.Record) error {
	s, ok, err := e.apply(ctx, r)
	if ok && s.Version == r.Version {
		e.observe(s)
	}
	return err
}

// apply folds record r into the Engine's view of its lead and returns the
// lead's state, at r's version or later; ok is false when r was
// quarantined or belongs to a corrupt lead, and when the lead's state is
// not cached but its schedule already covers r. Only store errors are
// returned.
func (e *Engine) apply(ctx context.Context, r eventstore.Record) (lead.State, bool, error) {
	id := lead.ID(r.Stream)
	s, seen, err := e.book.stateSeen(id)
	if err != nil {
		return s, false, nil // corrupt: reported when found
	}
	ev, err := e.decodeRecord(ctx, r)
	if errors.Is(err, ErrKeyUnavailable) {
		return s, false, err
	}
	if err != nil {
		e.corrupt(id, r, err)
		return s, false, nil
	}
	switch {
	case s.Version+1 == r.Version:
		next, err := lead.Apply(s, ev)
		if err != nil {
			e.corrupt(id, r, err)
			return s, false, nil
		}
		e.book.put(next)
		return next, true, nil
	case s.Version < r.Version && r.Version <= seen:
		// Not cached, but scheduled from r's version or a later one (a
		// step Tick recorded, a command of this Engine): r changes
		// nothing the book holds, and the store checked its version.
		return s, false, nil
	case s.Version < r.Version:
		// The cache lost the lead (or never had it): read it whole.
		s, err := e.state(ctx, id)
		if errors.Is(err, ErrCorrupt) {
			return s, false, nil
		}
		return s, err == nil, err
	}
	return s, true, nil
}
