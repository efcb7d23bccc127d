package leadline_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

var monday = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// tb is what the helpers need of *testing.T and *rapid.T alike.
type tb interface {
	Helper()
	Fatal(args ...any)
}

func newEngine(t tb, opts ...leadline.Option) (*leadline.Engine, *clock.Mock, *eventstore.Memory) {
	t.Helper()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	e, err := leadline.New(store, append([]leadline.Option{leadline.WithClock(mock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e, mock, store
}

func capture(t tb, e *leadline.Engine) lead.ID {
	t.Helper()
	id, err := e.Capture(context.Background(), lead.Capture{Email: "ada@example.com", Source: "webinar"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func must(t tb, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCaptureIssuesTimeOrderedUUIDv7(t *testing.T) {
	e, mock, _ := newEngine(t)
	a := capture(t, e)
	mock.Add(time.Millisecond)
	b := capture(t, e)
	for _, id := range []lead.ID{a, b} {
		u, err := uuid.Parse(string(id))
		if err != nil || u.Version() != 7 {
			t.Fatalf("lead ID %q is not a UUID v7 (err %v)", id, err)
		}
	}
	if a == b {
		t.Fatal("two captures got the same ID")
	}
}

func TestEngineTakesALeadThroughTheLifecycle(t *testing.T) {
	ctx := context.Background()
	e, mock, _ := newEngine(t)
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.Score{Fit: 70, Intent: 40}))
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
	must(t, run(e, ctx, id, lead.HandOff{Rep: "ana", Team: "emea"}))
	mock.Add(time.Hour)
	must(t, run(e, ctx, id, lead.Accept{Actor: "ana"}))
	must(t, run(e, ctx, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}))
	must(t, run(e, ctx, id, lead.QualifySales{Amount: 12000, Currency: "EUR", CloseDate: monday.AddDate(0, 1, 0), Probability: 0.4}))
	must(t, run(e, ctx, id, lead.Win{}))

	s, err := e.Lead(ctx, id)
	must(t, err)
	if s.Stage != lead.StageWon || s.Version != 8 || s.WonAmount != 12000 || s.Rep != "ana" {
		t.Fatalf("state = stage %s version %d won %v rep %q; want Won 8 12000 ana", s.Stage, s.Version, s.WonAmount, s.Rep)
	}
	if !s.AcceptedAt.Equal(monday.Add(time.Hour)) {
		t.Fatalf("AcceptedAt = %v, want the mock clock's time %v", s.AcceptedAt, monday.Add(time.Hour))
	}
	hist, err := e.History(ctx, id)
	must(t, err)
	if got := lead.Replay(hist); !reflect.DeepEqual(got, s) {
		t.Fatalf("replaying the history gives\n%+v\nthe engine reports\n%+v", got, s)
	}
}

func TestCommandOnUnknownLeadIsNotFound(t *testing.T) {
	e, _, _ := newEngine(t)
	err := run(e, context.Background(), "no-such-lead", lead.Accept{})
	if !errors.Is(err, leadline.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if _, err := e.Lead(context.Background(), "no-such-lead"); !errors.Is(err, leadline.ErrNotFound) {
		t.Fatalf("Lead: err = %v, want ErrNotFound", err)
	}
}

func TestIllegalCommandReturnsTransitionErrorAndAppendsNothing(t *testing.T) {
	ctx := context.Background()
	e, _, store := newEngine(t)
	id := capture(t, e)
	err := run(e, ctx, id, lead.Accept{})
	var te *lead.TransitionError
	if !errors.As(err, &te) || te.Stage != lead.StageCaptured || te.Command != "Accept" {
		t.Fatalf("err = %v, want a TransitionError for Accept in Captured", err)
	}
	if v := store.Version(string(id)); v != 1 {
		t.Fatalf("stream version = %d after a refused command, want 1", v)
	}
}

func TestInvalidCommandReturnsValidationErrorAndAppendsNothing(t *testing.T) {
	ctx := context.Background()
	e, _, store := newEngine(t)
	if _, err := e.Capture(ctx, lead.Capture{Email: "not-an-email"}); !errors.Is(err, lead.ErrInvalid) {
		t.Fatalf("Capture with a bad email: err = %v, want lead.ErrInvalid", err)
	}
	if recs, _ := store.Read(ctx, 1, 0); len(recs) != 0 {
		t.Fatalf("store holds %d records after a refused capture", len(recs))
	}
	id := capture(t, e)
	var ve *lead.ValidationError
	if err := run(e, ctx, id, lead.Score{Fit: 101}); !errors.As(err, &ve) || ve.Field != "Fit" {
		t.Fatalf("Score 101: err = %v, want a ValidationError on Fit", err)
	}
}

func TestExecuteRejectsCaptureForAnotherID(t *testing.T) {
	e, _, _ := newEngine(t)
	if _, err := e.Execute(context.Background(), "a", lead.Capture{ID: "b", Email: "a@b.co"}); err == nil {
		t.Fatal("Execute accepted a Capture whose ID differs from the lead ID")
	}
}

// Two Engines on one store: the second one's cached view is stale after the
// first writes, and it must catch up instead of overwriting.
func TestEnginesSharingAStoreSeeEachOthersWrites(t *testing.T) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	a, _ := leadline.New(store, leadline.WithClock(mock))
	b, _ := leadline.New(store, leadline.WithClock(mock))
	id, err := a.Capture(ctx, lead.Capture{Email: "a@b.co"})
	must(t, err)
	must(t, run(b, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))
	must(t, run(a, ctx, id, lead.HandOff{Rep: "ana"}))
	if err := run(b, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}); !errors.Is(err, lead.ErrTransition) {
		t.Fatalf("b qualified a lead a had handed off: err = %v", err)
	}
	s, err := b.Lead(ctx, id)
	must(t, err)
	if s.Stage != lead.StageHandedOff || s.Version != 3 {
		t.Fatalf("b sees stage %s version %d, want HandedOff 3", s.Stage, s.Version)
	}
}

// N goroutines issue commands to one lead at once. Every command that
// returned nil is in the history exactly once, and the history is a path
// of the transition table.
func TestConcurrentCommandsOnOneLeadLoseNoEvent(t *testing.T) {
	ctx := context.Background()
	e, _, _ := newEngine(t, leadline.WithRetries(1000))
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}))
	must(t, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
	must(t, run(e, ctx, id, lead.Accept{}))

	const workers, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[string]int{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				content := string(rune('a'+w)) + "-" + string(rune('a'+i))
				if err := run(e, ctx, id, lead.Touch{Channel: lead.ChannelEmail, Outcome: lead.OutcomeNoAnswer, Content: content}); err != nil {
					t.Errorf("touch %s: %v", content, err)
					continue
				}
				mu.Lock()
				ok[content]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	hist, err := e.History(ctx, id)
	must(t, err)
	seen := map[string]int{}
	var s lead.State
	for i, ev := range hist {
		if v := ev.Base().Version; v != uint64(i+1) {
			t.Fatalf("event %d has version %d", i, v)
		}
		if tc, ok := ev.(lead.Touched); ok {
			seen[tc.Content]++
		}
		before := s.Stage
		s = lead.Evolve(s, ev)
		if !onTable(before, s.Stage) {
			t.Fatalf("event %d (%s) moves %s to %s, which no table row allows", i, ev.Type(), before, s.Stage)
		}
	}
	if !reflect.DeepEqual(seen, ok) || len(seen) != workers*each {
		t.Fatalf("history holds %d distinct touches, %d commands succeeded", len(seen), len(ok))
	}
}

func onTable(from, to lead.Stage) bool {
	for _, tr := range lead.Transitions() {
		if tr.From == from && tr.To == to {
			return true
		}
	}
	return false
}

// Replaying a lead's stored history gives exactly the state the Engine
// reports, for any sequence of valid and invalid commands.
func TestReplayOfStoredHistoryEqualsEngineState(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		e, mock, store := newEngine(rt)
		id := lead.ID("lead-1")
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		var model lead.State
		for i := range steps {
			mock.Add(time.Duration(rapid.IntRange(0, 48*60).Draw(rt, "minutes")) * time.Minute)
			cmd := anyCommand(rt, model, id, i)
			events, err := e.Execute(ctx, id, cmd)
			if err != nil {
				if errors.Is(err, lead.ErrInvalid) || errors.Is(err, lead.ErrTransition) || errors.Is(err, leadline.ErrNotFound) {
					continue
				}
				rt.Fatalf("command %d (%s): %v", i, cmd.Name(), err)
			}
			for _, ev := range events {
				model = lead.Evolve(model, ev)
			}
		}
		if model.Version == 0 {
			return
		}
		got, err := e.Lead(ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		recs, _ := store.Load(ctx, string(id), 1)
		var replayed lead.State
		for _, r := range recs {
			ev, err := lead.Decode(r.Data)
			if err != nil {
				rt.Fatal(err)
			}
			replayed = lead.Evolve(replayed, ev)
		}
		if !reflect.DeepEqual(replayed, got) || !reflect.DeepEqual(model, got) {
			rt.Fatalf("replayed\n%+v\nengine\n%+v\nmodel\n%+v", replayed, got, model)
		}
	})
}

// anyCommand draws a command of any kind, often valid for the stage and
// sometimes not, so both paths are exercised.
func anyCommand(t *rapid.T, s lead.State, id lead.ID, i int) lead.Command {
	reps := []string{"ana", "ben", "cy"}
	all := []lead.Command{
		lead.Capture{ID: id, Email: "lead@example.com"},
		lead.Score{Fit: rapid.IntRange(-5, 105).Draw(t, "fit"), Intent: rapid.IntRange(0, 100).Draw(t, "intent")},
		lead.QualifyMarketing{Source: lead.SourceScore},
		lead.HandOff{Rep: rapid.SampledFrom(reps).Draw(t, "rep")},
		lead.Accept{},
		lead.Reject{Reason: "not now", Disqualify: rapid.Bool().Draw(t, "dq")},
		lead.Touch{Channel: lead.ChannelPhone, Outcome: rapid.SampledFrom([]lead.Outcome{lead.OutcomeNoAnswer, lead.OutcomeConnected}).Draw(t, "outcome")},
		lead.QualifySales{Amount: 5000, Currency: "EUR", Probability: 0.3},
		lead.Stall{Reason: "quiet"},
		lead.Recycle{Reason: "later"},
		lead.Disqualify{Reason: "student"},
		lead.Win{},
		lead.Lose{Reason: "price"},
		lead.Reassign{To: rapid.SampledFrom(reps).Draw(t, "to")},
		lead.Pause{Reason: "holiday"},
		lead.Resume{},
	}
	// Prefer commands the stage allows, so histories get deep.
	if rapid.IntRange(0, 3).Draw(t, "legal") > 0 {
		var legal []lead.Command
		for _, c := range all {
			for _, name := range lead.Allowed(s.Stage) {
				if c.Name() == name {
					legal = append(legal, c)
				}
			}
		}
		if len(legal) > 0 {
			return rapid.SampledFrom(legal).Draw(t, "command")
		}
	}
	return rapid.SampledFrom(all).Draw(t, "command")
}

// run executes c on lead id, for tests that only care about the error.
func run(e *leadline.Engine, ctx context.Context, id lead.ID, c lead.Command, opts ...leadline.CommandOption) error {
	_, err := e.Execute(ctx, id, c, opts...)
	return err
}
