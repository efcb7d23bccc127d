package sla_test

import (
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

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

// BenchmarkNext is what the Engine plans after every command on a lead.
func BenchmarkNext(b *testing.B) {
	p := sla.DefaultPolicy()
	s := acceptedWithTouches(b)
	if first, _, _ := p.Next(s); first == nil {
		b.Fatal("nothing comes due")
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Next(s)
	}
}

// BenchmarkNextBusinessHours plans a lead handed off on a Friday
// afternoon: its accept clock and ladder count business hours across the
// weekend.
func BenchmarkNextBusinessHours(b *testing.B) {
	p := sla.DefaultPolicy()
	s := build(b, mon(16, 0).Add(4*day))
	if first, _, _ := p.Next(s); first == nil {
		b.Fatal("nothing comes due")
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Next(s)
	}
}
