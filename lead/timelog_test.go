package lead_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
)

// foldAll folds events with a Fold from s and returns its State.
func foldAll(t *testing.T, s lead.State, events []lead.Event) lead.State {
	t.Helper()
	f := lead.NewFold(s)
	for _, e := range events {
		if err := f.Apply(e); err != nil {
			t.Fatalf("fold: %v", err)
		}
	}
	got, err := f.State()
	if err != nil {
		t.Fatalf("fold: %v", err)
	}
	return got
}

// Replay, Evolve one event at a time, a Fold from scratch and a Fold that
// resumes a replayed prefix build equal States at every point of a
// history, whatever branches were evolved from the States on the way.
func TestStatesBuiltEveryWayAreDeeplyEqualAndBranchesLeaveThemAlone(t *testing.T) {
	for seed := range 60 {
		events := leadtest.Histories(60).Example(seed).Events
		var evolved lead.State
		var kept []lead.State // States handed out on the way, and copies taken then
		var snaps []lead.State
		for k, e := range events {
			evolved = lead.Evolve(evolved, e)
			kept, snaps = append(kept, evolved), append(snaps, evolved.Clone())
			replayed := lead.Replay(events[:k+1])
			if !reflect.DeepEqual(replayed, evolved) {
				t.Fatalf("seed %d, %d events: Replay and Evolve differ:\n%+v\n%+v", seed, k+1, replayed, evolved)
			}
			if folded := foldAll(t, lead.State{}, events[:k+1]); !reflect.DeepEqual(folded, replayed) {
				t.Fatalf("seed %d, %d events: Fold and Replay differ:\n%+v\n%+v", seed, k+1, folded, replayed)
			}
			half := (k + 1) / 2
			if resumed := foldAll(t, lead.Replay(events[:half]), events[half:k+1]); !reflect.DeepEqual(resumed, replayed) {
				t.Fatalf("seed %d, %d events: a Fold resumed at %d and Replay differ:\n%+v\n%+v", seed, k+1, half, resumed, replayed)
			}
			// A second branch from a replayed State, and one from its
			// clone, follow the rest of the history on their own.
			// A touch on a third branch must not show in them.
			if replayed.Stage == lead.StageAccepted || replayed.Stage == lead.StageSQL {
				lead.Evolve(replayed, touchAt(replayed, replayed.Entered.Add(time.Minute), false))
			}
			b1, b2 := replayed, replayed.Clone()
			for _, r := range events[k+1:] {
				b1, b2 = lead.Evolve(b1, r), lead.Evolve(b2, r)
			}
			if !reflect.DeepEqual(b1, b2) {
				t.Fatalf("seed %d: branches from %d events differ:\n%+v\n%+v", seed, k+1, b1, b2)
			}
			if !reflect.DeepEqual(b1, evolvedAll(events)) {
				t.Fatalf("seed %d: a branch from %d events ends unlike the history", seed, k+1)
			}
		}
		if full := lead.Replay(events); !reflect.DeepEqual(full, evolved) {
			t.Fatalf("seed %d: Replay and Evolve of the whole history differ", seed)
		}
		for k := range kept {
			if !reflect.DeepEqual(kept[k], snaps[k]) {
				t.Fatalf("seed %d: the State after %d events changed after it was handed out:\n%+v\nwas\n%+v", seed, k+1, kept[k], snaps[k])
			}
		}
	}
}

// touchAt returns the touch that follows s at at.
func touchAt(s lead.State, at time.Time, answered bool) lead.Event {
	o := lead.OutcomeNoAnswer
	if answered {
		o = lead.OutcomeConnected
	}
	m := lead.Meta{Lead: s.ID, Version: s.Version + 1, At: at, Actor: "rep:ana"}
	return lead.Touched{Meta: m, Channel: lead.ChannelPhone, Outcome: o}
}

// Evolve, Clone, Evolve: the clone's touches and the original's stay
// apart, and a Fold resumed from a State owns no log the State sees.
func TestEvolveCloneEvolveKeepsTouchTimesApart(t *testing.T) {
	sc := script(t, capture, qualifyMQL, handOff, accept)
	s := sc.State
	for i := range 10 {
		s = lead.Evolve(s, touchAt(s, t0.Add(time.Duration(i+1)*time.Hour), false))
		before := s.Clone()
		c := s.Clone()
		a := lead.Evolve(s, touchAt(s, t0.Add(1000*time.Hour), false))
		b := lead.Evolve(c, touchAt(c, t0.Add(2000*time.Hour), false))
		// A Fold from s that accepts nothing but touches again.
		f := foldAll(t, s, []lead.Event{touchAt(s, t0.Add(3000*time.Hour), false)})
		if !reflect.DeepEqual(s, before) {
			t.Fatalf("touch %d: s changed: %v, was %v", i, s.TouchTimes, before.TouchTimes)
		}
		for name, x := range map[string]struct {
			st   lead.State
			want time.Time
		}{"a": {a, t0.Add(1000 * time.Hour)}, "b": {b, t0.Add(2000 * time.Hour)}, "fold": {f, t0.Add(3000 * time.Hour)}} {
			n := len(x.st.TouchTimes)
			if n != len(s.TouchTimes)+1 || !x.st.TouchTimes[n-1].Equal(x.want) || !x.st.UnansweredTimes[n-1].Equal(x.want) {
				t.Fatalf("touch %d: branch %s has %v / %v", i, name, x.st.TouchTimes, x.st.UnansweredTimes)
			}
		}
	}
}

// Many goroutines evolving branches of one replayed State each get their
// own touch, and the State stays as it was (run with -race).
func TestManyGoroutinesEvolvingOneReplayedState(t *testing.T) {
	sc := script(t, capture, qualifyMQL, handOff, accept, touchNo, touchNo)
	for round := range 50 {
		s := lead.Replay(sc.Events)
		before := s.Clone()
		const n = 8
		got := make([]lead.State, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range n {
			wg.Go(func() {
				<-start
				x := s
				for j := range 12 {
					x = lead.Evolve(x, touchAt(x, t0.Add(time.Duration(g*100+j+100)*time.Hour), j%3 == 2))
				}
				got[g] = x
			})
		}
		close(start)
		wg.Wait()
		if !reflect.DeepEqual(s, before) {
			t.Fatalf("round %d: the shared State changed", round)
		}
		for g, x := range got {
			// Each branch is what a single goroutine would have built.
			y := s.Clone()
			for j := range 12 {
				y = lead.Evolve(y, touchAt(y, t0.Add(time.Duration(g*100+j+100)*time.Hour), j%3 == 2))
			}
			if !slicesEqual(x.TouchTimes, y.TouchTimes) || !slicesEqual(x.UnansweredTimes, y.UnansweredTimes) {
				t.Fatalf("round %d: branch %d has %v / %v, want %v / %v", round, g, x.TouchTimes, x.UnansweredTimes, y.TouchTimes, y.UnansweredTimes)
			}
		}
	}
}

func slicesEqual(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func evolvedAll(events []lead.Event) lead.State {
	var s lead.State
	for _, e := range events {
		s = lead.Evolve(s, e)
	}
	return s
}
