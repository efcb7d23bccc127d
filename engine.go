package leadline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

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
}

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
		env:     sla.Env{Policies: map[int]sla.Policy{}},
		log:     slog.New(slog.DiscardHandler),
		retry:   5 * time.Second,
		ticking: make(chan struct{}, 1),
	}
	e.book.init(1 << 16)
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	e.env.Load = e.book.loadOf
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
	var s lead.State
	for _, r := range recs {
		ev, err := decodeRecord(r)
		if err == nil {
			s, err = lead.Apply(s, ev)
		}
		if err != nil {
			return nil, e.corrupt(id, r, err)
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
//
// Records that are not lead events, do not decode or do not follow their
// stream's versioning are quarantined (see Fault) and skipped, and so are
// the later records of a lead the Engine knows to be corrupt; fn never
// sees them. Whether each event is a legal step of its lead's lifecycle
// is the folding reader's to check (lead.Apply; funnel.Projection does).
func (e *Engine) Subscribe(ctx context.Context, from uint64, fn func(position uint64, ev lead.Event) error) error {
	versions := map[string]uint64{}
	return e.store.Subscribe(ctx, from, func(r eventstore.Record) error {
		ev, ok := e.readable(r, versions)
		if !ok {
			return nil
		}
		return fn(r.Position, ev)
	})
}

// readable decodes a record of the global order for a reader that keeps
// no lead states: nil and false when it is quarantined or belongs to a
// corrupt lead. versions holds the last version seen per stream; a reader
// that starts mid-history takes the first record of each stream as it
// comes.
func (e *Engine) readable(r eventstore.Record, versions map[string]uint64) (lead.Event, bool) {
	if e.book.corrupted(lead.ID(r.Stream)) != nil {
		return nil, false
	}
	ev, err := decodeRecord(r)
	if err == nil {
		if last, ok := versions[r.Stream]; ok && r.Version != last+1 {
			err = &lead.HistoryError{Lead: lead.ID(r.Stream), Version: r.Version, Type: r.Type, Reason: fmt.Sprintf("follows version %d", last)}
		}
	}
	if err != nil {
		e.corrupt(lead.ID(r.Stream), r, err)
		return nil, false
	}
	versions[r.Stream] = r.Version
	return ev, true
}
