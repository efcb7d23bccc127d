package natsjs

import (
	"context"
	"fmt"

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
// without waiting for each other's acknowledgements, pipelined on the
// connection; the others, and a second append to a stream already in the
// call, go through Store.Append after them. Each Append keeps Append's
// guarantees (expected version checked by the server, all or none, retry
// by record ID); appends are independent: one failing does not stop the
// others, and their relative order is not defined.
func (s *Store) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	results := make([]eventstore.AppendResult, len(appends))
	var slow []int
	type inflight struct {
		i   int
		ack jetstream.PubAckFuture
	}
	window := make([]inflight, 0, min(len(appends), pipelineWindow))
	seen := make(map[string]struct{}, len(appends))
	flush := func() {
		for _, f := range window {
			results[f.i] = s.await(ctx, appends[f.i], f.ack)
		}
		window = window[:0]
	}
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
			results[i].Err = err
			continue
		}
		var err error
		if st := s.nc.Status(); st != nats.CONNECTED {
			err = fmt.Errorf("%w (connection %v)", nats.ErrDisconnected, st)
		}
		for _, m := range msgs[:len(msgs)-1] {
			if err != nil {
				break
			}
			err = s.nc.PublishMsg(m)
		}
		var ack jetstream.PubAckFuture
		if err == nil {
			ack, err = s.js.PublishMsgAsync(msgs[len(msgs)-1])
		}
		if err != nil {
			// PublishMsgAsync fails before sending: nothing was stored.
			results[i].Err = s.publishError(ctx, a.Stream, false, err)
			continue
		}
		window = append(window, inflight{i, ack})
		if len(window) == cap(window) {
			flush()
		}
	}
	flush()
	for _, i := range slow {
		a := appends[i]
		results[i].Version, results[i].Err = s.Append(ctx, a.Stream, a.Expected, a.Records...)
	}
	return results
}

// await waits for one pipelined append's acknowledgement and resolves it
// the way Append does.
func (s *Store) await(ctx context.Context, a eventstore.Append, ack jetstream.PubAckFuture) eventstore.AppendResult {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	select {
	case pa := <-ack.Ok():
		v, err := s.acknowledged(ctx, a.Stream, a.Expected, a.Records, pa)
		return eventstore.AppendResult{Version: v, Err: err}
	case err := <-ack.Err():
		if !refusal(err) {
			return eventstore.AppendResult{Err: s.publishError(ctx, a.Stream, true, err)}
		}
		v, err := s.refused(ctx, a.Stream, a.Expected, a.Records, err)
		if err == nil && v == 0 {
			v, err = s.Append(ctx, a.Stream, a.Expected, a.Records...)
		}
		return eventstore.AppendResult{Version: v, Err: err}
	case <-ctx.Done():
		return eventstore.AppendResult{Err: s.publishError(ctx, a.Stream, true, ctx.Err())}
	}
}
