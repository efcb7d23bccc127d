package leadline_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// readLog is a Store that remembers the positions of the records Read
// returned.
type readLog struct {
	eventstore.Store
	mu        sync.Mutex
	positions []uint64
}

func (s *readLog) Read(ctx context.Context, from uint64, limit int) ([]eventstore.Record, error) {
	recs, err := s.Store.Read(ctx, from, limit)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.positions = append(s.positions, r.Position)
	}
	return recs, err
}

// lowest returns the lowest position read, or 0 for none.
func (s *readLog) lowest() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.positions) == 0 {
		return 0
	}
	return slices.Min(s.positions)
}

// logBuffer collects what an Engine logs, for tests that check it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// memCheckpoints keeps a checkpoint in memory.
type memCheckpoints struct {
	mu    sync.Mutex
	data  []byte
	saved chan struct{} // gets a value for every Save, when not nil
}

func (m *memCheckpoints) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.data), nil
}

func (m *memCheckpoints) Save(_ context.Context, data []byte) error {
	m.mu.Lock()
	m.data = slices.Clone(data)
	m.mu.Unlock()
	if m.saved != nil {
		m.saved <- struct{}{}
	}
	return nil
}

func lastPosition(t tb, store eventstore.Store) uint64 {
	t.Helper()
	recs, err := store.Read(context.Background(), 1, 0)
	must(t, err)
	if len(recs) == 0 {
		return 0
	}
	return recs[len(recs)-1].Position
}

// An Engine restarted from a checkpoint reads only the store's records
// after it, and one restarted from a checkpoint it cannot use reads the
// whole store and logs why; either way each due warning and breach step
// is recorded exactly once, and every ladder runs to its end.
func TestRestartFromCheckpointRecordsEachBreachStepOnce(t *testing.T) {
	for _, tt := range []struct {
		name   string
		after  bool                                                    // commands after the checkpoint
		damage func(t *testing.T, path string, store eventstore.Store) // what happens to the saved checkpoint
		reason string                                                  // logged when it is not used; "" when it is
	}{
		{name: "fresh"},
		{name: "stale", after: true},
		{name: "missing", after: true, reason: "none is saved", damage: func(t *testing.T, path string, _ eventstore.Store) {
			must(t, os.Remove(path))
		}},
		{name: "corrupt", after: true, reason: "damaged", damage: func(t *testing.T, path string, _ eventstore.Store) {
			data, err := os.ReadFile(path)
			must(t, err)
			data[len(data)/2] ^= 0x10
			must(t, os.WriteFile(path, data, 0o644))
		}},
		{name: "truncated", reason: "damaged", damage: func(t *testing.T, path string, _ eventstore.Store) {
			data, err := os.ReadFile(path)
			must(t, err)
			must(t, os.WriteFile(path, data[:len(data)-7], 0o644))
		}},
		{name: "newer format", reason: "format 2", damage: func(t *testing.T, path string, _ eventstore.Store) {
			data, err := os.ReadFile(path)
			must(t, err)
			data[4] = 2
			must(t, os.WriteFile(path, data, 0o644))
		}},
		{name: "other policies", after: true, reason: "other SLA policies", damage: func(t *testing.T, path string, store eventstore.Store) {
			v2 := ladderPolicy()
			v2.Version = 2
			other, err := leadline.New(store, leadline.WithPolicy(ladderPolicy()), leadline.WithPolicy(v2), leadline.WithCheckpoints(leadline.CheckpointFile{Path: path}, 0))
			must(t, err)
			_, err = other.Rebuild(context.Background())
			must(t, err)
			must(t, other.Checkpoint(context.Background()))
		}},
		{name: "another store", reason: "another store", damage: func(t *testing.T, path string, _ eventstore.Store) {
			elsewhere := eventstore.NewMemory()
			other, err := leadline.New(elsewhere, leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(t)), leadline.WithCheckpoints(leadline.CheckpointFile{Path: path}, 0))
			must(t, err)
			handedOff(t, other, "ana")
			_, err = other.Rebuild(context.Background())
			must(t, err)
			must(t, other.Checkpoint(context.Background()))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := eventstore.NewMemory()
			mock := clock.NewMock(monday)
			path := filepath.Join(t.TempDir(), "checkpoint")
			opts := []leadline.Option{leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(t)),
				leadline.WithCheckpoints(leadline.CheckpointFile{Path: path}, 0)}
			first, err := leadline.New(store, opts...)
			must(t, err)
			_, err = first.Rebuild(ctx)
			must(t, err)
			var ids []lead.ID
			for i := range 20 {
				if i%2 == 0 {
					ids = append(ids, handedOff(t, first, "ana"))
				} else {
					ids = append(ids, accepted(t, first, "ben"))
				}
			}
			advance(t, first, mock, 5*time.Hour) // warnings only
			_, err = first.Rebuild(ctx)          // catch up with its own commands
			must(t, err)
			must(t, first.Checkpoint(ctx))
			at := lastPosition(t, store)
			if tt.after {
				// The first engine goes on after the checkpoint: new leads,
				// acceptances, and the breaches and warnings of the next hours.
				for i := range 6 {
					if i%2 == 0 {
						ids = append(ids, handedOff(t, first, "ana"))
					} else {
						ids = append(ids, accepted(t, first, "ben"))
					}
				}
				must(t, run(first, ctx, ids[0], lead.Accept{Actor: "ana"}))
				advance(t, first, mock, 4*time.Hour)
			}
			if tt.damage != nil {
				tt.damage(t, path, store)
			}
			before := breachCounts(t, store)

			// The first engine is gone; a new one starts from the
			// checkpoint and the store.
			var logs logBuffer
			reads := &readLog{Store: store}
			second, err := leadline.New(reads, append(opts, leadline.WithLogger(logs.logger()))...)
			must(t, err)
			_, err = second.Rebuild(ctx)
			must(t, err)
			warned := strings.Contains(logs.String(), "level=WARN msg=\"leadline: not resuming from the checkpoint; reading the whole store\"")
			if tt.reason == "" {
				if warned || reads.lowest() < at {
					t.Fatalf("the Engine read from position %d, before the checkpoint's %d; log:\n%s", reads.lowest(), at, logs.String())
				}
			} else {
				if !warned || !strings.Contains(logs.String(), tt.reason) || reads.lowest() != 1 {
					t.Fatalf("the Engine read from position %d and logged:\n%s\nwant a whole read and a warning saying %q", reads.lowest(), logs.String(), tt.reason)
				}
			}
			laddersRunOutOnce(t, second, mock, store, before, ids)
		})
	}
}

// A lead found corrupt before a checkpoint is still corrupt after a
// restart from it, with the cause it had; its fault is not reported again.
func TestCorruptLeadStaysCorruptAcrossCheckpointRestart(t *testing.T) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	cp := &memCheckpoints{}
	var faults faultLog
	first, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()), leadline.WithCheckpoints(cp, 0), leadline.WithFaults(faults.add))
	must(t, err)
	forged, err := first.Capture(ctx, lead.Capture{ID: "forged", Email: "eve@example.com"})
	must(t, err)
	appendRaw(t, store, "forged", 1, lead.Won{Meta: lead.Meta{Lead: forged, Version: 2, At: mock.Now()}, Amount: 1e15})
	_, err = store.Append(ctx, "garbled", 0, eventstore.Record{ID: "g-1", Type: "Touched", Data: []byte(`{not json`)})
	must(t, err)
	good := handedOff(t, first, "ana")
	_, err = first.Rebuild(ctx)
	must(t, err)
	if n := len(faults.byStream()); n != 2 {
		t.Fatalf("the first Engine reported faults on %d streams, want 2", n)
	}
	must(t, first.Checkpoint(ctx))
	var firstErr *leadline.CorruptError
	_, err = first.Lead(ctx, forged)
	if !errors.As(err, &firstErr) {
		t.Fatalf("Lead(forged) on the first Engine = %v", err)
	}
	at := lastPosition(t, store)

	for _, early := range []bool{false, true} {
		t.Run(fmt.Sprintf("command before rebuild %v", early), func(t *testing.T) {
			mock := clock.NewMock(monday)
			var faults2 faultLog
			reads := &readLog{Store: store}
			second, err := leadline.New(reads, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()), leadline.WithCheckpoints(cp, 0), leadline.WithFaults(faults2.add))
			must(t, err)
			if early {
				// The Engine knows a lead before it reads the checkpoint.
				handedOff(t, second, "ben")
			}
			_, err = second.Rebuild(ctx)
			must(t, err)
			if reads.lowest() < at {
				t.Fatalf("the Engine read from position %d; the checkpoint covers up to %d", reads.lowest(), at)
			}
			var ce *leadline.CorruptError
			if _, err := second.Lead(ctx, forged); !errors.As(err, &ce) || ce.Error() != firstErr.Error() || ce.Position != firstErr.Position || !errors.Is(err, lead.ErrCorrupt) {
				t.Fatalf("Lead(forged) = %v; want %v, matching lead.ErrCorrupt", err, firstErr)
			}
			if _, err := second.Lead(ctx, "garbled"); !errors.Is(err, leadline.ErrCorrupt) || !errors.Is(err, lead.ErrMalformed) {
				t.Fatalf("Lead(garbled) = %v; want ErrCorrupt for a malformed record", err)
			}
			if _, err := second.Execute(ctx, forged, lead.Touch{Channel: lead.ChannelEmail}); !errors.Is(err, leadline.ErrCorrupt) {
				t.Fatalf("Execute on the forged lead = %v; want ErrCorrupt", err)
			}
			if f := faults2.byStream(); len(f) != 0 {
				t.Fatalf("faults reported again after the restart: %v", f)
			}
			// The good lead's clock still runs.
			advance(t, second, mock, 3*time.Hour)
			if st := stage(t, second, good); st != lead.StageNurturing {
				t.Fatalf("the good lead is %s after its accept ladder, want Nurturing", st)
			}
		})
	}
}

// Run saves a checkpoint when it stops, and one every period of real time.
func TestRunSavesCheckpointsPeriodicallyAndWhenItStops(t *testing.T) {
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	cp := &memCheckpoints{saved: make(chan struct{}, 16)}
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()), leadline.WithCheckpoints(cp, time.Millisecond))
	must(t, err)
	id := handedOff(t, e, "ana")
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- e.Run(ctx) }()
	for range 2 {
		<-cp.saved
	}
	cancel()
	if err := <-ran; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	for len(cp.saved) > 1 {
		<-cp.saved
	}
	// The checkpoint saved at the stop resumes an Engine that knows the
	// lead's accept deadline without reading the store's records.
	reads := &readLog{Store: store}
	second, err := leadline.New(reads, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()), leadline.WithCheckpoints(cp, 0))
	must(t, err)
	_, err = second.Rebuild(context.Background())
	must(t, err)
	if reads.lowest() < lastPosition(t, store) {
		t.Fatalf("the Engine read from position %d; the checkpoint covers the whole store", reads.lowest())
	}
	advance(t, second, mock, 3*time.Hour)
	if st := stage(t, second, id); st != lead.StageNurturing {
		t.Fatalf("the lead is %s after its accept ladder, want Nurturing", st)
	}
}

func TestCheckpointRefusesAnEngineWithoutAView(t *testing.T) {
	e, _, _ := newEngine(t, leadline.WithCheckpoints(&memCheckpoints{}, 0))
	if err := e.Checkpoint(context.Background()); !errors.Is(err, leadline.ErrNotRebuilt) {
		t.Fatalf("Checkpoint before Rebuild = %v; want ErrNotRebuilt", err)
	}
	plain, _, _ := newEngine(t)
	if err := plain.Checkpoint(context.Background()); !errors.Is(err, leadline.ErrInvalidOption) {
		t.Fatalf("Checkpoint without WithCheckpoints = %v; want ErrInvalidOption", err)
	}
	for _, o := range []leadline.Option{leadline.WithCheckpoints(nil, 0), leadline.WithCheckpoints(&memCheckpoints{}, -time.Second)} {
		if _, err := leadline.New(eventstore.NewMemory(), o); !errors.Is(err, leadline.ErrInvalidOption) {
			t.Fatalf("New = %v; want ErrInvalidOption", err)
		}
	}
}

// A policy change of any kind, a changed rules selector included, makes
// the checkpoint unusable; the same policies given in another way do not.
func TestCheckpointIsUsedOnlyUnderItsPolicies(t *testing.T) {
	base := ladderPolicy()
	v2 := ladderPolicy()
	v2.Version = 2
	longer := ladderPolicy()
	longer.Accept.Within = 9 * time.Hour
	enterprise := ladderPolicy()
	enterprise.Name = "enterprise"
	set := func(sel sla.Selector, ps ...sla.Policy) leadline.Option {
		s, err := sla.NewSet(sel, ps...)
		must(t, err)
		return leadline.WithPolicies(s)
	}
	rules := func(source string) sla.Rules { return sla.Rules{{Segment: "enterprise", Source: source}} }
	for _, tt := range []struct {
		name        string
		wrote, read []leadline.Option
		used        bool
	}{
		{"same policy", []leadline.Option{leadline.WithPolicy(base)}, []leadline.Option{set(nil, base)}, true},
		{"same rules", []leadline.Option{set(rules("ads"), base, enterprise)}, []leadline.Option{set(rules("ads"), base, enterprise)}, true},
		{"a changed duration", []leadline.Option{leadline.WithPolicy(base)}, []leadline.Option{leadline.WithPolicy(longer)}, false},
		{"a new version", []leadline.Option{leadline.WithPolicy(base)}, []leadline.Option{leadline.WithPolicy(base), leadline.WithPolicy(v2)}, false},
		{"another current version", []leadline.Option{set(nil, base, v2)}, []leadline.Option{set(nil, v2, base)}, false},
		{"changed rules", []leadline.Option{set(rules("ads"), base, enterprise)}, []leadline.Option{set(rules("web"), base, enterprise)}, false},
		{"no policy", []leadline.Option{leadline.WithPolicy(base)}, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := eventstore.NewMemory()
			cp := &memCheckpoints{}
			w, err := leadline.New(store, append(tt.wrote, leadline.WithCheckpoints(cp, 0))...)
			must(t, err)
			handedOff(t, w, "ana")
			_, err = w.Rebuild(ctx)
			must(t, err)
			must(t, w.Checkpoint(ctx))
			var logs logBuffer
			r, err := leadline.New(store, append(tt.read, leadline.WithCheckpoints(cp, 0), leadline.WithLogger(logs.logger()))...)
			must(t, err)
			_, err = r.Rebuild(ctx)
			must(t, err)
			if used := !strings.Contains(logs.String(), "other SLA policies"); used != tt.used {
				t.Fatalf("checkpoint used = %v, want %v; log:\n%s", used, tt.used, logs.String())
			}
		})
	}
}

func TestCheckpointFileReplacesTheSavedCheckpointWhole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := leadline.CheckpointFile{Path: filepath.Join(dir, "cp")}
	if data, err := f.Load(ctx); data != nil || err != nil {
		t.Fatalf("Load of a missing file = %q, %v; want nil, nil", data, err)
	}
	for _, want := range []string{"first checkpoint", "second"} {
		must(t, f.Save(ctx, []byte(want)))
		if got, err := f.Load(ctx); string(got) != want || err != nil {
			t.Fatalf("Load = %q, %v; want %q", got, err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the directory holds %d files after two saves, want only the checkpoint", len(entries))
	}
	bad := leadline.CheckpointFile{Path: filepath.Join(dir, "missing-dir", "cp")}
	if err := bad.Save(ctx, []byte("x")); err == nil {
		t.Fatal("Save into a missing directory succeeded")
	}
	if err := (leadline.CheckpointFile{}).Save(ctx, []byte("x")); err == nil {
		t.Fatal("Save without a Path succeeded")
	}
}

// For random lifecycles of several leads, with checkpoints, restarts from
// them (some of them damaged or lost) and clock advances in between,
// every warning and breach step is recorded at most once, only once due,
// and nothing due is left unrecorded at the end.
func TestCheckpointRestartsRecordEachDueStepExactlyOnce(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		p := ladderPolicy()
		store := eventstore.NewMemory()
		mock := clock.NewMock(monday)
		cp := &memCheckpoints{}
		var ids []lead.ID
		// command runs cmd on lead id, with the reps the directory knows.
		command := func(e *leadline.Engine, id lead.ID, cmd lead.Command) {
			switch cmd.(type) {
			case lead.Capture:
				return
			case lead.HandOff:
				cmd = lead.HandOff{Rep: "ana"}
			case lead.Reassign:
				cmd = lead.Reassign{To: "ben"}
			}
			_, _ = e.Execute(ctx, id, cmd)
		}
		start := func() *leadline.Engine {
			e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithRouter(directory(rt)),
				leadline.WithCheckpoints(cp, 0), leadline.WithCacheSize(rapid.SampledFrom([]int{0, 2, 64}).Draw(rt, "cache")))
			if err != nil {
				rt.Fatal(err)
			}
			// A command before the first Rebuild: the checkpoint joins
			// what the Engine has learnt of the lead already.
			if len(ids) > 0 && rapid.Bool().Draw(rt, "early") {
				id := rapid.SampledFrom(ids).Draw(rt, "early lead")
				s, _ := e.Lead(ctx, id)
				command(e, id, anyCommand(rt, s, id, 0))
			}
			if _, err := e.Rebuild(ctx); err != nil {
				rt.Fatal(err)
			}
			return e
		}
		e := start()
		for i := range rapid.IntRange(1, 60).Draw(rt, "steps") {
			switch rapid.IntRange(0, 5).Draw(rt, "action") {
			case 0:
				ids = append(ids, lead.ID(fmt.Sprintf("l%d", i)))
				_, _ = e.Execute(ctx, ids[len(ids)-1], lead.Capture{ID: ids[len(ids)-1], Email: "lead@example.com"})
			case 1:
				if len(ids) == 0 {
					continue
				}
				id := rapid.SampledFrom(ids).Draw(rt, "lead")
				s, _ := e.Lead(ctx, id)
				command(e, id, anyCommand(rt, s, id, i))
			case 2:
				mock.Add(time.Duration(rapid.IntRange(0, 36*60).Draw(rt, "minutes")) * time.Minute)
				if _, err := e.Tick(ctx); err != nil {
					rt.Fatal(err)
				}
			case 3:
				if _, err := e.Rebuild(ctx); err != nil {
					rt.Fatal(err)
				}
				if err := e.Checkpoint(ctx); err != nil {
					rt.Fatal(err)
				}
			case 4:
				switch rapid.IntRange(0, 3).Draw(rt, "checkpoint") {
				case 1:
					cp.data = nil
				case 2:
					if len(cp.data) > 0 {
						cp.data[rapid.IntRange(0, len(cp.data)-1).Draw(rt, "byte")] ^= 0xff
					}
				}
				e = start()
			}
		}
		for range 20 {
			mock.Add(12 * time.Hour)
			if _, err := e.Tick(ctx); err != nil {
				rt.Fatal(err)
			}
		}
		for _, id := range ids {
			hist, err := e.History(ctx, id)
			if err != nil {
				rt.Fatal(err)
			}
			seen := map[string]bool{}
			var s lead.State
			for _, ev := range hist {
				key := ""
				switch ev := ev.(type) {
				case lead.DeadlineBreached:
					key = fmt.Sprintf("%s/%d", ev.Deadline, ev.Step)
					if due := dueAt(p, s, ev.Deadline, ev.Step); due.IsZero() || due.After(ev.At) {
						rt.Fatalf("%s %s recorded at %v, but due at %v", id, key, ev.At, due)
					}
				case lead.DeadlineWarned:
					key = fmt.Sprintf("%s/w%v", ev.Deadline, ev.Fraction)
				}
				if key != "" && seen[key] {
					rt.Fatalf("%s %s recorded twice", id, key)
				}
				seen[key] = true
				s = lead.Evolve(s, ev)
			}
			if due, _ := p.Plan(s, mock.Now()); len(due) > 0 {
				rt.Fatalf("lead %s has %d SLA commands due and unrecorded, first %+v", id, len(due), due[0])
			}
		}
	})
}

// Whatever bytes a checkpoint holds (with a checksum that matches them),
// an Engine resumes from it or reads the whole store instead, and then
// ticks, without panicking.
func FuzzRestartFromAnyCheckpoint(f *testing.F) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	cp := &memCheckpoints{}
	opts := []leadline.Option{leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(f))}
	e, err := leadline.New(store, append(opts, leadline.WithClock(mock), leadline.WithCheckpoints(cp, 0))...)
	must(f, err)
	handedOff(f, e, "ana")
	accepted(f, e, "ben")
	forged, err := e.Capture(ctx, lead.Capture{ID: "forged", Email: "eve@example.com"})
	must(f, err)
	var recs []eventstore.Record
	data, err := lead.Encode(lead.Won{Meta: lead.Meta{Lead: forged, Version: 2, At: monday}})
	must(f, err)
	recs = append(recs, eventstore.Record{ID: "forged-2", Type: "Won", Data: data})
	_, err = store.Append(ctx, "forged", 1, recs...)
	must(f, err)
	_, err = store.Append(ctx, "garbled", 0, eventstore.Record{ID: "g-1", Type: "Touched", Data: []byte(`{not json`)})
	must(f, err)
	_, err = e.Rebuild(ctx)
	must(f, err)
	must(f, e.Checkpoint(ctx))
	f.Add(cp.data[:len(cp.data)-4])
	f.Add([]byte("LLCK\x01"))
	f.Fuzz(func(t *testing.T, body []byte) {
		data := binary.BigEndian.AppendUint32(slices.Clone(body), crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
		e, err := leadline.New(store, append(opts, leadline.WithClock(clock.NewMock(monday)), leadline.WithCheckpoints(&memCheckpoints{data: data}, 0))...)
		must(t, err)
		if _, err := e.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		// Nothing is due at the time the store was written: a Tick finds
		// nothing to record, whatever the checkpoint said.
		if n, err := e.Tick(ctx); n != 0 || err != nil {
			t.Fatalf("Tick = %d, %v", n, err)
		}
	})
}
