package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
		"SLA record:",
		"escalated to a manager",
		"First breach steps, as a subscriber sees them:",
		"Captured   80     100.0%",
		"SLA compliance by deadline",
		"all    accept",
		"Revenue plan for next quarter",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestQuickstartWritesTheChartsToOut(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "40", "-days", "14", "-out", dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"funnel.svg", "compliance.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("<svg")) || !bytes.Contains(b, []byte("</svg>")) {
			t.Fatalf("%s is not an SVG document: %.80q", name, b)
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
