package natsjs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

func TestOnlyTheEngineUserReadsAndWritesDataKeysAndCheckpoints(t *testing.T) {
	noCreate := engineUserThatCreatesNothing()
	srv := natstest.RunServerWith(t, func(o *server.Options) {
		o.Users = []*server.User{engineUser, noCreate, breachUser, durableWatchUser}
		o.MaxPayload = 64 << 10 // a checkpoint of a few chunks stays small
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	// A subject the Engine's user lacks fails the test at once, named,
	// instead of at the deadline of a request that gets no reply.
	engineRefused := nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		t.Errorf("the Engine's user: %v", err)
		cancel()
	})

	// The Engine's user creates both buckets and uses them.
	_, js := natstest.Connect(t, srv.ClientURL(), nats.UserInfo(engineUser.Username, engineUser.Password), engineRefused)
	keys, err := natsjs.NewKeys(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	erased, err := keys.Create(ctx, "lead-1")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := keys.Create(ctx, "lead-1"); err != nil || !bytes.Equal(again, erased) {
		t.Fatalf("second Create: (%x, %v), want the first key %x", again, err, erased)
	}
	if err := keys.Delete(ctx, "lead-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Get(ctx, "lead-1"); !errors.Is(err, eventstore.ErrKeyErased) {
		t.Fatalf("Get after Delete: %v, want ErrKeyErased", err)
	}
	key, err := keys.Create(ctx, "lead-2")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := keys.Get(ctx, "lead-2"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Get: (%x, %v), want %x", got, err, key)
	}

	cps, err := natsjs.NewCheckpoints(ctx, js, "", "engine-1")
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 12<<10) // 192 KiB: several chunks
	small := []byte("a small checkpoint")
	// Both halves written, then the first rewritten shorter: its old
	// chunks are purged, a write of its own.
	for _, cp := range [][]byte{big, big[1:], small} {
		if err := cps.Save(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := cps.Load(ctx); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("Load: (%q, %v), want %q", got, err, small)
	}

	// Without the create permissions, the buckets open and work once
	// they exist.
	_, js2 := natstest.Connect(t, srv.ClientURL(), nats.UserInfo(noCreate.Username, noCreate.Password), engineRefused)
	keys2, err := natsjs.NewKeys(ctx, js2)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := keys2.Get(ctx, "lead-2"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Get without create permissions: (%x, %v), want %x", got, err, key)
	}
	if _, err := keys2.Create(ctx, "lead-3"); err != nil {
		t.Fatal(err)
	}
	if err := keys2.Delete(ctx, "lead-3"); err != nil {
		t.Fatal(err)
	}
	cps2, err := natsjs.NewCheckpoints(ctx, js2, "", "engine-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := cps2.Save(ctx, big); err != nil {
		t.Fatal(err)
	}
	if got, err := cps2.Load(ctx); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Load without create permissions: %d bytes, %v; want %d bytes", len(got), err, len(big))
	}

	// Neither breach watcher reads, writes or watches a key or a
	// checkpoint.
	for _, w := range []struct {
		name string
		user *server.User
		opts []nats.Option
	}{
		{"core NATS watcher", breachUser, nil},
		{"durable consumer watcher", durableWatchUser, []nats.Option{nats.CustomInboxPrefix(durableWatchInbox)}},
	} {
		t.Run(w.name, func(t *testing.T) {
			report, errs := violations()
			nc, wjs := natstest.Connect(t, srv.ClientURL(), append(w.opts, nats.UserInfo(w.user.Username, w.user.Password), report)...)

			refused(t, ctx, errs, `Publish to "$JS.API.STREAM.INFO.KV_LEADLINE_KEYS"`, func(ctx context.Context) error {
				_, err := natsjs.NewKeys(ctx, wjs)
				return err
			})
			// What a Get sends, whichever way the bucket is read.
			direct := "$JS.API.DIRECT.GET.KV_LEADLINE_KEYS.$KV.LEADLINE_KEYS.lead-2"
			refused(t, ctx, errs, `Publish to "`+direct+`"`, func(ctx context.Context) error {
				_, err := nc.RequestWithContext(ctx, direct, nil)
				return err
			})
			last, _ := json.Marshal(map[string]string{"last_by_subj": "$KV.LEADLINE_KEYS.lead-2"})
			refused(t, ctx, errs, `Publish to "$JS.API.STREAM.MSG.GET.KV_LEADLINE_KEYS"`, func(ctx context.Context) error {
				_, err := nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET.KV_LEADLINE_KEYS", last)
				return err
			})
			// Erasing a lead's key, or planting one.
			refused(t, ctx, errs, `Publish to "$KV.LEADLINE_KEYS.lead-2"`, func(ctx context.Context) error {
				_, err := wjs.Publish(ctx, "$KV.LEADLINE_KEYS.lead-2", []byte("erased"))
				return err
			})
			refused(t, ctx, errs, `Publish to "$KV.LEADLINE_KEYS.lead-4"`, func(ctx context.Context) error {
				_, err := wjs.Publish(ctx, "$KV.LEADLINE_KEYS.lead-4", eventstore.NewKey())
				return err
			})
			// Seeing keys as they are written, or the replies that carry
			// them to the Engine.
			for _, subject := range []string{"$KV.LEADLINE_KEYS.>", "_INBOX.>"} {
				if _, err := nc.SubscribeSync(subject); err != nil {
					t.Fatal(err)
				}
				awaitViolation(t, errs, `Subscription to "`+subject+`"`)
			}

			refused(t, ctx, errs, `Publish to "$JS.API.STREAM.INFO.KV_LEADLINE_CHECKPOINTS"`, func(ctx context.Context) error {
				_, err := natsjs.NewCheckpoints(ctx, wjs, "", "engine-1")
				return err
			})
			manifest := "$JS.API.DIRECT.GET.KV_LEADLINE_CHECKPOINTS.$KV.LEADLINE_CHECKPOINTS.engine-1"
			refused(t, ctx, errs, `Publish to "`+manifest+`"`, func(ctx context.Context) error {
				_, err := nc.RequestWithContext(ctx, manifest, nil)
				return err
			})
			refused(t, ctx, errs, `Publish to "$KV.LEADLINE_CHECKPOINTS.engine-1"`, func(ctx context.Context) error {
				_, err := wjs.Publish(ctx, "$KV.LEADLINE_CHECKPOINTS.engine-1", []byte("{}"))
				return err
			})
		})
	}

	// What the watchers tried changed nothing.
	if got, err := keys.Get(ctx, "lead-2"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Get after the watchers' writes: (%x, %v), want %x", got, err, key)
	}
	if _, err := keys.Get(ctx, "lead-4"); !errors.Is(err, eventstore.ErrKeyNotFound) {
		t.Fatalf("Get of a key only a watcher wrote: %v, want ErrKeyNotFound", err)
	}
	if got, err := cps.Load(ctx); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Load after the watchers' writes: %d bytes, %v; want %d bytes", len(got), err, len(big))
	}
}

func TestDurableBreachWatcherReadsBreachesOnItsOwnInbox(t *testing.T) {
	srv := natstest.RunServerWith(t, func(o *server.Options) {
		o.Users = []*server.User{engineUser, durableWatchUser}
	})
	ctx := testCtx(t)
	_, js := natstest.Connect(t, srv.ClientURL(), nats.UserInfo(engineUser.Username, engineUser.Password))
	store, err := natsjs.New(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	// Created by the Engine's user, as README.md allows.
	if _, err := js.CreateOrUpdateConsumer(ctx, "LEADLINE", jetstream.ConsumerConfig{
		Durable:       "breach-watch",
		FilterSubject: "leadline.*.DeadlineBreached",
		AckPolicy:     jetstream.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "lead-1", 0, newRec("HandedOff", "{}"), newRec("DeadlineBreached", "{}"), newRec("Escalated", "{}")); err != nil {
		t.Fatal(err)
	}

	report, errs := violations()
	_, wjs := natstest.Connect(t, srv.ClientURL(),
		nats.UserInfo(durableWatchUser.Username, durableWatchUser.Password),
		nats.CustomInboxPrefix(durableWatchInbox), report)
	cons, err := wjs.Consumer(ctx, "LEADLINE", "breach-watch")
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range batch.Messages() {
		got = append(got, m.Subject())
		// Acknowledged with the server's confirmation, so the ack floor
		// below is the server's after it.
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Error(); err != nil {
		t.Fatal(err)
	}
	if want := store.Subject("lead-1", "DeadlineBreached"); len(got) != 1 || got[0] != want {
		t.Fatalf("fetched %q, want [%s]", got, want)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.AckFloor.Consumer != 1 {
		t.Fatalf("ack floor %d, want the breach acknowledged", info.AckFloor.Consumer)
	}
	select {
	case err := <-errs:
		t.Fatalf("the durable watcher's documented permissions were not enough: %v", err)
	default:
	}
}

func TestEngineUserReadsABucketWithoutDirectGetThroughStreamMsgGet(t *testing.T) {
	// The key bucket's subjects README.md documents for a bucket made
	// elsewhere without AllowDirect.
	engine := &server.User{
		Username: "engine",
		Password: "engine-secret",
		Permissions: &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				"$KV.LEADLINE_KEYS.>",
				"$JS.API.STREAM.INFO.KV_LEADLINE_KEYS",
				"$JS.API.STREAM.MSG.GET.KV_LEADLINE_KEYS",
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>"}},
		},
	}
	operator := &server.User{Username: "operator", Password: "operator-secret"}
	srv := natstest.RunServerWith(t, func(o *server.Options) {
		o.Users = []*server.User{engine, operator}
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	_, ojs := natstest.Connect(t, srv.ClientURL(), nats.UserInfo(operator.Username, operator.Password))
	if _, err := ojs.CreateStream(ctx, jetstream.StreamConfig{
		Name:              "KV_LEADLINE_KEYS",
		Subjects:          []string{"$KV.LEADLINE_KEYS.>"},
		MaxMsgsPerSubject: 1,
		AllowRollup:       true,
		DenyDelete:        true,
		Discard:           jetstream.DiscardNew,
		AllowDirect:       false,
	}); err != nil {
		t.Fatal(err)
	}

	_, js := natstest.Connect(t, srv.ClientURL(), nats.UserInfo(engine.Username, engine.Password),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			t.Errorf("the Engine's user: %v", err)
			cancel()
		}))
	keys, err := natsjs.NewKeys(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	key, err := keys.Create(ctx, "lead-1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := keys.Get(ctx, "lead-1"); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Get: (%x, %v), want %x", got, err, key)
	}
	if err := keys.Delete(ctx, "lead-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Get(ctx, "lead-1"); !errors.Is(err, eventstore.ErrKeyErased) {
		t.Fatalf("Get after Delete: %v, want ErrKeyErased", err)
	}
}
