package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// shortLadder breaches the accept clock after an hour: escalate, then
// return to marketing an hour later.
func shortLadder() sla.Policy {
	return sla.Policy{Version: 1, Accept: sla.Rule{Within: time.Hour, Ladder: []sla.Step{
		{Action: lead.ActionEscalate}, {After: time.Hour, Action: lead.ActionReturn}}}}
}

// faultLog collects what WithFaults reports.
type faultLog struct {
	mu     sync.Mutex
	faults []leadline.Fault
}

func (l *faultLog) add(f leadline.Fault) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = append(l.faults, f)
}

// byStream returns the faults reported per stream.
func (l *faultLog) byStream() map[string][]leadline.Fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string][]leadline.Fault{}
	for _, f := range l.faults {
		m[f.Stream] = append(m[f.Stream], f)
	}
	return m
}

// stepsOf counts the breach steps recorded per lead and step, over the
// records of the given leads.
func stepsOf(t tb, store eventstore.Store, ids []lead.ID) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, id := range ids {
		recs, err := store.Load(context.Background(), string(id), 1)
		must(t, err)
		for _, r := range recs {
			ev, err := lead.Decode(r.Data)
			must(t, err)
			if b, ok := ev.(lead.DeadlineBreached); ok {
				counts[fmt.Sprintf("%s %s step %d", id, b.Deadline, b.Step)]++
			}
		}
	}
	return counts
}

// runUntil advances the mock clock a little at a time, in real time, until
// done reports true or Run returns.
func runUntil(t *testing.T, mock *clock.Mock, ran <-chan error, step time.Duration, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !done() {
		select {
		case err := <-ran:
			t.Fatalf("Run returned %v while it had work to do", err)
		case <-ctx.Done():
			t.Fatal("the due steps were not recorded in 30s")
		case <-tick.C:
			mock.Add(step)
		}
	}
}

func appendRaw(t *testing.T, store eventstore.Store, stream string, expected uint64, events ...lead.Event) {
	t.Helper()
	var recs []eventstore.Record
	for i, ev := range events {
		data, err := lead.Encode(ev)
		must(t, err)
		recs = append(recs, eventstore.Record{ID: fmt.Sprintf("%s-forged-%d", stream, i), Type: ev.Type(), Data: data})
	}
	_, err := store.Append(context.Background(), stream, expected, recs...)
	must(t, err)
}

// Another application's record, a record that does not decode and a
// forged history in the store stop nothing: every other lead's due steps
// are recorded exactly once, each bad stream is reported once, the forged
// lead answers with a *CorruptError and no reader sees its forged events.
func TestForeignAndForgedRecordsStopNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	var faults faultLog
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()),
		leadline.WithRouter(directory(t)), leadline.WithFaults(faults.add))
	must(t, err)

	_, err = store.Append(ctx, "invoice-1", 0, eventstore.Record{ID: "inv-1", Type: "InvoiceIssued", Data: []byte(`{"total":12}`)})
	must(t, err)
	_, err = store.Append(ctx, "garbled", 0, eventstore.Record{ID: "g-1", Type: "Touched", Data: []byte(`{not json`)})
	must(t, err)
	forged, err := e.Capture(ctx, lead.Capture{ID: "forged", Email: "eve@example.com"})
	must(t, err)
	at := mock.Now()
	appendRaw(t, store, "forged", 1,
		lead.Accepted{Meta: lead.Meta{Lead: forged, Version: 2, At: at}},
		lead.Won{Meta: lead.Meta{Lead: forged, Version: 3, At: at}, Amount: 1e15})

	ran := make(chan error, 1)
	go func() { ran <- e.Run(ctx) }()
	var good []lead.ID
	for range 3 {
		good = append(good, handedOff(t, e, "ana"))
	}
	// One more foreign record while Run follows the store.
	_, err = store.Append(ctx, "invoice-2", 0, eventstore.Record{ID: "inv-2", Type: "InvoiceIssued", Data: []byte(`{}`)})
	must(t, err)
	runUntil(t, mock, ran, 5*time.Minute, func() bool { return len(stepsOf(t, store, good)) == 2*len(good) })
	requireOnce(t, stepsOf(t, store, good), 2*len(good))

	var ce *leadline.CorruptError
	if _, err := e.Lead(ctx, forged); !errors.As(err, &ce) || ce.Lead != forged || ce.Version != 2 || !errors.Is(err, lead.ErrCorrupt) {
		t.Fatalf("Lead(forged) = %v; want a *CorruptError at version 2 that matches lead.ErrCorrupt", err)
	}
	if _, err := e.Execute(ctx, forged, lead.Touch{Channel: lead.ChannelEmail}); !errors.Is(err, leadline.ErrCorrupt) {
		t.Fatalf("Execute on the forged lead = %v; want ErrCorrupt", err)
	}
	if recs, _ := store.Load(ctx, "forged", 1); len(recs) != 3 {
		t.Fatalf("the forged lead has %d records; a command on it appended", len(recs))
	}

	// A second Engine rebuilds past all of it; a subscriber never sees the
	// forged events.
	var faults2 faultLog
	e2, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()), leadline.WithFaults(faults2.add))
	must(t, err)
	if _, err := e2.Rebuild(ctx); err != nil {
		t.Fatalf("Rebuild of a second Engine = %v", err)
	}
	if _, err := e2.Rebuild(ctx); err != nil {
		t.Fatalf("second Rebuild = %v", err)
	}
	var faults3 faultLog
	e3, err := leadline.New(store, leadline.WithFaults(faults3.add)) // a reader that only subscribes
	must(t, err)
	last, err := store.Read(ctx, 1, 0)
	must(t, err)
	end := last[len(last)-1].Position
	subCtx, stop := context.WithCancel(ctx)
	seen := 0
	err = e3.Subscribe(subCtx, 1, func(pos uint64, ev lead.Event) error {
		seen++
		if m := ev.Base(); m.Lead == forged && m.Version > 1 {
			t.Errorf("Subscribe delivered forged %s v%d", ev.Type(), m.Version)
		}
		if pos >= end-1 { // the last record is a foreign one
			stop()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || seen == 0 {
		t.Fatalf("Subscribe = %v after %d events; want it to read on to the end", err, seen)
	}

	for name, log := range map[string]*faultLog{"running Engine": &faults, "rebuilt Engine": &faults2, "subscriber": &faults3} {
		got := log.byStream()
		want := map[string]error{"invoice-1": leadline.ErrForeign, "invoice-2": leadline.ErrForeign, "garbled": lead.ErrMalformed, "forged": lead.ErrCorrupt}
		if len(got) != len(want) {
			t.Errorf("%s reported faults for %d streams, want %d: %v", name, len(got), len(want), got)
		}
		for stream, is := range want {
			if fs := got[stream]; len(fs) != 1 || !errors.Is(fs[0].Err, is) {
				t.Errorf("%s reported %v for %s; want one fault matching %v", name, fs, stream, is)
			}
		}
	}
	cancel()
	if err := <-ran; err != context.Canceled {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
}

// Run outlives a store that is away far longer than its backoff cap, and
// records every step that came due meanwhile exactly once afterwards.
func TestRunSurvivesAnOutageLongerThanItsBackoffCap(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := &faulty{Store: eventstore.NewMemory()}
	mock := clock.NewMock(monday)
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()),
		leadline.WithRouter(directory(t)), leadline.WithBackoff(time.Millisecond, 4*time.Millisecond), leadline.WithCacheSize(1))
	must(t, err)
	var ids []lead.ID
	for range 4 {
		ids = append(ids, handedOff(t, e, "ben"))
	}
	ran := make(chan error, 1)
	go func() { ran <- e.Run(ctx) }()

	store.down.Store(true)
	mock.Add(90 * time.Minute) // the first step of every lead comes due while the store is away
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-ran:
		t.Fatalf("Run returned %v during the outage", err)
	default:
	}
	store.down.Store(false)
	runUntil(t, mock, ran, time.Minute, func() bool { return len(stepsOf(t, store, ids)) == 2*len(ids) })
	requireOnce(t, stepsOf(t, store, ids), 2*len(ids))
	cancel()
	if err := <-ran; err != context.Canceled {
		t.Fatalf("Run = %v; want exactly context.Canceled", err)
	}
}

// Run returns exactly ctx.Err() however its context ends: while it
// rebuilds, follows, records or waits.
func TestRunReturnsExactlyTheContextsError(t *testing.T) {
	store := &faulty{Store: eventstore.NewMemory()}
	mock := clock.NewMock(monday)
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()),
		leadline.WithRouter(directory(t)), leadline.WithBackoff(time.Microsecond, time.Millisecond))
	must(t, err)
	for range 20 {
		handedOff(t, e, "ana")
	}
	for i := range 200 {
		store.down.Store(i%3 == 0)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- e.Run(ctx) }()
		mock.Add(10 * time.Minute)
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		cancel()
		if err := <-ran; err != context.Canceled {
			t.Fatalf("cancel %d: Run = %v; want exactly context.Canceled", i, err)
		}
	}
}

// blocking holds every append until released.
type blocking struct {
	eventstore.Store
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	select {
	case <-b.release:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return b.Store.Append(ctx, stream, expected, recs...)
}

// A Tick waiting for another one to finish returns when its own context
// ends.
func TestTickReturnsWhenItsContextEnds(t *testing.T) {
	mem := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	setup, err := leadline.New(mem, leadline.WithClock(mock), leadline.WithRouter(directory(t)))
	must(t, err)
	handedOff(t, setup, "ana")

	store := &blocking{Store: mem, entered: make(chan struct{}, 1), release: make(chan struct{})}
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()), leadline.WithRouter(directory(t)))
	must(t, err)
	_, err = e.Rebuild(context.Background())
	must(t, err)
	mock.Add(time.Hour)
	first := make(chan error, 1)
	go func() { _, err := e.Tick(context.Background()); first <- err }()
	<-store.entered // the first Tick is inside the store

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if n, err := e.Tick(ctx); !errors.Is(err, context.DeadlineExceeded) || n != 0 {
		t.Fatalf("waiting Tick = %d, %v; want 0 and context.DeadlineExceeded", n, err)
	}
	close(store.release)
	if err := <-first; err != nil {
		t.Fatalf("first Tick = %v", err)
	}
}
