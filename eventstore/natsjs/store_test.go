package natsjs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/eventstore/storetest"
	"github.com/leadline/leadline/internal/natstest"
)

var streamSeq atomic.Int64

// runJS starts an in-process server for the test and returns a JetStream
// handle on it.
func runJS(t testing.TB) jetstream.JetStream {
	t.Helper()
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv.ClientURL())
	return js
}

// newStore returns a Store on a new JetStream stream and subject prefix
// of js's server.
func newStore(t testing.TB, js jetstream.JetStream, opts ...natsjs.Option) *natsjs.Store {
	t.Helper()
	n := streamSeq.Add(1)
	opts = append([]natsjs.Option{
		natsjs.WithStream(fmt.Sprintf("T%d", n)),
		natsjs.WithSubjectPrefix(fmt.Sprintf("t%d", n)),
	}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := natsjs.New(ctx, js, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// The stream is not deleted at the end: the server goes with the test,
	// and deleting an account's last stream races with creating the next
	// one in nats-server 2.12 (the streams directory is removed under it).
	return s
}

func TestConformance(t *testing.T) {
	js := runJS(t)
	storetest.Run(t, func(t *testing.T) eventstore.Store { return newStore(t, js) })
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newRec(typ, data string) eventstore.Record {
	return eventstore.Record{ID: nats.NewInbox()[len(nats.InboxPrefix):], Type: typ, Data: []byte(data)}
}
