package natsjs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// acks receives the acknowledgements of the Store's appends. Each append
// waits on a waiter: a reply subject of its own with a subscription whose
// channel the connection's reader fills directly, made once and reused.
// A shared wildcard subscription would cost every acknowledgement one
// more goroutine hand-off (the subscription's delivery goroutine), and a
// new inbox per publish a subscription each time.
type acks struct {
	once   sync.Once
	nc     *nats.Conn
	prefix string
	stream string        // the JetStream stream's name
	fast   []byte        // how the server's acknowledgement from it begins
	closed chan struct{} // closed when the connection closes
	close  sync.Once

	mu   sync.Mutex
	free []*waiter
	next uint64
}

// waiter is one reply subject, the subscription on it and the channel its
// reply arrives on.
type waiter struct {
	reply string
	ch    chan *nats.Msg
	sub   *nats.Subscription
	timer *time.Timer // bounds a wait without a context deadline; made on first use
}

// start readies a for publishes to the JetStream stream named stream on
// nc. Waiters subscribe as they are made.
func (a *acks) start(nc *nats.Conn, stream string) {
	a.once.Do(func() {
		a.nc = nc
		a.prefix = nc.NewInbox() + "."
		a.stream = stream
		a.fast = []byte(`{"stream":"` + stream + `","seq":`)
		a.closed = make(chan struct{})
	})
}

func (a *acks) connClosed(string) { a.close.Do(func() { close(a.closed) }) }

// get returns a waiter with no reply pending, subscribed to its reply
// subject.
func (a *acks) get() (*waiter, error) {
	a.mu.Lock()
	if n := len(a.free); n > 0 {
		w := a.free[n-1]
		a.free = a.free[:n-1]
		a.mu.Unlock()
		return w, nil
	}
	a.next++
	token := a.next
	a.mu.Unlock()
	// Room for a second reply to one request, which the server does not
	// send in practice: a full channel would report a slow consumer.
	w := &waiter{reply: a.prefix + strconv.FormatUint(token, 10), ch: make(chan *nats.Msg, 2)}
	sub, err := a.nc.ChanSubscribe(w.reply, w.ch)
	if err != nil {
		return nil, fmt.Errorf("natsjs: subscribe to acknowledgements: %w", err)
	}
	w.sub = sub
	// The subscription ends with the connection: appends still waiting
	// learn it at once instead of at their timeout.
	sub.SetClosedHandler(a.connClosed)
	if !sub.IsValid() && a.nc.IsClosed() {
		a.connClosed("")
	}
	return w, nil
}

// put returns w, whose reply came, for reuse.
func (a *acks) put(w *waiter) {
	a.mu.Lock()
	a.free = append(a.free, w)
	a.mu.Unlock()
}

// drop forgets w, whose reply may still come: a late reply must not reach
// the next append that would have used it.
func (a *acks) drop(w *waiter) {
	if w.timer != nil {
		w.timer.Stop()
	}
	// Its closed handler must not run for an unsubscribe alone.
	w.sub.SetClosedHandler(nil)
	_ = w.sub.Unsubscribe() // fails only when the connection closed, which ended it anyway
}

// wait returns the acknowledgement w receives, or why none came: ctx
// ended, the connection closed, or timeout (when positive) passed. It
// returns w to the pool when its reply came, and drops it otherwise.
func (a *acks) wait(ctx context.Context, w *waiter, timeout time.Duration) (jetstream.PubAck, error) {
	select {
	case m := <-w.ch:
		a.put(w)
		return a.parse(m)
	default:
	}
	var expired <-chan time.Time
	if timeout > 0 {
		if w.timer == nil {
			w.timer = time.NewTimer(timeout)
		} else {
			w.timer.Reset(timeout)
		}
		expired = w.timer.C
	}
	select {
	case m := <-w.ch:
		if w.timer != nil {
			w.timer.Stop()
		}
		a.put(w)
		return a.parse(m)
	case <-ctx.Done():
		a.drop(w)
		return jetstream.PubAck{}, ctx.Err()
	case <-expired:
		a.drop(w)
		return jetstream.PubAck{}, context.DeadlineExceeded
	case <-a.closed:
		a.drop(w)
		return jetstream.PubAck{}, nats.ErrConnectionClosed
	}
}

// ackResponse is the server's reply to a publish to a JetStream stream.
type ackResponse struct {
	Error *jetstream.APIError `json:"error,omitempty"`
	jetstream.PubAck
}

// parse reads a publish's reply the way jetstream.PublishMsg does; the
// acknowledgements the server writes most, of a message stored or found a
// duplicate, without a JSON decoder.
func (a *acks) parse(m *nats.Msg) (jetstream.PubAck, error) {
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		return jetstream.PubAck{}, nats.ErrNoResponders
	}
	if rest, ok := bytes.CutPrefix(m.Data, a.fast); ok {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		seq, err := strconv.ParseUint(string(rest[:n]), 10, 64)
		if err == nil {
			switch string(rest[n:]) {
			case "}":
				return jetstream.PubAck{Stream: a.stream, Sequence: seq}, nil
			case `,"duplicate": true}`, `,"duplicate":true}`:
				return jetstream.PubAck{Stream: a.stream, Sequence: seq, Duplicate: true}, nil
			}
		}
	}
	var r ackResponse
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return jetstream.PubAck{}, jetstream.ErrInvalidJSAck
	}
	if r.Error != nil {
		return jetstream.PubAck{}, fmt.Errorf("nats: %w", r.Error)
	}
	if r.Stream == "" {
		return jetstream.PubAck{}, jetstream.ErrInvalidJSAck
	}
	return r.PubAck, nil
}

// Like jetstream.PublishMsg, a publish that no stream answered is sent
// again a few times, to ride out a leader election.
const (
	noResponderRetries = 2
	noResponderWait    = 250 * time.Millisecond
)

// request publishes m, the message that stores an append, and waits for
// its acknowledgement, for at most the Store's timeout when ctx has no
// deadline. sent reports whether m reached the connection.
func (s *Store) request(ctx context.Context, m *nats.Msg) (ack jetstream.PubAck, sent bool, err error) {
	s.acks.start(s.nc, s.name)
	timeout := s.waitTimeout(ctx)
	var start time.Time
	if timeout > 0 {
		start = time.Now()
	}
	for attempt := 0; ; attempt++ {
		w, err := s.acks.get()
		if err != nil {
			return ack, sent, err
		}
		m.Reply = w.reply
		if err := s.nc.PublishMsg(m); err != nil {
			s.acks.put(w)
			return ack, sent, err
		}
		sent = true
		left := timeout
		if attempt > 0 && timeout > 0 {
			left = max(timeout-time.Since(start), time.Nanosecond)
		}
		ack, err = s.acks.wait(ctx, w, left)
		if !errors.Is(err, nats.ErrNoResponders) || attempt == noResponderRetries {
			if errors.Is(err, nats.ErrNoResponders) {
				err = jetstream.ErrNoStreamResponse
			}
			return ack, sent, err
		}
		t := time.NewTimer(noResponderWait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil || timeout > 0 && time.Since(start) >= timeout {
			return ack, sent, jetstream.ErrNoStreamResponse
		}
	}
}

// waitTimeout is how long a wait for an acknowledgement may take: the
// Store's timeout when ctx has no deadline, else 0 (ctx bounds it).
func (s *Store) waitTimeout(ctx context.Context) time.Duration {
	if _, ok := ctx.Deadline(); ok {
		return 0
	}
	return s.timeout
}
