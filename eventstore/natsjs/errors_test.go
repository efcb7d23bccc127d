package natsjs_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

func TestRecordIDsAreKeptByteForByte(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	s := newStore(t, js)
	// Every printable ASCII byte ValidateID allows, in IDs a header
	// parser could mistake for something else.
	var all strings.Builder
	for c := byte('!'); c <= '~'; c++ {
		all.WriteByte(c)
	}
	ids := []string{all.String(), ":colon-first", "Nats-Msg-Id:x", "trailing:", `"quoted"`, `back\slash`, "%0D%0A", "~"}
	var recs []eventstore.Record
	for _, id := range ids {
		recs = append(recs, eventstore.Record{ID: id, Type: "Touched", Data: []byte(id)})
	}
	if v, err := s.Append(ctx, "lead-1", 0, recs[0]); err != nil || v != 1 {
		t.Fatalf("Append: (%d, %v)", v, err)
	}
	if v, err := s.Append(ctx, "lead-1", 1, recs[1:]...); err != nil || v != uint64(len(recs)) {
		t.Fatalf("Append: (%d, %v)", v, err)
	}
	check := func(what string, got []eventstore.Record) {
		t.Helper()
		if len(got) != len(ids) {
			t.Fatalf("%s: %d records, want %d", what, len(got), len(ids))
		}
		for i, r := range got {
			if r.ID != ids[i] || string(r.Data) != ids[i] || r.Version != uint64(i)+1 {
				t.Fatalf("%s: record %d has ID %q version %d, want %q version %d", what, i, r.ID, r.Version, ids[i], i+1)
			}
		}
	}
	loaded, err := s.Load(ctx, "lead-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	check("Load", loaded)
	read, err := s.Read(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	check("Read", read)
	check("Subscribe", collect(t, s, len(ids)))
	// A retry with the same IDs is a no-op, from this Store and another.
	other, err := natsjs.New(ctx, js, natsjs.WithStream(s.StreamName()), natsjs.WithSubjectPrefix(prefixOf(s)))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*natsjs.Store{s, other} {
		if v, err := st.Append(ctx, "lead-1", 1, recs[1:]...); err != nil || v != uint64(len(recs)) {
			t.Fatalf("retry: (%d, %v), want (%d, nil)", v, err, len(recs))
		}
	}
	if again, err := s.Read(ctx, 0, 0); err != nil || len(again) != len(ids) {
		t.Fatalf("after retries: %d records, %v; want %d", len(again), err, len(ids))
	}
}

func TestRecordsOverTheServersMaxPayloadAreRefusedBeforePublishing(t *testing.T) {
	const limit = 4096
	srv := natstest.RunServerWith(t, func(o *server.Options) { o.MaxPayload = limit })
	_, js := natstest.Connect(t, srv.ClientURL())
	ctx := testCtx(t)
	s := newStore(t, js)
	small := newRec("Captured", "{}")
	big := eventstore.Record{ID: "big-1", Type: "Captured", Data: make([]byte, limit)}
	for _, recs := range [][]eventstore.Record{{big}, {small, big}} {
		_, err := s.Append(ctx, "lead-1", 0, recs...)
		if !errors.Is(err, eventstore.ErrTooLarge) || !errors.Is(err, eventstore.ErrInvalid) || !strings.Contains(err.Error(), strconv.Itoa(limit)) {
			t.Fatalf("Append of a %d-byte record to a server with max payload %d: %v, want ErrTooLarge naming the limit", len(big.Data), limit, err)
		}
		if errors.Is(err, nats.ErrMaxPayload) {
			t.Fatalf("the error is nats.go's own: %v", err)
		}
		res := s.AppendBatch(ctx, []eventstore.Append{{Stream: "lead-2", Records: recs}})
		if !errors.Is(res[0].Err, eventstore.ErrTooLarge) {
			t.Fatalf("AppendBatch of a %d-byte record: %v, want ErrTooLarge", len(big.Data), res[0].Err)
		}
	}
	if all, err := s.Read(ctx, 0, 0); err != nil || len(all) != 0 {
		t.Fatalf("after refused appends: %d records, %v; want none", len(all), err)
	}
	// What fits is kept.
	fits := eventstore.Record{ID: "fits-1", Type: "Captured", Data: make([]byte, limit/2)}
	if v, err := s.Append(ctx, "lead-1", 0, fits); err != nil || v != 1 {
		t.Fatalf("Append of a %d-byte record: (%d, %v)", len(fits.Data), v, err)
	}
}

func TestAppendWithoutAcknowledgementIsUnknownOutcomeAndRetrySafe(t *testing.T) {
	srv := natstest.RunServer(t)
	proxy := natstest.RunProxy(t, srv.Addr().String())
	_, js := natstest.Connect(t, proxy.URL())
	ctx := testCtx(t)
	s := newStore(t, js)
	if _, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}")); err != nil {
		t.Fatal(err)
	}
	for _, recs := range [][]eventstore.Record{
		{newRec("Touched", "{}")},
		{newRec("Touched", "{}"), newRec("Scored", "{}")},
	} {
		before, err := s.Load(ctx, "lead-1", 0)
		if err != nil {
			t.Fatal(err)
		}
		expected := uint64(len(before))
		proxy.Hold() // the publish reaches the server, its acknowledgement does not come back
		actx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err = s.Append(actx, "lead-1", expected, recs...)
		cancel()
		proxy.Release()
		if !errors.Is(err, eventstore.ErrUnknownOutcome) || errors.Is(err, eventstore.ErrPermanent) || !strings.Contains(err.Error(), "retry") {
			t.Fatalf("Append without acknowledgement: %v, want ErrUnknownOutcome telling to retry", err)
		}
		// The append did reach the server: it is stored, unacknowledged.
		if stored, err := s.Load(ctx, "lead-1", 0); err != nil || len(stored) != int(expected)+len(recs) {
			t.Fatalf("after the unacknowledged append: %d records, %v; want %d", len(stored), err, int(expected)+len(recs))
		}
		if v, err := s.Append(ctx, "lead-1", expected, recs...); err != nil || v != expected+uint64(len(recs)) {
			t.Fatalf("retry with the same IDs: (%d, %v), want (%d, nil)", v, err, expected+uint64(len(recs)))
		}
		after, err := s.Load(ctx, "lead-1", 0)
		if err != nil || len(after) != int(expected)+len(recs) {
			t.Fatalf("after the retry: %d records, %v; want %d, each once", len(after), err, int(expected)+len(recs))
		}
	}
}

func TestErrorsRetryingCannotFixArePermanent(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	t.Run("StreamNoLongerCoversTheSubjects", func(t *testing.T) {
		s := newStore(t, js)
		if _, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}")); err != nil {
			t.Fatal(err)
		}
		info, err := js.Stream(ctx, s.StreamName())
		if err != nil {
			t.Fatal(err)
		}
		cfg := info.CachedInfo().Config
		cfg.Subjects = []string{"elsewhere.>"}
		if _, err := js.UpdateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		_, err = s.Append(ctx, "lead-1", 1, newRec("Touched", "{}"))
		if !errors.Is(err, eventstore.ErrPermanent) || !strings.Contains(err.Error(), "Subjects") {
			t.Fatalf("Append to a stream that no longer captures it: %v, want ErrPermanent naming Subjects", err)
		}
	})
	t.Run("AtomicPublishTurnedOff", func(t *testing.T) {
		s := newStore(t, js)
		info, err := js.Stream(ctx, s.StreamName())
		if err != nil {
			t.Fatal(err)
		}
		cfg := info.CachedInfo().Config
		cfg.AllowAtomicPublish = false
		if _, err := js.UpdateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		_, err = s.Append(ctx, "lead-1", 0, newRec("Captured", "{}"), newRec("Scored", "{}"))
		if !errors.Is(err, eventstore.ErrPermanent) {
			t.Fatalf("batch Append to a stream without atomic publish: %v, want ErrPermanent", err)
		}
	})
	t.Run("StreamDeleted", func(t *testing.T) {
		s := newStore(t, js)
		if err := js.DeleteStream(ctx, s.StreamName()); err != nil {
			t.Fatal(err)
		}
		_, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}"))
		if !errors.Is(err, eventstore.ErrPermanent) || !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("Append to a deleted stream: %v, want ErrPermanent and jetstream.ErrStreamNotFound", err)
		}
		if _, err := s.Load(ctx, "lead-1", 0); !errors.Is(err, eventstore.ErrPermanent) {
			t.Fatalf("Load of a deleted stream: %v, want ErrPermanent", err)
		}
	})
	t.Run("ConnectionClosed", func(t *testing.T) {
		srv := natstest.RunServer(t)
		nc, js := natstest.Connect(t, srv.ClientURL())
		s := newStore(t, js)
		nc.Close()
		_, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}"))
		if !errors.Is(err, eventstore.ErrPermanent) || errors.Is(err, eventstore.ErrUnknownOutcome) {
			t.Fatalf("Append on a closed connection: %v, want ErrPermanent (nothing was sent)", err)
		}
		if err := s.Subscribe(ctx, 0, func(eventstore.Record) error { return nil }); !errors.Is(err, eventstore.ErrPermanent) {
			t.Fatalf("Subscribe on a closed connection: %v, want ErrPermanent", err)
		}
	})
}
