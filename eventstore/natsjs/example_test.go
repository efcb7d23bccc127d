package natsjs_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

// exampleServer starts an in-process server for the example; a service
// connects to its own NATS deployment instead.
func exampleServer() (url string, stop func()) {
	dir, err := os.MkdirTemp("", "natsjs-example-")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := natstest.StartServer(dir)
	if err != nil {
		log.Fatal(err)
	}
	return srv.ClientURL(), func() {
		srv.Shutdown()
		srv.WaitForShutdown()
		os.RemoveAll(dir)
	}
}

func Example() {
	url, stop := exampleServer()
	defer stop()

	nc, err := nats.Connect(url) // the service's own options: auth, TLS, reconnect
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	store, err := natsjs.New(ctx, js) // stream LEADLINE, subjects leadline.*.*
	if err != nil {
		log.Fatal(err)
	}
	breach := []byte(`{"type":"DeadlineBreached","schema":1,"lead":"0192abc","version":1,"at":"2026-03-02T18:00:00Z","deadline":{"kind":"accept","since":1},"step":0,"action":"escalate","due":"2026-03-02T18:00:00Z","rep":"ana"}`)
	v, err := store.Append(ctx, "0192abc", 0, eventstore.Record{ID: "0192abc-1", Type: "DeadlineBreached", Data: breach})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("version", v, "on", store.Subject("0192abc", "DeadlineBreached"))

	// Another service, knowing nothing of leadline's Go types:
	cons, err := js.CreateOrUpdateConsumer(ctx, "LEADLINE", jetstream.ConsumerConfig{
		Durable:       "breach-watch",
		FilterSubject: "leadline.*.DeadlineBreached",
		AckPolicy:     jetstream.AckExplicitPolicy,
	})
	if err != nil {
		log.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Subject(), m.Headers().Get(natsjs.HeaderVersion))
	_ = m.Ack()
	// Output:
	// version 1 on leadline.0192abc.DeadlineBreached
	// leadline.0192abc.DeadlineBreached 1
}

func ExampleStore_AppendBatch() {
	url, stop := exampleServer()
	defer stop()
	nc, err := nats.Connect(url)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := natsjs.New(ctx, js)
	if err != nil {
		log.Fatal(err)
	}

	// A caller holding any eventstore.Store probes for the capability.
	var s eventstore.Store = store
	b, ok := s.(eventstore.BatchAppender)
	if !ok {
		log.Fatal("no batch appends")
	}
	res := b.AppendBatch(ctx, []eventstore.Append{
		{Stream: "lead-a", Records: []eventstore.Record{{ID: "lead-a-1", Type: "Captured", Data: []byte("{}")}}},
		{Stream: "lead-b", Records: []eventstore.Record{{ID: "lead-b-1", Type: "Captured", Data: []byte("{}")}, {ID: "lead-b-2", Type: "Scored", Data: []byte("{}")}}},
		{Stream: "lead-a", Expected: 5, Records: []eventstore.Record{{ID: "lead-a-2", Type: "Touched", Data: []byte("{}")}}},
	})
	for _, r := range res {
		fmt.Println(r.Version, r.Err)
	}
	// Output:
	// 1 <nil>
	// 2 <nil>
	// 0 eventstore: version conflict on stream "lead-a": expected 5, stream is at 1
}
