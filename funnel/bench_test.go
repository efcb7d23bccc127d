package funnel

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// benchEvents builds a realistic global order of n leads × 20 events:
// won, lost, returned-by-SLA and stalled leads, interleaved in waves of
// 1000 leads whose events alternate the way a live feed's do.
func benchEvents(nLeads int) []lead.Event {
	const perLead, wave = 20, 1000
	events := make([]lead.Event, 0, nLeads*perLead)
	base := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	reps := []string{"ana", "bob", "cid", "dee", "eve", "fay", "gus", "hal"}
	teams := []string{"east", "west"}
	sources := []string{"web", "ads", "event", "partner"}
	contents := []string{"demo", "case-study", "pricing", "webinar"}
	ids := make([]lead.ID, nLeads)
	for i := range ids {
		ids[i] = lead.ID(fmt.Sprintf("lead-%07d", i))
	}
	script := func(i int) []lead.Event {
		id := ids[i]
		start := base.Add(time.Duration(i/wave)*time.Hour + time.Duration(i%wave)*time.Second)
		v := uint64(0)
		at := start
		m := func() lead.Meta {
			v++
			at = at.Add(30 * time.Minute)
			return lead.Meta{Lead: id, Version: v, At: at}
		}
		rep, team := reps[i%len(reps)], teams[i%len(teams)]
		touch := func(k int) lead.Event {
			o := lead.OutcomeNoAnswer
			if k%3 == 2 {
				o = lead.OutcomeReplied
			}
			return lead.Touched{Meta: m(), Channel: lead.ChannelPhone, Outcome: o, Content: contents[(i+k)%len(contents)], Campaign: "q1"}
		}
		es := []lead.Event{
			lead.Captured{Meta: m(), Email: "x@example.com", Company: fmt.Sprintf("acct-%d", i%50000), Source: sources[i%len(sources)], Campaign: "q1"},
			lead.Scored{Meta: m(), Fit: 40 + i%60, Intent: 30 + i%70, Total: 70 + i%60 + i%70},
			lead.MarketingQualified{Meta: m(), Source: lead.SourceScore},
		}
		hand := func() {
			hv := v + 1
			es = append(es, lead.HandedOff{Meta: m(), Rep: rep, Team: team},
				lead.DeadlineWarned{Meta: m(), Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: hv}, Fraction: 0.5})
		}
		switch i % 4 {
		case 0, 1: // worked to a close
			hand()
			es = append(es, lead.Accepted{Meta: m()})
			for k := range 5 {
				es = append(es, touch(k))
			}
			es = append(es, lead.SalesQualified{Meta: m(), Amount: float64(1000 + i%9000), Currency: "EUR", Probability: 0.4})
			for k := range 4 {
				es = append(es, touch(k+5))
			}
			es = append(es, lead.Paused{Meta: m(), Reason: "holiday"}, lead.Resumed{Meta: m()}, touch(9))
			if i%4 == 0 {
				es = append(es, lead.Won{Meta: m(), Amount: float64(1000 + i%9000), Currency: "EUR"})
			} else {
				es = append(es, lead.Lost{Meta: m(), Reason: "price"})
			}
		case 2: // returned by the accept SLA, then worked again
			hv := v + 1
			hand()
			d := lead.DeadlineID{Kind: lead.KindAccept, Since: hv}
			es = append(es, lead.DeadlineBreached{Meta: m(), Deadline: d, Action: lead.ActionReturn, Rep: rep},
				lead.Recycled{Meta: m(), From: lead.StageHandedOff, Reason: "sla", Deadline: d})
			for range 4 {
				es = append(es, lead.Scored{Meta: m(), Fit: 50, Intent: 60, Total: 110})
			}
			es = append(es, lead.MarketingQualified{Meta: m(), Source: lead.SourceManual},
				lead.HandedOff{Meta: m(), Rep: reps[(i+1)%len(reps)], Team: team}, lead.Accepted{Meta: m()})
			for k := range 6 {
				es = append(es, touch(k))
			}
		case 3: // stalled after qualification
			es = append(es, lead.HandedOff{Meta: m(), Rep: rep, Team: team}, lead.Accepted{Meta: m()})
			for k := range 6 {
				es = append(es, touch(k))
			}
			es = append(es, lead.SalesQualified{Meta: m(), Amount: 5000, Currency: "EUR", Probability: 0.3}, touch(6), touch(7))
			d := lead.DeadlineID{Kind: lead.KindStall, Since: v}
			es = append(es, lead.DeadlineBreached{Meta: m(), Deadline: d, Action: lead.ActionStall, Rep: rep},
				lead.Stalled{Meta: m(), From: lead.StageSQL, Reason: "sla"}, touch(8), touch(9), touch(10), lead.Lost{Meta: m(), Reason: "gone"})
		}
		return es
	}
	for w := 0; w < nLeads; w += wave {
		n := min(wave, nLeads-w)
		scripts := make([][]lead.Event, n)
		longest := 0
		for j := range n {
			scripts[j] = script(w + j)
			longest = max(longest, len(scripts[j]))
		}
		for k := range longest {
			for j := range n {
				if k < len(scripts[j]) {
					events = append(events, scripts[j][k])
				}
			}
		}
	}
	return events
}

// BenchmarkProjection10M folds 10 million events of 500,000 leads into a
// fresh Projection per iteration.
func BenchmarkProjection10M(b *testing.B) {
	const leads = 500_000
	events := benchEvents(leads)
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	var p *Projection
	for b.Loop() {
		p = &Projection{}
		for i, e := range events {
			p.Apply(uint64(i+1), e)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	if p.Leads() != leads {
		b.Fatalf("%d leads, want %d", p.Leads(), leads)
	}
	// What the last Projection holds, beside the events, once the
	// garbage of folding is collected.
	var held runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&held)
	runtime.KeepAlive(p)
	runtime.KeepAlive(events)
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/leads, "allocB/lead")
	b.ReportMetric(float64(held.HeapAlloc-ms0.HeapAlloc)/leads, "heldB/lead")
	n := float64(b.N) * float64(len(events))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/leads, "allocs/lead")
	b.ReportMetric(float64(len(events)), "events/op")
}
