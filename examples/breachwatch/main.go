// Command breachwatch shows leadline on NATS JetStream: an Engine enforces
// a short SLA on a JetStream store, and a separate consumer — a plain NATS
// client that knows nothing of leadline's Go types — prints each SLA breach
// as it arrives and acknowledges it.
//
//	go run ./examples/breachwatch                 # embedded nats-server, mock clock: a simulated hour in a second
//	go run ./examples/breachwatch -real           # the real clock: breaches after a few seconds
//	go run ./examples/breachwatch -url nats://127.0.0.1:4222
//
// By default it starts nats-server in process, with JetStream storing in a
// temporary directory that it removes on exit. It publishes on the
// documented subjects (leadline.<lead>.<Type>, -prefix to change), so
// against your own server
//
//	nats sub 'leadline.*.DeadlineBreached'
//
// shows the same breaches as its own consumer.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "breachwatch:", err)
		os.Exit(1)
	}
}

type config struct {
	url      string
	real     bool
	leads    int
	stream   string
	prefix   string
	consumer string
	wait     time.Duration
}

func parse(args []string, w io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("breachwatch", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&c.url, "url", "", "NATS server to use (default: start one in process)")
	fs.BoolVar(&c.real, "real", false, "run on the real clock (seconds-long SLA) instead of a mock clock")
	fs.IntVar(&c.leads, "leads", 3, "how many leads to hand off and leave unaccepted")
	fs.StringVar(&c.stream, "stream", natsjs.DefaultStream, "JetStream stream to keep the events in")
	fs.StringVar(&c.prefix, "prefix", natsjs.DefaultSubjectPrefix, "subject prefix of the stream's subjects")
	fs.StringVar(&c.consumer, "consumer", "breachwatch-example", "durable consumer the watcher reads with")
	fs.DurationVar(&c.wait, "wait", 30*time.Second, "give up when the breaches have not all arrived by then")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.leads < 1 {
		return c, errors.New("-leads must be at least 1")
	}
	return c, nil
}

func run(ctx context.Context, args []string, w io.Writer) error {
	c, err := parse(args, w)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.wait)
	defer cancel()

	url := c.url
	if url == "" {
		srv, dir, err := embeddedServer()
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		defer srv.Shutdown()
		url = srv.ClientURL()
		fmt.Fprintln(w, "started nats-server in process with JetStream")
	}
	subject := c.prefix + ".*.DeadlineBreached"
	fmt.Fprintf(w, "server %s, stream %s; to watch from a shell: nats sub '%s'\n", redacted(url), c.stream, subject)

	// The Engine's side: a JetStream store on its own connection.
	nc, err := nats.Connect(url, nats.Name("leadline engine"))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redacted(url), err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	store, err := natsjs.New(ctx, js, natsjs.WithStream(c.stream), natsjs.WithSubjectPrefix(c.prefix))
	if err != nil {
		return err
	}

	// The watcher's side: another connection, plain JetStream, JSON maps.
	watched, stopWatch, err := watch(ctx, url, c.stream, c.consumer, subject, w)
	if err != nil {
		return err
	}
	defer stopWatch()

	// A short SLA: accept within a minute (simulated) or five seconds
	// (real clock); escalate at the breach, return to marketing one
	// period later.
	unit := time.Minute
	var clk clock.Clock
	mock := clock.NewMock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	clk = mock
	if c.real {
		unit = 5 * time.Second
		clk = clock.New()
	}
	policy := sla.Policy{Version: 1, Accept: sla.Rule{Within: unit, Ladder: []sla.Step{
		{Action: lead.ActionEscalate}, {After: unit, Action: lead.ActionReturn},
	}}}
	team, _ := sla.NewRoundRobin("", sla.Rep{Name: "ana", Manager: "mia"}, sla.Rep{Name: "ben", Manager: "mia"})
	engine, err := leadline.New(store, leadline.WithClock(clk), leadline.WithPolicy(policy), leadline.WithRouter(team))
	if err != nil {
		return err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	ran := make(chan error, 1)
	go func() { ran <- engine.Run(runCtx) }()

	fmt.Fprintf(w, "handing off %d leads that nobody will accept (SLA: accept within %v, escalate, return %v later)\n", c.leads, unit, unit)
	for i := range c.leads {
		id, err := engine.Capture(ctx, lead.Capture{Email: fmt.Sprintf("buyer%d@example.com", i+1)})
		if err != nil {
			return err
		}
		for _, cmd := range []lead.Command{lead.QualifyMarketing{Source: lead.SourceScore}, lead.HandOff{}} {
			if _, err := engine.Execute(ctx, id, cmd); err != nil {
				return err
			}
		}
	}

	want := 2 * c.leads // escalate and return, per lead
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for watched() < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("received %d of %d breaches before giving up: %w", watched(), want, ctx.Err())
		case err := <-ran:
			return fmt.Errorf("engine stopped: %w", err)
		case <-tick.C:
			if !c.real {
				mock.Add(unit / 4) // a simulated quarter period per tick
			}
		}
	}
	stopRun()
	<-ran
	fmt.Fprintf(w, "received and acknowledged %d breaches\n", want)
	return nil
}

// watch consumes subject from the stream with a durable consumer, as any
// NATS service would, printing each breach and acknowledging it. It
// returns how many breaches arrived so far.
func watch(ctx context.Context, url, stream, consumer, subject string, w io.Writer) (count func() int, stop func(), err error) {
	nc, err := nats.Connect(url, nats.Name("breach watcher"))
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       consumer,
		FilterSubject: subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
	})
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	var mu sync.Mutex
	n := 0
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var ev struct {
			Lead     string         `json:"lead"`
			At       time.Time      `json:"at"`
			Deadline map[string]any `json:"deadline"`
			Step     int            `json:"step"`
			Action   string         `json:"action"`
			Rep      string         `json:"rep"`
		}
		if err := json.Unmarshal(m.Data(), &ev); err != nil {
			_ = m.Term()
			return
		}
		mu.Lock()
		n++
		fmt.Fprintf(w, "breach on %s: lead %s, %v deadline, step %d: %s (rep %s)\n",
			m.Subject(), ev.Lead[len(ev.Lead)-6:], ev.Deadline["kind"], ev.Step, ev.Action, ev.Rep)
		mu.Unlock()
		_ = m.Ack()
	})
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	count = func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
	return count, func() { cc.Stop(); nc.Close() }, nil
}

// redacted is raw with any password replaced by "xxxxx".
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// embeddedServer starts nats-server with JetStream on a random loopback
// port, storing in a new temporary directory.
func embeddedServer() (*server.Server, string, error) {
	dir, err := os.MkdirTemp("", "breachwatch-*")
	if err != nil {
		return nil, "", err
	}
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		os.RemoveAll(dir)
		return nil, "", errors.New("embedded nats-server did not start")
	}
	return srv, dir, nil
}
