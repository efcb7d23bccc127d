package leadline_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
	"github.com/leadline/leadline/lead"
)

// hotLead makes lead "hot" on a JetStream store with about n events: the
// first four through e, the rest Touched events appended straight to the
// store in chunks.
func hotLead(b *testing.B, e *leadline.Engine, store eventstore.Store, n int) lead.ID {
	b.Helper()
	ctx := context.Background()
	id := lead.ID("hot")
	for _, c := range []lead.Command{lead.Capture{Email: "ada@example.com"}, lead.QualifyMarketing{Source: lead.SourceScore}, lead.HandOff{Rep: "ana"}, lead.Accept{}} {
		if _, err := e.Execute(ctx, id, c); err != nil {
			b.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for v := uint64(5); v <= uint64(n); {
		var recs []eventstore.Record
		for ; v <= uint64(n) && len(recs) < 500; v++ {
			data, err := lead.Encode(lead.Touched{Meta: lead.Meta{Lead: id, Version: v, At: at}, Channel: lead.ChannelEmail, Outcome: lead.OutcomeConnected})
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, eventstore.Record{ID: "hot-" + strconv.FormatUint(v, 10), Type: "Touched", Data: data})
		}
		if _, err := store.Append(ctx, string(id), v-uint64(len(recs))-1, recs...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.Lead(ctx, id); err != nil { // warm the cache
		b.Fatal(err)
	}
	return id
}

// benchStreams numbers the streams benchmarks make, so that each run
// (-count) starts on an empty one.
var benchStreams int

// BenchmarkJetStreamHotLead is one Touch through the Engine on a lead with
// 10, 1,000 and 10,000 events on JetStream, cache warm: the cost must not
// grow with the history.
func BenchmarkJetStreamHotLead(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv.ClientURL())
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			ctx := context.Background()
			benchStreams++
			store, err := natsjs.New(ctx, js, natsjs.WithStream(fmt.Sprintf("HOT%d", benchStreams)), natsjs.WithSubjectPrefix(fmt.Sprintf("hot%d", benchStreams)))
			if err != nil {
				b.Fatal(err)
			}
			e, err := leadline.New(store)
			if err != nil {
				b.Fatal(err)
			}
			id := hotLead(b, e, store, n)
			touch := lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := e.Execute(ctx, id, touch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJetStreamOneLeadConcurrently sends 1,000 concurrent Touches
// with command IDs to one lead through one Engine on JetStream: conflicts
// back off and are decided again. It reports commands/s, the p99 latency
// and how many commands gave up after the Engine's retries.
func BenchmarkJetStreamOneLeadConcurrently(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv.ClientURL())
	ctx := context.Background()
	for range b.N {
		benchStreams++
		store, err := natsjs.New(ctx, js, natsjs.WithStream("CONC"+strconv.Itoa(benchStreams)), natsjs.WithSubjectPrefix("conc"+strconv.Itoa(benchStreams)))
		if err != nil {
			b.Fatal(err)
		}
		e, err := leadline.New(store, leadline.WithRetries(50))
		if err != nil {
			b.Fatal(err)
		}
		id := hotLead(b, e, store, 4)
		const n = 1000
		lat := make([]time.Duration, n)
		var failed sync.Map
		var wg sync.WaitGroup
		b.ResetTimer()
		t0 := time.Now()
		for c := range n {
			wg.Go(func() {
				start := time.Now()
				_, err := e.Execute(ctx, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}, leadline.CommandID("t-"+strconv.Itoa(c)))
				lat[c] = time.Since(start)
				if err != nil {
					failed.Store(c, err)
				}
			})
		}
		wg.Wait()
		total := time.Since(t0)
		b.StopTimer()
		slices.Sort(lat)
		gaveUp := 0
		failed.Range(func(_, _ any) bool { gaveUp++; return true })
		b.ReportMetric(float64(n-gaveUp)/total.Seconds(), "commands/s")
		b.ReportMetric(lat[n*99/100].Seconds()*1000, "p99-ms")
		b.ReportMetric(float64(gaveUp), "gave-up")
	}
}
