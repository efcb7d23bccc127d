package sla_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

const benchLeads = 1_000_000

// uuidLike returns n distinct 36-byte IDs shaped like the Engine's UUIDs.
func uuidLike(n int) []lead.ID {
	ids := make([]lead.ID, n)
	for i := range ids {
		ids[i] = lead.ID(fmt.Sprintf("0195f3a2-%04x-7%03x-8%03x-%012x", i>>24&0xffff, i>>12&0xfff, i&0xfff, i))
	}
	return ids
}

// BenchmarkQueueSet fills a Queue with a million leads, each with its own
// deadline, and reports the heap bytes the queue holds per lead (the IDs
// are allocated beforehand and not counted).
func BenchmarkQueueSet(b *testing.B) {
	ids := uuidLike(benchLeads)
	if len(ids[0]) != 36 {
		b.Fatalf("ID %q is %d bytes, want 36", ids[0], len(ids[0]))
	}
	var perDeadline float64
	for b.Loop() {
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()

		q := new(sla.Queue)
		for i, id := range ids {
			// Spread over a month, out of order, as hand-offs are.
			q.Set(id, t0.Add(time.Duration(i*7919%benchLeads)*2*time.Second))
		}

		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if q.Len() != benchLeads {
			b.Fatalf("Len = %d, want %d", q.Len(), benchLeads)
		}
		perDeadline = float64(after.HeapAlloc-before.HeapAlloc) / benchLeads
		runtime.KeepAlive(q)
		b.StartTimer()
	}
	b.ReportMetric(perDeadline, "B/deadline")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchLeads, "ns/lead")
}

// BenchmarkQueuePopDue pops b.N leads, all due, from a queue holding them.
func BenchmarkQueuePopDue(b *testing.B) {
	ids := uuidLike(b.N)
	q := new(sla.Queue)
	for i, id := range ids {
		q.Set(id, t0.Add(time.Duration(i*7919%max(b.N, 1))*time.Second))
	}
	buf := make([]lead.ID, 0, 1024)
	now := t0.Add(time.Duration(b.N) * time.Second)
	b.ResetTimer()
	for q.Len() > 0 {
		// Pop in batches, as the Engine does on each wake.
		_, next, _ := q.Peek()
		buf = q.PopDue(next.Add(100*time.Second), buf[:0])
	}
	b.StopTimer()
	if got := q.PopDue(now, buf[:0]); len(got) != 0 {
		b.Fatalf("%d leads left", len(got))
	}
}

// acceptedWithTouches is a lead accepted on Monday 10:00 with three touches.
func acceptedWithTouches(b *testing.B) lead.State {
	acc := mon(10, 0)
	return build(b, mon(9, 0), accept(acc),
		touch(acc.Add(time.Hour), lead.OutcomeNoAnswer),
		touch(acc.Add(day+time.Hour), lead.OutcomeVoicemail),
		touch(acc.Add(2*day+time.Hour), lead.OutcomeConnected))
}

func BenchmarkDeadlines(b *testing.B) {
	p := sla.DefaultPolicy()
	s := acceptedWithTouches(b)
	if n := len(p.Deadlines(s)); n != 3 {
		b.Fatalf("%d deadlines, want cadence, qualify and stall", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Deadlines(s)
	}
}

func BenchmarkDue(b *testing.B) {
	p := sla.DefaultPolicy()
	s := acceptedWithTouches(b)
	now := mon(10, 0).Add(4 * day) // the qualify deadline and its warnings are due
	if n := len(dueAt(p, s, now)); n == 0 {
		b.Fatal("nothing due")
	}
	b.ReportAllocs()
	for b.Loop() {
		dueAt(p, s, now)
	}
}
