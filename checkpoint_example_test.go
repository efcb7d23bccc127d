package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// An Engine saves its deadline schedule to a file; the Engine of the next
// start resumes from it and reads only what the store got since, yet
// records the breach that comes due exactly once. A service passes the
// same option and calls Run, which saves every period and when it stops.
func ExampleWithCheckpoints() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "leadline-example-")
	defer os.RemoveAll(dir)
	store := eventstore.NewMemory()
	mock := clock.NewMock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	policy := sla.Policy{Version: 1, Accept: sla.Rule{Within: time.Hour}}
	opts := []leadline.Option{
		leadline.WithClock(mock),
		leadline.WithPolicy(policy),
		leadline.WithCheckpoints(leadline.CheckpointFile{Path: filepath.Join(dir, "checkpoint")}, time.Minute),
	}

	first, _ := leadline.New(store, opts...)
	_, _ = first.Rebuild(ctx)
	id, _ := first.Capture(ctx, lead.Capture{Email: "ada@example.com"})
	_, _ = first.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore})
	_, _ = first.Execute(ctx, id, lead.HandOff{Rep: "ana"})
	_, _ = first.Rebuild(ctx) // catch up with its own commands
	if err := first.Checkpoint(ctx); err != nil {
		fmt.Println(err)
	}

	// A restart: the new Engine knows the accept deadline from the checkpoint.
	second, _ := leadline.New(store, opts...)
	at, _ := second.Rebuild(ctx)
	mock.Add(time.Hour)
	n, _ := second.Tick(ctx)
	n2, _ := second.Tick(ctx)
	fmt.Println("resumed at position", at, "recorded", n, "then", n2)
	// Output:
	// resumed at position 3 recorded 1 then 0
}

// Checkpoint saves only once the Engine has read the store (Run or
// Rebuild): before, its schedule would miss the leads it never saw.
func ExampleEngine_Checkpoint() {
	ctx := context.Background()
	cp := &memCheckpoints{}
	engine, _ := leadline.New(eventstore.NewMemory(), leadline.WithCheckpoints(cp, 0))
	fmt.Println(errors.Is(engine.Checkpoint(ctx), leadline.ErrNotRebuilt))
	_, _ = engine.Rebuild(ctx)
	fmt.Println(engine.Checkpoint(ctx), len(cp.data) > 0)
	// Output:
	// true
	// <nil> true
}

// A CheckpointFile replaces its file whole on every Save; Load of a file
// that does not exist is no checkpoint, not an error.
func ExampleCheckpointFile() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "leadline-example-")
	defer os.RemoveAll(dir)
	f := leadline.CheckpointFile{Path: filepath.Join(dir, "engine.checkpoint")}
	data, err := f.Load(ctx)
	fmt.Println(data == nil, err)
	_ = f.Save(ctx, []byte("LLCK..."))
	data, _ = f.Load(ctx)
	fmt.Println(string(data))
	// Output:
	// true <nil>
	// LLCK...
}
