package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Anything published on the subjects the stream captures stops nothing:
// a message without headers, a forged version, forged lifecycle steps.
// Every other lead's due steps are recorded exactly once, each bad record
// is reported once, and the forged lead answers with a *CorruptError.
func TestForeignMessagesOnJetStreamStopNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv.ClientURL())
	store, err := natsjs.New(ctx, js, natsjs.WithStream("FOREIGN"))
	must(t, err)
	mock := clock.NewMock(monday)
	var faults faultLog
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()),
		leadline.WithRouter(directory(t)), leadline.WithFaults(faults.add))
	must(t, err)

	forged, err := e.Capture(ctx, lead.Capture{ID: "forged", Email: "eve@example.com"})
	must(t, err)
	publish := func(subject string, h nats.Header, data []byte) {
		t.Helper()
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject, Header: h, Data: data}); err != nil {
			t.Fatalf("publish on %s: %v", subject, err)
		}
	}
	publish(store.Subject("telemetry", "Ping"), nil, []byte("{}"))
	won, err := lead.Encode(lead.Won{Meta: lead.Meta{Lead: forged, Version: 2, At: mock.Now()}, Amount: 1e15})
	must(t, err)
	publish(store.Subject(string(forged), "Won"), nats.Header{
		natsjs.HeaderStream: {string(forged)}, natsjs.HeaderVersion: {"2"}, natsjs.HeaderType: {"Won"}, "Nats-Msg-Id": {"forged-won"},
	}, won)

	ran := make(chan error, 1)
	go func() { ran <- e.Run(ctx) }()
	var good []lead.ID
	for range 3 {
		good = append(good, handedOff(t, e, "ana"))
	}
	publish(store.Subject("telemetry", "Ping"), nats.Header{natsjs.HeaderVersion: {"99"}}, []byte("not json"))
	runUntil(t, mock, ran, 5*time.Minute, func() bool { return len(stepsOf(t, store, good)) == 2*len(good) })
	requireOnce(t, stepsOf(t, store, good), 2*len(good))

	var ce *leadline.CorruptError
	if _, err := e.Lead(ctx, forged); !errors.As(err, &ce) || ce.Version != 2 {
		t.Fatalf("Lead(forged) = %v; want a *CorruptError at version 2", err)
	}
	fresh, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()))
	must(t, err)
	if _, err := fresh.Rebuild(ctx); err != nil {
		t.Fatalf("Rebuild of a new Engine = %v", err)
	}
	got := faults.byStream()
	if fs := got[string(forged)]; len(fs) != 1 || !errors.Is(fs[0].Err, lead.ErrCorrupt) {
		t.Errorf("faults for the forged lead = %v; want one matching lead.ErrCorrupt", fs)
	}
	for stream, fs := range got {
		if len(fs) != 1 {
			t.Errorf("stream %q reported %d times: %v", stream, len(fs), fs)
		}
	}
	if len(got) < 2 {
		t.Errorf("faults = %v; want the foreign messages and the forged lead", got)
	}
	_ = nc
	cancel()
	if err := <-ran; err != context.Canceled {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
}

// Commands with IDs are retried by their caller after every error while
// the stream's leader is shut down mid-load in a three-node cluster: each
// command is in its lead's history exactly once afterwards.
func TestRetriedCommandsOnJetStreamSurviveALeaderKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	c := natstest.RunCluster(t, 3)
	_, js := natstest.Connect(t, c.ClientURLs(), nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	store, err := natsjs.New(ctx, js, natsjs.WithReplicas(3), natsjs.WithTimeout(2*time.Second))
	must(t, err)
	leader := c.WaitForStreamLeader(store.StreamName())
	rr, err := sla.NewRoundRobin("", sla.Rep{Name: "ana"})
	must(t, err)
	e, err := leadline.New(store, leadline.WithRouter(rr), leadline.WithCacheSize(1), leadline.WithBackoff(5*time.Millisecond, 200*time.Millisecond))
	must(t, err)

	// send runs one command until it is decided, retrying with its ID.
	var errs, retries int
	send := func(id lead.ID, cid string, cmd lead.Command) {
		t.Helper()
		for attempt := 0; ; attempt++ {
			cctx, stop := context.WithTimeout(ctx, 3*time.Second)
			_, err := e.Execute(cctx, id, cmd, leadline.CommandID(cid))
			stop()
			if err == nil {
				return
			}
			if errors.Is(err, lead.ErrInvalid) || errors.Is(err, lead.ErrTransition) || ctx.Err() != nil {
				t.Fatalf("%s %s: %v", cmd.Name(), cid, err)
			}
			errs++
			retries++
			time.Sleep(10 * time.Millisecond)
		}
	}
	const leads, touches = 4, 40
	ids := make([]lead.ID, leads)
	for i := range ids {
		ids[i] = lead.ID("lead-" + strconv.Itoa(i))
		send(ids[i], "capture-"+strconv.Itoa(i), lead.Capture{Email: "ada@example.com"})
		send(ids[i], "mql-"+strconv.Itoa(i), lead.QualifyMarketing{Source: lead.SourceScore})
		send(ids[i], "handoff-"+strconv.Itoa(i), lead.HandOff{})
		send(ids[i], "accept-"+strconv.Itoa(i), lead.Accept{})
	}
	for n := range touches {
		if n == touches/3 {
			c.Shutdown(leader)
		}
		if n == 2*touches/3 {
			c.Restart(leader)
		}
		for _, id := range ids {
			send(id, fmt.Sprintf("touch-%s-%d", id, n), lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer})
		}
	}
	for _, id := range ids {
		s, err := e.Lead(ctx, id)
		must(t, err)
		if s.Touches != touches {
			t.Errorf("%s has %d touches; %d commands were sent", id, s.Touches, touches)
		}
		history, err := e.History(ctx, id)
		must(t, err)
		seen := map[string]int{}
		for _, ev := range history {
			seen[ev.Base().Command]++
		}
		for cid, n := range seen {
			if n != 1 {
				t.Errorf("command %s is in %s's history %d times", cid, id, n)
			}
		}
	}
	t.Logf("%d commands, %d errors retried", leads*(4+touches), retries)
	_ = errs
}
