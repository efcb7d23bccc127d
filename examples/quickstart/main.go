// Command quickstart runs leadline's main job on the in-memory store: a
// simulated month in which a few hundred leads go through the lifecycle
// under the seed SLA template, on a mock clock, with seeded randomness so
// that every run prints the same story.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -leads 500 -seed 7
//
// The policy is the template's: marketing generates MQLs; sales accepts or
// rejects each within 8 business hours (escalate at the breach, reassign 4
// hours later, return to marketing 8 hours later), reaches it within 4
// business hours of accepting, touches it at least 5 times in the first 10
// days, and turns it into an SQL within 10 days or returns it.
//
// The month itself (who arrives when, how quickly each rep reacts, how
// each lead ends) is scripted in internal/simulate, which the dashboard
// and whatif examples play too.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/report"
	"github.com/leadline/leadline/internal/simulate"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h printed the flags
	case err != nil:
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

type config struct {
	leads int
	days  int
	seed  uint64
	out   string
}

func parse(args []string, w io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.IntVar(&c.leads, "leads", 300, "how many leads to capture over the simulated days")
	fs.IntVar(&c.days, "days", 30, "how many days to simulate")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the simulation's randomness")
	fs.StringVar(&c.out, "out", "", "directory to write the SVG charts to (none when empty)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.leads < 1 || c.days < 1 {
		return c, errors.New("-leads and -days must be at least 1")
	}
	return c, nil
}

// start is a Monday morning, so the month starts with a working day.
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// files holds sla.json, the seed template's SLA as a sales-ops person
// edits it, built into the program so that it runs from any directory.
//
//go:embed sla.json
var files embed.FS

// policy is the seed template's SLA, read from sla.json. The file is part
// of the program, so a file that does not load is a bug the tests catch,
// not an input error.
func policy() sla.Policy {
	ps, err := sla.LoadPolicies(files, "sla.json")
	if err != nil {
		panic(err)
	}
	return ps[0]
}

func run(ctx context.Context, args []string, w io.Writer) error {
	c, err := parse(args, w)
	if err != nil {
		return err
	}
	p := policy()
	// Reps work in the policy's coverage hours: their delays are counted
	// in working time, so a lead handed off at night waits for the morning.
	month, err := simulate.New(simulate.Config{Leads: c.leads, Days: c.days, Seed: c.seed, Start: start, Calendar: p.Calendar},
		leadline.WithPolicy(p))
	if err != nil {
		return err
	}
	refused, noRep := map[string]int{}, map[string]int{}
	month.Refused = func(s simulate.Step, err error) {
		if errors.Is(err, lead.ErrTransition) {
			refused[s.Cmd.Name()]++
		} else {
			noRep[s.Cmd.Name()]++
		}
	}

	fmt.Fprintf(w, "leadline quickstart: %d leads over %d days, seed %d\n", c.leads, c.days, c.seed)
	fmt.Fprintf(w, "policy v%d: accept within %v business hours (escalate, reassign +4h, return +8h); first touch within %v business hours;\n",
		p.Version, p.Accept.Within.Hours(), p.FirstTouch.Within.Hours())
	fmt.Fprintf(w, "  %d touches in the first %v days, a day apart; SQL within %v days; coverage Mon-Fri 09:00-18:00 UTC\n\n",
		p.Cadence.Touches, p.Cadence.Within.Hours()/24, p.Qualify.Within.Hours()/24)

	// PlayUntil moves the mock clock an hour at a time, letting the Engine
	// record every warning and breach step that comes due on the way. A
	// service would call engine.Run(ctx) on the real clock instead.
	if err := month.PlayUntil(ctx, start.Add(time.Duration(c.days)*24*time.Hour)); err != nil {
		return err
	}
	return printReport(ctx, w, c, month.Engine, month.Store, refused, noRep)
}

// printReport prints what happened, read back the way any subscriber reads
// it: Engine.Subscribe over the store's global order, folded into a
// funnel.Projection. It ends with the funnel, SLA compliance and the
// revenue plan, and writes the SVG charts when c.out is set.
func printReport(ctx context.Context, w io.Writer, c config, e *leadline.Engine, store *eventstore.Memory, refused, noRep map[string]int) error {
	policies, err := sla.NewSet(nil, policy())
	if err != nil {
		return err
	}
	// The projection measures time to accept in the policy's hours, as the
	// SLA measured it.
	proj := funnel.Projection{Location: time.UTC, Policies: policies}
	counts := map[string]int{}
	var feed []string
	last, err := headPosition(ctx, store)
	if err != nil {
		return err
	}
	errDone := errors.New("done")
	err = e.Subscribe(ctx, 1, func(pos uint64, ev lead.Event) error {
		if err := proj.Apply(pos, ev); err != nil {
			return err
		}
		counts[ev.Type()]++
		switch ev := ev.(type) {
		case lead.Recycled:
			if !ev.Deadline.IsZero() {
				counts["returned by the SLA"]++
			}
		case lead.DeadlineBreached:
			if len(feed) < 6 {
				feed = append(feed, fmt.Sprintf("  %s  %s  %-11s step %d: %-8s (rep %s)",
					ev.At.Format("Mon Jan 02 15:04"), ev.Lead, ev.Deadline.Kind, ev.Step, ev.Action, ev.Rep))
			}
		}
		if pos >= last {
			return errDone
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDone) {
		return err
	}

	fmt.Fprintf(w, "SLA record: %d warnings, %d breach steps; %d escalated to a manager, %d reassigned, %d returned to marketing, %d stalled\n",
		counts["DeadlineWarned"], counts["DeadlineBreached"], counts["Escalated"], counts["Reassigned"], counts["returned by the SLA"], counts["Stalled"])
	for _, r := range []struct {
		label string
		n     map[string]int
	}{
		{"Commands refused because the SLA had moved the lead on first", refused},
		{"Commands refused because no rep was available", noRep},
	} {
		if len(r.n) == 0 {
			continue
		}
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(r.n)) {
			parts = append(parts, fmt.Sprintf("%s %d", name, r.n[name]))
		}
		fmt.Fprintf(w, "%s: %s\n", r.label, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w, "\nFirst breach steps, as a subscriber sees them:")
	for _, line := range feed {
		fmt.Fprintln(w, line)
	}

	all := funnel.Filter{}
	fu := proj.Conversion(all, lead.StageCaptured, lead.StageMQL, lead.StageHandedOff, lead.StageAccepted, lead.StageSQL, lead.StageWon)
	fmt.Fprintf(w, "\nFunnel (leads captured in the %d simulated days, and how far they got):\n", c.days)
	if err := report.Conversion(w, fu, report.FormatText); err != nil {
		return err
	}
	sum := proj.Summary(all)
	acc := proj.AcceptTimes(all)
	fmt.Fprintf(w, "win rate %.1f%% (of %d closed opportunities), revenue %.0f EUR, SQL value sourced %.0f EUR (%d opportunities, won deals included)\n",
		100*sum.WinRate, sum.Won+sum.Lost, sum.Revenue, sum.Pipeline, sum.SQLs)
	fmt.Fprintf(w, "median time to accept: %v of SLA time (business hours, pauses left out), %v of wall time\n",
		acc.SLA.Median.Round(time.Minute), acc.Wall.Median.Round(time.Minute))

	fmt.Fprintln(w, "\nSLA compliance by deadline (met / (met + breached)):")
	if err := report.Compliance(w, proj.Compliance(all, 0), report.FormatText); err != nil {
		return err
	}

	// The reverse funnel: what next quarter's goal takes, at the simulated
	// period's rates (the 1.5% default where it has too little history).
	in := funnel.PlanInput{Goal: 250000, Share: 0.7, DealSize: sum.AverageDeal, Rates: proj.PlanRates(all, lead.StageMQL, lead.StageSQL),
		CostPerLead: 40, Reps: 4, RepCapacity: 40, Months: 3, Cycle: sum.Cycle.Median}
	if in.DealSize == 0 {
		in.DealSize = 10000
	}
	plan, err := funnel.NewPlan(in, start.Add(time.Duration(c.days)*24*time.Hour))
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nRevenue plan for next quarter: 250,000 EUR, 70% marketing-sourced:")
	if err := report.Plan(w, plan, report.FormatText); err != nil {
		return err
	}

	if c.out != "" {
		if err := writeCharts(c.out, fu, proj.ComplianceTrend(funnel.Filter{From: start, To: start.Add(time.Duration(c.days) * 24 * time.Hour)}, funnel.UnitWeek)); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nwrote %s and %s\n", filepath.Join(c.out, "funnel.svg"), filepath.Join(c.out, "compliance.svg"))
	}
	return nil
}

func writeCharts(dir string, fu funnel.Conversion, trend funnel.Compliance) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer) error{
		"funnel.svg":     func(w io.Writer) error { return report.ConversionSVG(w, fu) },
		"compliance.svg": func(w io.Writer) error { return report.ComplianceSVG(w, trend) },
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// headPosition returns the position of the last record in the store.
func headPosition(ctx context.Context, store eventstore.Store) (uint64, error) {
	recs, err := store.Read(ctx, 1, 0)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	return recs[len(recs)-1].Position, nil
}
