package natsjs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// subscribeHeartbeat is how often an idle subscription hears from the
// server; two missed heartbeats make it recreate its consumer.
const subscribeHeartbeat = 2 * time.Second

// Subscribe implements eventstore.Store. It reads through an ephemeral,
// unacknowledged consumer on every leadline subject starting at from: one
// mechanism delivers the stored records and then the new ones, so there is
// no seam for a gap or a duplicate. When the consumer is lost (server
// restart, leader change, missed heartbeats) Subscribe recreates it from
// the position after the last record delivered. Messages leadline did not
// write are delivered as foreign records (see eventstore.Record) and never
// end it. A deleted stream ends Subscribe with an error matching
// eventstore.ErrPermanent and jetstream.ErrStreamNotFound; a closed
// connection with eventstore.ErrPermanent and nats.ErrConnectionClosed.
func (s *Store) Subscribe(ctx context.Context, from uint64, fn func(eventstore.Record) error) error {
	if from == 0 {
		from = 1
	}
	next := from
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.consume(ctx, &next, fn)
		var term terminal
		switch {
		case err == nil:
			continue
		case errors.As(err, &term):
			return term.err
		case ctx.Err() != nil:
			return ctx.Err()
		case s.nc.IsClosed():
			return fmt.Errorf("natsjs: subscribe: %w: %w", eventstore.ErrPermanent, nats.ErrConnectionClosed)
		}
		if gone := s.streamGone(ctx, "subscribe"); gone != nil {
			return gone
		}
		// Lost the consumer for another reason (a node restarting, a
		// leader election): wait a little and recreate it.
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// terminal wraps an error that ends Subscribe as it is: the callback's.
type terminal struct{ err error }

func (t terminal) Error() string { return t.err.Error() }

// consume runs one consumer from *next until it fails, delivering each new
// record to fn and advancing *next. A nil return means "recreate".
func (s *Store) consume(ctx context.Context, next *uint64, fn func(eventstore.Record) error) error {
	cctx, cancel := s.withTimeout(ctx)
	cons, err := s.js.CreateConsumer(cctx, s.name, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       *next,
		AckPolicy:         jetstream.AckNonePolicy,
		FilterSubject:     s.all,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: time.Minute,
	})
	cancel()
	if err != nil {
		return err
	}
	name := cons.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		_ = s.js.DeleteConsumer(dctx, s.name, name)
		cancel()
	}()
	it, err := cons.Messages(jetstream.PullHeartbeat(subscribeHeartbeat), jetstream.PullMaxMessages(512))
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer func() {
		stop()
		it.Stop()
	}()
	var delivered uint64 // consumer sequence of the last message
	for {
		m, err := it.Next()
		if err != nil {
			return err
		}
		meta, err := m.Metadata()
		if err != nil {
			return err
		}
		if meta.Sequence.Consumer != delivered+1 {
			return nil // a message went missing in transit: recreate from *next
		}
		delivered = meta.Sequence.Consumer
		if meta.Sequence.Stream < *next {
			continue
		}
		if err := fn(s.record(m.Subject(), meta.Sequence.Stream, m.Headers(), m.Data())); err != nil {
			return terminal{err}
		}
		*next = meta.Sequence.Stream + 1
	}
}
