package natsjs_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore/natsjs"
)

// An Engine's checkpoints go to a key-value bucket beside the event
// stream (pass them to leadline.WithCheckpoints); each Engine that saves
// uses its own key.
func ExampleNewCheckpoints() {
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

	cp, err := natsjs.NewCheckpoints(ctx, js, "", "enforcer-eu-1") // bucket LEADLINE_CHECKPOINTS
	if err != nil {
		log.Fatal(err)
	}
	data, err := cp.Load(ctx)
	fmt.Println("before any save:", data == nil, err)
	if err := cp.Save(ctx, []byte("LLCK...")); err != nil {
		log.Fatal(err)
	}
	data, _ = cp.Load(ctx)
	fmt.Println("after a save:", string(data))
	// Output:
	// before any save: true <nil>
	// after a save: LLCK...
}
