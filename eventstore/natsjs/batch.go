package natsjs

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Append is one append in an AppendBatch call: what Store.Append takes.
type Append struct {
	Stream   string
	Expected uint64
	Records  []eventstore.Record
}

// Result is the outcome of one Append in an AppendBatch call: what
// Store.Append returns.
type Result struct {
	Version uint64
	Err     error
}

// pipelineWindow bounds how many appends AppendBatch has in flight.
const pipelineWindow = 1024

// AppendBatch appends to many streams at once and returns one Result per
// Append, in order, each exactly what Store.Append would have returned.
// It is for throughput: appends whose expected sequence the Store knows
// (new streams, and streams it appended to or loaded) are published
// without waiting for each other's acknowledgements, pipelined on the
// connection; the others, and a second append to a stream already in the
// call, go through Store.Append after them. Each Append keeps Append's
// guarantees (expected version checked by the server, all or none, retry
// by record ID); appends are independent: one failing does not stop the
// others, and their relative order is not defined.
//
// A caller that holds an eventstore.Store can probe for it:
//
//	if b, ok := store.(interface {
//		AppendBatch(context.Context, []natsjs.Append) []natsjs.Result
//	}); ok { ... }
func (s *Store) AppendBatch(ctx context.Context, appends []Append) []Result {
	results := make([]Result, len(appends))
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
		seq, ok := s.known(a.Stream, a.Expected)
		if _, dup := seen[a.Stream]; dup || !ok {
			slow = append(slow, i)
			continue
		}
		seen[a.Stream] = struct{}{}
		msgs := s.messages(a.Stream, a.Expected, seq, a.Records)
		var err error
		for _, m := range msgs[:len(msgs)-1] {
			if err = s.nc.PublishMsg(m); err != nil {
				break
			}
		}
		var ack jetstream.PubAckFuture
		if err == nil {
			ack, err = s.js.PublishMsgAsync(msgs[len(msgs)-1])
		}
		if err != nil {
			results[i].Err = s.publishError(ctx, a.Stream, err)
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
func (s *Store) await(ctx context.Context, a Append, ack jetstream.PubAckFuture) Result {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	select {
	case pa := <-ack.Ok():
		v, err := s.acknowledged(ctx, a.Stream, a.Expected, a.Records, pa)
		return Result{v, err}
	case err := <-ack.Err():
		if !refusal(err) {
			return Result{Err: s.publishError(ctx, a.Stream, err)}
		}
		v, err := s.refused(ctx, a.Stream, a.Expected, a.Records, err)
		if err == errRetry {
			v, err = s.Append(ctx, a.Stream, a.Expected, a.Records...)
		}
		return Result{v, err}
	case <-ctx.Done():
		return Result{Err: fmt.Errorf("natsjs: append to %s: no acknowledgement, the append may or may not be stored; retry it with the same record IDs: %w", a.Stream, ctx.Err())}
	}
}
