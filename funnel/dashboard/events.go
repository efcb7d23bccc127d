package dashboard

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// subscriber is one open page's event stream.
type subscriber struct {
	breaches chan breachItem // breach steps to push, as they happen
	dirty    chan struct{}   // the figures changed since the last update notice
}

// breach queues it for the page; a page too slow to take it gets the
// breach with its next update instead.
func (s *subscriber) breach(it breachItem) {
	select {
	case s.breaches <- it:
	default:
	}
}

// poke marks the figures changed, once however many events arrive.
func (s *subscriber) poke() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

func (b *Board) subscribe() *subscriber {
	s := &subscriber{breaches: make(chan breachItem, 64), dirty: make(chan struct{}, 1)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *Board) unsubscribe(s *subscriber) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// events serves the server-sent event stream of an open page until the
// page goes away.
func (b *Board) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies that buffer would hold the feed back
	s := b.subscribe()
	defer b.unsubscribe(s)
	send := func(event, data string) bool {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "event: %s\n", event)
		for line := range strings.SplitSeq(data, "\n") {
			fmt.Fprintf(&buf, "data: %s\n", line)
		}
		buf.WriteString("\n")
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if _, err := fmt.Fprintf(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	var (
		last    time.Time
		pending <-chan time.Time
	)
	// A comment line now and then keeps proxies from closing a quiet stream.
	keepAlive := time.NewTicker(30 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case it := <-s.breaches:
			var buf bytes.Buffer
			if err := page.ExecuteTemplate(&buf, "breach", it); err != nil {
				return
			}
			if !send("breach", buf.String()) {
				return
			}
		case <-s.dirty:
			if pending != nil {
				continue // an update is already on its way
			}
			pending = time.After(max(0, b.refresh-time.Since(last)))
		case <-pending:
			pending, last = nil, time.Now()
			if !send("update", fmt.Sprint(b.Position())) {
				return
			}
		}
	}
}
