package eventstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/leadline/leadline/eventstore"
)

func BenchmarkMemoryAppend(b *testing.B) {
	const streams = 1024
	ctx := context.Background()
	m := eventstore.NewMemory()
	names := make([]string, streams)
	for i := range names {
		names[i] = fmt.Sprintf("lead-%d", i)
	}
	versions := make([]uint64, streams)
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = fmt.Sprintf("evt-%d", i)
	}
	data := make([]byte, 200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s := i % streams
		v, err := m.Append(ctx, names[s], versions[s], eventstore.Record{ID: ids[i], Type: "Touched", Data: data})
		if err != nil {
			b.Fatal(err)
		}
		versions[s] = v
	}
}

// BenchmarkMemoryAppendBatchMillionStreams appends in batches of 1,000
// one record to each of 1,000 streams among 2^20, as a tick that fires
// many leads does: what it measures is mostly finding a stream among a
// million.
func BenchmarkMemoryAppendBatchMillionStreams(b *testing.B) {
	const streams, batch = 1 << 20, 1000
	ctx := context.Background()
	m := eventstore.NewMemory()
	names := make([]string, streams)
	for i := range names {
		names[i] = fmt.Sprintf("lead-%07d", i)
	}
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = fmt.Sprintf("evt-%d", i)
	}
	data := make([]byte, 32)
	appends := make([]eventstore.Append, batch)
	recs := make([]eventstore.Record, batch)
	versions := make([]uint64, streams)
	next := 0
	// fillBatch makes the next batch: streams in a scattered order, so
	// that consecutive appends do not share cache lines.
	fillBatch := func() {
		for j := range appends {
			s := next * 40503 & (streams - 1)
			next++
			v := versions[s]
			if v >= uint64(len(ids)) {
				b.Fatalf("stream %d reached version %d", s, v)
			}
			recs[j] = eventstore.Record{ID: ids[v], Type: "Touched", Data: data}
			appends[j] = eventstore.Append{Stream: names[s], Expected: v, Records: recs[j : j+1]}
		}
	}
	run := func() {
		fillBatch()
		for j, r := range m.AppendBatch(ctx, appends) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			versions[(next-batch+j)*40503&(streams-1)] = r.Version
		}
	}
	// Every stream made before the clock starts.
	for range (streams + batch - 1) / batch {
		run()
	}
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/append")
}

func BenchmarkMemoryLoad(b *testing.B) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	fill(b, m, 100, 50)
	b.ReportAllocs()
	for b.Loop() {
		recs, err := m.Load(ctx, "lead-7", 0)
		if err != nil || len(recs) != 50 {
			b.Fatal(len(recs), err)
		}
	}
}

func BenchmarkMemoryRead(b *testing.B) {
	const page = 100
	ctx := context.Background()
	m := eventstore.NewMemory()
	fill(b, m, 100, 100)
	b.ReportAllocs()
	from := uint64(1)
	for b.Loop() {
		recs, err := m.Read(ctx, from, page)
		if err != nil || len(recs) != page {
			b.Fatal(len(recs), err)
		}
		if from += page; from > 10_000-page {
			from = 1
		}
	}
}

// fill appends perStream 200-byte records to each of streams streams,
// interleaved.
func fill(b *testing.B, m *eventstore.Memory, streams, perStream int) {
	b.Helper()
	data := make([]byte, 200)
	for v := range perStream {
		for s := range streams {
			r := eventstore.Record{ID: fmt.Sprintf("evt-%d-%d", s, v), Type: "Touched", Data: data}
			if _, err := m.Append(context.Background(), fmt.Sprintf("lead-%d", s), uint64(v), r); err != nil {
				b.Fatal(err)
			}
		}
	}
}
