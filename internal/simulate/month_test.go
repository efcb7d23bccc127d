package simulate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func newMonth(t *testing.T, c Config) *Month {
	t.Helper()
	m, err := New(c, leadline.WithPolicy(sla.DefaultPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlayUntilPlaysTheStepsDueAndStopsTheClockThere(t *testing.T) {
	ctx := context.Background()
	c := month(60, 10, 2)
	plan := script(t, c)
	m := newMonth(t, c)
	mid := c.Start.Add(4*24*time.Hour + 30*time.Minute)
	if err := m.PlayUntil(ctx, mid); err != nil {
		t.Fatal(err)
	}
	if !m.Clock.Now().Equal(mid) {
		t.Errorf("the clock is at %v, want %v", m.Clock.Now(), mid)
	}
	due, captured := 0, 0
	for _, s := range plan {
		if !s.At.After(mid) {
			due++
			if _, ok := s.Cmd.(lead.Capture); ok {
				captured++
			}
		}
	}
	if m.Left() != len(plan)-due {
		t.Errorf("%d steps left, want %d of %d", m.Left(), len(plan)-due, len(plan))
	}
	recs, err := m.Store.Read(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	streams := map[string]bool{}
	for _, r := range recs {
		streams[r.Stream] = true
	}
	if len(streams) != captured {
		t.Errorf("the store holds %d leads, want the %d captured by %v", len(streams), captured, mid)
	}
	var breaches int
	if err := m.Engine.Subscribe(ctx, 1, func(pos uint64, ev lead.Event) error {
		if ev.Base().At.After(mid) {
			t.Errorf("event %d (%s) at %v, after %v", pos, ev.Type(), ev.Base().At, mid)
		}
		if _, ok := ev.(lead.DeadlineBreached); ok {
			breaches++
		}
		if pos >= recs[len(recs)-1].Position {
			return errDone
		}
		return nil
	}); !errors.Is(err, errDone) {
		t.Fatal(err)
	}
	// Four days in, some reps were late: the clock ticked the SLA along.
	if breaches == 0 {
		t.Error("no breach recorded in four days of play")
	}

	end := c.Start.Add(time.Duration(c.Days) * 24 * time.Hour)
	if err := m.PlayUntil(ctx, end); err != nil {
		t.Fatal(err)
	}
	for i, s := range plan[len(plan)-m.Left():] {
		if !s.At.After(end) {
			t.Fatalf("step %d left at %v, not after the end %v", i, s.At, end)
		}
	}
}

var errDone = errors.New("done")

func TestPlayUntilPlaysAStepDueAtUntil(t *testing.T) {
	c := month(30, 10, 5)
	plan := script(t, c)
	m := newMonth(t, c)
	k := len(plan) / 2
	for k+1 < len(plan) && plan[k+1].At.Equal(plan[k].At) {
		k++
	}
	if err := m.PlayUntil(context.Background(), plan[k].At); err != nil {
		t.Fatal(err)
	}
	if want := len(plan) - k - 1; m.Left() != want {
		t.Errorf("%d steps left after playing until step %d's time, want %d", m.Left(), k, want)
	}
}

func TestRefusedHearsOfHandOffsThatFindNoRep(t *testing.T) {
	// 400 leads in 4 days swamp the four reps, 40 leads each at most.
	c := month(400, 4, 1)
	m := newMonth(t, c)
	noRep := map[string]int{}
	m.Refused = func(s Step, err error) {
		if errors.Is(err, sla.ErrNoRep) {
			noRep[s.Cmd.Name()]++
		} else if !errors.Is(err, lead.ErrTransition) {
			t.Errorf("%s %s refused with %v", s.Cmd.Name(), s.Lead, err)
		}
	}
	if err := m.PlayUntil(context.Background(), c.Start.Add(4*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if noRep["HandOff"] == 0 {
		t.Errorf("no hand-off refused for want of a rep: %v", noRep)
	}
}
