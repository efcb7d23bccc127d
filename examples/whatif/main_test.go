package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// measure returns the in-force and draft figures of measure name in the
// rows of deadline kind (the first row, whatever the team, when kind
// heads several) of whatif's table, summed over the teams.
func measure(t *testing.T, out, kind, name string) (inForce, draft int) {
	t.Helper()
	current := ""
	found := false
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		switch {
		case len(f) == 6: // kind, team, measure, in force, draft, change
			current = f[0]
			f = f[2:]
		case len(f) == 5 && f[0] == "all": // the totals have no team
			current = "all"
			f = f[1:]
		}
		if current != kind || len(f) != 4 || f[0] != name {
			continue
		}
		a, err1 := strconv.Atoi(f[1])
		b, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			t.Fatalf("unreadable row %q", line)
		}
		inForce, draft, found = inForce+a, draft+b, true
	}
	if !found {
		t.Fatalf("no %s %s row in:\n%s", kind, name, out)
	}
	return inForce, draft
}

func TestTheBuiltInDraftOfFourHoursToAcceptBreachesMoreAcceptDeadlines(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "120", "-days", "20", "-seed", "3"}, &out, &errs); err != nil {
		t.Fatal(err, errs.String())
	}
	s := out.String()
	for _, want := range []string{
		"leadline what-if: 120 leads over 20 days, seed 3",
		"in force: sla.json (built in)",
		"draft:    draft.json (built in)",
		"  default segment: accept within 8h0m0s -> 4h0m0s\n",
		"end differently",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "note:") {
		t.Errorf("the replay under the policy in force does not reproduce the recorded history:\n%s", s)
	}
	a, b := measure(t, s, "accept", "breaches")
	if b <= a {
		t.Errorf("accept breaches: %d in force, %d under a window half as long", a, b)
	}
	if a, b := measure(t, s, "all", "breaches"); a == b {
		t.Errorf("total breaches %d under both", a)
	}
}

func TestADraftEqualToThePolicyInForceChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "same.json")
	b, err := files.ReadFile("sla.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"-leads", "60", "-days", "14", "-draft", path}, &out, &errs); err != nil {
		t.Fatal(err, errs.String())
	}
	if !strings.Contains(out.String(), "\n0 leads see the SLA act differently; 0 of them end differently") {
		t.Errorf("a draft equal to the policy changed leads:\n%s", out.String())
	}
	if strings.Contains(out.String(), "default segment") {
		t.Errorf("a draft equal to the policy is reported as different:\n%s", out.String())
	}
	if a, b := measure(t, out.String(), "all", "warnings"); a != b || a == 0 {
		t.Errorf("warnings %d in force, %d under the same policy", a, b)
	}
}

func TestFlagsAndFilesAreCheckedBeforeAnyOutput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"policies": [{"version": 1, "accept": {"within": "eight hours"}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-leads", "0"},
		{"-days", "-3"},
		{"-show", "-1"},
		{"-draft", filepath.Join(dir, "missing.json")},
		{"-policy", bad},
		{"-draft", bad},
		{"draft.json"},
		{"-nope"},
	} {
		var out, errs bytes.Buffer
		err := run(context.Background(), args, &out, &errs)
		if err == nil {
			t.Errorf("%q was accepted", args)
		}
		if out.Len() > 0 {
			t.Errorf("%q printed before failing:\n%s", args, out.String())
		}
	}
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"-draft", bad}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), "within") {
		t.Errorf("a bad draft file fails with %v, want the file and the field named", err)
	}
}

func TestHelpPrintsTheFlagsAndExitsCleanly(t *testing.T) {
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &out, &errs)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errs.String(), "-draft") {
		t.Fatalf("run(-h) = %v, printing %q; want flag.ErrHelp (main exits 0) and the flags", err, errs.String())
	}
}
