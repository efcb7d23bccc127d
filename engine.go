package leadline

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// ErrNotFound is returned for a lead ID the store has no events for.
var ErrNotFound = errors.New("leadline: lead not found")

// Engine is what a service embeds: it takes commands, decides them against
// each lead's history, appends the resulting events to the store with the
// expected version, and runs the SLA's deadlines on its clock.
//
// An Engine is safe for concurrent use. Several Engines, in one process or
// many, may share a store: optimistic concurrency on every append keeps each
// lead's history a valid path of the lifecycle, whoever writes it.
type Engine struct {
	store   eventstore.Store
	clock   clock.Clock
	retries int
	cache   stateCache
	sla     slaConfig
}

// Option configures an Engine.
type Option func(*Engine) error

// WithClock sets the clock the Engine stamps events with and runs SLA
// timers on. The default is the real clock; tests pass clock.NewMock.
func WithClock(c clock.Clock) Option {
	return func(e *Engine) error {
		if c == nil {
			return errors.New("leadline: WithClock: nil clock")
		}
		e.clock = c
		return nil
	}
}

// WithRetries sets how many times a command is decided again after its
// append met a concurrent write (an ErrConflict). The default is 10.
func WithRetries(n int) Option {
	return func(e *Engine) error {
		if n < 0 {
			return fmt.Errorf("leadline: WithRetries: %d is negative", n)
		}
		e.retries = n
		return nil
	}
}

// WithCacheSize bounds how many leads' current states the Engine keeps in
// memory between commands (default 65536; 0 turns the cache off). The
// cache only saves reading and folding; the store stays the truth, and a
// cached state is brought up to date from the store before every decision.
func WithCacheSize(n int) Option {
	return func(e *Engine) error {
		if n < 0 {
			return fmt.Errorf("leadline: WithCacheSize: %d is negative", n)
		}
		e.cache.max = n
		return nil
	}
}

// New returns an Engine on store.
func New(store eventstore.Store, opts ...Option) (*Engine, error) {
	if store == nil {
		return nil, errors.New("leadline: New: nil store")
	}
	e := &Engine{store: store, clock: clock.New(), retries: 10}
	e.cache.max = 1 << 16
	e.sla = defaultSLA()
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	e.sla.init()
	return e, nil
}

// Lead returns the current state of lead id, or an error matching
// ErrNotFound.
func (e *Engine) Lead(ctx context.Context, id lead.ID) (lead.State, error) {
	s, err := e.state(ctx, id)
	if err != nil {
		return lead.State{}, err
	}
	if s.Version == 0 {
		return lead.State{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s.Clone(), nil
}

// History returns lead id's events, oldest first (none for an unknown lead).
func (e *Engine) History(ctx context.Context, id lead.ID) ([]lead.Event, error) {
	recs, err := e.store.Load(ctx, string(id), 1)
	if err != nil {
		return nil, err
	}
	events := make([]lead.Event, 0, len(recs))
	for _, r := range recs {
		ev, err := decodeRecord(r)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// Subscribe calls fn with every event in the store's global order from
// position from on (0 or 1 for the beginning): first those stored, then
// each new one as it is appended, until ctx ends or fn returns an error.
// Projections (package funnel) and breach handlers are fed this way; a
// subscriber that remembers the last position it handled resumes from the
// one after it.
func (e *Engine) Subscribe(ctx context.Context, from uint64, fn func(position uint64, ev lead.Event) error) error {
	return e.store.Subscribe(ctx, from, func(r eventstore.Record) error {
		ev, err := decodeRecord(r)
		if err != nil {
			return err
		}
		return fn(r.Position, ev)
	})
}

// Execute decides cmd against lead id's current state and appends the
// events it adds, returning them. On a concurrent write it reloads and
// decides again, up to the retry limit. Errors from Decide
// (*lead.ValidationError, *lead.TransitionError, *lead.ConditionError) are
// returned as they are; nothing is appended then.
func (e *Engine) Execute(ctx context.Context, id lead.ID, cmd lead.Command) ([]lead.Event, error) {
	c, create := cmd.(lead.Capture)
	if create && c.ID != id {
		return nil, fmt.Errorf("leadline: Execute(%q): the Capture command is for lead %q", id, c.ID)
	}
	var how execFlags
	if create {
		how |= execCreate
	}
	events, _, err := e.execute(ctx, id, cmd, how, nil)
	return events, err
}

type execFlags uint8

const (
	execCreate     execFlags = 1 << iota // the command may create the lead
	execNoSchedule                       // the caller schedules the lead itself
)

// execute is Execute, also returning the lead's state after the command
// (the state it was decided on when it added nothing). With known set, the
// first attempt decides on *known, a state the caller has just loaded;
// the append's version check still guards it.
func (e *Engine) execute(ctx context.Context, id lead.ID, cmd lead.Command, how execFlags, known *lead.State) ([]lead.Event, lead.State, error) {
	for attempt := 0; ; attempt++ {
		var s lead.State
		var err error
		if attempt == 0 && known != nil {
			s = *known
		} else if s, err = e.state(ctx, id); err != nil {
			return nil, s, err
		}
		if s.Version == 0 && how&execCreate == 0 {
			return nil, s, fmt.Errorf("%w: %q", ErrNotFound, id)
		}
		// Each attempt completes the caller's command afresh (a rep routed
		// on the state that attempt decides on).
		cmd, err := e.sla.complete(s, cmd)
		if err != nil {
			return nil, s, err
		}
		events, err := lead.Decide(s, cmd, e.clock.Now())
		if err != nil {
			return nil, s, err
		}
		if len(events) == 0 {
			e.sla.observe(s)
			return nil, s, nil
		}
		recs, err := encodeRecords(events)
		if err != nil {
			return nil, s, err
		}
		_, err = e.store.Append(ctx, string(id), s.Version, recs...)
		if errors.Is(err, eventstore.ErrConflict) && attempt < e.retries {
			continue
		}
		if err != nil {
			return nil, s, fmt.Errorf("leadline: %s %s: %w", cmd.Name(), id, err)
		}
		for _, ev := range events {
			s = lead.Evolve(s, ev)
		}
		e.cache.put(id, s)
		if how&execNoSchedule == 0 {
			e.sla.observe(s)
		}
		return events, s, nil
	}
}

// state returns lead id's state, brought up to date from the store.
func (e *Engine) state(ctx context.Context, id lead.ID) (lead.State, error) {
	s, _ := e.cache.get(id)
	recs, err := e.store.Load(ctx, string(id), s.Version+1)
	if err != nil {
		return lead.State{}, fmt.Errorf("leadline: load %s: %w", id, err)
	}
	if len(recs) == 0 {
		return s, nil
	}
	for _, r := range recs {
		ev, err := decodeRecord(r)
		if err != nil {
			return lead.State{}, err
		}
		s = lead.Evolve(s, ev)
	}
	e.cache.put(id, s)
	return s, nil
}

func encodeRecords(events []lead.Event) ([]eventstore.Record, error) {
	recs := make([]eventstore.Record, len(events))
	// One buffer holds every event's bytes; stores copy what they keep.
	buf := make([]byte, 0, 320*len(events))
	for i, ev := range events {
		start := len(buf)
		var err error
		if buf, err = lead.AppendEncode(buf, ev); err != nil {
			return nil, err
		}
		data := buf[start:len(buf):len(buf)]
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("leadline: event ID: %w", err)
		}
		recs[i] = eventstore.Record{ID: id.String(), Type: ev.Type(), Data: data}
	}
	return recs, nil
}

func decodeRecord(r eventstore.Record) (lead.Event, error) {
	ev, err := lead.Decode(r.Data)
	if err != nil {
		return nil, fmt.Errorf("leadline: stream %s version %d: %w", r.Stream, r.Version, err)
	}
	if v := ev.Base().Version; v != r.Version || string(ev.Base().Lead) != r.Stream {
		return nil, fmt.Errorf("leadline: stream %s version %d holds an event for %s version %d", r.Stream, r.Version, ev.Base().Lead, v)
	}
	return ev, nil
}

// stateCache keeps recent lead states. Entries are replaced, never
// modified, so a State read from it can be used without copying as long as
// the reader does not modify it either.
type stateCache struct {
	mu  sync.Mutex
	max int
	m   map[lead.ID]lead.State
}

func (c *stateCache) get(id lead.ID) (lead.State, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[id]
	return s, ok
}

func (c *stateCache) put(id lead.ID, s lead.State) {
	if c.max == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[lead.ID]lead.State)
	}
	if old, ok := c.m[id]; ok && old.Version >= s.Version {
		return
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= c.max {
		for k := range c.m { // evict an arbitrary entry
			delete(c.m, k)
			break
		}
	}
	c.m[id] = s
}
