package natsjs_test

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
)

// Streams written before the stream and type moved out of the headers
// (they are in the subject) keep working: their records load with their
// versions, appends go on after them, and an old-format message whose
// headers disagree with its subject stays foreign.
func TestRecordsInTheOlderHeaderFormatStillReadAndAppendsGoOn(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	s := newStore(t, js)
	old := func(stream, typ, version, id, data string) {
		t.Helper()
		m := nats.NewMsg(s.Subject(stream, typ))
		m.Header.Set(nats.MsgIdHdr, id)
		m.Header.Set(natsjs.HeaderStream, stream)
		m.Header.Set(natsjs.HeaderVersion, version)
		m.Header.Set(natsjs.HeaderType, typ)
		m.Data = []byte(data)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	old("lead-1", "Captured", "1", "old-1", `{"n":1}`)
	old("lead-1", "Touched", "2", "old-2", `{"n":2}`)
	// Headers naming another lead and type than the subject does.
	old("lead-2", "Captured", "1", "old-3", `{"n":3}`)
	m := nats.NewMsg(s.Subject("lead-2", "Captured"))
	m.Header.Set(nats.MsgIdHdr, "mismatch")
	m.Header.Set(natsjs.HeaderStream, "lead-9")
	m.Header.Set(natsjs.HeaderVersion, "2")
	m.Header.Set(natsjs.HeaderType, "Captured")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	m = nats.NewMsg(s.Subject("lead-2", "Captured"))
	m.Header.Set(nats.MsgIdHdr, "mismatch-type")
	m.Header.Set(natsjs.HeaderVersion, "2")
	m.Header.Set(natsjs.HeaderType, "Touched")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}

	recs, err := s.Load(ctx, "lead-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != "old-1" || recs[0].Version != 1 || recs[0].Type != "Captured" ||
		recs[1].ID != "old-2" || recs[1].Version != 2 || recs[1].Stream != "lead-1" || string(recs[1].Data) != `{"n":2}` {
		t.Fatalf("Load of an old-format lead = %+v", recs)
	}
	next := newRec("Touched", `{"n":4}`)
	if v, err := s.Append(ctx, "lead-1", 2, next); err != nil || v != 3 {
		t.Fatalf("Append after old-format records = (%d, %v), want (3, nil)", v, err)
	}
	var conflict *eventstore.ConflictError
	if _, err := s.Append(ctx, "lead-1", 1, newRec("Touched", "{}")); !errors.As(err, &conflict) || conflict.Actual != 3 {
		t.Fatalf("stale Append on an old-format lead = %v, want a conflict at version 3", err)
	}
	// A retry of an old-format record's ID is recognised.
	if v, err := s.Append(ctx, "lead-1", 1, eventstore.Record{ID: "old-2", Type: "Touched", Data: []byte(`{"n":2}`)}); err != nil || v != 2 {
		t.Fatalf("retry of an old-format record = (%d, %v), want (2, nil)", v, err)
	}

	mixed, err := s.Load(ctx, "lead-1", 0)
	if err != nil || len(mixed) != 3 || mixed[2].ID != next.ID || mixed[2].Version != 3 {
		t.Fatalf("Load of old and new records = (%+v, %v)", mixed, err)
	}
	other, err := s.Load(ctx, "lead-2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 3 || other[0].Version != 1 || other[1].Version != 0 || other[2].Version != 0 {
		t.Fatalf("old-format messages whose headers disagree with the subject read as %+v, want versions 1, 0, 0", other)
	}
	if v, err := s.Append(ctx, "lead-2", 1, newRec("Touched", "{}")); err != nil || v != 2 {
		t.Fatalf("Append after foreign old-format messages = (%d, %v), want (2, nil)", v, err)
	}
}
