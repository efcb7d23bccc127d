package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

func TestNewFailsFastWithoutJetStream(t *testing.T) {
	srv := natstest.RunServerNoJetStream(t)
	_, js := natstest.Connect(t, srv.ClientURL())
	start := time.Now()
	_, err := natsjs.New(testCtx(t), js)
	if !errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
		t.Fatalf("New on a server without JetStream: %v, want jetstream.ErrJetStreamNotEnabled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("New took %v to fail", d)
	}
}

func TestNewFailsFastOnAClosedConnection(t *testing.T) {
	node := natstest.RunNode(t)
	nc, js := natstest.Connect(t, node.ClientURL(), nats.NoReconnect())
	node.Shutdown()
	deadline := time.Now().Add(5 * time.Second)
	for !nc.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if _, err := natsjs.New(testCtx(t), js); !errors.Is(err, nats.ErrConnectionClosed) {
		t.Fatalf("New on a closed connection: %v, want nats.ErrConnectionClosed", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("New took %v to fail", d)
	}
}

func TestNewRefusesAStreamThatBreaksTheGuarantees(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	good := jetstream.StreamConfig{Subjects: []string{"leadline.*.*"}, AllowAtomicPublish: true, AllowDirect: true}
	for i, tc := range []struct {
		setting string
		change  func(*jetstream.StreamConfig)
	}{
		{"Subjects", func(c *jetstream.StreamConfig) { c.Subjects = []string{"leadline.*.Captured"} }},
		{"Retention", func(c *jetstream.StreamConfig) { c.Retention = jetstream.WorkQueuePolicy }},
		{"MaxMsgs", func(c *jetstream.StreamConfig) { c.MaxMsgs = 1000 }},
		{"MaxBytes", func(c *jetstream.StreamConfig) { c.MaxBytes = 1 << 20 }},
		{"MaxAge", func(c *jetstream.StreamConfig) { c.MaxAge = time.Hour }},
		{"MaxMsgsPerSubject", func(c *jetstream.StreamConfig) { c.MaxMsgsPerSubject = 10 }},
		{"AllowAtomicPublish", func(c *jetstream.StreamConfig) { c.AllowAtomicPublish = false }},
		{"AllowDirect", func(c *jetstream.StreamConfig) { c.AllowDirect = false }},
		{"AllowRollup", func(c *jetstream.StreamConfig) { c.AllowRollup = true }},
	} {
		t.Run(tc.setting, func(t *testing.T) {
			cfg := good
			cfg.Name = fmt.Sprintf("BAD%d", i)
			cfg.Subjects = []string{fmt.Sprintf("bad%d.*.*", i)}
			tc.change(&cfg)
			if tc.setting == "Subjects" {
				cfg.Subjects = []string{fmt.Sprintf("bad%d.*.Captured", i)}
			}
			if _, err := js.CreateStream(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			_, err := natsjs.New(ctx, js, natsjs.WithStream(cfg.Name), natsjs.WithSubjectPrefix(fmt.Sprintf("bad%d", i)))
			if err == nil || !strings.Contains(err.Error(), tc.setting+" ") {
				t.Fatalf("New on a stream with a bad %s: %v, want an error naming it", tc.setting, err)
			}
		})
	}
	// A stream with the right settings, made by someone else, is fine.
	cfg := good
	cfg.Name, cfg.Subjects = "GOOD", []string{"good.>"}
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := natsjs.New(ctx, js, natsjs.WithStream("GOOD"), natsjs.WithSubjectPrefix("good")); err != nil {
		t.Fatal(err)
	}
}

// within fails t unless f returns within d, and returns its error.
func within(t *testing.T, what string, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return nil
	}
}

func TestStreamDeletedUnderneathGivesClearErrors(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	s := newStore(t, js)
	if _, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}")); err != nil {
		t.Fatal(err)
	}
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan struct{}, 1)
	live := make(chan error, 1)
	go func() {
		live <- s.Subscribe(subCtx, 0, func(eventstore.Record) error {
			select {
			case got <- struct{}{}:
			default:
			}
			return nil
		})
	}()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("subscription delivered nothing")
	}

	if err := js.DeleteStream(ctx, s.StreamName()); err != nil {
		t.Fatal(err)
	}
	const bound = 5 * time.Second
	gone := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, jetstream.ErrStreamNotFound) || !strings.Contains(err.Error(), s.StreamName()) {
			t.Fatalf("%s after the stream was deleted: %v, want an error naming the stream and matching jetstream.ErrStreamNotFound", what, err)
		}
	}
	gone("live Subscribe", within(t, "live Subscribe", bound, func() error {
		select {
		case err := <-live:
			return err
		case <-time.After(bound):
			return nil
		}
	}))
	gone("Append", within(t, "Append", bound, func() error {
		_, err := s.Append(ctx, "lead-1", 1, newRec("Touched", "{}"))
		return err
	}))
	gone("Append of a batch", within(t, "Append of a batch", bound, func() error {
		_, err := s.Append(ctx, "lead-2", 0, newRec("Captured", "{}"), newRec("Scored", "{}"))
		return err
	}))
	gone("Load", within(t, "Load", bound, func() error {
		_, err := s.Load(ctx, "lead-1", 0)
		return err
	}))
	gone("Read", within(t, "Read", bound, func() error {
		_, err := s.Read(ctx, 0, 0)
		return err
	}))
	gone("Subscribe", within(t, "Subscribe", bound, func() error {
		return s.Subscribe(ctx, 0, func(eventstore.Record) error { return nil })
	}))
}

func TestAppendFailsWhenTheServerIsGone(t *testing.T) {
	node := natstest.RunNode(t)
	_, js := natstest.Connect(t, node.ClientURL(), nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1))
	ctx := testCtx(t)
	s, err := natsjs.New(ctx, js, natsjs.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}")); err != nil {
		t.Fatal(err)
	}
	node.Shutdown()
	batch := []eventstore.Record{newRec("Touched", "{}"), newRec("Touched", "{}"), newRec("Touched", "{}")}
	err = within(t, "Append with the server down", 5*time.Second, func() error {
		// The client keeps reconnecting; the caller's deadline bounds the wait.
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := s.Append(ctx, "lead-1", 1, batch...)
		return err
	})
	if err == nil {
		t.Fatal("Append with the server down succeeded")
	}
	node.Restart()
	// Once the client is back, the failed batch is all there or not at
	// all, never in part: a client that had sent it before it noticed the
	// server go may deliver it on reconnecting. Either way, retrying it
	// with the same records stores it once.
	var recs []eventstore.Record
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err = s.Load(ctx, "lead-1", 0)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || (len(recs) != 1 && len(recs) != 4) {
		t.Fatalf("after the failed append: %d records, %v; want 1 (none of the batch) or 4 (all of it)", len(recs), err)
	}
	if v, err := s.Append(ctx, "lead-1", 1, batch...); err != nil || v != 4 {
		t.Fatalf("retry after restart: (%d, %v), want (4, nil)", v, err)
	}
	if recs, err := s.Load(ctx, "lead-1", 0); err != nil || len(recs) != 4 {
		t.Fatalf("after the retry: %d records, %v; want 4, each once", len(recs), err)
	}
}

func TestAbandonedBatchWritesNothing(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	s := newStore(t, js)
	// What a writer that dies between messages leaves: two batch messages
	// without the commit.
	nc := js.Conn()
	subject := s.Subject("lead-1", "Captured")
	for i := 1; i <= 2; i++ {
		m := nats.NewMsg(subject)
		m.Header.Set("Nats-Batch-Id", "abandoned")
		m.Header.Set("Nats-Batch-Sequence", fmt.Sprint(i))
		m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("abandoned-%d", i))
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if recs, err := s.Load(ctx, "lead-1", 0); err != nil || len(recs) != 0 {
		t.Fatalf("uncommitted batch is visible: %d records, %v", len(recs), err)
	}
	if v, err := s.Append(ctx, "lead-1", 0, newRec("Captured", "{}"), newRec("Scored", "{}")); err != nil || v != 2 {
		t.Fatalf("append after an abandoned batch: (%d, %v), want (2, nil)", v, err)
	}
}
