package dashboard_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// monday is 09:00 UTC on Monday 2 March 2026, when the default policy's
// coverage hours open.
var monday = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// world runs leads the way the Engine does, without it: commands are
// completed by the SLA (sla.Complete), decided (lead.Decide) and appended
// to a memory store; advancing the mock clock records every warning and
// breach step the policy's plan says is due (sla.Policy.Plan). A Board
// follows the store, and so does a reference funnel.Projection the tests
// compare the page with.
type world struct {
	tb     testing.TB
	env    sla.Env
	policy sla.Policy
	store  *eventstore.Memory
	clock  *clock.Mock
	states map[lead.ID]lead.State
	ids    []lead.ID // in order of capture
}

func newWorld(tb testing.TB, p sla.Policy, at time.Time) *world {
	tb.Helper()
	set, err := sla.NewSet(nil, p)
	if err != nil {
		tb.Fatal(err)
	}
	return &world{tb: tb, env: sla.Env{Policies: set}, policy: p, store: eventstore.NewMemory(),
		clock: clock.NewMock(at), states: map[lead.ID]lead.State{}}
}

// do executes cmd on lead id now and returns the events it added.
func (w *world) do(id lead.ID, cmd lead.Command) []lead.Event {
	w.tb.Helper()
	s, ok := w.states[id]
	if !ok {
		w.ids = append(w.ids, id)
	}
	cmd, err := sla.Complete(s, cmd, w.env)
	if err != nil {
		w.tb.Fatalf("%s %s: %v", cmd.Name(), id, err)
	}
	events, err := lead.Decide(s, cmd, w.clock.Now())
	if err != nil {
		w.tb.Fatalf("%s %s: %v", cmd.Name(), id, err)
	}
	recs := make([]eventstore.Record, len(events))
	for i, e := range events {
		data, err := lead.Encode(e)
		if err != nil {
			w.tb.Fatal(err)
		}
		recs[i] = eventstore.Record{ID: fmt.Sprintf("%s-%d", id, e.Base().Version), Type: e.Type(), Data: data}
		s = lead.Evolve(s, e)
	}
	if _, err := w.store.Append(context.Background(), string(id), w.states[id].Version, recs...); err != nil {
		w.tb.Fatal(err)
	}
	w.states[id] = s
	return events
}

// capture captures lead id from source and qualifies it for marketing.
func (w *world) capture(id lead.ID, source string) {
	w.do(id, lead.Capture{ID: id, Email: string(id) + "@example.com", Source: source})
	w.do(id, lead.QualifyMarketing{Source: lead.SourceScore})
}

// advance moves the clock by d and records the SLA steps that come due on
// the way, each at its instant (the clock jumps from one lead's wake to
// the next, as the Engine's queue does). It returns the breach steps
// recorded.
func (w *world) advance(d time.Duration) []lead.DeadlineBreached {
	w.tb.Helper()
	var out []lead.DeadlineBreached
	end := w.clock.Now().Add(d)
	for {
		next := end
		for _, id := range w.ids {
			for {
				due, wake := w.policy.Plan(w.states[id], w.clock.Now())
				if len(due) == 0 {
					if !wake.IsZero() && wake.Before(next) {
						next = wake
					}
					break
				}
				for _, e := range w.do(id, due[0]) {
					if b, ok := e.(lead.DeadlineBreached); ok {
						out = append(out, b)
					}
				}
			}
		}
		if !w.clock.Now().Before(end) {
			return out
		}
		w.clock.Set(next)
	}
}

// source is the store's global order as lead events: a dashboard.Source.
func (w *world) source(ctx context.Context, from uint64, fn func(uint64, lead.Event) error) error {
	return w.store.Subscribe(ctx, from, func(r eventstore.Record) error {
		e, err := lead.Decode(r.Data)
		if err != nil {
			return err
		}
		return fn(r.Position, e)
	})
}

// head returns the position of the last record in the store.
func (w *world) head() uint64 {
	recs, err := w.store.Read(context.Background(), 1, 0)
	if err != nil || len(recs) == 0 {
		return 0
	}
	return recs[len(recs)-1].Position
}

// projection returns a funnel.Projection of everything in the store.
func (w *world) projection() *funnel.Projection {
	w.tb.Helper()
	recs, err := w.store.Read(context.Background(), 1, 0)
	if err != nil {
		w.tb.Fatal(err)
	}
	p := &funnel.Projection{Location: time.UTC, Policies: w.env.Policies}
	for _, r := range recs {
		e, err := lead.Decode(r.Data)
		if err != nil {
			w.tb.Fatal(err)
		}
		if err := p.Apply(r.Position, e); err != nil {
			w.tb.Fatal(err)
		}
	}
	return p
}

// dueWithin returns the running deadlines due in (now, now+ahead], from
// the full states the world keeps: what the page's at-risk list must show.
func (w *world) dueWithin(ahead time.Duration) []lead.ID {
	now := w.clock.Now()
	type hit struct {
		at time.Time
		id lead.ID
	}
	var hits []hit
	for id, s := range w.states {
		for _, d := range w.policy.Deadlines(s) {
			if d.Due.After(now) && !d.Due.After(now.Add(ahead)) {
				hits = append(hits, hit{d.Due, id})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return compareID(a.id, b.id)
	})
	out := make([]lead.ID, len(hits))
	for i, h := range hits {
		out[i] = h.id
	}
	return out
}

func compareID(a, b lead.ID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// follow starts b following w's store and returns a function that waits
// until b has applied everything appended so far.
func follow(tb testing.TB, b *dashboard.Board, w *world) (caughtUp func()) {
	tb.Helper()
	var (
		mu      sync.Mutex
		applied = sync.NewCond(&mu)
		at      uint64
	)
	// The source tells the test each position the Board has taken.
	source := func(ctx context.Context, from uint64, fn func(uint64, lead.Event) error) error {
		return w.source(ctx, from, func(pos uint64, e lead.Event) error {
			err := fn(pos, e)
			mu.Lock()
			at = pos
			applied.Broadcast()
			mu.Unlock()
			return err
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Follow(ctx, source) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			tb.Errorf("Follow returned %v, want context.Canceled", err)
		}
	})
	return func() {
		head := w.head()
		mu.Lock()
		for at < head {
			applied.Wait()
		}
		mu.Unlock()
	}
}

// scenario is Monday 2 March 2026 of a small team under the default
// policy (accept within 8 business hours, Mon-Fri 09:00-18:00 UTC): by
// 17:30, lead-1 was accepted and touched, lead-2 and lead-6 breached the
// accept deadline (the SLA returned them to marketing: no manager or rep
// is known to escalate or reassign to), lead-3 was rejected, lead-5 is
// due at 17:45 and lead-4 at 18:00, lead-7 and lead-8 stay with marketing.
func scenario(tb testing.TB) *world {
	tb.Helper()
	w := newWorld(tb, sla.DefaultPolicy(), monday)
	for i, src := range []string{"webinar", "ebook", "webinar", "referral", "ebook", "webinar", "ebook", "referral"} {
		w.capture(lead.ID(fmt.Sprintf("lead-%d", i+1)), src)
	}
	w.do("lead-1", lead.HandOff{Rep: "ana", Team: "emea"})
	w.do("lead-2", lead.HandOff{Rep: "ben", Team: "emea"})
	w.do("lead-6", lead.HandOff{Rep: "cai", Team: "amer"})
	w.advance(30 * time.Minute)
	w.do("lead-1", lead.Accept{})
	w.do("lead-3", lead.HandOff{Rep: "cai", Team: "amer"})
	w.advance(15 * time.Minute)
	w.do("lead-5", lead.HandOff{Rep: "dee", Team: "amer"})
	w.advance(15 * time.Minute)
	w.do("lead-1", lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected})
	w.do("lead-3", lead.Reject{Reason: "no budget"})
	w.do("lead-4", lead.HandOff{Rep: "ana", Team: "emea"})
	w.advance(7*time.Hour + 30*time.Minute) // 17:30
	return w
}
