package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// retryFigures are what TestRetriedCommandsAreRecordedOnce saw over all
// its runs; go test -v -run RetriedCommands prints them.
var retryFigures struct {
	commands, before, after, retries, duplicates, found atomic.Int64
}

// A caller retries every command, with its command ID, after every error
// matching eventstore.ErrUnknownOutcome, and sometimes sends a command
// again after it succeeded; the store fails before storing or after
// (the acknowledgement lost). Each command is in the history exactly
// once, the history is a legal path, a retry returns what the first
// success returned, and replaying the history gives the Engine's state.
func TestRetriedCommandsAreRecordedOnce(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		store := &faulty{Store: eventstore.NewMemory()}
		store.plan = func() fault {
			return fault(rapid.IntRange(0, 5).Draw(rt, "fault") % 3) // a third before, a third after
		}
		mock := clock.NewMock(monday)
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()),
			leadline.WithRouter(directory(rt)), leadline.WithBackoff(time.Microsecond, time.Microsecond),
			leadline.WithCacheSize(rapid.SampledFrom([]int{0, 1, 64}).Draw(rt, "cache")))
		if err != nil {
			rt.Fatal(err)
		}
		// retry sends op until its error is not an unknown outcome.
		retry := func(op func() error) error {
			for attempt := 0; ; attempt++ {
				err := op()
				if !errors.Is(err, eventstore.ErrUnknownOutcome) {
					return err
				}
				if attempt > 50 {
					rt.Fatalf("still failing after %d retries: %v", attempt, err)
				}
				retryFigures.retries.Add(1)
			}
		}

		var id lead.ID
		capture := func() error {
			got, err := e.Capture(ctx, lead.Capture{Email: "ada@example.com"}, leadline.CommandID("capture"))
			if err == nil && id != "" && got != id {
				rt.Fatalf("retried Capture made lead %s; the first made %s", got, id)
			}
			id = got
			return err
		}
		if err := retry(capture); err != nil {
			rt.Fatal(err)
		}
		must(rt, retry(capture)) // a duplicate after success finds the same lead

		type done struct {
			cmd    lead.Command
			events []lead.Event
		}
		applied := map[string]done{"capture": {}}
		var order []string // identified commands applied, oldest first
		var model lead.State
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for i := range steps {
			mock.Add(time.Duration(rapid.IntRange(0, 6*60).Draw(rt, "minutes")) * time.Minute)
			if rapid.IntRange(0, 4).Draw(rt, "tick") == 0 {
				_, _ = e.Tick(ctx) // a failed lead is retried by a later Tick
			}
			if len(order) > 0 && rapid.IntRange(0, 3).Draw(rt, "duplicate") == 0 {
				// Send again a command that succeeded, within the last
				// lead.MaxRemembered identified commands.
				k := len(order) - 1 - rapid.IntRange(0, min(len(order), lead.MaxRemembered)-1).Draw(rt, "back")
				cid := order[k]
				var events []lead.Event
				err := retry(func() (err error) {
					events, err = e.Execute(ctx, id, applied[cid].cmd, leadline.CommandID(cid))
					return err
				})
				if err != nil {
					rt.Fatalf("duplicate of %s (%s): %v", cid, applied[cid].cmd.Name(), err)
				}
				if !reflect.DeepEqual(events, applied[cid].events) {
					rt.Fatalf("duplicate of %s returned\n%v\nthe first time\n%v", cid, events, applied[cid].events)
				}
				retryFigures.duplicates.Add(1)
				continue
			}
			if s, err := e.Lead(ctx, id); err == nil {
				model = s
			} else if !errors.Is(err, eventstore.ErrUnknownOutcome) {
				rt.Fatal(err)
			}
			cmd := anyCommand(rt, model, id, i)
			if _, ok := cmd.(lead.Capture); ok {
				continue
			}
			cid := fmt.Sprintf("req-%d", i)
			var events []lead.Event
			err := retry(func() (err error) { events, err = e.Execute(ctx, id, cmd, leadline.CommandID(cid)); return err })
			retryFigures.commands.Add(1)
			switch {
			case err == nil && len(events) > 0:
				applied[cid] = done{cmd, events}
				order = append(order, cid)
			case err == nil:
			case errors.Is(err, lead.ErrInvalid), errors.Is(err, lead.ErrTransition), errors.Is(err, sla.ErrNoRep):
			default:
				rt.Fatalf("command %s (%s): %v", cid, cmd.Name(), err)
			}
		}

		store.plan = nil
		history, err := e.History(ctx, id) // checked: a legal path
		if err != nil {
			rt.Fatal(err)
		}
		for _, ev := range history {
			m := ev.Base()
			d, ok := applied[m.Command]
			if m.Command == "" || !ok || m.Command == "capture" {
				continue
			}
			first := d.events[0].Base().Version
			if m.Version < first || m.Version >= first+uint64(len(d.events)) {
				retryFigures.found.Add(1)
				rt.Fatalf("command %s (%s) has a second copy at version %d; its events are versions %d..%d",
					m.Command, d.cmd.Name(), m.Version, first, first+uint64(len(d.events))-1)
			}
		}
		var replayed lead.State
		for _, ev := range history {
			replayed = lead.Evolve(replayed, ev)
		}
		got, err := e.Lead(ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		if !reflect.DeepEqual(replayed, got) {
			rt.Fatalf("replayed\n%+v\nengine\n%+v", replayed, got)
		}
		requireOnce(rt, breachCounts(rt, store.Store), 0)
		retryFigures.before.Add(store.before.Load())
		retryFigures.after.Add(store.after.Load())
	})
	f := &retryFigures
	t.Logf("commands %d, faults injected %d before storing and %d after, retries %d, duplicates sent %d, second copies found %d",
		f.commands.Load(), f.before.Load(), f.after.Load(), f.retries.Load(), f.duplicates.Load(), f.found.Load())
}

// Warnings and breach steps are the SLA's: Execute refuses them, appends
// nothing, and the steps Tick records, with their actions, are the same
// whatever a caller sent.
func TestCallerSLACommandsChangeNoStep(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		type move struct {
			wait  time.Duration
			forge lead.Command // nil for none
		}
		var plan []move
		for range rapid.IntRange(1, 16).Draw(rt, "moves") {
			m := move{wait: time.Duration(rapid.IntRange(0, 4*60).Draw(rt, "minutes")) * time.Minute}
			if rapid.Bool().Draw(rt, "forge") {
				kind := rapid.SampledFrom([]lead.DeadlineKind{lead.KindAccept, lead.KindFirstTouch, lead.KindQualify}).Draw(rt, "kind")
				dl := lead.DeadlineID{Kind: kind, Since: uint64(rapid.IntRange(1, 6).Draw(rt, "since"))}
				m.forge = lead.Warn{Deadline: dl, Fraction: rapid.SampledFrom([]float64{0.5, 0.9}).Draw(rt, "fraction")}
				if rapid.Bool().Draw(rt, "breach") {
					m.forge = lead.Breach{Deadline: dl, Step: rapid.IntRange(0, 2).Draw(rt, "step"),
						Action: rapid.SampledFrom([]lead.Action{lead.ActionNotify, lead.ActionReturn, lead.ActionEscalate}).Draw(rt, "action")}
				}
			}
			plan = append(plan, m)
		}
		accept := rapid.Bool().Draw(rt, "accept")
		run := func(forge bool) []string {
			ctx := context.Background()
			mock := clock.NewMock(monday)
			store := eventstore.NewMemory()
			e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()), leadline.WithRouter(directory(rt)))
			if err != nil {
				rt.Fatal(err)
			}
			id, err := e.Capture(ctx, lead.Capture{ID: "lead-1", Email: "ada@example.com"})
			must(rt, err)
			must(rt, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
			must(rt, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
			if accept {
				must(rt, run(e, ctx, id, lead.Accept{}))
			}
			for _, m := range plan {
				mock.Add(m.wait)
				if forge && m.forge != nil {
					before, err := e.Lead(ctx, id)
					must(rt, err)
					if c, ok := m.forge.(lead.Breach); ok {
						c.Due = mock.Now()
						m.forge = c
					}
					if _, err := e.Execute(ctx, id, m.forge); !errors.Is(err, leadline.ErrSLACommand) {
						rt.Fatalf("Execute(%+v) = %v; want ErrSLACommand", m.forge, err)
					}
					if after, _ := e.Lead(ctx, id); after.Version != before.Version {
						rt.Fatalf("a refused %s appended %d events", m.forge.Name(), after.Version-before.Version)
					}
				}
				if _, err := e.Tick(ctx); err != nil {
					rt.Fatal(err)
				}
			}
			history, err := e.History(ctx, id)
			must(rt, err)
			var steps []string
			for _, ev := range history {
				switch ev := ev.(type) {
				case lead.DeadlineWarned:
					steps = append(steps, fmt.Sprintf("v%d %s warn %v at %s", ev.Version, ev.Deadline, ev.Fraction, ev.At))
				case lead.DeadlineBreached:
					steps = append(steps, fmt.Sprintf("v%d %s step %d %s at %s", ev.Version, ev.Deadline, ev.Step, ev.Action, ev.At))
				}
			}
			return steps
		}
		clean, forged := run(false), run(true)
		if !reflect.DeepEqual(clean, forged) {
			rt.Fatalf("SLA steps without forged commands\n%v\nwith them\n%v", clean, forged)
		}
	})
}
