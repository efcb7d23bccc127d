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
		"SQL value sourced", // Summary.Pipeline counts won SQLs too: not an open pipeline
		"of SLA time (business hours, pauses left out)",
		"of wall time",
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

func TestQuickstartCountsNoRepRefusalsApartAndNamesThePeriod(t *testing.T) {
	// 400 leads in 4 days swamp the four reps, so some hand-offs find no
	// rep with room.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "400", "-days", "4"}, &out); err != nil {
		t.Fatal(err)
	}
	var moved, noRep string
	for line := range strings.Lines(out.String()) {
		if s, ok := strings.CutPrefix(line, "Commands refused because the SLA had moved the lead on first: "); ok {
			moved = s
		}
		if s, ok := strings.CutPrefix(line, "Commands refused because no rep was available: "); ok {
			noRep = s
		}
	}
	if !strings.HasPrefix(noRep, "HandOff ") {
		t.Errorf("no-rep refusals = %q, want the hand-offs counted:\n%s", noRep, out.String())
	}
	if strings.Contains(moved, "HandOff") {
		t.Errorf("refusals the SLA caused = %q, which counts the no-rep hand-offs", moved)
	}
	if want := "Funnel (leads captured in the 4 simulated days,"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
	if strings.Contains(out.String(), "this month") {
		t.Errorf("report of 4 days speaks of a month:\n%s", out.String())
	}
}
