package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Atomic batch headers (nats-server 2.12+).
const (
	headerBatchID     = "Nats-Batch-Id"
	headerBatchSeq    = "Nats-Batch-Sequence"
	headerBatchCommit = "Nats-Batch-Commit"
)

// maxConflictRetries bounds how often Append republishes after a refusal
// that turned out not to be a real conflict (the lead's subjects were busy
// with another writer's batch that then failed).
const maxConflictRetries = 3

// Append implements eventstore.Store.
//
// The server enforces expected: every append carries
// Nats-Expected-Last-Subject-Sequence for <prefix>.<stream>.*, the
// sequence of the record at version expected (0 for a new stream). The
// Store remembers that sequence per stream from its own appends and loads;
// when it does not know it, it reads the stream's last record first. A
// stale memory cannot write anything wrong: the server refuses, and the
// Store then reads the stream to report the actual version.
//
// Several records are published as one atomic batch: all are stored or
// none. Each record's ID is its Nats-Msg-Id; on any refusal the Store
// looks for recs[0].ID in the stream before reporting a conflict, so a
// retry of an append that succeeded returns its version even after the
// server's duplicate window.
func (s *Store) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := validate(stream, recs); err != nil {
		return 0, err
	}
	for attempt := 0; ; attempt++ {
		seq, ok := s.known(stream, expected)
		if !ok {
			last, _, err := s.lastOf(ctx, stream)
			if err != nil {
				return 0, err
			}
			if last.Version != expected {
				return s.refused(ctx, stream, expected, recs, nil)
			}
			seq = last.Position
		}
		ack, err := s.publish(ctx, stream, expected, seq, recs)
		if err == nil {
			return s.acknowledged(ctx, stream, expected, recs, ack)
		}
		if !refusal(err) {
			return 0, s.publishError(ctx, stream, err)
		}
		v, err := s.refused(ctx, stream, expected, recs, err)
		if !errors.Is(err, errRetry) || attempt == maxConflictRetries {
			if errors.Is(err, errRetry) {
				err = &eventstore.ConflictError{Stream: stream, Expected: expected, Actual: expected}
			}
			return v, err
		}
	}
}

// validate checks an append the way every store does, plus duplicate IDs
// within it.
func validate(stream string, recs []eventstore.Record) error {
	if err := eventstore.ValidateAppend(stream, recs); err != nil {
		return err
	}
	if len(recs) > 1 {
		seen := make(map[string]struct{}, len(recs))
		for _, r := range recs {
			if _, dup := seen[r.ID]; dup {
				return fmt.Errorf("%w: record ID %q appears twice in one append", eventstore.ErrInvalid, r.ID)
			}
			seen[r.ID] = struct{}{}
		}
	}
	return nil
}

// publish sends recs as versions expected+1... of stream, the first
// carrying the expected-sequence check; several records go as one atomic
// batch whose commit message returns the acknowledgement.
func (s *Store) publish(ctx context.Context, stream string, expected, seq uint64, recs []eventstore.Record) (*jetstream.PubAck, error) {
	// While the client is reconnecting it buffers publishes and sends them
	// once back, maybe long after this call gave up: when it knows it is
	// disconnected, send nothing and say so.
	switch st := s.nc.Status(); st {
	case nats.CONNECTED:
	case nats.CLOSED:
		return nil, nats.ErrConnectionClosed
	default:
		return nil, fmt.Errorf("%w (connection %v); nothing was sent", nats.ErrDisconnected, st)
	}
	msgs := s.messages(stream, expected, seq, recs)
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	for _, m := range msgs[:len(msgs)-1] {
		if err := s.nc.PublishMsg(m); err != nil {
			return nil, err
		}
	}
	return s.js.PublishMsg(ctx, msgs[len(msgs)-1])
}

// messages builds the messages of one append; several records get the
// atomic batch headers, the last one the commit.
func (s *Store) messages(stream string, expected, seq uint64, recs []eventstore.Record) []*nats.Msg {
	msgs := make([]*nats.Msg, len(recs))
	var batch string
	if len(recs) > 1 {
		batch = strings.TrimPrefix(nats.NewInbox(), nats.InboxPrefix)
	}
	for i, r := range recs {
		m := s.message(stream, expected+uint64(i)+1, r)
		if i == 0 {
			s.expect(m, stream, seq)
		}
		if batch != "" {
			m.Header[headerBatchID] = []string{batch}
			m.Header[headerBatchSeq] = []string{strconv.Itoa(i + 1)}
			if i == len(recs)-1 {
				m.Header[headerBatchCommit] = []string{"1"}
			}
		}
		msgs[i] = m
	}
	return msgs
}

// acknowledged turns a publish acknowledgement into Append's result.
func (s *Store) acknowledged(ctx context.Context, stream string, expected uint64, recs []eventstore.Record, ack *jetstream.PubAck) (uint64, error) {
	if !ack.Duplicate {
		v := expected + uint64(len(recs))
		s.learn(stream, v, ack.Sequence)
		return v, nil
	}
	// The server already holds recs[0].ID (within its duplicate window) at
	// ack.Sequence: a retry, if that sequence is in this stream.
	prev, err := s.at(ctx, ack.Sequence)
	if err != nil {
		return 0, err
	}
	if prev.Stream != stream {
		return 0, fmt.Errorf("%w: record ID %q is already used in stream %q", eventstore.ErrInvalid, recs[0].ID, prev.Stream)
	}
	return prev.Version + uint64(len(recs)) - 1, nil
}

// refusal reports whether err is the server refusing an append because of
// the expected sequence or a duplicate ID: cases Append resolves by
// reading the stream.
func refusal(err error) bool {
	switch apiCode(err) {
	case codeWrongLastSeq, codeWrongLastSeqBusy, codeDuplicateInProcess, codeBatchDuplicate:
		return true
	}
	return false
}

// errRetry tells Append the refusal was not a conflict: publish again.
var errRetry = errors.New("natsjs: retry")

// refused resolves a refused append (cause nil: the Store's own read found
// another version) by reading the stream: recs[0].ID stored means a retry
// of an append that succeeded; otherwise another version is a conflict.
func (s *Store) refused(ctx context.Context, stream string, expected uint64, recs []eventstore.Record, cause error) (uint64, error) {
	stored, err := s.loadAll(ctx, stream)
	if err != nil {
		return 0, err
	}
	for _, r := range stored {
		if r.ID == recs[0].ID {
			return r.Version + uint64(len(recs)) - 1, nil
		}
	}
	actual := uint64(len(stored))
	if actual != expected {
		return 0, &eventstore.ConflictError{Stream: stream, Expected: expected, Actual: actual}
	}
	if apiCode(cause) == codeBatchDuplicate {
		return 0, fmt.Errorf("%w: a record ID of this append is already used: %v", eventstore.ErrInvalid, cause)
	}
	return 0, errRetry
}

// publishError wraps a failed publish, naming a vanished stream clearly.
func (s *Store) publishError(ctx context.Context, stream string, err error) error {
	op := "append to " + stream
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		return s.missingStream(ctx, op, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return fmt.Errorf("natsjs: %s: no acknowledgement, the append may or may not be stored; retry it with the same record IDs: %w", op, err)
	}
	return fmt.Errorf("natsjs: %s: %w", op, err)
}
