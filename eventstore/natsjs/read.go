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
		if err := fn(s.record(m.Header.Get("Nats-Subject"), seq, m.Header, m.Data)); err != nil {
			return 0, err
		}
		if req.Batch == 0 {
			return 0, nil
		}
	}
}

// lastOf returns the last message on stream's subjects, or ok false when
// there is none. It remembers the stream's state when that message is a
// leadline record.
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
	if rec.Version > 0 {
		s.learn(stream, rec.Position, place{rec.Version, rec.Position})
	}
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
// direct gets: when the Store knows the sequence of the record at version
// from-1 (it remembers the last few versions of recently used leads), only
// the messages after it; otherwise the whole lead. Messages on the lead's
// subjects that leadline did not write come as they are, with Version 0
// (see eventstore.Record), in stream order: from > 1 returns those after
// the record at version from-1. In a cluster a direct get may be answered
// by a replica that trails the leader; Load waits (briefly, bounded) until
// it sees every append this Store has had acknowledged on stream.
func (s *Store) Load(ctx context.Context, stream string, from uint64) ([]eventstore.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := eventstore.ValidateStream(stream); err != nil {
		return nil, err
	}
	if from > 1 {
		if start, ok := s.startOf(stream, from-1); ok {
			return s.readStream(ctx, "load "+stream, stream, place{from - 1, start})
		}
	}
	all, err := s.readStream(ctx, "load "+stream, stream, place{})
	if err != nil || from <= 1 {
		return all, err
	}
	for i, r := range all {
		if r.Version == from-1 {
			if i == len(all)-1 {
				return nil, nil
			}
			return all[i+1:], nil
		}
	}
	return nil, nil
}

// readStream returns every message on stream's subjects after base.seq,
// where base is the record at version base.version (the zero place: the
// start of the stream), waiting out a trailing replica, and remembers what
// it learned of the stream.
func (s *Store) readStream(ctx context.Context, op, stream string, base place) ([]eventstore.Record, error) {
	floor := s.floor(stream)
	var out []eventstore.Record
	err := s.untilFloor(ctx, floor, func() (uint64, error) {
		out = out[:0]
		last := base.seq
		for next := base.seq + 1; ; {
			pending, err := s.direct(ctx, op, directRequest{Seq: next, NextFor: s.streamSubjects(stream), Batch: directBatch}, func(r eventstore.Record) error {
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
	places := make([]place, 1, recentVersions+1)
	places[0] = base
	tail := base.seq
	for i := len(out) - 1; i >= 0 && len(places) <= recentVersions; i-- {
		if out[i].Version > 0 {
			places = append(places, place{out[i].Version, out[i].Position})
		}
	}
	if n := len(out); n > 0 {
		tail = out[n-1].Position
	}
	s.learn(stream, tail, places...)
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scan reads the messages of stream after sequence base.seq (the record
// at version base.version) and calls fn for each; see readStream.
func (s *Store) scan(ctx context.Context, op, stream string, base place, fn func(eventstore.Record)) error {
	recs, err := s.readStream(ctx, op, stream, base)
	for _, r := range recs {
		fn(r)
	}
	return err
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
