package dashboard

import (
	"time"

	"github.com/leadline/leadline/lead"
)

// breachItem is one breach step of the feed, ready to show.
type breachItem struct {
	Seq       uint64 // 1 for the first breach step the Board saw
	At        time.Time
	Lead      lead.ID
	Kind      lead.DeadlineKind
	KindLabel string
	Step      int
	Action    string
	Rep, Team string
	Late      string // how long after the due time the step came
}

// feed is a ring of the latest breach steps.
type feed struct {
	items []breachItem
	next  int // where the next item goes once the ring is full
	seq   uint64
}

func (f *feed) init(n int) { f.items = make([]breachItem, 0, n) }

// add records breach step br of a lead of team, its time in loc, and
// returns its item.
func (f *feed) add(br lead.DeadlineBreached, team string, loc *time.Location) breachItem {
	f.seq++
	it := breachItem{
		Seq: f.seq, At: br.At.In(loc), Lead: br.Lead, Kind: br.Deadline.Kind, KindLabel: kindLabel(br.Deadline.Kind),
		Step: br.Step, Action: actionLabel(br.Action), Rep: br.Rep, Team: team,
	}
	if !br.Due.IsZero() && br.At.After(br.Due) {
		it.Late = span(br.At.Sub(br.Due))
	}
	if len(f.items) < cap(f.items) {
		f.items = append(f.items, it)
	} else {
		f.items[f.next] = it
		f.next = (f.next + 1) % len(f.items)
	}
	return it
}

// latest returns the items, newest first.
func (f *feed) latest() []breachItem {
	out := make([]breachItem, 0, len(f.items))
	for i := range f.items {
		j := (f.next - 1 - i + 2*len(f.items)) % len(f.items)
		out = append(out, f.items[j])
	}
	return out
}
