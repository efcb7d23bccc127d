// Command peerbench runs the same operations against leadline's Engine on
// its memory store and against github.com/hallgren/eventsourcing's
// aggregate on its memory store, in one binary, and prints how long
// leadline takes relative to the peer (below 1 is faster), in wall time
// and in the CPU time of the process, which on shared cores is the
// steadier of the two: create an
// aggregate, append one event to a 20-event aggregate cold (state not in
// memory) and hot (state in memory), load 20 and 1,000 events.
//
// It is a module of its own so that the library's go.mod does not name
// the peer. Run it from this directory:
//
//	go run . -rounds 3
//
// The same operations are benchmarks too (go test -bench .).
package main

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallgren/eventsourcing"
	"github.com/hallgren/eventsourcing/aggregate"
	"github.com/hallgren/eventsourcing/eventstore/memory"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// op is one operation measured on both sides.
type op struct {
	name       string
	iterations int // fixed, so that setting up per-iteration aggregates stays bounded
	leadline   func(b *testing.B)
	peer       func(b *testing.B)
}

var ops = []op{
	{"create", 20000, leadlineCreate, peerCreate},
	{"append-cold-20", 3000, leadlineAppendCold, peerAppendCold},
	{"append-hot", 20000, leadlineAppendHot, peerAppendHot},
	{"load-20", 20000, func(b *testing.B) { leadlineLoad(b, 20) }, func(b *testing.B) { peerLoad(b, 20) }},
	{"load-1000", 2000, func(b *testing.B) { leadlineLoad(b, 1000) }, func(b *testing.B) { peerLoad(b, 1000) }},
}

// ---- leadline ----

var monday = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

func newEngine(b *testing.B, opts ...leadline.Option) *leadline.Engine {
	b.Helper()
	opts = append([]leadline.Option{leadline.WithClock(clock.NewMock(monday)), leadline.WithPolicy(sla.DefaultPolicy())}, opts...)
	e, err := leadline.New(eventstore.NewMemory(), opts...)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

var touch = lead.Touch{Actor: "rep:ana", Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected, Content: "intro call"}

// leadlineLead captures a lead and works it until it has n events.
func leadlineLead(b *testing.B, e *leadline.Engine, n int) lead.ID {
	b.Helper()
	ctx := context.Background()
	id, err := e.Capture(ctx, lead.Capture{Email: "ada@example.com", FullName: "Ada Lovelace", Source: "webinar"})
	if err != nil {
		b.Fatal(err)
	}
	var v int
	for _, c := range []lead.Command{
		lead.QualifyMarketing{Actor: "mkt:eve", Source: lead.SourceScore},
		lead.HandOff{Actor: "router", Rep: "rep:ana"},
		lead.Accept{Actor: "rep:ana"},
	} {
		events, err := e.Execute(ctx, id, c)
		if err != nil {
			b.Fatal(err)
		}
		v = int(events[len(events)-1].Base().Version)
	}
	for v < n {
		events, err := e.Execute(ctx, id, touch)
		if err != nil {
			b.Fatal(err)
		}
		v = int(events[len(events)-1].Base().Version)
	}
	if v != n {
		b.Fatalf("lead has %d events, want %d", v, n)
	}
	return id
}

func leadlineCreate(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	c := lead.Capture{Email: "ada@example.com", FullName: "Ada Lovelace", Source: "webinar"}
	defer measure(b)()
	for range b.N {
		if _, err := e.Capture(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

func leadlineAppendCold(b *testing.B) {
	e := newEngine(b, leadline.WithCacheSize(0))
	ctx := context.Background()
	ids := make([]lead.ID, b.N)
	for i := range ids {
		ids[i] = leadlineLead(b, e, 20)
	}
	defer measure(b)()
	for i := range b.N {
		if _, err := e.Execute(ctx, ids[i], touch); err != nil {
			b.Fatal(err)
		}
	}
}

func leadlineAppendHot(b *testing.B) {
	e := newEngine(b)
	ctx := context.Background()
	const leads = 256
	ids := make([]lead.ID, leads)
	for i := range ids {
		ids[i] = leadlineLead(b, e, 20)
	}
	defer measure(b)()
	for i := range b.N {
		if _, err := e.Execute(ctx, ids[i%leads], touch); err != nil {
			b.Fatal(err)
		}
	}
}

func leadlineLoad(b *testing.B, n int) {
	e := newEngine(b, leadline.WithCacheSize(0))
	ctx := context.Background()
	id := leadlineLead(b, e, n)
	defer measure(b)()
	for range b.N {
		s, err := e.Lead(ctx, id)
		if err != nil || s.Version != uint64(n) {
			b.Fatal(s.Version, err)
		}
	}
}

// ---- the peer ----

// Lead is the peer's aggregate, with the fields leadline's events carry.
type Lead struct {
	aggregate.Root
	Email, FullName, Source string
	Stage                   string
	Touches                 int
}

// The peer's events.
type (
	Captured struct{ Email, FullName, Source string }
	Staged   struct{ Actor, Stage, Rep string }
	Touched  struct{ Actor, Channel, Outcome, Content string }
)

// Transition folds an event into the Lead.
func (l *Lead) Transition(e eventsourcing.Event) {
	switch d := e.Data().(type) {
	case *Captured:
		l.Email, l.FullName, l.Source, l.Stage = d.Email, d.FullName, d.Source, "Captured"
	case *Staged:
		l.Stage = d.Stage
	case *Touched:
		l.Touches++
	}
}

// Register names the Lead's events.
func (l *Lead) Register(r aggregate.RegisterFunc) { r(&Captured{}, &Staged{}, &Touched{}) }

func init() { aggregate.Register(&Lead{}) }

var peerIDs atomic.Int64

// peerLead creates a Lead with n events and saves it.
func peerLead(b *testing.B, es *memory.Memory, n int) *Lead {
	b.Helper()
	l := &Lead{}
	if err := l.SetID("lead-" + strconv.FormatInt(peerIDs.Add(1), 10)); err != nil {
		b.Fatal(err)
	}
	aggregate.TrackChange(l, &Captured{Email: "ada@example.com", FullName: "Ada Lovelace", Source: "webinar"})
	for _, st := range []string{"MQL", "HandedOff", "Accepted"} {
		aggregate.TrackChange(l, &Staged{Actor: "rep:ana", Stage: st, Rep: "rep:ana"})
	}
	for int(l.Version()) < n {
		aggregate.TrackChange(l, &Touched{Actor: "rep:ana", Channel: "phone", Outcome: "connected", Content: "intro call"})
	}
	if err := aggregate.Save(es, l); err != nil {
		b.Fatal(err)
	}
	return l
}

func peerTouch(l *Lead) {
	aggregate.TrackChange(l, &Touched{Actor: "rep:ana", Channel: "phone", Outcome: "connected", Content: "intro call"})
}

func peerCreate(b *testing.B) {
	es := memory.Create()
	defer measure(b)()
	for range b.N {
		l := &Lead{}
		aggregate.TrackChange(l, &Captured{Email: "ada@example.com", FullName: "Ada Lovelace", Source: "webinar"})
		if err := aggregate.Save(es, l); err != nil {
			b.Fatal(err)
		}
	}
}

func peerAppendCold(b *testing.B) {
	es := memory.Create()
	ctx := context.Background()
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = peerLead(b, es, 20).ID()
	}
	defer measure(b)()
	for i := range b.N {
		l := &Lead{}
		if err := aggregate.Load(ctx, es, ids[i], l); err != nil {
			b.Fatal(err)
		}
		peerTouch(l)
		if err := aggregate.Save(es, l); err != nil {
			b.Fatal(err)
		}
	}
}

func peerAppendHot(b *testing.B) {
	es := memory.Create()
	const leads = 256
	ls := make([]*Lead, leads)
	for i := range ls {
		ls[i] = peerLead(b, es, 20)
	}
	defer measure(b)()
	for i := range b.N {
		l := ls[i%leads]
		peerTouch(l)
		if err := aggregate.Save(es, l); err != nil {
			b.Fatal(err)
		}
	}
}

func peerLoad(b *testing.B, n int) {
	es := memory.Create()
	ctx := context.Background()
	id := peerLead(b, es, n).ID()
	defer measure(b)()
	for range b.N {
		l := &Lead{}
		if err := aggregate.Load(ctx, es, id, l); err != nil || int(l.Version()) != n {
			b.Fatal(l.Version(), err)
		}
	}
}

// measure starts the measured part of a benchmark, after its set-up, and
// returns the function that ends it: it reports the CPU time of the
// process per operation (cpu-ns/op, the garbage collector's included),
// which on shared cores is steadier than the wall time.
func measure(b *testing.B) func() {
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	}
}

// ratio is leadline's time per operation over the peer's.
func ratio(a, p testing.BenchmarkResult) float64 {
	return float64(a.NsPerOp()) / float64(p.NsPerOp())
}

// cpuRatio is leadline's CPU time per operation over the peer's, 0 where
// the platform gives none.
func cpuRatio(a, p testing.BenchmarkResult) float64 {
	if p.Extra["cpu-ns/op"] == 0 {
		return 0
	}
	return a.Extra["cpu-ns/op"] / p.Extra["cpu-ns/op"]
}

func format(r testing.BenchmarkResult) string {
	return fmt.Sprintf("%9d ns/op %9.0f cpu-ns/op %6d B/op %4d allocs/op", r.NsPerOp(), r.Extra["cpu-ns/op"], r.AllocedBytesPerOp(), r.AllocsPerOp())
}
