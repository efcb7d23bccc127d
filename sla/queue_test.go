package sla_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
	"pgregory.net/rapid"
)

var t0 = time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func TestQueueEmpty(t *testing.T) {
	var q sla.Queue
	if q.Len() != 0 {
		t.Errorf("Len = %d, want 0", q.Len())
	}
	if id, when, ok := q.Peek(); ok || id != "" || !when.IsZero() {
		t.Errorf("Peek = %q, %v, %v; want nothing", id, when, ok)
	}
	if got := q.PopDue(at(1000), nil); len(got) != 0 {
		t.Errorf("PopDue = %v, want none", got)
	}
	q.Set("a", time.Time{}) // removing an unknown lead is a no-op
	if q.Len() != 0 {
		t.Errorf("Len after removing an unknown lead = %d, want 0", q.Len())
	}
}

func TestQueuePopsDueLeadsEarliestFirst(t *testing.T) {
	var q sla.Queue
	q.Set("c", at(30))
	q.Set("a", at(10))
	q.Set("d", at(40))
	q.Set("b", at(20))
	if q.Len() != 4 {
		t.Fatalf("Len = %d, want 4", q.Len())
	}
	if id, when, ok := q.Peek(); !ok || id != "a" || !when.Equal(at(10)) {
		t.Fatalf("Peek = %q, %v, %v; want a at %v", id, when, ok, at(10))
	}
	if got := q.PopDue(at(9), nil); len(got) != 0 {
		t.Fatalf("PopDue before anything is due = %v", got)
	}
	buf := []lead.ID{"kept"}
	got := q.PopDue(at(30), buf)
	if want := []lead.ID{"kept", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("PopDue(at 30) = %v, want %v (appended to buf, due time inclusive)", got, want)
	}
	if q.Len() != 1 {
		t.Fatalf("Len = %d, want 1", q.Len())
	}
	if got := q.PopDue(at(40), nil); !slices.Equal(got, []lead.ID{"d"}) {
		t.Fatalf("PopDue(at 40) = %v, want [d]", got)
	}
}

func TestQueueSetMovesALeadEarlierAndLater(t *testing.T) {
	var q sla.Queue
	for i, id := range []lead.ID{"a", "b", "c", "d", "e"} {
		q.Set(id, at(10*(i+1)))
	}
	q.Set("e", at(5))  // earlier
	q.Set("a", at(60)) // later
	q.Set("c", at(30)) // the same
	if q.Len() != 5 {
		t.Fatalf("Len = %d, want 5: Set of a queued lead must not add it twice", q.Len())
	}
	if got, want := q.PopDue(at(100), nil), []lead.ID{"e", "b", "c", "d", "a"}; !slices.Equal(got, want) {
		t.Fatalf("PopDue = %v, want %v", got, want)
	}
}

func TestQueueZeroTimeRemoves(t *testing.T) {
	var q sla.Queue
	q.Set("a", at(10))
	q.Set("b", at(20))
	q.Set("c", at(30))
	q.Set("a", time.Time{})
	q.Set("c", time.Time{})
	if q.Len() != 1 {
		t.Fatalf("Len = %d, want 1", q.Len())
	}
	if got := q.PopDue(at(100), nil); !slices.Equal(got, []lead.ID{"b"}) {
		t.Fatalf("PopDue = %v, want [b]", got)
	}
	q.Set("a", at(5)) // a removed lead can come back
	if id, _, _ := q.Peek(); id != "a" {
		t.Fatalf("Peek = %q, want a", id)
	}
}

// TestQueueMatchesModel runs random Set, remove and PopDue calls against a
// map from lead to instant.
func TestQueueMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q sla.Queue
		model := map[lead.ID]time.Time{}
		id := rapid.Custom(func(t *rapid.T) lead.ID {
			return lead.ID(fmt.Sprintf("lead-%d", rapid.IntRange(0, 20).Draw(t, "n")))
		})
		minute := rapid.IntRange(-60, 600)
		now := 0
		for range rapid.IntRange(1, 200).Draw(t, "ops") {
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0, 1:
				l, m := id.Draw(t, "id"), minute.Draw(t, "at")
				q.Set(l, at(m))
				model[l] = at(m)
			case 2:
				l := id.Draw(t, "id")
				q.Set(l, time.Time{})
				delete(model, l)
			case 3:
				now += rapid.IntRange(0, 120).Draw(t, "advance")
				got := q.PopDue(at(now), nil)
				var want []lead.ID
				for l, when := range model {
					if !when.After(at(now)) {
						want = append(want, l)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("PopDue(%d) = %v, want %v", now, got, want)
				}
				for i, l := range got {
					when, ok := model[l]
					if !ok || when.After(at(now)) {
						t.Fatalf("PopDue(%d) returned %s, which is not due", now, l)
					}
					if i > 0 && when.Before(model[got[i-1]]) {
						t.Fatalf("PopDue(%d) = %v: not earliest first", now, got)
					}
				}
				for _, l := range got {
					delete(model, l)
				}
			}
			if q.Len() != len(model) {
				t.Fatalf("Len = %d, want %d", q.Len(), len(model))
			}
			l, when, ok := q.Peek()
			if ok != (len(model) > 0) {
				t.Fatalf("Peek ok = %v with %d queued", ok, len(model))
			}
			if ok {
				if !when.Equal(model[l]) {
					t.Fatalf("Peek = %s at %v, but it is queued at %v", l, when, model[l])
				}
				for other, w := range model {
					if w.Before(when) {
						t.Fatalf("Peek = %s at %v, but %s is earlier at %v", l, when, other, w)
					}
				}
			}
		}
	})
}
