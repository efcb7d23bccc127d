package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/leadline/leadline/internal/natstest"
)

func TestBreachwatchReceivesEveryBreachOnAPlainConsumer(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "2", "-wait", "60s"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	if got := strings.Count(s, "breach on leadline."); got != 4 {
		t.Fatalf("printed %d breaches, want 4 (escalate and return for 2 leads):\n%s", got, s)
	}
	for _, want := range []string{"accept deadline, step 0: escalate (rep ", "accept deadline, step 1: return", "received and acknowledged 4 breaches"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestBreachwatchHelpIsNotAnError(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &out)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-prefix") {
		t.Fatalf("run(-h) = %v, printing %q; want flag.ErrHelp (main exits 0) and the flags", err, out.String())
	}
}

func TestRedactedHidesThePassword(t *testing.T) {
	if got := redacted("nats://alice:s3cret@127.0.0.1:4222"); strings.Contains(got, "s3cret") {
		t.Fatalf("redacted = %q", got)
	}
}

// The README's own line, nats sub 'leadline.*.DeadlineBreached', receives
// what breachwatch -url produces: a plain core NATS subscriber counts them.
func TestAPlainNATSSubscriberReceivesTheBreaches(t *testing.T) {
	srv := natstest.RunServer(t)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("leadline.*.DeadlineBreached")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-url", srv.ClientURL(), "-leads", "2", "-wait", "60s"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "nats sub 'leadline.*.DeadlineBreached'") {
		t.Errorf("breachwatch does not print the nats sub line:\n%s", out.String())
	}
	for i := range 4 {
		if _, err := sub.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("breach %d of 4 did not reach the plain subscriber: %v", i+1, err)
		}
	}
}
