package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
)

// The data keys of leadline.WithKeys live in a key-value bucket of their
// own, never in the event stream.
func ExampleNewKeys() {
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
	ctx := context.Background()
	keys, err := natsjs.NewKeys(ctx, js) // pass it to leadline.WithKeys
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(keys.Bucket())

	if _, err := keys.Create(ctx, "lead-42"); err != nil {
		log.Fatal(err)
	}
	if err := keys.Delete(ctx, "lead-42"); err != nil { // what Engine.Erase does
		log.Fatal(err)
	}
	_, err = keys.Get(ctx, "lead-42")
	fmt.Println(errors.Is(err, eventstore.ErrKeyErased))
	// Output:
	// LEADLINE_KEYS
	// true
}
