package natsjs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// acks receives the acknowledgements of the Store's appends on one
// subscription, made on first use: each append waits on a waiter whose
// reply subject and channel are made once and reused, instead of a new
// inbox, channel and response-map entry per publish.
type acks struct {
	once   sync.Once
	err    error // from subscribing
	prefix string
	stream string        // the JetStream stream's name
	fast   []byte        // how the server's acknowledgement from it begins
	closed chan struct{} // closed when the subscription ends (the connection closed)

	mu      sync.Mutex
	waiting map[uint64]*waiter // by token, for as long as a waiter lives
	free    []*waiter
	next    uint64
}

// waiter is one reply subject and the channel its reply arrives on.
type waiter struct {
	token uint64
	reply string
	ch    chan *nats.Msg
}

// start subscribes to the Store's reply subjects, for publishes to the
// JetStream stream named stream.
func (a *acks) start(nc *nats.Conn, stream string) error {
	a.once.Do(func() {
		a.prefix = nc.NewInbox() + "."
		a.stream = stream
		a.fast = []byte(`{"stream":"` + stream + `","seq":`)
		a.waiting = make(map[uint64]*waiter)
		a.closed = make(chan struct{})
		sub, err := nc.Subscribe(a.prefix+"*", a.deliver)
		if err != nil {
			a.err = fmt.Errorf("natsjs: subscribe to acknowledgements: %w", err)
			return
		}
		// The subscription ends with the connection: appends still
		// waiting learn it at once instead of at their timeout.
		var closing sync.Once
		sub.SetClosedHandler(func(string) { closing.Do(func() { close(a.closed) }) })
		if !sub.IsValid() {
			closing.Do(func() { close(a.closed) })
		}
	})
	return a.err
}

// deliver hands a reply to the waiter its subject names. A reply for a
// waiter that gave up is dropped.
func (a *acks) deliver(m *nats.Msg) {
	token, err := strconv.ParseUint(strings.TrimPrefix(m.Subject, a.prefix), 10, 64)
	if err != nil {
		return
	}
	a.mu.Lock()
	w := a.waiting[token]
	a.mu.Unlock()
	if w == nil {
		return
	}
	select {
	case w.ch <- m:
	default: // a second reply to one request: the first counts
	}
}

// get returns a waiter with no reply pending.
func (a *acks) get() *waiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.free); n > 0 {
		w := a.free[n-1]
		a.free = a.free[:n-1]
		return w
	}
	a.next++
	w := &waiter{token: a.next, reply: a.prefix + strconv.FormatUint(a.next, 10), ch: make(chan *nats.Msg, 1)}
	a.waiting[w.token] = w
	return w
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
	a.mu.Lock()
	delete(a.waiting, w.token)
	a.mu.Unlock()
}

// wait returns the acknowledgement w receives, or why none came. It
// returns w to the pool when its reply came, and drops it otherwise.
func (a *acks) wait(ctx context.Context, w *waiter) (*jetstream.PubAck, error) {
	select {
	case m := <-w.ch:
		a.put(w)
		return a.parse(m)
	default:
	}
	select {
	case m := <-w.ch:
		a.put(w)
		return a.parse(m)
	case <-ctx.Done():
		a.drop(w)
		return nil, ctx.Err()
	case <-a.closed:
		a.drop(w)
		return nil, nats.ErrConnectionClosed
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
func (a *acks) parse(m *nats.Msg) (*jetstream.PubAck, error) {
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		return nil, nats.ErrNoResponders
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
				return &jetstream.PubAck{Stream: a.stream, Sequence: seq}, nil
			case `,"duplicate": true}`, `,"duplicate":true}`:
				return &jetstream.PubAck{Stream: a.stream, Sequence: seq, Duplicate: true}, nil
			}
		}
	}
	var r ackResponse
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return nil, jetstream.ErrInvalidJSAck
	}
	if r.Error != nil {
		return nil, fmt.Errorf("nats: %w", r.Error)
	}
	if r.Stream == "" {
		return nil, jetstream.ErrInvalidJSAck
	}
	return &r.PubAck, nil
}

// Like jetstream.PublishMsg, a publish that no stream answered is sent
// again a few times, to ride out a leader election.
const (
	noResponderRetries = 2
	noResponderWait    = 250 * time.Millisecond
)

// request publishes m, the message that stores an append, and waits for its
// acknowledgement. sent reports whether m reached the connection.
func (s *Store) request(ctx context.Context, m *nats.Msg) (ack *jetstream.PubAck, sent bool, err error) {
	if err := s.acks.start(s.nc, s.name); err != nil {
		return nil, false, err
	}
	for attempt := 0; ; attempt++ {
		w := s.acks.get()
		m.Reply = w.reply
		if err := s.nc.PublishMsg(m); err != nil {
			s.acks.put(w)
			return nil, sent, err
		}
		sent = true
		ack, err = s.acks.wait(ctx, w)
		if !errors.Is(err, nats.ErrNoResponders) || attempt == noResponderRetries {
			break
		}
		t := time.NewTimer(noResponderWait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	if errors.Is(err, nats.ErrNoResponders) {
		err = jetstream.ErrNoStreamResponse
	}
	return ack, sent, err
}
