package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBreachwatchReceivesEveryBreachOnAPlainConsumer(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "2", "-wait", "60s"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	if got := strings.Count(s, "breach on bw."); got != 4 {
		t.Fatalf("printed %d breaches, want 4 (escalate and return for 2 leads):\n%s", got, s)
	}
	for _, want := range []string{"accept deadline, step 0: escalate (rep ", "accept deadline, step 1: return", "received and acknowledged 4 breaches"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}
