package natsjs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/internal/natstest"
)

// The acknowledgements read without a JSON decoder must read as the JSON
// decoder reads them, and every other reply must go to the decoder.
func TestAcknowledgementsReadAsJetStreamReadsThem(t *testing.T) {
	a := &acks{stream: "LEADLINE", fast: []byte(`{"stream":"LEADLINE","seq":`)}
	for _, c := range []struct {
		data string
		want jetstream.PubAck
		code jetstream.ErrorCode
	}{
		{data: `{"stream":"LEADLINE","seq":42}`, want: jetstream.PubAck{Stream: "LEADLINE", Sequence: 42}},
		{data: `{"stream":"LEADLINE","seq":7,"duplicate": true}`, want: jetstream.PubAck{Stream: "LEADLINE", Sequence: 7, Duplicate: true}},
		{data: `{"stream":"LEADLINE","domain":"hub","seq":9}`, want: jetstream.PubAck{Stream: "LEADLINE", Domain: "hub", Sequence: 9}},
		{data: `{"stream":"LEADLINE","seq":12,"batch":"b1","count":3}`, want: jetstream.PubAck{Stream: "LEADLINE", Sequence: 12}},
		{data: `{"stream":"OTHER","seq":3}`, want: jetstream.PubAck{Stream: "OTHER", Sequence: 3}},
		{data: `{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 5"},"stream":"LEADLINE","seq":0}`, code: 10071},
	} {
		got, err := a.parse(&nats.Msg{Data: []byte(c.data)})
		if c.code != 0 {
			var apiErr *jetstream.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode != c.code {
				t.Errorf("%s: got (%+v, %v), want an APIError with code %d", c.data, got, err, c.code)
			}
			continue
		}
		if err != nil || got.Stream != c.want.Stream || got.Sequence != c.want.Sequence || got.Duplicate != c.want.Duplicate || got.Domain != c.want.Domain {
			t.Errorf("%s: got (%+v, %v), want %+v", c.data, got, err, c.want)
		}
	}
	noResponders := &nats.Msg{Header: nats.Header{"Status": []string{"503"}}}
	if _, err := a.parse(noResponders); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("a 503 status reply read as %v, want nats.ErrNoResponders", err)
	}
	if _, err := a.parse(&nats.Msg{Data: []byte(`{"seq":`)}); !errors.Is(err, jetstream.ErrInvalidJSAck) {
		t.Errorf("a truncated reply read as %v, want jetstream.ErrInvalidJSAck", err)
	}
}

// A reply that comes after its append gave up must not be taken for the
// reply to a later append.
func TestALateReplyNeverReachesTheNextAppend(t *testing.T) {
	nc, _ := natstest.Connect(t, natstest.RunServer(t).ClientURL())
	var a acks
	a.start(nc, "LEADLINE")
	gaveUp := mustGet(t, &a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.wait(ctx, gaveUp, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with a cancelled context returned %v", err)
	}
	if err := nc.Publish(gaveUp.reply, []byte(`{"stream":"LEADLINE","seq":1}`)); err != nil {
		t.Fatal(err)
	}
	next := mustGet(t, &a)
	if next == gaveUp || next.reply == gaveUp.reply {
		t.Fatal("the waiter of an append that gave up was used again")
	}
	if err := nc.Publish(next.reply, []byte(`{"stream":"LEADLINE","seq":2}`)); err != nil {
		t.Fatal(err)
	}
	ack, err := a.wait(context.Background(), next, time.Minute)
	if err != nil || ack.Sequence != 2 {
		t.Fatalf("the next append read (%+v, %v), want its own acknowledgement of sequence 2", ack, err)
	}
	// A waiter whose reply came is used again.
	if again := mustGet(t, &a); again != next {
		t.Fatal("a waiter whose reply came was not reused")
	}
}

// An append waiting for its acknowledgement when the connection closes
// learns it then, not at its timeout.
func TestAppendsWaitingWhenTheConnectionClosesLearnItAtOnce(t *testing.T) {
	nc, _ := natstest.Connect(t, natstest.RunServer(t).ClientURL())
	var a acks
	a.start(nc, "LEADLINE")
	w := mustGet(t, &a)
	nc.Close()
	// The guard only keeps a broken build from hanging the suite.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := a.wait(ctx, w, 0); !errors.Is(err, nats.ErrConnectionClosed) {
		t.Fatalf("wait after the connection closed returned %v, want nats.ErrConnectionClosed", err)
	}
}

func mustGet(t *testing.T, a *acks) *waiter {
	t.Helper()
	w, err := a.get()
	if err != nil {
		t.Fatal(err)
	}
	return w
}
