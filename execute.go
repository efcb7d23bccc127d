package leadline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ErrSLACommand is matched by the error Execute returns for a lead.Warn or
// lead.Breach: warnings and breach steps are recorded by the Engine's SLA
// alone, when the lead's policy says they are due, with the action the
// policy names (Tick, Run). Nothing a caller sends can suppress, pre-empt
// or change one.
var ErrSLACommand = errors.New("leadline: warnings and breach steps are recorded by the SLA alone")

// ErrCommandIDReused is matched by the error for a command whose ID the
// lead's history already holds for another kind of command: an ID names
// one request, and a retry must be the same command.
var ErrCommandIDReused = errors.New("leadline: command ID already used by another command")

// CommandOption qualifies one command given to Execute or Capture.
type CommandOption func(*lead.Origin)

// CommandID gives a command the caller's ID for it, such as the request
// ID of an HTTP Idempotency-Key header or a NATS message: a command with
// an ID is safe to retry. Its events get IDs derived from the lead, the
// command ID and their index, so the store keeps a retried append once,
// and the Engine recognises a command it has already applied to the lead
// (it remembers the lead's last lead.MaxRemembered identified commands,
// in the lead's history itself) and returns the events that command
// added, appending nothing. The ID is recorded in each event's Meta
// (Command), where NATS consumers see it too.
//
// A command without an ID is not safe to retry: after an error matching
// eventstore.ErrUnknownOutcome it may or may not be stored, and sending
// it again may record it twice.
func CommandID(id string) CommandOption {
	return func(o *lead.Origin) { o.Command = id }
}

// CorrelationID passes the caller's correlation ID (a trace ID, a
// conversation ID) through to the Meta of every event the command adds.
func CorrelationID(id string) CommandOption {
	return func(o *lead.Origin) { o.Correlation = id }
}

// Execute decides cmd against lead id's current state and appends the
// events it adds, returning them. On a concurrent write it reloads and
// decides again, backing off, up to the retry limit.
//
// Errors: from validation and Decide (*lead.ValidationError,
// *lead.TransitionError, *lead.ConditionError) with nothing appended;
// ErrNotFound for a lead with no events (except Capture); a *CorruptError
// for a lead whose history is unreadable; ErrSLACommand for lead.Warn and
// lead.Breach; and from the store, an error matching
// eventstore.ErrUnknownOutcome when the append's outcome is not known: then
// retry the same command with the same CommandID, which is safe.
//
// A Capture is for lead id: its ID field may be left empty.
func (e *Engine) Execute(ctx context.Context, id lead.ID, cmd lead.Command, opts ...CommandOption) ([]lead.Event, error) {
	if _, ok := cmd.(lead.Erase); ok {
		err := fmt.Errorf("%w: on %s", ErrEraseCommand, id)
		e.counted(cmd, nil, false, err)
		return nil, err
	}
	if lead.Scheduled(cmd) {
		err := fmt.Errorf("%w: %s on %s: Tick records what the policy says is due", ErrSLACommand, cmd.Name(), id)
		e.counted(cmd, nil, false, err)
		return nil, err
	}
	forLead, err := lead.ForLead(cmd, id)
	if err != nil {
		e.counted(cmd, nil, false, err)
		return nil, err
	}
	cmd = forLead
	events, _, retried, err := e.run(ctx, id, cmd, origin(opts), nil, true)
	e.counted(cmd, events, retried, err)
	return events, err
}

// origin is the Origin opts give a command. Without options it is the
// zero Origin, made without the allocation that handing options a
// pointer costs.
func origin(opts []CommandOption) lead.Origin {
	if len(opts) == 0 {
		return lead.Origin{}
	}
	o := new(lead.Origin)
	for _, opt := range opts {
		opt(o)
	}
	return *o
}

// counted records a caller's command in the metrics.
func (e *Engine) counted(cmd lead.Command, events []lead.Event, retried bool, err error) {
	if cmd == nil {
		return
	}
	if retried {
		e.metrics.retried(cmd.Name())
		return
	}
	e.metrics.command(cmd.Name(), events, err)
}

// Capture records a new lead and returns its ID. When c.ID is empty, the
// ID is derived from the command's CommandID when it has one (so a
// retried Capture finds the lead it made the first time), and is a fresh
// UUID v7, which sorts by creation time, when it has none.
func (e *Engine) Capture(ctx context.Context, c lead.Capture, opts ...CommandOption) (lead.ID, error) {
	o := origin(opts)
	var known *lead.State
	if c.ID == "" {
		if o.Command != "" {
			c.ID = leadIDFor(o.Command)
		} else {
			// A new ID names no lead yet: the first attempt decides on
			// the empty state without reading it, and the append's
			// version check (0) still guards it.
			c.ID = lead.ID(e.ids.next().String())
			known = &lead.State{}
		}
	}
	events, _, retried, err := e.run(ctx, c.ID, c, o, known, true)
	e.counted(c, events, retried, err)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// leadIDFor is the ID of the lead a Capture with command ID cmd and no
// lead ID makes: the same for every attempt of the command.
func leadIDFor(cmd string) lead.ID {
	return lead.ID(uuid.NewSHA1(leadNamespace, []byte(cmd)).String())
}

// The namespaces of the name-based UUIDs the Engine derives.
var (
	leadNamespace  = uuid.MustParse("6f1c35f0-4a8e-4c47-9d2a-0c6b1f7c2e51")
	eventNamespace = uuid.MustParse("b3d6a1e2-5f0c-4e8b-8a71-2d9e4c0f6a13")
)

// execute decides cmd on lead id and appends its events; it returns them
// with the lead's state after them (the state decided on when it added
// none), and whether cmd was recognised as a retry of one applied before.
// With known set, the first attempt decides on *known, a state the caller
// has just loaded; the append's version check still guards it. Commands
// of this Engine on one lead run one at a time (leadLock).
func (e *Engine) execute(ctx context.Context, id lead.ID, cmd lead.Command, o lead.Origin, known *lead.State) ([]lead.Event, lead.State, bool, error) {
	return e.run(ctx, id, cmd, o, known, false)
}

// run is execute; with observe set it also schedules the lead after the
// events it returns, as observe does, while it holds the lead.
//
// The command holds the lead's book entry from start to end (book.hold):
// one look-up finds the cached state, and the state after the command is
// cached and scheduled through the same entry in one step.
func (e *Engine) run(ctx context.Context, id lead.ID, cmd lead.Command, o lead.Origin, known *lead.State, observe bool) (events []lead.Event, s lead.State, retried bool, err error) {
	mu := e.leadLock(id)
	mu.Lock()
	defer mu.Unlock()
	var en *entry
	if known != nil {
		en, err = e.book.hold(id, nil)
		s = *known
	} else {
		en, err = e.book.hold(id, &s)
		if err == nil {
			err = e.refresh(ctx, en, &s)
		}
	}
	// put: s is a newer state to cache; sched: s is to be scheduled.
	var put, sched bool
	defer func() {
		var wake time.Time
		var m markStep
		if sched {
			wake, m = e.due(&s)
		}
		e.book.releaseHeld(en, &s, put, sched, wake, &m)
	}()
	if err != nil {
		return nil, lead.State{}, false, err
	}
	_, create := cmd.(lead.Capture)
	for attempt := 0; ; attempt++ {
		now := e.clock.Now()
		if attempt > 0 {
			if s, err = e.entryState(ctx, en); err != nil {
				return nil, s, false, err
			}
		}
		if a, ok := s.Applied(o.Command); ok {
			events, err := e.applied(ctx, id, cmd, a)
			sched = observe && len(events) > 0
			return events, s, err == nil, err
		}
		if s.Version == 0 && !create {
			return nil, s, false, fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		// Each attempt completes the command afresh: a rep routed on the
		// state this attempt decides on. DecideWith validates what the
		// caller sent together with what the SLA filled in.
		c, err := sla.Complete(s, cmd, e.env)
		if err != nil {
			return nil, s, false, err
		}
		events, err := lead.DecideWith(s, c, now, o)
		if err != nil || len(events) == 0 {
			return nil, s, false, err
		}
		var recs []eventstore.Record
		if e.reuse {
			recs, mu.buf, err = e.encode(ctx, id, recordKey(c, o), events, mu.recs[:0], mu.buf[:0])
			mu.keep(recs)
		} else {
			recs, _, err = e.encode(ctx, id, recordKey(c, o), events, nil, nil)
		}
		if err != nil {
			return nil, s, false, err
		}
		var start time.Time
		if e.metrics.on {
			start = time.Now()
		}
		v, err := e.store.Append(ctx, string(id), s.Version, recs...)
		e.metrics.appendDone(start, err)
		if errors.Is(err, eventstore.ErrConflict) && attempt < e.retries {
			if err := e.backoff.wait(ctx, attempt); err != nil {
				return nil, s, false, err
			}
			continue
		}
		if err != nil {
			return nil, s, false, e.appendError(cmd, id, o, err)
		}
		if v != s.Version+uint64(len(recs)) {
			// The store held these record IDs already: this is a retry of
			// an append that did land. The lead's history says what it
			// added.
			if s, err = e.entryState(ctx, en); err != nil {
				return nil, s, false, err
			}
			if a, ok := s.Applied(o.Command); ok {
				events, err := e.applied(ctx, id, cmd, a)
				sched = observe && len(events) > 0
				return events, s, err == nil, err
			}
			return nil, s, false, nil // an SLA step another Engine recorded first
		}
		s = e.evolve(s, events)
		put, sched = true, observe
		return events, s, false, nil
	}
}

// due is when lead s is next due and the step due then, as observe
// schedules it: an Engine without policies keeps no deadlines, so it
// does not look one up (sla.Env.PolicyFor finds none in an empty set).
func (e *Engine) due(s *lead.State) (time.Time, markStep) {
	if !e.planning {
		return time.Time{}, markStep{}
	}
	return e.plan(s)
}

// reused returns ErrCommandIDReused when a, the command of lead id with
// cmd's command ID, is another kind of command than cmd.
func reused(id lead.ID, cmd lead.Command, a lead.Applied) error {
	if a.Command != cmd.Name() {
		return fmt.Errorf("%w: %q is the ID of a %s on lead %s, not of this %s", ErrCommandIDReused, a.ID, a.Command, id, cmd.Name())
	}
	return nil
}

// evolve returns s after events, just appended, recording each in the
// metrics.
func (e *Engine) evolve(s lead.State, events []lead.Event) lead.State {
	for _, ev := range events {
		e.metrics.event(&s, ev)
		s = lead.Evolve(s, ev)
	}
	return s
}

// applied returns the events that command a of lead id added, for a
// retry of it.
func (e *Engine) applied(ctx context.Context, id lead.ID, cmd lead.Command, a lead.Applied) ([]lead.Event, error) {
	if err := reused(id, cmd, a); err != nil {
		return nil, err
	}
	recs, err := e.store.Load(ctx, string(id), a.From)
	if err != nil {
		return nil, fmt.Errorf("leadline: load %s: %w", id, err)
	}
	if len(recs) < a.Count {
		return nil, fmt.Errorf("leadline: load %s: %d records from version %d, want %d", id, len(recs), a.From, a.Count)
	}
	events := make([]lead.Event, a.Count)
	for i, r := range recs[:a.Count] {
		if events[i], err = e.decodeRecord(ctx, r); errors.Is(err, ErrKeyUnavailable) {
			return nil, err
		} else if err != nil {
			return nil, e.corrupt(id, r, err)
		}
	}
	return events, nil
}

func (e *Engine) appendError(cmd lead.Command, id lead.ID, o lead.Origin, err error) error {
	if errors.Is(err, eventstore.ErrUnknownOutcome) {
		if o.Command == "" {
			return fmt.Errorf("leadline: %s %s: %w (the command had no ID, so sending it again may record it twice: read the lead's history first)", cmd.Name(), id, err)
		}
		return fmt.Errorf("leadline: %s %s: %w (retry with command ID %q)", cmd.Name(), id, err, o.Command)
	}
	return fmt.Errorf("leadline: %s %s: %w", cmd.Name(), id, err)
}

// eventKey is what the IDs of a command's events derive from: the bytes
// of prefix and then name. The zero eventKey means random IDs.
type eventKey struct {
	prefix, name string
}

// recordKey is what the IDs of a command's events derive from: the
// command ID, or for a warning or breach step its identity (deadline and
// step), so that two Engines recording one step write the same records.
func recordKey(c lead.Command, o lead.Origin) eventKey {
	switch c := c.(type) {
	case lead.Warn:
		return eventKey{"sla/", c.Deadline.String() + "/warn/" + strconv.FormatFloat(c.Fraction, 'g', -1, 64)}
	case lead.Breach:
		return eventKey{"sla/", c.Deadline.String() + "/step/" + strconv.Itoa(c.Step)}
	}
	if o.Command != "" {
		return eventKey{"cmd/", o.Command}
	}
	return eventKey{}
}

// encodeRecords turns events of lead id into records, their IDs derived
// from key, or new from the Engine's source when key is zero. With a key
// store (WithKeys), the personal fields of the events that have any are
// sealed with the lead's data key, made on the lead's first such event.
func (e *Engine) encodeRecords(ctx context.Context, id lead.ID, key eventKey, events []lead.Event) ([]eventstore.Record, error) {
	recs, _, err := e.encode(ctx, id, key, events, nil, nil)
	return recs, err
}

// encode is encodeRecords into recs and buf, which it appends to and
// returns (buf as it grew).
func (e *Engine) encode(ctx context.Context, id lead.ID, key eventKey, events []lead.Event, recs []eventstore.Record, buf []byte) ([]eventstore.Record, []byte, error) {
	// One buffer holds every event's ID, then every event's bytes: one
	// allocation for a command's records, none when buf has room. Stores
	// copy the Data they keep; an ID is a string over bytes of the buffer
	// that nothing writes while the records are in use.
	buf = slices.Grow(buf[:0], (uuidLen+320)*len(events))[:uuidLen*len(events)]
	var dk *lead.DataKey
	for i, ev := range events {
		var u uuid.UUID
		if key != (eventKey{}) {
			u = derivedID(id, key, i)
		} else {
			u = e.ids.next()
		}
		putUUID(buf[uuidLen*i:], u)
		start := len(buf)
		var err error
		if dk == nil && e.keys != nil && lead.HasPersonal(ev) {
			if dk, err = e.newDataKey(ctx, id); err != nil {
				return nil, buf, err
			}
		}
		if buf, err = lead.AppendEncodeSealed(buf, ev, dk); err != nil {
			return nil, buf, err
		}
		// buf may have moved: the ID is where it was written.
		recs = append(recs, eventstore.Record{
			ID:   unsafe.String(&buf[uuidLen*i], uuidLen),
			Type: ev.Type(),
			Data: buf[start:len(buf):len(buf)],
		})
	}
	return recs, buf, nil
}

// keep keeps recs for the next command of the stripe, and its buffers
// unless they grew large (a command with large events).
func (st *stripe) keep(recs []eventstore.Record) {
	st.recs = recs
	if cap(st.recs) > 16 || cap(st.buf) > 8<<10 {
		st.recs, st.buf = nil, nil
	}
}

// backoff is capped exponential backoff with jitter, in real time.
type backoff struct {
	min, max time.Duration
}

// delay is the wait before attempt+1: min doubling per attempt up to max,
// the upper half of it at random.
func (b backoff) delay(attempt int) time.Duration {
	d := b.max
	if attempt < 32 && b.min<<attempt > 0 && b.min<<attempt < b.max {
		d = b.min << attempt
	}
	return d/2 + rand.N(d/2+1)
}

// wait sleeps before attempt+1, or returns ctx.Err().
func (b backoff) wait(ctx context.Context, attempt int) error {
	t := time.NewTimer(b.delay(attempt))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
