package leadline_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// keepingStore is a store that keeps the records it is given as they are,
// Data and ID included, as a store may: the bytes a caller hands it must
// stay what they were.
type keepingStore struct {
	*eventstore.Memory
	mu   sync.Mutex
	kept []eventstore.Record
}

func (s *keepingStore) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	v, err := s.Memory.Append(ctx, stream, expected, recs...)
	if err == nil {
		s.mu.Lock()
		for _, r := range recs {
			r.Stream = stream
			s.kept = append(s.kept, r)
		}
		s.mu.Unlock()
	}
	return v, err
}

// The Engine encodes into reused buffers only for the memory store, which
// copies what it keeps: a store that keeps the records it is given finds
// each one as it was appended, after many more commands.
func TestRecordsGivenToAStoreStayAsTheyWereAppended(t *testing.T) {
	ctx := context.Background()
	store := &keepingStore{Memory: eventstore.NewMemory()}
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := e.Capture(ctx, lead.Capture{Email: fmt.Sprintf("lead%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range store.kept {
		stored, err := store.Memory.Load(ctx, r.Stream, 1)
		if err != nil || len(stored) == 0 {
			t.Fatalf("Load(%s) = %d records, %v", r.Stream, len(stored), err)
		}
		if stored[0].ID != r.ID || !bytes.Equal(stored[0].Data, r.Data) {
			t.Fatalf("the record given for %s changed after it was appended:\nkept   %s %s\nstored %s %s", r.Stream, r.ID, r.Data, stored[0].ID, stored[0].Data)
		}
	}
}

// On the memory store, where the Engine reuses its encode buffers, commands
// on many leads (more than the Engine's lock stripes, so that leads share
// buffers) each leave their own events.
func TestCommandsOnLeadsSharingBuffersKeepTheirOwnEvents(t *testing.T) {
	ctx := context.Background()
	e, _, _ := newEngine(t)
	ids := make([]lead.ID, 600)
	for i := range ids {
		id, err := e.Capture(ctx, lead.Capture{Email: fmt.Sprintf("lead%d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	for i, id := range ids {
		if _, err := e.Execute(ctx, id, lead.Score{Fit: i % 50, Intent: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		history, err := e.History(ctx, id)
		if err != nil || len(history) != 2 {
			t.Fatalf("History(%s) = %d events, %v; want 2", id, len(history), err)
		}
		c, ok := history[0].(lead.Captured)
		s, ok2 := history[1].(lead.Scored)
		if !ok || !ok2 || c.Email != fmt.Sprintf("lead%d@example.com", i) || s.Fit != i%50 || c.Lead != id || s.Lead != id {
			t.Fatalf("History(%s) = %+v, want the Capture and Score of lead %d", id, history, i)
		}
	}
}
