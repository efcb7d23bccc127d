package natsjs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
)

// collect subscribes to s from position 1 until it has n records.
func collect(t *testing.T, s *natsjs.Store, n int) []eventstore.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
	defer cancel()
	var got []eventstore.Record
	done := errors.New("done")
	err := s.Subscribe(ctx, 0, func(r eventstore.Record) error {
		got = append(got, r)
		if len(got) == n {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("Subscribe after %d of %d records: %v", len(got), n, err)
	}
	return got
}

func TestForeignMessagesAreDeliveredAsRecordsAndEndNoRead(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	s := newStore(t, js)
	good := newRec("Captured", `{"n":1}`)
	mustAppend := func(stream string, expected uint64, r eventstore.Record) {
		t.Helper()
		if v, err := s.Append(ctx, stream, expected, r); err != nil || v != expected+1 {
			t.Fatalf("Append(%s, %d): (%d, %v)", stream, expected, v, err)
		}
	}
	mustAppend("lead-1", 0, good)

	// Another application's telemetry, without headers, on a subject the
	// stream captures.
	ping := s.Subject("telemetry", "Ping")
	if _, err := js.Publish(ctx, ping, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	// A forged message on the lead's own subjects: a version that does
	// not parse.
	forged := nats.NewMsg(s.Subject("lead-1", "Touched"))
	forged.Header.Set(natsjs.HeaderVersion, "two")
	forged.Header.Set(natsjs.HeaderStream, "lead-1")
	forged.Header.Set(natsjs.HeaderType, "Touched")
	forged.Data = []byte(`{"forged":true}`)
	if _, err := js.PublishMsg(ctx, forged); err != nil {
		t.Fatal(err)
	}
	// A message with a version that parses but nothing else leadline
	// writes.
	bare := nats.NewMsg(s.Subject("lead-1", "Touched"))
	bare.Header.Set(natsjs.HeaderVersion, "2")
	if _, err := js.PublishMsg(ctx, bare); err != nil {
		t.Fatal(err)
	}
	// The lead is still at version 1: the next append goes on.
	next := newRec("Touched", `{"n":2}`)
	mustAppend("lead-1", 1, next)

	want := []struct {
		id, stream, typ string
		version         uint64
		data            string
	}{
		{good.ID, "lead-1", "Captured", 1, `{"n":1}`},
		{"", "telemetry", "Ping", 0, "{}"},
		{"", "lead-1", "Touched", 0, `{"forged":true}`},
		{"", "lead-1", "Touched", 0, ""},
		{next.ID, "lead-1", "Touched", 2, `{"n":2}`},
	}
	check := func(what string, got []eventstore.Record, want []struct {
		id, stream, typ string
		version         uint64
		data            string
	}) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d: %+v", what, len(got), len(want), got)
		}
		for i, w := range want {
			r := got[i]
			if r.ID != w.id || r.Stream != w.stream || r.Type != w.typ || r.Version != w.version || string(r.Data) != w.data || r.Position == 0 {
				t.Fatalf("%s: record %d is {ID %q Stream %q Type %q Version %d Position %d Data %q}, want %+v", what, i, r.ID, r.Stream, r.Type, r.Version, r.Position, r.Data, w)
			}
			if i > 0 && r.Position <= got[i-1].Position {
				t.Fatalf("%s: record %d has Position %d after %d", what, i, r.Position, got[i-1].Position)
			}
		}
	}
	all, err := s.Read(ctx, 0, 0)
	if err != nil {
		t.Fatalf("Read past foreign messages: %v", err)
	}
	check("Read", all, want)
	check("Subscribe", collect(t, s, len(want)), want)

	lead, err := s.Load(ctx, "lead-1", 0)
	if err != nil {
		t.Fatalf("Load past foreign messages: %v", err)
	}
	check("Load", lead, append(want[:1:1], want[2:]...))
	// From version 2: what follows version 1, foreign messages included.
	tail, err := s.Load(ctx, "lead-1", 2)
	if err != nil {
		t.Fatal(err)
	}
	check("Load from 2", tail, want[2:])
	// A Store that knows nothing of the lead finds the same.
	fresh, err := natsjs.New(ctx, js, natsjs.WithStream(s.StreamName()), natsjs.WithSubjectPrefix(prefixOf(s)))
	if err != nil {
		t.Fatal(err)
	}
	if tail, err := fresh.Load(ctx, "lead-1", 2); err != nil {
		t.Fatal(err)
	} else {
		check("Load from 2 by another Store", tail, want[2:])
	}
	// And appends after the foreign messages, with the right version.
	if v, err := fresh.Append(ctx, "lead-1", 2, newRec("Touched", "{}")); err != nil || v != 3 {
		t.Fatalf("Append by another Store after foreign messages: (%d, %v), want (3, nil)", v, err)
	}
	var conflict *eventstore.ConflictError
	if _, err := fresh.Append(ctx, "lead-1", 1, newRec("Touched", "{}")); !errors.As(err, &conflict) || conflict.Expected != 1 || conflict.Actual != 3 {
		t.Fatalf("stale Append: %v, want a ConflictError expected 1, actual 3", err)
	}
}

// prefixOf returns the subject prefix of s.
func prefixOf(s *natsjs.Store) string {
	subj := s.Subject("x", "y")
	return subj[:len(subj)-len(".x.y")]
}

func TestConflictErrorCarriesTheActualVersion(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	a := newStore(t, js)
	b, err := natsjs.New(ctx, js, natsjs.WithStream(a.StreamName()), natsjs.WithSubjectPrefix(prefixOf(a)))
	if err != nil {
		t.Fatal(err)
	}
	for v := range uint64(3) {
		if _, err := a.Append(ctx, "lead-1", v, newRec("Touched", "{}")); err != nil {
			t.Fatal(err)
		}
	}
	// b learns version 3, then a moves on to 5.
	if _, err := b.Load(ctx, "lead-1", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Append(ctx, "lead-1", 3, newRec("Touched", "{}"), newRec("Touched", "{}")); err != nil {
		t.Fatal(err)
	}
	_, err = b.Append(ctx, "lead-1", 3, newRec("Touched", "{}"))
	var conflict *eventstore.ConflictError
	if !errors.As(err, &conflict) || conflict.Stream != "lead-1" || conflict.Expected != 3 || conflict.Actual != 5 {
		t.Fatalf("append on a stale version: %v, want a ConflictError on lead-1 expected 3, actual 5", err)
	}
	if got := err.Error(); got != `eventstore: version conflict on stream "lead-1": expected 3, stream is at 5` {
		t.Fatalf("conflict message %q", got)
	}
}
