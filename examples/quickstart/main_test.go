package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstartTellsTheSameStoryForTheSameSeed(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "80", "-days", "20", "-seed", "3"}, &a); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"-leads", "80", "-days", "20", "-seed", "3"}, &b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("two runs with the same seed printed different reports")
	}
	out := a.String()
	for _, want := range []string{
		"leadline quickstart: 80 leads over 20 days, seed 3",
		"Captured      reached   80",
		"SLA record:",
		"accept       deadlines breached:",
		"escalated to a manager",
		"First breach steps, as a subscriber sees them:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestQuickstartRefusesBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "0"}, &out); err == nil {
		t.Fatal("-leads 0 was accepted")
	}
	if err := run(context.Background(), []string{"-nope"}, &out); err == nil {
		t.Fatal("an unknown flag was accepted")
	}
}
