package leadline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

// BenchmarkImport captures the 10,000 rows of a CRM export through the
// Engine, on the memory store and on JetStream (file storage, in-process
// server): with one Import, and with 10,000 Captures carrying the same
// command IDs, one after the other, in the same run. Each iteration starts
// on an empty store. It reports events/s; the alternated benchmarks run
// both ways in each iteration and report how many times faster Import is (speedup).
func BenchmarkImport(b *testing.B) {
	const n = 10000
	rows := crmRows(n)
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv.ClientURL())
	stores := []struct {
		name string
		new  func(b *testing.B) eventstore.Store
	}{
		{"memory", func(*testing.B) eventstore.Store { return eventstore.NewMemory() }},
		{"jetstream", func(b *testing.B) eventstore.Store {
			benchStreams++
			s, err := natsjs.New(context.Background(), js, natsjs.WithStream(fmt.Sprintf("IMPORT%d", benchStreams)), natsjs.WithSubjectPrefix(fmt.Sprintf("import%d", benchStreams)))
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	ways := []struct {
		name string
		run  func(b *testing.B, e *leadline.Engine)
	}{
		{"Import", func(b *testing.B, e *leadline.Engine) {
			res, err := e.Import(context.Background(), rows, leadline.ImportID("bench"), leadline.ImportKey(crmID))
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}},
		{"Capture", func(b *testing.B, e *leadline.Engine) {
			ctx := context.Background()
			for _, c := range rows {
				if _, err := e.Capture(ctx, c, leadline.CommandID("import/bench/"+crmID(c))); err != nil {
					b.Fatal(err)
				}
			}
		}},
	}
	fresh := func(b *testing.B, new func(*testing.B) eventstore.Store) *leadline.Engine {
		e, err := leadline.New(new(b))
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	for _, st := range stores {
		for _, w := range ways {
			b.Run(st.name+"/"+w.name, func(b *testing.B) {
				b.ReportAllocs()
				var took time.Duration
				for range b.N {
					b.StopTimer()
					e := fresh(b, st.new)
					b.StartTimer()
					start := time.Now()
					w.run(b, e)
					took += time.Since(start)
				}
				b.ReportMetric(float64(n*b.N)/took.Seconds(), "events/s")
			})
		}
		// Both ways in turn within each iteration, so that they meet the
		// same load on a shared machine: the ratio is the figure to read.
		b.Run(st.name+"/alternated", func(b *testing.B) {
			var took [2]time.Duration
			for range b.N {
				for i, w := range ways {
					b.StopTimer()
					e := fresh(b, st.new)
					b.StartTimer()
					start := time.Now()
					w.run(b, e)
					took[i] += time.Since(start)
				}
			}
			b.ReportMetric(float64(n*b.N)/took[0].Seconds(), "import-events/s")
			b.ReportMetric(float64(n*b.N)/took[1].Seconds(), "capture-events/s")
			b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "speedup")
		})
	}
}
