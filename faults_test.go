package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/leadline/leadline/eventstore"
)

// errFlaky is the transient error faulty injects; it matches
// eventstore.ErrUnknownOutcome, as a timeout does.
var errFlaky = fmt.Errorf("injected store fault: %w", eventstore.ErrUnknownOutcome)

// errDown is what faulty returns for everything while it is down.
var errDown = errors.New("injected outage: store unreachable")

// faulty wraps a store and injects faults into its appends: with plan
// set, each append asks plan what to do. While down, every call fails.
type faulty struct {
	eventstore.Store
	mu   sync.Mutex
	plan func() fault // nil: no fault
	down atomic.Bool

	before, after atomic.Int64 // faults injected of each kind
}

type fault int

const (
	faultNone   fault = iota
	faultBefore       // fail without storing
	faultAfter        // store, then fail as if the acknowledgement was lost
)

func (f *faulty) next() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.plan == nil {
		return faultNone
	}
	return f.plan()
}

func (f *faulty) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	if f.down.Load() {
		return 0, errDown
	}
	switch f.next() {
	case faultBefore:
		f.before.Add(1)
		return 0, errFlaky
	case faultAfter:
		if _, err := f.Store.Append(ctx, stream, expected, recs...); err != nil {
			return 0, err
		}
		f.after.Add(1)
		return 0, errFlaky
	}
	return f.Store.Append(ctx, stream, expected, recs...)
}

func (f *faulty) Load(ctx context.Context, stream string, from uint64) ([]eventstore.Record, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Load(ctx, stream, from)
}

func (f *faulty) Read(ctx context.Context, from uint64, limit int) ([]eventstore.Record, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Read(ctx, from, limit)
}

// Subscribe fails at once while down, and ends with errDown when the
// store goes down during it.
func (f *faulty) Subscribe(ctx context.Context, from uint64, fn func(eventstore.Record) error) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.Subscribe(ctx, from, func(r eventstore.Record) error {
		if f.down.Load() {
			return errDown
		}
		return fn(r)
	})
}
