package natsjs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/eventstore/storetest"
	"github.com/leadline/leadline/internal/natstest"
)

func newKeys(t testing.TB, js jetstream.JetStream, opts ...natsjs.KeysOption) *natsjs.Keys {
	t.Helper()
	opts = append([]natsjs.KeysOption{natsjs.WithKeyBucket(fmt.Sprintf("K%d", streamSeq.Add(1)))}, opts...)
	k, err := natsjs.NewKeys(testCtx(t), js, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeysConformance(t *testing.T) {
	js := runJS(t)
	storetest.RunKeys(t, func(t *testing.T) eventstore.KeyStore { return newKeys(t, js) })
}

func TestNewKeysRefusesABucketThatWouldKeepLoseOrPublishKeys(t *testing.T) {
	js := runJS(t)
	ctx := testCtx(t)
	for _, c := range []struct {
		setting string
		cfg     jetstream.KeyValueConfig
	}{
		{"History", jetstream.KeyValueConfig{History: 5}},
		{"TTL", jetstream.KeyValueConfig{TTL: time.Hour}},
		{"MaxBytes", jetstream.KeyValueConfig{MaxBytes: 1 << 20}},
		{"RePublish", jetstream.KeyValueConfig{RePublish: &jetstream.RePublish{Source: ">", Destination: "keys.>"}}},
	} {
		c.cfg.Bucket = "BAD_" + c.setting
		if _, err := js.CreateKeyValue(ctx, c.cfg); err != nil {
			t.Fatalf("%s: %v", c.setting, err)
		}
		_, err := natsjs.NewKeys(ctx, js, natsjs.WithKeyBucket(c.cfg.Bucket))
		if err == nil || !strings.Contains(err.Error(), c.setting) {
			t.Errorf("%s: NewKeys = %v, want an error naming it", c.setting, err)
		}
	}
}

func TestAnErasedKeyStaysErasedAcrossAServerRestart(t *testing.T) {
	node := natstest.RunNode(t)
	connect := func() jetstream.JetStream {
		_, js := natstest.Connect(t, node.ClientURL())
		return js
	}
	ctx := testCtx(t)
	keys, err := natsjs.NewKeys(ctx, connect())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Create(ctx, "lead-gone"); err != nil {
		t.Fatal(err)
	}
	kept, err := keys.Create(ctx, "lead-kept")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Delete(ctx, "lead-gone"); err != nil {
		t.Fatal(err)
	}
	node.Shutdown()
	node.Restart()
	again, err := natsjs.NewKeys(ctx, connect())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Get(ctx, "lead-gone"); !errors.Is(err, eventstore.ErrKeyErased) {
		t.Errorf("erased key after restart: %v", err)
	}
	if k, err := again.Get(ctx, "lead-kept"); err != nil || !bytes.Equal(k, kept) {
		t.Errorf("kept key after restart: %x, %v", k, err)
	}
	// The bucket holds one revision per key: the erased key's bytes are
	// not an older revision of its entry.
	kv, err := connect().KeyValue(ctx, natsjs.DefaultKeyBucket)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := kv.History(ctx, "lead-gone")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || len(hist[0].Value()) == eventstore.KeySize {
		t.Errorf("history of the erased entry: %d revisions", len(hist))
	}
}

func TestAnUnreachableKeyStoreIsAnErrorNotAnErasure(t *testing.T) {
	node := natstest.RunNode(t)
	_, js := natstest.Connect(t, node.ClientURL())
	ctx := testCtx(t)
	keys, err := natsjs.NewKeys(ctx, js, natsjs.WithKeyTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Create(ctx, "lead-a"); err != nil {
		t.Fatal(err)
	}
	node.Shutdown()
	_, err = keys.Get(context.Background(), "lead-a")
	if err == nil || errors.Is(err, eventstore.ErrKeyErased) || errors.Is(err, eventstore.ErrKeyNotFound) {
		t.Fatalf("Get with the server down: %v", err)
	}
}
