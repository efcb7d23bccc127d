package natsjs

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// pipelineWindow bounds how many appends AppendBatch has in flight.
const pipelineWindow = 1024

// AppendBatch implements eventstore.BatchAppender: it appends to many
// streams at once and returns one result per append, in order, each
// exactly what Store.Append would have returned.
// It is for throughput: appends whose expected sequence the Store knows
// (new streams, and streams it appended to or loaded) are published
// without waiting for each other's acknowledgements, up to pipelineWindow
// at a time, a new one going out as the oldest is acknowledged; the
// others, and a second append to a stream already in the call, go
// through Store.Append after them. Each Append keeps Append's guarantees
// (expected version checked by the server, all or none, retry by record
// ID); appends are independent: one failing does not stop the others, and
// their relative order is not defined.
func (s *Store) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	results := make([]eventstore.AppendResult, len(appends))
	var slow []int
	type inflight struct {
		i    int
		w    *waiter
		msgs *outgoing
	}
	// window is a ring of the appends in flight, oldest at head:
	// acknowledgements come in the order of publishes, so the oldest is
	// the one to wait for.
	window := make([]inflight, min(len(appends), pipelineWindow))
	head, n := 0, 0
	timeout := s.waitTimeout(ctx)
	settle := func() {
		f := window[head]
		window[head] = inflight{}
		head, n = (head+1)%len(window), n-1
		ack, err := s.acks.wait(ctx, f.w, timeout)
		f.msgs.release()
		results[f.i] = s.settled(ctx, appends[f.i], ack, err)
	}
	seen := make(map[string]struct{}, len(appends))
	s.acks.start(s.nc, s.name)
	for i, a := range appends {
		if err := ctx.Err(); err != nil {
			results[i].Err = err
			continue
		}
		if err := validate(a.Stream, a.Records); err != nil {
			results[i].Err = err
			continue
		}
		seq, ok := s.appendSeq(a.Stream, a.Expected)
		if _, dup := seen[a.Stream]; dup || !ok {
			slow = append(slow, i)
			continue
		}
		seen[a.Stream] = struct{}{}
		msgs := s.messages(a.Stream, a.Expected, seq, a.Records)
		if err := s.checkSize(msgs, a.Records); err != nil {
			msgs.release()
			results[i].Err = err
			continue
		}
		err := s.connected()
		var w *waiter
		if err == nil {
			w, err = s.acks.get()
		}
		if err == nil {
			if err = msgs.sendBatch(s.nc); err == nil {
				last := msgs.last()
				last.Reply = w.reply
				err = s.nc.PublishMsg(last)
			}
			if err != nil {
				s.acks.put(w)
			}
		}
		if err != nil {
			// The commit did not go out: nothing was stored.
			msgs.release()
			results[i].Err = s.publishError(ctx, a.Stream, false, err)
			continue
		}
		if n == len(window) {
			settle()
		}
		window[(head+n)%len(window)] = inflight{i, w, msgs}
		n++
	}
	for n > 0 {
		settle()
	}
	for _, i := range slow {
		a := appends[i]
		results[i].Version, results[i].Err = s.Append(ctx, a.Stream, a.Expected, a.Records...)
	}
	return results
}

// settled resolves one pipelined append's acknowledgement (or the error
// instead of it) the way Append does.
func (s *Store) settled(ctx context.Context, a eventstore.Append, ack jetstream.PubAck, err error) eventstore.AppendResult {
	switch {
	case err == nil:
		v, err := s.acknowledged(ctx, a.Stream, a.Expected, a.Records, ack)
		return eventstore.AppendResult{Version: v, Err: err}
	case errors.Is(err, nats.ErrNoResponders):
		// No stream took it, so nothing was stored: Append sends it
		// again, riding out a leader election.
		v, err := s.Append(ctx, a.Stream, a.Expected, a.Records...)
		return eventstore.AppendResult{Version: v, Err: err}
	case refusal(err):
		v, err := s.refused(ctx, a.Stream, a.Expected, a.Records, err)
		if err == nil && v == 0 {
			v, err = s.Append(ctx, a.Stream, a.Expected, a.Records...)
		}
		return eventstore.AppendResult{Version: v, Err: err}
	}
	return eventstore.AppendResult{Err: s.publishError(ctx, a.Stream, true, err)}
}
