package natsjs_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore/natsjs"
)

// Checkpoints larger than a NATS message round-trip through the bucket;
// a new Checkpoints on the same key (a restarted process) loads the last
// one saved; a smaller checkpoint leaves no chunks of a larger one behind.
func TestCheckpointsKeepTheLastSavedCheckpointInChunks(t *testing.T) {
	ctx := testCtx(t)
	js := runJS(t)
	cp, err := natsjs.NewCheckpoints(ctx, js, "", "engine-1")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := cp.Load(ctx); data != nil || err != nil {
		t.Fatalf("Load before any Save = %d bytes, %v; want nil, nil", len(data), err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{3<<20 + 17, 100, 2 << 20, 1} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if err := cp.Save(ctx, data); err != nil {
			t.Fatalf("Save of %d bytes: %v", size, err)
		}
		again, err := natsjs.NewCheckpoints(ctx, js, natsjs.DefaultCheckpointBucket, "engine-1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := again.Load(ctx)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Load after a Save of %d bytes = %d bytes, %v", size, len(got), err)
		}
	}
	kv, err := js.KeyValue(ctx, natsjs.DefaultCheckpointBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	// The halves hold 4 chunks (2 MiB) and 1 chunk (1 byte).
	want := []string{"engine-1", "engine-1.a.0", "engine-1.a.1", "engine-1.a.2", "engine-1.a.3", "engine-1.b.0"}
	if !slices.Equal(keys, want) {
		t.Fatalf("bucket keys = %q; want %q", keys, want)
	}
}

// A chunk changed underneath the manifest is a Load error, never wrong
// bytes.
func TestCheckpointsRefuseAChunkThatDoesNotMatchTheManifest(t *testing.T) {
	ctx := testCtx(t)
	js := runJS(t)
	cp, err := natsjs.NewCheckpoints(ctx, js, "CP", "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.Save(ctx, bytes.Repeat([]byte("checkpoint"), 100_000)); err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, "CP")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "k.a.1", []byte("tampered")); err != nil {
		t.Fatal(err)
	}
	if data, err := cp.Load(ctx); err == nil {
		t.Fatalf("Load of a tampered checkpoint = %d bytes, no error", len(data))
	}
}

func TestNewCheckpointsRefusesABucketThatWouldLoseOrRefuseThem(t *testing.T) {
	ctx := testCtx(t)
	js := runJS(t)
	for _, tt := range []struct {
		cfg     jetstream.KeyValueConfig
		setting string
	}{
		{jetstream.KeyValueConfig{Bucket: "TTL", TTL: time.Hour}, "TTL"},
		{jetstream.KeyValueConfig{Bucket: "SMALL", MaxValueSize: 1024}, "MaxValueSize"},
	} {
		if _, err := js.CreateKeyValue(ctx, tt.cfg); err != nil {
			t.Fatal(err)
		}
		_, err := natsjs.NewCheckpoints(ctx, js, tt.cfg.Bucket, "k")
		if err == nil || !strings.Contains(err.Error(), tt.setting) {
			t.Errorf("NewCheckpoints on bucket %s = %v; want an error naming %s", tt.cfg.Bucket, err, tt.setting)
		}
	}
	for _, key := range []string{"", ".k", "k.", "a..b", "a b", "k*"} {
		if _, err := natsjs.NewCheckpoints(ctx, js, "", key); err == nil {
			t.Errorf("NewCheckpoints with key %q succeeded", key)
		}
	}
	if _, err := natsjs.NewCheckpoints(ctx, nil, "", "k"); err == nil {
		t.Error("NewCheckpoints with a nil handle succeeded")
	}
}
