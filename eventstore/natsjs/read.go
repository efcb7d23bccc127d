package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/eventstore"
)

// directBatch is how many messages one direct get asks for.
const directBatch = 1024

// directRequest is the body of a JetStream direct get ($JS.API.DIRECT.GET.<stream>).
type directRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	LastFor string `json:"last_by_subj,omitempty"`
	NextFor string `json:"next_by_subj,omitempty"`
	Batch   int    `json:"batch,omitempty"`
}

// errNoMessage is a direct get's "404 Message Not Found".
var errNoMessage = errors.New("natsjs: no message")

// direct runs one direct get and calls fn for each record it returns, in
// order. For a batch request it returns how many matching messages the
// server still holds after the last one sent. A request that matches
// nothing returns errNoMessage.
func (s *Store) direct(ctx context.Context, op string, req directRequest, fn func(eventstore.Record) error) (pending uint64, err error) {
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	// An asynchronous subscription queues replies without the large
	// channel a synchronous one allocates; the replies end with a status
	// message, or with the first message for a single get.
	replies := make(chan *nats.Msg, 64)
	inbox := s.nc.NewRespInbox()
	sub, err := s.nc.Subscribe(inbox, func(m *nats.Msg) {
		select {
		case replies <- m:
		case <-ctx.Done():
		}
	})
	if err != nil {
		return 0, fmt.Errorf("natsjs: %s: %w", op, err)
	}
	defer sub.Unsubscribe()
	if err := s.nc.PublishRequest(s.directAPI, inbox, body); err != nil {
		return 0, fmt.Errorf("natsjs: %s: %w", op, err)
	}
	for n := 0; ; n++ {
		var m *nats.Msg
		select {
		case m = <-replies:
		case <-ctx.Done():
			return 0, fmt.Errorf("natsjs: %s: no answer from JetStream stream %q: %w", op, s.name, ctx.Err())
		}
		if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
			return 0, s.missingStream(ctx, op, nats.ErrNoResponders)
		}
		switch status := m.Header.Get("Status"); status {
		case "":
		case "204": // end of batch
			p, _ := strconv.ParseUint(m.Header.Get("Nats-Num-Pending"), 10, 64)
			return p, nil
		case "404":
			if n == 0 {
				return 0, errNoMessage
			}
			return 0, nil
		case "503":
			return 0, s.missingStream(ctx, op, nats.ErrNoResponders)
		default:
			return 0, fmt.Errorf("natsjs: %s: direct get from stream %q: status %s %s", op, s.name, status, m.Header.Get("Description"))
		}
		seq, err := strconv.ParseUint(m.Header.Get("Nats-Sequence"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("natsjs: %s: direct get reply without sequence", op)
		}
		rec, err := s.record(m.Header.Get("Nats-Subject"), seq, m.Header, m.Data)
		if err != nil {
			return 0, err
		}
		if err := fn(rec); err != nil {
			return 0, err
		}
		if req.Batch == 0 {
			return 0, nil
		}
	}
}

// lastOf returns the last record of stream, or ok false when it has none.
func (s *Store) lastOf(ctx context.Context, stream string) (rec eventstore.Record, ok bool, err error) {
	_, err = s.direct(ctx, "read last record of "+stream, directRequest{LastFor: s.streamSubjects(stream)}, func(r eventstore.Record) error {
		rec = r
		return nil
	})
	if errors.Is(err, errNoMessage) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	s.learn(stream, rec.Version, rec.Position)
	return rec, true, nil
}

// at returns the record with sequence seq.
func (s *Store) at(ctx context.Context, seq uint64) (rec eventstore.Record, err error) {
	_, err = s.direct(ctx, "read sequence "+strconv.FormatUint(seq, 10), directRequest{Seq: seq}, func(r eventstore.Record) error {
		rec = r
		return nil
	})
	return rec, err
}

// Load implements eventstore.Store. It reads only stream's subjects, with
// direct gets. In a cluster a direct get may be answered by a replica that
// trails the leader; Load waits (briefly, bounded) until it sees every
// append this Store has had acknowledged on stream.
func (s *Store) Load(ctx context.Context, stream string, from uint64) ([]eventstore.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := eventstore.ValidateStream(stream); err != nil {
		return nil, err
	}
	all, err := s.loadAll(ctx, stream)
	if err != nil {
		return nil, err
	}
	if from <= 1 {
		return all, nil
	}
	if from > uint64(len(all)) {
		return nil, nil
	}
	return all[from-1:], nil
}

// loadAll reads every record of stream, waiting out a trailing replica.
func (s *Store) loadAll(ctx context.Context, stream string) ([]eventstore.Record, error) {
	floor := s.floor(stream)
	op := "load " + stream
	var out []eventstore.Record
	err := s.untilFloor(ctx, floor, func() (uint64, error) {
		out = out[:0]
		var last uint64
		for next := uint64(1); ; {
			pending, err := s.direct(ctx, op, directRequest{Seq: next, NextFor: s.streamSubjects(stream), Batch: directBatch}, func(r eventstore.Record) error {
				if r.Stream != stream {
					return fmt.Errorf("natsjs: %s: sequence %d belongs to stream %q", op, r.Position, r.Stream)
				}
				if r.Version != uint64(len(out))+1 {
					return fmt.Errorf("natsjs: %s: sequence %d has version %d, want %d", op, r.Position, r.Version, len(out)+1)
				}
				out = append(out, r)
				last = r.Position
				return nil
			})
			if errors.Is(err, errNoMessage) {
				return last, nil
			}
			if err != nil {
				return 0, err
			}
			if pending == 0 {
				return last, nil
			}
			next = last + 1
		}
	})
	if err != nil {
		return nil, err
	}
	if n := len(out); n > 0 {
		s.learn(stream, out[n-1].Version, out[n-1].Position)
	}
	return out, nil
}

// staleWait bounds how long a read waits for a trailing replica to show
// appends this Store has seen acknowledged.
const staleWait = 2 * time.Second

// untilFloor runs read until the highest sequence it saw reaches floor,
// polling briefly: only a trailing replica makes it repeat. After
// staleWait it returns what it has; the expected-version check on Append
// keeps decisions made on a stale read safe.
func (s *Store) untilFloor(ctx context.Context, floor uint64, read func() (uint64, error)) error {
	deadline := time.Now().Add(staleWait)
	for wait := time.Millisecond; ; wait *= 2 {
		last, err := read()
		if err != nil || last >= floor || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(min(wait, 100*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Read implements eventstore.Store: up to limit records in stream
// sequence order from position from, with direct gets.
func (s *Store) Read(ctx context.Context, from uint64, limit int) ([]eventstore.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if from == 0 {
		from = 1
	}
	floor := s.floor("")
	if floor < from {
		floor = 0
	}
	var out []eventstore.Record
	err := s.untilFloor(ctx, floor, func() (uint64, error) {
		out = out[:0]
		var last uint64
		for next := from; ; {
			batch := directBatch
			if limit > 0 {
				batch = min(batch, limit-len(out))
			}
			pending, err := s.direct(ctx, "read", directRequest{Seq: next, NextFor: s.all, Batch: batch}, func(r eventstore.Record) error {
				out = append(out, r)
				last = r.Position
				return nil
			})
			if errors.Is(err, errNoMessage) {
				return last, nil
			}
			if err != nil {
				return 0, err
			}
			if limit > 0 && len(out) >= limit {
				return floor, nil // full: nothing below the floor can be missing
			}
			if pending == 0 {
				return last, nil
			}
			next = last + 1
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
