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
// on an empty store. It reports events/s.
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
	for _, st := range stores {
		for _, w := range ways {
			b.Run(st.name+"/"+w.name, func(b *testing.B) {
				b.ReportAllocs()
				var took time.Duration
				for range b.N {
					b.StopTimer()
					e, err := leadline.New(st.new(b))
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					w.run(b, e)
					took += time.Since(start)
				}
				b.ReportMetric(float64(n*b.N)/took.Seconds(), "events/s")
			})
		}
	}
}
