package leadline

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
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
//
// What an Engine reads from the store it checks: a record that is not a
// lead event, does not decode, breaks its stream's versioning or is not a
// legal step of the lifecycle is quarantined (see Fault), and its lead
// answers with a *CorruptError; every other lead goes on as before.
type Engine struct {
	store   eventstore.Store
	clock   clock.Clock
	retries int
	backoff backoff
	env     sla.Env // policies, router, directory; Load is the book's
	log     *slog.Logger
	faults  func(Fault)
	retry   time.Duration // how long Tick waits before a lead it failed on
	ticking chan struct{} // held by Tick
	book    book
	// rebuildMu makes Rebuilds one at a time: each folds into the book's
	// entries.
	rebuildMu sync.Mutex
	meter     metric.MeterProvider // nil for none
	metrics   instruments
	keys      eventstore.KeyStore // nil: personal fields in plaintext
	decoder   lead.Decoder        // its upcasters; its key is per read
	ids       eventIDs            // new event IDs
	checkpointing
	// leads serialises the commands of one Engine on one lead (striped by
	// the lead ID's hash), so that they queue instead of conflicting in
	// the store; other Engines' writes are still met by the version check.
	leads [256]stripe
	// reuse is set when the store keeps nothing of the records it is
	// given (the memory store copies them): a command's records are then
	// encoded into its stripe's buffers, used again by the next command.
	reuse bool
	// planning is set when the Engine has policies: without one, no lead
	// has a deadline to plan.
	planning bool
}

// stripe is one lock of Engine.leads, and the buffers the commands that
// hold it encode their records into when the Engine reuses them.
type stripe struct {
	sync.Mutex
	recs []eventstore.Record
	buf  []byte
}

// leadLock returns lead id's stripe of e.leads.
func (e *Engine) leadLock(id lead.ID) *stripe {
	return &e.leads[maphash.String(leadSeed, string(id))%uint64(len(e.leads))]
}

var leadSeed = maphash.MakeSeed()

// New returns an Engine on store. Options that cannot be taken return an
// error matching ErrInvalidOption.
func New(store eventstore.Store, opts ...Option) (*Engine, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: New: nil store", ErrInvalidOption)
	}
	e := &Engine{
		store:   store,
		clock:   clock.New(),
		retries: 10,
		backoff: backoff{min: time.Millisecond, max: 5 * time.Second},
		env:     sla.Env{},
		log:     slog.New(slog.DiscardHandler),
		retry:   5 * time.Second,
		ticking: make(chan struct{}, 1),
	}
	e.book.init(1 << 16)
	_, e.reuse = store.(*eventstore.Memory)
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	e.env.Load = e.book.loadOf
	e.planning = e.env.Policies.Len() > 0
	if err := e.metrics.init(e.meter, e.book.queued); err != nil {
		return nil, fmt.Errorf("%w: WithMeterProvider: %w", ErrInvalidOption, err)
	}
	return e, nil
}

// Lead returns the current state of lead id, or an error matching
// ErrNotFound, or a *CorruptError when its stored history cannot be read.
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

// History returns lead id's events, oldest first (none for an unknown
// lead), or a *CorruptError when its stored history cannot be read.
func (e *Engine) History(ctx context.Context, id lead.ID) ([]lead.Event, error) {
	if err := e.book.corrupted(id); err != nil {
		return nil, err
	}
	recs, err := e.store.Load(ctx, string(id), 1)
	if err != nil {
		return nil, fmt.Errorf("leadline: load %s: %w", id, err)
	}
	events := make([]lead.Event, 0, len(recs))
	if _, err := e.fold(ctx, id, lead.State{}, recs, &events); err != nil {
		return nil, err
	}
	return events, nil
}

// Subscribe calls fn with every event in the store's global order from
// position from on (0 or 1 for the beginning): first those stored, then
// each new one as it is appended, until ctx ends or fn returns an error.
// Projections (package funnel) and breach handlers are fed this way; a
// subscriber that remembers the last position it handled resumes from the
// one after it.
//
// Records that are not lead events, do not decode, do not follow their
// stream's versioning or are no step of the lifecycle table from the
// lead's stage (lead.Lifecycle.Follow) are quarantined (see Fault) and skipped, and so
// are the later records of a lead the Engine knows to be corrupt; fn
// never sees them, so a forged Won never reaches a projection. A
// subscriber that starts mid-history reads, once per lead, the lead's
// events before its first one to know where the lead stands.
func (e *Engine) Subscribe(ctx context.Context, from uint64, fn func(position uint64, ev lead.Event) error) error {
	paths := map[string]lead.Lifecycle{}
	return e.store.Subscribe(ctx, from, func(r eventstore.Record) error {
		ev, ok, err := e.readable(ctx, r, paths)
		if !ok {
			return err
		}
		return fn(r.Position, ev)
	})
}

// readable decodes a record of the global order for a reader that keeps
// no lead states: false when it is quarantined or belongs to a corrupt
// lead. paths follows each stream's history (lead.Lifecycle.Follow), so an event that
// breaks its lead's versioning or the lifecycle table makes the lead
// corrupt. The first record of a stream met mid-history has the events
// before it loaded, to know the lead's stage; the error is the load's.
func (e *Engine) readable(ctx context.Context, r eventstore.Record, paths map[string]lead.Lifecycle) (lead.Event, bool, error) {
	if e.book.corrupted(lead.ID(r.Stream)) != nil {
		return nil, false, nil
	}
	ev, err := e.decodeRecord(ctx, r)
	if errors.Is(err, ErrKeyUnavailable) {
		return nil, false, err
	}
	if err != nil {
		e.corrupt(lead.ID(r.Stream), r, err)
		return nil, false, nil
	}
	p, ok := paths[r.Stream]
	if !ok && r.Version > 1 {
		recs, err := e.store.Load(ctx, r.Stream, 1)
		if err != nil {
			return nil, false, fmt.Errorf("leadline: load %s: %w", r.Stream, err)
		}
		for _, before := range recs {
			if before.Version >= r.Version {
				break
			}
			bev, err := e.decodeRecord(ctx, before)
			if errors.Is(err, ErrKeyUnavailable) {
				return nil, false, err
			}
			if err == nil {
				p, _, err = p.Follow(lead.ID(r.Stream), bev)
			}
			if err != nil {
				e.corrupt(lead.ID(r.Stream), before, err)
				return nil, false, nil
			}
		}
	}
	if p, _, err = p.Follow(lead.ID(r.Stream), ev); err != nil {
		e.corrupt(lead.ID(r.Stream), r, err)
		return nil, false, nil
	}
	paths[r.Stream] = p
	return ev, true, nil
}
