package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadline/leadline/eventstore"
)

var contextTests = []subtest{
	{"AppendWithCancelledContextFailsAndWritesNothing", testCancelledAppend},
	{"LoadWithCancelledContextFails", testCancelledLoad},
	{"ReadWithCancelledContextFails", testCancelledRead},
	{"SubscribeWithCancelledContextReturnsPromptly", testCancelledSubscribe},
}

func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func testCancelledAppend(t *testing.T, s eventstore.Store) {
	if v, err := s.Append(cancelled(t), "lead-1", 0, rec("Captured", "x")); err == nil {
		t.Fatalf("Append with a cancelled context returned (%d, nil), want an error", v)
	}
	checkEmpty(t, s, "after an append with a cancelled context")
}

func testCancelledLoad(t *testing.T, s eventstore.Store) {
	mustAppend(t, s, "lead-1", 0, rec("Captured", "x"))
	if rs, err := s.Load(cancelled(t), "lead-1", 0); err == nil {
		t.Fatalf("Load with a cancelled context returned (%d records, nil), want an error", len(rs))
	}
}

func testCancelledRead(t *testing.T, s eventstore.Store) {
	mustAppend(t, s, "lead-1", 0, rec("Captured", "x"))
	if rs, err := s.Read(cancelled(t), 0, 0); err == nil {
		t.Fatalf("Read with a cancelled context returned (%d records, nil), want an error", len(rs))
	}
}

func testCancelledSubscribe(t *testing.T, s eventstore.Store) {
	mustAppend(t, s, "lead-1", 0, rec("Captured", "x"))
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(cancelled(t), 0, func(eventstore.Record) error { return nil }) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Subscribe with a cancelled context returned %v, want ctx.Err() (context.Canceled)", err)
		}
	case <-time.After(promptLimit):
		t.Fatalf("Subscribe with a cancelled context did not return within %s", promptLimit)
	}
}
