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
