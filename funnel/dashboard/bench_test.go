package dashboard_test

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// yearOfLeads builds the global order of n leads captured evenly over the
// year before end, under the default policy: three in ten stay with
// marketing; of those handed to sales, most are worked to a close, some
// are returned by the accept deadline or rejected, and those of the last
// fortnight are still open (handed off, accepted and touched, qualified,
// or stalled), so the board has live deadlines to rank.
func yearOfLeads(n int, end time.Time) []lead.Event {
	reps := []string{"ana", "ben", "cai", "dee", "eve", "fay", "gus", "hal", "ida", "jon", "kim", "lea"}
	teams := []string{"emea", "amer", "apac"}
	sources := []string{"webinar", "ebook", "paid-search", "referral", "event"}
	start := end.AddDate(-1, 0, 0)
	every := end.Sub(start) / time.Duration(n)
	events := make([]lead.Event, 0, n*8)
	for i := range n {
		id := lead.ID(fmt.Sprintf("lead-%07d", i))
		at := start.Add(time.Duration(i) * every)
		v := uint64(0)
		m := func(d time.Duration) lead.Meta {
			v++
			at = at.Add(d)
			return lead.Meta{Lead: id, Version: v, At: at}
		}
		rep, team := reps[i%len(reps)], teams[i%len(teams)]
		events = append(events,
			lead.Captured{Meta: m(0), Email: "x@example.com", Source: sources[i%len(sources)], Campaign: "always-on"},
			lead.Scored{Meta: m(time.Hour), Fit: 40 + i%60, Intent: 30 + i%70, Total: 70 + i%60 + i%70})
		kind := i % 10
		if kind < 3 {
			continue
		}
		hv := v + 2
		events = append(events,
			lead.MarketingQualified{Meta: m(2 * time.Hour), Source: lead.SourceScore},
			lead.HandedOff{Meta: m(time.Minute), Rep: rep, Team: team, PolicyVersion: 1})
		recent := end.Sub(at) < 14*24*time.Hour
		touch := func(d time.Duration, answered bool) lead.Event {
			o := lead.OutcomeNoAnswer
			if answered {
				o = lead.OutcomeConnected
			}
			return lead.Touched{Meta: m(d), Channel: lead.ChannelPhone, Outcome: o, Content: "intro-call"}
		}
		switch {
		case kind == 7:
			d := lead.DeadlineID{Kind: lead.KindAccept, Since: hv}
			events = append(events,
				lead.DeadlineBreached{Meta: m(8 * time.Hour), Deadline: d, Action: lead.ActionReturn, Rep: rep},
				lead.Recycled{Meta: m(0), From: lead.StageHandedOff, Reason: "sla", Deadline: d})
		case kind == 8:
			events = append(events, lead.Rejected{Meta: m(3 * time.Hour), Reason: "no budget"})
		case recent && kind == 9:
			// handed off, not answered yet: the accept clock runs
		case recent && kind == 6:
			events = append(events, lead.Accepted{Meta: m(2 * time.Hour)}, touch(time.Hour, false))
		case recent && kind == 5:
			events = append(events, lead.Accepted{Meta: m(2 * time.Hour)}, touch(time.Hour, true),
				lead.SalesQualified{Meta: m(24 * time.Hour), Amount: 5000, Currency: "EUR", Probability: 0.3})
		case kind == 4 && end.Sub(at) < 40*24*time.Hour:
			events = append(events, lead.Accepted{Meta: m(2 * time.Hour)}, touch(time.Hour, true),
				lead.Stalled{Meta: m(14 * 24 * time.Hour), From: lead.StageAccepted, Reason: "sla"})
		default:
			events = append(events, lead.Accepted{Meta: m(2 * time.Hour)}, touch(time.Hour, true), touch(24*time.Hour, false),
				lead.SalesQualified{Meta: m(48 * time.Hour), Amount: float64(1000 * (1 + i%20)), Currency: "EUR", Probability: 0.4})
			if i%3 == 0 {
				events = append(events, lead.Won{Meta: m(10 * 24 * time.Hour), Amount: float64(1000 * (1 + i%20)), Currency: "EUR"})
			} else {
				events = append(events, lead.Lost{Meta: m(10 * 24 * time.Hour), Reason: "price"})
			}
		}
	}
	// The global order is the order things happened; a lead's own events
	// keep their versions' order.
	slices.SortStableFunc(events, func(a, b lead.Event) int {
		return a.Base().At.Compare(b.Base().At)
	})
	// Events dated after end have not happened yet.
	cut, _ := slices.BinarySearchFunc(events, end, func(e lead.Event, t time.Time) int {
		return cmp.Compare(e.Base().At.UnixNano(), t.UnixNano()+1)
	})
	return events[:cut]
}

var million struct {
	once   sync.Once
	board  *dashboard.Board
	clock  *clock.Mock
	events int
	bytes  uint64
}

// millionBoard returns a Board that has applied a year of a million leads,
// built once per test binary (it takes a while).
func millionBoard(b *testing.B) (*dashboard.Board, *clock.Mock) {
	million.once.Do(func() {
		end := time.Date(2026, 3, 18, 11, 0, 0, 0, time.UTC) // a Wednesday mid-month, in business hours
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		events := yearOfLeads(1_000_000, end)
		million.clock = clock.NewMock(end)
		board, err := dashboard.New(dashboard.WithPolicy(sla.DefaultPolicy()), dashboard.WithClock(million.clock),
			dashboard.WithCommitments(
				funnel.Commitment{Name: "Marketing: 60,000 MQLs a month", Kind: funnel.CommitmentMQLVolume, Target: 60000},
				funnel.Commitment{Name: "Sales: accepts 70% of MQLs", Kind: funnel.CommitmentAcceptedShare, Target: 0.7}))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i, e := range events {
			if err := board.Apply(uint64(i+1), e); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("applied %d events of 1M leads in %v", len(events), time.Since(start).Round(time.Millisecond))
		million.board, million.events = board, len(events)
		events = nil // what is left on the heap is the board's
		runtime.GC()
		runtime.ReadMemStats(&after)
		million.bytes = after.HeapAlloc - before.HeapAlloc
	})
	return million.board, million.clock
}

// BenchmarkRender1M draws the page of the current month from a Board
// holding a year of a million leads. "fresh" applies one event before
// each draw, so every draw computes the figures again, as the first
// request after an event does; "cached" draws the same position again.
func BenchmarkRender1M(b *testing.B) {
	board, mock := millionBoard(b)
	b.Run("fresh", func(b *testing.B) {
		pos := board.Position()
		for b.Loop() {
			pos++
			// A score for a lead not seen before moves the position and
			// costs next to nothing to apply.
			if err := board.Apply(pos, lead.Scored{Meta: lead.Meta{Lead: lead.ID(fmt.Sprint("new-", pos)), Version: 1, At: mock.Now()}}); err != nil {
				b.Fatal(err)
			}
			if err := board.Render(io.Discard, funnel.UnitMonth, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(million.bytes)/1e6, "board-B/lead")
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if err := board.Render(io.Discard, funnel.UnitMonth, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
