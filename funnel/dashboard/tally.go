package dashboard

import (
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
)

// leaks counts, per day, the ways leads leave sales without an outcome,
// and the breaches: what the "Stalled and leaking" panel and the headline
// show for a period.
type leaks struct {
	// ReturnedBySLA counts leads a breach returned to marketing;
	// ReturnedByRep those a rep sent back by hand (a recycle with no
	// deadline); Rejected those sales rejected back to nurture; Stalled the
	// stalls recorded; Breaches the deadlines breached (first steps).
	ReturnedBySLA, ReturnedByRep, Rejected, Stalled, Breaches int
}

// leakTally holds leaks per civil day.
type leakTally struct {
	days map[int32]*leaks
}

func (t *leakTally) init() { t.days = map[int32]*leaks{} }

func dayNumber(at time.Time, loc *time.Location) int32 {
	y, m, d := at.In(loc).Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (t *leakTally) day(at time.Time, loc *time.Location) *leaks {
	n := dayNumber(at, loc)
	l := t.days[n]
	if l == nil {
		l = &leaks{}
		t.days[n] = l
	}
	return l
}

func (t *leakTally) apply(ev lead.Event, loc *time.Location) {
	at := ev.Base().At
	switch ev := ev.(type) {
	case lead.Recycled:
		if ev.Deadline.IsZero() {
			t.day(at, loc).ReturnedByRep++
		} else {
			t.day(at, loc).ReturnedBySLA++
		}
	case lead.Rejected:
		if !ev.Disqualify {
			t.day(at, loc).Rejected++
		}
	case lead.Stalled:
		t.day(at, loc).Stalled++
	case lead.DeadlineBreached:
		if ev.Step == 0 {
			t.day(at, loc).Breaches++
		}
	}
}

// sum returns the leaks of the days of period p.
func (t *leakTally) sum(p funnel.Period, loc *time.Location) leaks {
	var s leaks
	lo, hi := dayNumber(p.Start, loc), dayNumber(p.End, loc)
	for n, l := range t.days {
		if n >= lo && n < hi {
			s.ReturnedBySLA += l.ReturnedBySLA
			s.ReturnedByRep += l.ReturnedByRep
			s.Rejected += l.Rejected
			s.Stalled += l.Stalled
			s.Breaches += l.Breaches
		}
	}
	return s
}
