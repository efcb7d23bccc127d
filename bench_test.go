package leadline_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// BenchmarkEngineRoundTrip is one command through the Engine on the memory
// store: load (from the cache, checking the store for newer events),
// decide, encode, append with the expected version; with a command ID
// ("id") also the look-up of remembered commands and the derived event
// IDs; with an OpenTelemetry SDK behind WithMeterProvider ("metrics")
// also the instruments; with a key store ("keys", WithKeys) also sealing
// personal fields, which a touch has none of. On shared cores the CPU
// time of the process per command (cpu-ns/op, the garbage collector's
// included) is steadier than the wall time.
func BenchmarkEngineRoundTrip(b *testing.B) {
	for _, v := range []struct {
		name                  string
		withID, metrics, keys bool
	}{{"no-id", false, false, false}, {"id", true, false, false}, {"metrics", false, true, false}, {"keys", false, false, true}} {
		withID := v.withID
		b.Run(v.name, func(b *testing.B) {
			ctx := context.Background()
			var opts []leadline.Option
			if v.metrics {
				opts = append(opts, leadline.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))))
			}
			if v.keys {
				opts = append(opts, leadline.WithKeys(eventstore.NewMemoryKeys()))
			}
			e, _, _ := newEngine(b, opts...)
			const leads = 1024
			ids := make([]lead.ID, leads)
			for i := range ids {
				ids[i] = accepted(b, e, "ana")
			}
			touch := lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}
			var cmdOpts []leadline.CommandOption
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuTime()
			for i := range b.N {
				if withID {
					cmdOpts = append(cmdOpts[:0], leadline.CommandID("req-"+strconv.Itoa(i)))
				}
				if err := run(e, ctx, ids[i%leads], touch, cmdOpts...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// slaScale builds n leads handed off under a policy whose accept deadline
// is due one hour later, written straight to the store.
func slaScale(b *testing.B, n int) (*eventstore.Memory, *clock.Mock, sla.Policy) {
	b.Helper()
	ctx := context.Background()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	p := sla.Policy{Version: 1, Accept: sla.Rule{Within: time.Hour}}
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithCacheSize(0))
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		id := lead.ID(fmt.Sprintf("lead-%07d", i))
		for _, c := range []lead.Command{
			lead.Capture{ID: id, Email: "lead@example.com"},
			lead.QualifyMarketing{Source: lead.SourceScore},
			lead.HandOff{Rep: "ana"},
		} {
			if _, err := e.Execute(ctx, id, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	return store, mock, p
}

var (
	slaLeads = flag.Int("sla.leads", 1_000_000, "leads in BenchmarkSLAMillionLeads")
	slaCache = flag.Int("sla.cache", -1, "states the Engine of BenchmarkSLAMillionLeads caches (WithCacheSize); -1 for the default")
)

// BenchmarkSLAMillionLeads measures, for 1M leads with an open accept
// deadline: the time to rebuild the deadline queue from the store, the
// memory the Engine holds per queued lead, and the time to record all 1M
// breaches when the clock passes them. Run with -benchtime=1x. The Engine
// has its default cache of states (-sla.cache to set another): a lead it
// does not hold is read from the store when its breach comes due. On
// shared cores the CPU time of the process (cpu-s/, the garbage
// collector's included) is steadier than the wall time.
func BenchmarkSLAMillionLeads(b *testing.B) {
	n := *slaLeads
	store, mock, p := slaScale(b, n)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		opts := []leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(p)}
		if *slaCache >= 0 {
			opts = append(opts, leadline.WithCacheSize(*slaCache))
		}
		e, err := leadline.New(store, opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0, t0 := cpuTime(), time.Now()
		if _, err := e.Rebuild(ctx); err != nil {
			b.Fatal(err)
		}
		rebuild, rebuildCPU := time.Since(t0), cpuTime()-c0
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(rebuild.Seconds(), "s/rebuild")
		b.ReportMetric(rebuildCPU.Seconds(), "cpu-s/rebuild")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "B/lead")
		mock.Add(time.Hour)
		b.StartTimer()
		c0, t0 = cpuTime(), time.Now()
		got, err := e.Tick(ctx)
		if err != nil {
			b.Fatal(err)
		}
		fire, fireCPU := time.Since(t0), cpuTime()-c0
		if got != n {
			b.Fatalf("recorded %d breach events, want %d", got, n)
		}
		b.ReportMetric(fire.Seconds(), "s/breaches")
		b.ReportMetric(fireCPU.Seconds(), "cpu-s/breaches")
		b.ReportMetric(float64(n)/fire.Seconds(), "breaches/s")
		runtime.KeepAlive(e)
	}
}

// BenchmarkRestartFromCheckpoint compares, for -sla.leads leads handed
// off under a policy with an accept deadline, the two ways a new Engine
// gets ready to enforce: a full Rebuild (every record of the store) and a
// Rebuild from a checkpoint (a file) followed by the 10k events appended
// after it (10k leads accepted), in one run, in wall time and in the CPU
// time of the process (on shared cores the wall time also counts waiting
// for a core). It also reports the checkpoint's size and the time to save
// it and to load it alone. Run with -benchtime=1x.
func BenchmarkRestartFromCheckpoint(b *testing.B) {
	const after = 10_000
	n := *slaLeads
	store, mock, p := slaScale(b, n)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "checkpoint")
	cp := leadline.CheckpointFile{Path: path}
	engine := func(opts ...leadline.Option) *leadline.Engine {
		e, err := leadline.New(store, append([]leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithCacheSize(n)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	// rebuild returns the wall time and the CPU time of e.Rebuild.
	rebuild := func(e *leadline.Engine) (time.Duration, time.Duration) {
		// Collect the Engines before, and give their memory back, so
		// that neither measure pays for another's garbage.
		debug.FreeOSMemory()
		c0, t0 := cpuTime(), time.Now()
		if _, err := e.Rebuild(ctx); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0), cpuTime() - c0
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if i > 0 {
			// Each round starts from the original leads again.
			store, mock, p = slaScale(b, n)
		}
		// The checkpoint of an Engine that has read the store.
		saver := engine(leadline.WithCheckpoints(cp, 0))
		rebuild(saver)
		runtime.GC()
		t0 := time.Now()
		if err := saver.Checkpoint(ctx); err != nil {
			b.Fatal(err)
		}
		save := time.Since(t0)
		saver = nil
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		var logs strings.Builder
		load, _ := rebuild(engine(leadline.WithCheckpoints(cp, 0), leadline.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
		if !strings.Contains(logs.String(), "resuming from a checkpoint") {
			b.Fatalf("the Engine did not resume from the checkpoint:\n%s", logs.String())
		}
		// Events after the checkpoint.
		w, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithCacheSize(0))
		if err != nil {
			b.Fatal(err)
		}
		for i := range after {
			if _, err := w.Execute(ctx, lead.ID(fmt.Sprintf("lead-%07d", i*n/after)), lead.Accept{Actor: "ana"}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		resume, resumeCPU := rebuild(engine(leadline.WithCheckpoints(cp, 0)))
		full, fullCPU := rebuild(engine())
		b.StopTimer()
		b.ReportMetric(full.Seconds(), "s/full-rebuild")
		b.ReportMetric(resume.Seconds(), "s/resume+10k")
		b.ReportMetric(full.Seconds()/resume.Seconds(), "x-faster")
		b.ReportMetric(fullCPU.Seconds(), "cpu-s/full-rebuild")
		b.ReportMetric(resumeCPU.Seconds(), "cpu-s/resume+10k")
		b.ReportMetric(load.Seconds(), "s/load")
		b.ReportMetric(save.Seconds(), "s/save")
		b.ReportMetric(float64(info.Size()), "B/checkpoint")
		b.ReportMetric(float64(info.Size())/float64(n), "B/lead")
		b.StartTimer()
	}
}
