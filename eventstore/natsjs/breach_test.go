package natsjs_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/lead"
)

// encode turns lead events into records the way the Engine does.
func encode(t *testing.T, evs ...lead.Event) []eventstore.Record {
	t.Helper()
	out := make([]eventstore.Record, len(evs))
	for i, e := range evs {
		data, err := lead.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = eventstore.Record{ID: fmt.Sprintf("%s-%d", e.Base().Lead, e.Base().Version), Type: e.Type(), Data: data}
	}
	return out
}

func TestPlainDurableConsumerReceivesEachBreachOnce(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	store, err := natsjs.New(ctx, js) // the defaults a consumer's docs assume
	if err != nil {
		t.Fatal(err)
	}

	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const leads = 5
	for i := range leads {
		id := lead.ID(fmt.Sprintf("0192lead%d", i))
		meta := func(v uint64) lead.Meta { return lead.Meta{Lead: id, Version: v, At: at, Actor: "sla"} }
		dl := lead.DeadlineID{Kind: lead.KindAccept, Since: 4}
		recs := encode(t,
			lead.Captured{Meta: meta(1), Email: "ana@example.com"},
			lead.HandedOff{Meta: meta(2), Rep: "ana"},
			lead.DeadlineWarned{Meta: meta(3), Deadline: dl, Fraction: 0.5, Due: at.Add(8 * time.Hour)},
		)
		if _, err := store.Append(ctx, string(id), 0, recs...); err != nil {
			t.Fatal(err)
		}
		// A breach and its escalation, appended together as the Engine does.
		step := encode(t,
			lead.DeadlineBreached{Meta: meta(4), Deadline: dl, Step: 0, Action: lead.ActionEscalate, Due: at.Add(8 * time.Hour), Rep: "ana"},
			lead.Escalated{Meta: meta(5), Deadline: dl, Rep: "ana", Manager: "bo"},
		)
		if _, err := store.Append(ctx, string(id), 3, step...); err != nil {
			t.Fatal(err)
		}
		// A retry of the same step must not show up twice.
		if v, err := store.Append(ctx, string(id), 3, step...); err != nil || v != 5 {
			t.Fatalf("retry: (%d, %v), want (5, nil)", v, err)
		}
	}

	// A consumer that knows nothing of leadline's Go types.
	cons, err := js.CreateOrUpdateConsumer(ctx, "LEADLINE", jetstream.ConsumerConfig{
		Durable:       "breach-watch",
		FilterSubject: "leadline.*.DeadlineBreached",
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for len(seen) < leads {
		batch, err := cons.Fetch(leads, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var ev map[string]any
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				t.Fatalf("payload is not JSON: %v", err)
			}
			if ev["type"] != "DeadlineBreached" || ev["schema"] != float64(1) || ev["action"] != "escalate" {
				t.Fatalf("unexpected breach payload %v", ev)
			}
			if dl, _ := ev["deadline"].(map[string]any); dl["kind"] != "accept" {
				t.Fatalf("breach deadline %v, want kind accept", ev["deadline"])
			}
			// The subject names the lead and the type; the version is
			// a header.
			if want := "leadline." + ev["lead"].(string) + ".DeadlineBreached"; m.Subject() != want {
				t.Fatalf("subject %q, want %q", m.Subject(), want)
			}
			if m.Headers().Get(natsjs.HeaderVersion) != "4" {
				t.Fatalf("headers %v do not match payload %v", m.Headers(), ev)
			}
			seen[ev["lead"].(string)]++
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("consumer got %d of %d breaches", len(seen), leads)
		}
	}
	for l, n := range seen {
		if n != 1 {
			t.Fatalf("lead %s: %d breach messages, want 1", l, n)
		}
	}
	// Nothing else is waiting: every breach was delivered once and acked.
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumPending != 0 || info.NumAckPending != 0 || info.Delivered.Consumer != leads {
		t.Fatalf("consumer state pending %d, ack pending %d, delivered %d; want 0, 0, %d", info.NumPending, info.NumAckPending, info.Delivered.Consumer, leads)
	}
}
