package natsjs_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
)

// benchPayload is a breach event as the lead codec writes it.
var benchPayload = []byte(`{"type":"DeadlineBreached","schema":1,"lead":"0192abc0-0000-7000-8000-000000000000","version":5,"at":"2026-03-02T18:00:00Z","actor":"sla","deadline":{"kind":"accept","since":4},"step":0,"action":"escalate","due":"2026-03-02T18:00:00Z","rep":"ana"}`)

var benchSeq atomic.Int64

// benchStore returns a Store on a new stream of the benchmarks' server.
func benchStore(b *testing.B, opts ...natsjs.Option) *natsjs.Store {
	b.Helper()
	n := benchSeq.Add(1)
	opts = append([]natsjs.Option{natsjs.WithStream(fmt.Sprintf("B%d", n)), natsjs.WithSubjectPrefix(fmt.Sprintf("b%d", n))}, opts...)
	s, err := natsjs.New(context.Background(), benchJS(b), opts...)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

var benchIDs atomic.Uint64

func benchRecord() eventstore.Record {
	return eventstore.Record{ID: "bench-" + strconv.FormatUint(benchIDs.Add(1), 10), Type: "DeadlineBreached", Data: benchPayload}
}

const benchLeads = 1000

// BenchmarkAppend appends one event with the expected-version check, round
// robin over benchLeads leads, waiting for each acknowledgement.
func BenchmarkAppend(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	versions := make([]uint64, benchLeads)
	streams := make([]string, benchLeads)
	for i := range streams {
		streams[i] = fmt.Sprintf("0192lead%d", i)
	}
	// Every lead exists before timing, as in BenchmarkRawPublish.
	for l := range benchLeads {
		v, err := s.Append(ctx, streams[l], 0, benchRecord())
		if err != nil {
			b.Fatal(err)
		}
		versions[l] = v
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l := i % benchLeads
		v, err := s.Append(ctx, streams[l], versions[l], benchRecord())
		if err != nil {
			b.Fatal(err)
		}
		versions[l] = v
	}
}

// BenchmarkRawPublish is the baseline for BenchmarkAppend: a plain
// JetStream publish of the same bytes to the same kind of subject, without
// headers or checks.
func BenchmarkRawPublish(b *testing.B) {
	s := benchStore(b)
	js := benchJS(b)
	ctx := context.Background()
	subjects := make([]string, benchLeads)
	for i := range subjects {
		subjects[i] = s.Subject(fmt.Sprintf("0192lead%d", i), "DeadlineBreached")
	}
	for _, subj := range subjects {
		if _, err := js.Publish(ctx, subj, benchPayload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := js.Publish(ctx, subjects[i%benchLeads], benchPayload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendVsRawPublish alternates one Append (as BenchmarkAppend)
// and one raw publish (as BenchmarkRawPublish) on two streams of the same
// server, so that both meet the same load on a shared machine, and
// reports each one's mean latency and raw/append, the share of a plain
// publish's speed an append keeps.
func BenchmarkAppendVsRawPublish(b *testing.B) {
	s := benchStore(b)
	raw := benchStore(b)
	js := benchJS(b)
	ctx := context.Background()
	versions := make([]uint64, benchLeads)
	streams := make([]string, benchLeads)
	subjects := make([]string, benchLeads)
	for l := range benchLeads {
		streams[l] = fmt.Sprintf("0192lead%d", l)
		subjects[l] = raw.Subject(streams[l], "DeadlineBreached")
		v, err := s.Append(ctx, streams[l], 0, benchRecord())
		if err != nil {
			b.Fatal(err)
		}
		versions[l] = v
		if _, err := js.Publish(ctx, subjects[l], benchPayload); err != nil {
			b.Fatal(err)
		}
	}
	var appendTime, rawTime time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l := i % benchLeads
		t0 := time.Now()
		v, err := s.Append(ctx, streams[l], versions[l], benchRecord())
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := js.Publish(ctx, subjects[l], benchPayload); err != nil {
			b.Fatal(err)
		}
		appendTime += t1.Sub(t0)
		rawTime += time.Since(t1)
		versions[l] = v
	}
	b.ReportMetric(float64(appendTime.Nanoseconds())/float64(b.N), "append-ns/op")
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(rawTime)/float64(appendTime), "raw/append")
}

// BenchmarkAppendBatch appends one event to each of many leads per call,
// pipelined, and reports events per second; on file storage (the default)
// and on memory storage.
func BenchmarkAppendBatch(b *testing.B) {
	b.Run("file", func(b *testing.B) { benchAppendBatch(b, benchStore(b)) })
	b.Run("memory", func(b *testing.B) { benchAppendBatch(b, benchStore(b, natsjs.WithMemoryStorage())) })
}

// BenchmarkRawPublishAsync is the baseline for BenchmarkAppendBatch: plain
// asynchronous JetStream publishes of the same payloads to the same
// subjects, on the same storage, up to the client's default of 4000 in
// flight.
func BenchmarkRawPublishAsync(b *testing.B) {
	b.Run("file", func(b *testing.B) { benchRawPublishAsync(b, benchStore(b)) })
	b.Run("memory", func(b *testing.B) { benchRawPublishAsync(b, benchStore(b, natsjs.WithMemoryStorage())) })
}

func benchRawPublishAsync(b *testing.B, s *natsjs.Store) {
	js := benchJS(b)
	const perCall = 4096
	// Subjects made before timing, as AppendBatch's streams are.
	subjects := make([]string, perCall)
	for i := range subjects {
		subjects[i] = s.Subject(fmt.Sprintf("0192lead%d", i), "DeadlineBreached")
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	events := 0
	for b.Loop() {
		for _, subj := range subjects {
			// A long stall wait: on a loaded machine the default
			// (200ms) fails the benchmark instead of waiting.
			if _, err := js.PublishAsync(subj, benchPayload, jetstream.WithStallWait(time.Minute)); err != nil {
				b.Fatal(err)
			}
		}
		<-js.PublishAsyncComplete()
		events += perCall
	}
	b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
}

func benchAppendBatch(b *testing.B, s *natsjs.Store) {
	ctx := context.Background()
	const perCall = 4096
	versions := make(map[string]uint64, perCall)
	appends := make([]eventstore.Append, perCall)
	for i := range appends {
		appends[i].Stream = fmt.Sprintf("0192lead%d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	events := 0
	for b.Loop() {
		for i := range appends {
			appends[i].Expected = versions[appends[i].Stream]
			appends[i].Records = []eventstore.Record{benchRecord()}
		}
		for i, r := range s.AppendBatch(ctx, appends) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			versions[appends[i].Stream] = r.Version
		}
		events += perCall
	}
	b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkLoad50 loads a lead of 50 events.
func BenchmarkLoad50(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for v := range uint64(50) {
		if _, err := s.Append(ctx, "0192lead", v, benchRecord()); err != nil {
			b.Fatal(err)
		}
	}
	// Other leads in the same stream, so Load has to filter.
	for i := range 200 {
		if _, err := s.Append(ctx, fmt.Sprintf("other%d", i), 0, benchRecord()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		recs, err := s.Load(ctx, "0192lead", 0)
		if err != nil || len(recs) != 50 {
			b.Fatal(len(recs), err)
		}
	}
}

// historySizes are the lead lengths BenchmarkLoadLast and
// BenchmarkAppendToLongLead run on: their cost must not grow with them.
var historySizes = []int{10, 1_000, 10_000}

// benchLead appends n events to one lead of s, in batches, and returns
// the lead's stream name.
func benchLead(b *testing.B, s *natsjs.Store, n int) string {
	b.Helper()
	ctx := context.Background()
	stream := fmt.Sprintf("0192long%d", n)
	for v := 0; v < n; {
		k := min(n-v, eventstore.MaxAppendRecords)
		recs := make([]eventstore.Record, k)
		for i := range recs {
			recs[i] = benchRecord()
		}
		if _, err := s.Append(ctx, stream, uint64(v), recs...); err != nil {
			b.Fatal(err)
		}
		v += k
	}
	return stream
}

// BenchmarkLoadLast loads only the last record of a lead with a long
// history, as the Engine does to catch up on a lead it holds in memory.
func BenchmarkLoadLast(b *testing.B) {
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s := benchStore(b)
			stream := benchLead(b, s, n)
			ctx := context.Background()
			// The Store learned version n from its append; one Load
			// of the whole lead teaches it the versions before it.
			if _, err := s.Load(ctx, stream, 0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				recs, err := s.Load(ctx, stream, uint64(n))
				if err != nil || len(recs) != 1 || recs[0].Version != uint64(n) {
					b.Fatal(len(recs), err)
				}
			}
		})
	}
}

// BenchmarkAppendToLongLead appends one event at a time to a lead with a
// long history.
func BenchmarkAppendToLongLead(b *testing.B) {
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s := benchStore(b)
			stream := benchLead(b, s, n)
			ctx := context.Background()
			v := uint64(n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var err error
				if v, err = s.Append(ctx, stream, v, benchRecord()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
