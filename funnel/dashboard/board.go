package dashboard

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Source is where a Board follows the store from: it calls fn with every
// lead event in the store's global order from position from on, first
// those stored and then each new one as it is appended, until ctx ends or
// fn returns an error. leadline's Engine.Subscribe is a Source:
//
//	board.Follow(ctx, engine.Subscribe)
type Source func(ctx context.Context, from uint64, fn func(position uint64, ev lead.Event) error) error

// Board is the live SLA dashboard: a projection of the store's events and
// the http.Handler that shows it. Feed it with Follow (or Apply, from a
// feed of your own); serve it with any http.Server or ServeMux.
//
// A Board is safe for concurrent use: one goroutine feeds it while any
// number of requests read it.
type Board struct {
	// Set by New and its options, then read-only.
	policies    sla.Set
	clock       clock.Clock
	loc         *time.Location
	targets     map[lead.DeadlineKind]float64
	commitments []funnel.Commitment
	atRisk      time.Duration
	refresh     time.Duration
	feedSize    int
	title       string

	mu    sync.Mutex // guards everything below
	proj  funnel.Projection
	open  openLeads
	leaks leakTally
	feed  feed
	subs  map[*subscriber]struct{}
	cache viewCache
}

// New returns a Board configured by opts; an option it cannot take is an
// error matching ErrInvalidOption.
func New(opts ...Option) (*Board, error) {
	b := &Board{
		clock:    clock.New(),
		loc:      time.UTC,
		targets:  map[lead.DeadlineKind]float64{},
		atRisk:   DefaultAtRisk,
		refresh:  DefaultRefresh,
		feedSize: DefaultFeed,
		title:    "Sales & marketing SLA",
	}
	for _, o := range opts {
		if err := o(b); err != nil {
			return nil, err
		}
	}
	b.proj.Location = b.loc
	// The compliance figures count only the clocks the policies enforce.
	b.proj.Policies = b.policies
	b.open.init()
	b.leaks.init()
	b.feed.init(b.feedSize)
	b.subs = map[*subscriber]struct{}{}
	return b, nil
}

// Apply folds the event at global position position into the Board, the
// way funnel.Projection.Apply does (positions start at 1 and increase; an
// event at or below Position was applied before and is ignored), and
// notifies the open pages. Its error matches funnel.ErrInvalidEvent for an
// event it cannot place; the position still advances past it.
func (b *Board) Apply(position uint64, ev lead.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if position <= b.proj.Position() {
		return nil
	}
	if err := b.proj.Apply(position, ev); err != nil {
		return err
	}
	b.open.apply(ev, b.policies)
	b.leaks.apply(ev, b.loc)
	if br, ok := ev.(lead.DeadlineBreached); ok {
		item := b.feed.add(br, b.open.team(br.Lead), b.loc)
		for s := range b.subs {
			s.breach(item)
		}
	}
	for s := range b.subs {
		s.poke()
	}
	return nil
}

// Position returns the position of the last event applied, 0 before the
// first. Follow resumes from the one after it.
func (b *Board) Position() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.proj.Position()
}

// Follow feeds the Board from src, from the event after Position on, until
// ctx ends or src fails. Events the Board cannot place (see Apply) are
// skipped, so one bad record does not stop the dashboard. It returns src's
// error, ctx.Err() when ctx ends.
func (b *Board) Follow(ctx context.Context, src Source) error {
	if src == nil {
		return errors.New("dashboard: Follow: nil source")
	}
	err := src(ctx, b.Position()+1, func(position uint64, ev lead.Event) error {
		if err := b.Apply(position, ev); err != nil && !errors.Is(err, funnel.ErrInvalidEvent) {
			return err
		}
		return nil
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// target returns the compliance target of kind k.
func (b *Board) target(k lead.DeadlineKind) float64 {
	if t, ok := b.targets[k]; ok {
		return t
	}
	return DefaultTarget
}
