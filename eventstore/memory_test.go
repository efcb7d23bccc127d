package eventstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) eventstore.Store { return eventstore.NewMemory() })
}

func TestMemoryVersionFollowsAppendsOfItsStreamOnly(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	if v := m.Version("lead-1"); v != 0 {
		t.Fatalf("Version of a missing stream = %d, want 0", v)
	}
	if _, err := m.Append(ctx, "lead-1", 0, rec("a"), rec("b")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Append(ctx, "lead-2", 0, rec("c")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Append(ctx, "lead-1", 1, rec("d")); !errors.Is(err, eventstore.ErrConflict) {
		t.Fatalf("stale append returned %v, want ErrConflict", err)
	}
	if v := m.Version("lead-1"); v != 2 {
		t.Fatalf("Version(lead-1) = %d, want 2", v)
	}
	if v := m.Version("lead-2"); v != 1 {
		t.Fatalf("Version(lead-2) = %d, want 1", v)
	}
}

func TestMemoryRefusesRecordIDUsedInAnotherStream(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	if _, err := m.Append(ctx, "lead-1", 0, rec("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Append(ctx, "lead-2", 0, rec("a")); !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("append of an ID that lead-1 holds to lead-2 returned %v, want ErrInvalid", err)
	}
	if v := m.Version("lead-2"); v != 0 {
		t.Fatalf("Version(lead-2) = %d after a refused append, want 0", v)
	}
}

func TestMemoryRefusesDuplicateIDsInOneAppend(t *testing.T) {
	ctx := context.Background()
	m := eventstore.NewMemory()
	if _, err := m.Append(ctx, "lead-1", 0, rec("a")); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]eventstore.Record{
		{rec("b"), rec("b")},
		{rec("c"), rec("a")},
	} {
		if _, err := m.Append(ctx, "lead-1", 1, batch...); !errors.Is(err, eventstore.ErrInvalid) {
			t.Fatalf("append of IDs %q, %q returned %v, want ErrInvalid", batch[0].ID, batch[1].ID, err)
		}
	}
	if v := m.Version("lead-1"); v != 1 {
		t.Fatalf("Version(lead-1) = %d after refused appends, want 1", v)
	}
}

func rec(id string) eventstore.Record {
	return eventstore.Record{ID: id, Type: "Test", Data: []byte(id)}
}
