package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
)

// engineUser, breachUser and durableWatchUser have the permissions
// README.md documents for the default stream LEADLINE, subject prefix
// leadline and key-value buckets LEADLINE_KEYS and LEADLINE_CHECKPOINTS.
var (
	engineUser = &server.User{
		Username: "engine",
		Password: "engine-secret",
		Permissions: &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				// The Store.
				"leadline.*.*",
				"$JS.API.STREAM.INFO.LEADLINE",
				"$JS.API.STREAM.CREATE.LEADLINE",
				"$JS.API.DIRECT.GET.LEADLINE",
				"$JS.API.CONSUMER.CREATE.LEADLINE.>",
				"$JS.API.CONSUMER.DELETE.LEADLINE.>",
				"$JS.API.CONSUMER.MSG.NEXT.LEADLINE.>",
				// The data keys.
				"$KV.LEADLINE_KEYS.>",
				"$JS.API.STREAM.INFO.KV_LEADLINE_KEYS",
				"$JS.API.DIRECT.GET.KV_LEADLINE_KEYS.>",
				"$JS.API.STREAM.CREATE.KV_LEADLINE_KEYS",
				// The checkpoints.
				"$KV.LEADLINE_CHECKPOINTS.>",
				"$JS.API.STREAM.INFO.KV_LEADLINE_CHECKPOINTS",
				"$JS.API.DIRECT.GET.KV_LEADLINE_CHECKPOINTS.>",
				"$JS.API.STREAM.CREATE.KV_LEADLINE_CHECKPOINTS",
				// Creating a bucket reads the account's limits first.
				"$JS.API.INFO",
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>"}},
		},
	}
	breachUser = &server.User{
		Username: "breach-watch",
		Password: "breach-secret",
		Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Deny: []string{">"}},
			Subscribe: &server.SubjectPermission{Allow: []string{"leadline.*.DeadlineBreached"}},
		},
	}
	durableWatchUser = &server.User{
		Username: "breach-watch-durable",
		Password: "durable-secret",
		Permissions: &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				"$JS.API.CONSUMER.INFO.LEADLINE.breach-watch",
				"$JS.API.CONSUMER.MSG.NEXT.LEADLINE.breach-watch",
				"$JS.ACK.LEADLINE.breach-watch.>",
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{durableWatchInbox + ".>"}},
		},
	}
)

// durableWatchInbox is the durable breach watcher's own inbox prefix,
// outside the Engine's _INBOX.
const durableWatchInbox = "_INBOX_breach-watch"

// engineUserThatCreatesNothing is engineUser without the permissions that
// only creating the stream or a bucket needs.
func engineUserThatCreatesNothing() *server.User {
	var allow []string
	for _, s := range engineUser.Permissions.Publish.Allow {
		if s != "$JS.API.INFO" && !strings.HasPrefix(s, "$JS.API.STREAM.CREATE.") {
			allow = append(allow, s)
		}
	}
	return &server.User{
		Username: "engine-no-create",
		Password: "engine-no-create-secret",
		Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: allow},
			Subscribe: engineUser.Permissions.Subscribe,
		},
	}
}

// violations returns a connection option that reports the server's
// asynchronous errors, permission violations among them, on the channel.
func violations() (nats.Option, <-chan error) {
	ch := make(chan error, 64)
	return nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case ch <- err:
		default:
		}
	}), ch
}

// awaitViolation waits until the server reports a permissions violation
// whose text contains want, e.g. `Publish to "subject"`.
func awaitViolation(t *testing.T, errs <-chan error, want string) {
	t.Helper()
	guard := time.After(5 * time.Second)
	for {
		select {
		case err := <-errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), want) {
				return
			}
		case <-guard:
			t.Fatalf("the server reported no permissions violation for %s", want)
		}
	}
}

// refused runs op, which must fail because the server refuses it the
// subject want names. A refused request gets no reply, only the
// violation; op's context is cancelled once the violation is seen, so
// the test does not wait out a timeout.
func refused(t *testing.T, ctx context.Context, errs <-chan error, want string, op func(context.Context) error) {
	t.Helper()
	octx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- op(octx) }()
	awaitViolation(t, errs, want)
	cancel()
	if err := <-done; err == nil {
		t.Fatalf("the operation refused %s succeeded", want)
	}
}

func TestSubscribeOnlyUserCannotWriteAndReceivesEveryBreach(t *testing.T) {
	srv := natstest.RunServerWith(t, func(o *server.Options) {
		o.Users = []*server.User{engineUser, breachUser}
	})
	ctx := testCtx(t)
	_, js := natstest.Connect(t, srv.ClientURL(), nats.UserInfo(engineUser.Username, engineUser.Password))
	store, err := natsjs.New(ctx, js) // the documented permissions are enough to create the stream
	if err != nil {
		t.Fatal(err)
	}

	violations := make(chan error, 16)
	watcher, _ := natstest.Connect(t, srv.ClientURL(),
		nats.UserInfo(breachUser.Username, breachUser.Password),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case violations <- err:
			default:
			}
		}))
	breaches := make(chan *nats.Msg, 64)
	sub, err := watcher.ChanSubscribe("leadline.*.DeadlineBreached", breaches)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := watcher.Flush(); err != nil {
		t.Fatal(err)
	}

	// The breach user tries to write a breach of its own.
	if err := watcher.Publish(store.Subject("lead-x", "DeadlineBreached"), []byte(`{"forged":true}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-violations:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("publish by the breach user: %v, want a permissions violation", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not refuse the breach user's publish")
	}

	// The engine user records breaches, single and with their steps.
	const leads = 5
	for i := range leads {
		stream := fmt.Sprintf("lead-%d", i)
		if _, err := store.Append(ctx, stream, 0, newRec("HandedOff", "{}")); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, stream, 1, newRec("DeadlineBreached", fmt.Sprint(i)), newRec("Escalated", "{}")); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for len(seen) < leads {
		select {
		case m := <-breaches:
			seen[strings.Split(m.Subject, ".")[1]]++
		case <-time.After(5 * time.Second):
			t.Fatalf("breach user received breaches of %d of %d leads", len(seen), leads)
		}
	}
	for l, n := range seen {
		if n != 1 {
			t.Fatalf("%s: %d breach messages, want 1", l, n)
		}
	}

	// Nothing the breach user sent is stored; the engine user's Store
	// (Read and Subscribe included) works within its permissions.
	all, err := store.Read(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3*leads {
		t.Fatalf("stream holds %d records, want %d", len(all), 3*leads)
	}
	for _, r := range all {
		if r.Stream == "lead-x" {
			t.Fatalf("the breach user's publish was stored: %+v", r)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n := 0
	stop := errors.New("stop")
	if err := store.Subscribe(sctx, 0, func(eventstore.Record) error {
		if n++; n == len(all) {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) {
		t.Fatalf("Subscribe as the engine user: %v after %d records", err, n)
	}
}
