// Command whatif asks what a draft SLA would have done to a month of
// leads, before anyone signs it: it records the quickstart's simulated
// month (a few hundred leads on a mock clock, seeded randomness) under the
// policy in force, then replays the callers' commands under the draft and
// under the policy in force (leadline.WhatIf) and prints side by side the
// warnings, breaches, escalations, reassignments, returns and stalls per
// deadline kind and team, and the leads that would have ended differently.
//
//	go run ./examples/whatif                                 # accept within 4 business hours instead of 8
//	go run ./examples/whatif -draft my-draft.json            # any policy file (sla/POLICY.md)
//	go run ./examples/whatif -policy sla.json -draft my-draft.json -leads 500 -seed 7
//
// The built-in policy in force is the quickstart's sla.json; the built-in
// draft, draft.json, is the same with an accept window of 4 business hours
// instead of 8. Every flag and both files are checked before anything is
// printed.
package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/internal/simulate"
	"github.com/leadline/leadline/sla"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h printed the flags
	case err != nil:
		fmt.Fprintln(os.Stderr, "whatif:", err)
		os.Exit(1)
	}
}

// files holds the built-in policy files, so that the program runs from
// any directory.
//
//go:embed sla.json draft.json
var files embed.FS

type config struct {
	leads, days, show int
	seed              uint64
	policyName        string
	draftName         string
	policy, draft     sla.Set
}

// parse reads the flags and loads both policy files, so that a bad flag
// or file fails the run before anything is printed.
func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("whatif", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.leads, "leads", 300, "how many leads to capture over the simulated days")
	fs.IntVar(&c.days, "days", 30, "how many days to simulate")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the simulation's randomness")
	fs.StringVar(&c.policyName, "policy", "", "policy file in force (default: the built-in sla.json, the quickstart's)")
	fs.StringVar(&c.draftName, "draft", "", "draft policy file to try (default: the built-in draft.json, accept within 4 business hours)")
	fs.IntVar(&c.show, "show", 10, "how many of the leads that end differently to list")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q (the draft goes in -draft)", fs.Arg(0))
	case c.leads < 1 || c.days < 1:
		return c, errors.New("-leads and -days must be at least 1")
	case c.show < 0:
		return c, errors.New("-show must not be negative")
	}
	var err error
	if c.policy, c.policyName, err = load(c.policyName, "sla.json"); err != nil {
		return c, err
	}
	if c.draft, c.draftName, err = load(c.draftName, "draft.json"); err != nil {
		return c, err
	}
	return c, nil
}

// load reads the policy file at path, or the built-in file builtin when
// path is empty, and returns it with the name to print.
func load(path, builtin string) (sla.Set, string, error) {
	if path == "" {
		set, err := sla.LoadSet(files, builtin)
		return set, builtin + " (built in)", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return sla.Set{}, "", err
	}
	set, err := sla.ParseSet(bytes.NewReader(b))
	if err != nil {
		return sla.Set{}, "", fmt.Errorf("%s: %w", path, err)
	}
	return set, path, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // a Monday morning
	end := start.Add(time.Duration(c.days) * 24 * time.Hour)
	month, err := record(ctx, c, start, end)
	if err != nil {
		return err
	}
	w := leadline.WhatIf{InForce: c.policy, Draft: c.draft, Router: month.Router, Until: end}
	cmp, err := w.Compare(ctx, month.Store)
	if err != nil {
		return err
	}
	return print(stdout, c, cmp)
}

// record runs the simulated month on an Engine under the policy in force,
// as a service would have, and returns it with the store holding its
// history. Commands the Engine refuses (the SLA moved the lead on first,
// or no rep had room) are not recorded, as in a service.
func record(ctx context.Context, c config, start, end time.Time) (*simulate.Month, error) {
	// The reps answer in the coverage hours of the policy in force.
	work := sla.DefaultPolicy().Calendar
	if p, ok := c.policy.Current(""); ok {
		work = p.Calendar
	}
	month, err := simulate.New(simulate.Config{Leads: c.leads, Days: c.days, Seed: c.seed, Start: start, Calendar: work, NoCompany: true},
		leadline.WithPolicies(c.policy))
	if err != nil {
		return nil, err
	}
	return month, month.PlayUntil(ctx, end)
}

// print writes the comparison: totals, then per deadline kind and team,
// then the leads that end differently.
func print(w io.Writer, c config, cmp *leadline.Comparison) error {
	fmt.Fprintf(w, "leadline what-if: %d leads over %d days, seed %d\n", c.leads, c.days, c.seed)
	fmt.Fprintf(w, "in force: %s\ndraft:    %s\n", c.policyName, c.draftName)
	for _, d := range differences(c.policy, c.draft) {
		fmt.Fprintln(w, "  "+d)
	}
	fmt.Fprintf(w, "replayed %d commands on %d leads, %s to %s\n\n", cmp.Commands, cmp.Leads,
		cmp.From.Format("Mon Jan 02 15:04"), cmp.To.Format("Mon Jan 02 15:04"))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "deadline\tteam\t\tin force\tdraft\tchange\t")
	line := func(kind, team string, a, b leadline.Tally, all bool) {
		for _, m := range measures {
			x, y := m.of(a), m.of(b)
			if x == 0 && y == 0 && !all {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%+d\t\n", kind, team, m.name, x, y, y-x)
			kind, team = "", ""
		}
	}
	for _, r := range cmp.Rows {
		team := r.Team
		if team == "" {
			team = "-"
		}
		line(string(r.Kind), team, r.InForce, r.Draft, false)
	}
	line("all", "", cmp.InForce, cmp.Draft, true)
	if err := tw.Flush(); err != nil {
		return err
	}
	if cmp.Recorded != cmp.InForce {
		fmt.Fprintf(w, "\nnote: the history records %d breaches and %d warnings, the replay under the policy in force %d and %d:\n"+
			"the policy file given as in force is not the one the history ran under\n",
			cmp.Recorded.Breaches, cmp.Recorded.Warnings, cmp.InForce.Breaches, cmp.InForce.Warnings)
	}

	var ends []leadline.LeadChange
	for _, ch := range cmp.Changed {
		if ch.InForce.Stage != ch.Draft.Stage || ch.InForce.Rep != ch.Draft.Rep || len(ch.InForce.Refused) != len(ch.Draft.Refused) {
			ends = append(ends, ch)
		}
	}
	fmt.Fprintf(w, "\n%d leads see the SLA act differently; %d of them end differently (stage, rep or commands refused)", len(cmp.Changed), len(ends))
	if len(ends) == 0 || c.show == 0 {
		fmt.Fprintln(w)
		return nil
	}
	fmt.Fprintln(w, ":")
	for i, ch := range ends {
		if i == c.show {
			fmt.Fprintf(w, "  ... and %d more (-show)\n", len(ends)-i)
			break
		}
		fmt.Fprintf(w, "  %s  in force: %s  draft: %s\n", ch.Lead, describe(ch.InForce), describe(ch.Draft))
	}
	return nil
}

// measures are the columns of a leadline.Tally, in print order.
var measures = []struct {
	name string
	of   func(leadline.Tally) int
}{
	{"warnings", func(t leadline.Tally) int { return t.Warnings }},
	{"breaches", func(t leadline.Tally) int { return t.Breaches }},
	{"escalations", func(t leadline.Tally) int { return t.Escalations }},
	{"reassignments", func(t leadline.Tally) int { return t.Reassignments }},
	{"returns", func(t leadline.Tally) int { return t.Returns }},
	{"stalls", func(t leadline.Tally) int { return t.Stalls }},
	{"routes", func(t leadline.Tally) int { return t.Routes }},
}

// describe says how a lead ended in one replay: its stage and rep, and
// the commands refused, counted by name.
func describe(r leadline.LeadRun) string {
	s := r.Stage.String()
	if r.Rep != "" {
		s += " (" + r.Rep + ")"
	}
	if len(r.Refused) == 0 {
		return s
	}
	var names []string
	counts := map[string]int{}
	for _, f := range r.Refused {
		if counts[f.Command] == 0 {
			names = append(names, f.Command)
		}
		counts[f.Command]++
	}
	for i, n := range names {
		if counts[n] > 1 {
			names[i] = fmt.Sprintf("%s x%d", n, counts[n])
		}
	}
	return s + ", refused " + strings.Join(names, ", ")
}

// differences says how the current policy of each segment differs
// between the two sets, deadline by deadline: the windows, and whether
// anything else (ladders, warnings, calendar) changed.
func differences(inForce, draft sla.Set) []string {
	var out []string
	segments := append(inForce.Segments(), draft.Segments()...)
	slices.Sort(segments)
	for _, name := range slices.Compact(segments) {
		label := "default segment"
		if name != "" {
			label = "segment " + name
		}
		a, okA := inForce.Current(name)
		b, okB := draft.Current(name)
		switch {
		case !okA:
			out = append(out, label+": new in the draft")
			continue
		case !okB:
			out = append(out, label+": not in the draft")
			continue
		}
		var diffs []string
		for _, r := range []struct {
			rule string
			a, b time.Duration
		}{
			{"accept within", a.Accept.Within, b.Accept.Within},
			{"first touch within", a.FirstTouch.Within, b.FirstTouch.Within},
			{"cadence over", a.Cadence.Within, b.Cadence.Within},
			{"unresponsive after", a.Unresponsive.Within, b.Unresponsive.Within},
			{"qualify within", a.Qualify.Within, b.Qualify.Within},
			{"stall after (accepted)", a.Stall.Accepted, b.Stall.Accepted},
			{"stall after (SQL)", a.Stall.SQL, b.Stall.SQL},
		} {
			if r.a != r.b {
				diffs = append(diffs, fmt.Sprintf("%s %v -> %v", r.rule, r.a, r.b))
			}
		}
		a.Version, b.Version = 0, 0
		if len(diffs) == 0 && !a.Equal(b) {
			diffs = append(diffs, "same windows; ladders, counts, warnings or calendar differ")
		}
		if len(diffs) > 0 {
			out = append(out, label+": "+strings.Join(diffs, "; "))
		}
	}
	return out
}
