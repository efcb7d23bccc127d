package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadline/leadline/eventstore"
)

var subscribeTests = []subtest{
	{"CatchesUpThenFollowsLiveAppends", testSubscribeCatchUpThenLive},
	{"AppendsRacingCatchUpAreDeliveredOnce", testSubscribeRacingCatchUp},
	{"FromMiddlePositionStartsThere", testSubscribeFromMiddle},
	{"FromPastEndDeliversOnlyNewRecords", testSubscribeFromPastEnd},
	{"ReturnsPromptlyWhenCancelledWhileIdle", testSubscribeCancelIdle},
	{"ReturnsDeadlineExceededWhenContextExpires", testSubscribeDeadline},
	{"ReturnsHandlerErrorDuringCatchUp", testSubscribeHandlerErrorCatchUp},
	{"ReturnsHandlerErrorOnLiveRecord", testSubscribeHandlerErrorLive},
}

var errHandler = errors.New("storetest: handler failed")

// subscription runs Subscribe on its own goroutine and keeps what the
// handler is given.
type subscription struct {
	cancel context.CancelFunc
	failAt int // the handler fails on this call; 0 never

	mu      sync.Mutex
	got     []eventstore.Record
	count   atomic.Int64
	inFn    atomic.Bool
	overlap atomic.Bool
	notify  chan struct{} // a token after every call

	done chan struct{} // closed when Subscribe returns
	err  error         // what it returned; read after done
}

func startSubscription(t *testing.T, s eventstore.Store, from uint64, failAt int) *subscription {
	ctx, cancel := context.WithTimeout(t.Context(), opLimit)
	sub := &subscription{cancel: cancel, failAt: failAt, notify: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(sub.done)
		sub.err = s.Subscribe(ctx, from, sub.handle)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sub.done:
		case <-time.After(promptLimit):
		}
	})
	return sub
}

func (sub *subscription) handle(r eventstore.Record) error {
	if !sub.inFn.CompareAndSwap(false, true) {
		sub.overlap.Store(true)
	}
	defer sub.inFn.Store(false)
	sub.mu.Lock()
	sub.got = append(sub.got, r)
	n := len(sub.got)
	sub.mu.Unlock()
	sub.count.Store(int64(n))
	select {
	case sub.notify <- struct{}{}:
	default:
	}
	if n == sub.failAt {
		return errHandler
	}
	return nil
}

// waitFor fails t unless the handler has been given n records within
// waitLimit.
func (sub *subscription) waitFor(t *testing.T, n int) {
	t.Helper()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	for sub.count.Load() < int64(n) {
		select {
		case <-sub.notify:
		case <-sub.done:
			if got := sub.count.Load(); got < int64(n) {
				t.Fatalf("Subscribe returned %v after delivering %d records, want %d", sub.err, got, n)
			}
		case <-timer.C:
			t.Fatalf("subscription delivered %d records within %s, want %d: a record was lost or the subscription stalled", sub.count.Load(), waitLimit, n)
		}
	}
}

// stop cancels the subscription's context and returns what Subscribe
// returned, failing t unless it returned within promptLimit.
func (sub *subscription) stop(t *testing.T) error {
	t.Helper()
	sub.cancel()
	return sub.wait(t, promptLimit, "its context was cancelled")
}

// wait returns what Subscribe returned, failing t unless it returned within
// limit.
func (sub *subscription) wait(t *testing.T, limit time.Duration, after string) error {
	t.Helper()
	select {
	case <-sub.done:
	case <-time.After(limit):
		t.Fatalf("Subscribe did not return within %s after %s", limit, after)
	}
	if sub.overlap.Load() {
		t.Fatal("Subscribe ran the handler on two goroutines at once")
	}
	return sub.err
}

func (sub *subscription) records() []eventstore.Record {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return append([]eventstore.Record(nil), sub.got...)
}

// seed appends n records in batches of one to three to three streams, and
// returns the streams' versions.
func seed(t *testing.T, s eventstore.Store, n int) map[string]uint64 {
	versions := make(map[string]uint64)
	for i := 0; n > 0; i++ {
		stream := fmt.Sprintf("seed-%d", i%3)
		k := min(i%3+1, n)
		versions[stream] = mustAppend(t, s, stream, versions[stream], recs("Seeded", k)...)
		n -= k
	}
	return versions
}

// appendLive has writers goroutines append perWriter records each to their
// own streams, in batches of one to three, and waits for them.
func appendLive(t *testing.T, s eventstore.Store, writers, perWriter int) {
	ctx := testContext(t)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("live-%d", w)
			var v uint64
			for left, i := perWriter, 0; left > 0; i++ {
				k := min(i%3+1, left)
				got, err := s.Append(ctx, stream, v, recs("Live", k)...)
				if err != nil {
					t.Errorf("Append(%q, expected %d): %v", stream, v, err)
					return
				}
				v, left = got, left-k
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// checkDelivered fails t unless the subscription was given exactly the
// records Read returns from from.
func checkDelivered(t *testing.T, s eventstore.Store, sub *subscription, from uint64) {
	t.Helper()
	got := sub.records()
	checkGlobalOrderFrom(t, "records delivered", got)
	checkRecords(t, fmt.Sprintf("records delivered against Read(%d)", from), got, mustRead(t, s, from, 0))
}

// checkGlobalOrderFrom is checkGlobalOrder for a suffix of the global order:
// positions strictly increase and each stream's versions are contiguous.
func checkGlobalOrderFrom(t *testing.T, what string, rs []eventstore.Record) {
	t.Helper()
	last := make(map[string]uint64)
	for i, r := range rs {
		if i > 0 && r.Position <= rs[i-1].Position {
			t.Fatalf("%s: record %d (%q) has Position %d after Position %d", what, i, r.ID, r.Position, rs[i-1].Position)
		}
		if prev, ok := last[r.Stream]; ok && r.Version != prev+1 {
			t.Fatalf("%s: record %d (%q) is version %d of %q after version %d", what, i, r.ID, r.Version, r.Stream, prev)
		}
		last[r.Stream] = r.Version
	}
}

func checkCanceled(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe returned %v after its context was cancelled, want ctx.Err() (context.Canceled)", err)
	}
}

func testSubscribeCatchUpThenLive(t *testing.T, s eventstore.Store) {
	const stored, liveWriters, livePerWriter = 56, 4, 36
	seed(t, s, stored)
	sub := startSubscription(t, s, 0, 0)
	sub.waitFor(t, stored)
	appendLive(t, s, liveWriters, livePerWriter)
	sub.waitFor(t, stored+liveWriters*livePerWriter)
	checkCanceled(t, sub.stop(t))
	checkDelivered(t, s, sub, 0)
	checkGlobalOrder(t, "records delivered from 0", sub.records())
}

func testSubscribeRacingCatchUp(t *testing.T, s eventstore.Store) {
	const stored, liveWriters, livePerWriter = 60, 4, 15
	seed(t, s, stored)
	sub := startSubscription(t, s, 0, 0)
	appendLive(t, s, liveWriters, livePerWriter)
	sub.waitFor(t, stored+liveWriters*livePerWriter)
	checkCanceled(t, sub.stop(t))
	checkDelivered(t, s, sub, 0)
}

func testSubscribeFromMiddle(t *testing.T, s eventstore.Store) {
	seed(t, s, 20)
	all := mustRead(t, s, 0, 0)
	from := all[10].Position
	sub := startSubscription(t, s, from, 0)
	sub.waitFor(t, 10)
	appendLive(t, s, 1, 5)
	sub.waitFor(t, 15)
	checkCanceled(t, sub.stop(t))
	checkDelivered(t, s, sub, from)
	if got := sub.records(); got[0].ID != all[10].ID {
		t.Fatalf("subscription from Position %d began with %s, want %s", from, show(got[0]), show(all[10]))
	}
}

func testSubscribeFromPastEnd(t *testing.T, s eventstore.Store) {
	seed(t, s, 5)
	all := mustRead(t, s, 0, 0)
	from := all[len(all)-1].Position + 1
	sub := startSubscription(t, s, from, 0)
	appendLive(t, s, 1, 3)
	sub.waitFor(t, 3)
	checkCanceled(t, sub.stop(t))
	checkDelivered(t, s, sub, from)
}

func testSubscribeCancelIdle(t *testing.T, s eventstore.Store) {
	seed(t, s, 3)
	sub := startSubscription(t, s, 1, 0)
	sub.waitFor(t, 3)
	checkCanceled(t, sub.stop(t))
	checkDelivered(t, s, sub, 0)
}

func testSubscribeDeadline(t *testing.T, s eventstore.Store) {
	seed(t, s, 1)
	const timeout = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(ctx, 0, func(eventstore.Record) error { return nil }) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Subscribe returned %v when its context expired, want ctx.Err() (context.DeadlineExceeded)", err)
		}
	case <-time.After(timeout + promptLimit):
		t.Fatalf("Subscribe did not return within %s after its context expired", promptLimit)
	}
}

func testSubscribeHandlerErrorCatchUp(t *testing.T, s eventstore.Store) {
	seed(t, s, 5)
	sub := startSubscription(t, s, 0, 3)
	err := sub.wait(t, waitLimit, "its handler failed")
	if !errors.Is(err, errHandler) {
		t.Fatalf("Subscribe returned %v after its handler failed, want the handler's error", err)
	}
	if n := sub.count.Load(); n != 3 {
		t.Fatalf("handler was called %d times, want 3: no call after it failed", n)
	}
}

func testSubscribeHandlerErrorLive(t *testing.T, s eventstore.Store) {
	seed(t, s, 2)
	sub := startSubscription(t, s, 0, 4)
	sub.waitFor(t, 2)
	appendLive(t, s, 1, 3)
	err := sub.wait(t, waitLimit, "its handler failed")
	if !errors.Is(err, errHandler) {
		t.Fatalf("Subscribe returned %v after its handler failed, want the handler's error", err)
	}
	if n := sub.count.Load(); n != 4 {
		t.Fatalf("handler was called %d times, want 4: no call after it failed", n)
	}
}
