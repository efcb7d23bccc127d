// Command dashboard serves leadline's live SLA dashboard on a simulated
// month: the quickstart's few hundred leads under the seed SLA template,
// on a mock clock, with seeded randomness. The month up to its last day is
// replayed at once; the last day then plays live, one simulated minute
// per -speed of wall time, so breaches appear on the open page as the SLA
// records them.
//
//	go run ./examples/dashboard
//	go run ./examples/dashboard -addr 127.0.0.1:9090 -leads 600
//
// Open the printed URL. Stop it with Ctrl-C.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, nil)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h printed the flags
	case err != nil && !errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

type config struct {
	addr  string
	leads int
	days  int
	seed  uint64
	speed time.Duration
}

func parse(args []string, w io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to serve the dashboard on (port 0 picks a free one)")
	fs.IntVar(&c.leads, "leads", 300, "how many leads to capture over the simulated days")
	fs.IntVar(&c.days, "days", 26, "how many days to simulate, from Monday 2 March 2026 (26 ends on a Friday, which plays live)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the simulation's randomness")
	fs.DurationVar(&c.speed, "speed", 100*time.Millisecond, "wall time per simulated minute of the live last day (0: no live day, the whole month at once)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.leads < 1 || c.days < 2:
		return c, errors.New("-leads must be at least 1 and -days at least 2")
	case c.speed < 0:
		return c, errors.New("-speed must not be negative")
	}
	return c, nil
}

// start is a Monday morning, so the month starts with a working day.
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// files holds sla.json, the seed template's SLA (the quickstart's).
//
//go:embed sla.json
var files embed.FS

// policy is the seed template's SLA, read from sla.json. The file is part
// of the program, so a file that does not load is a bug the tests catch.
func policy() sla.Policy {
	ps, err := sla.LoadPolicies(files, "sla.json")
	if err != nil {
		panic(err)
	}
	return ps[0]
}

// commitments are the SLA's promises the dashboard paces.
func commitments(p sla.Policy) []funnel.Commitment {
	return []funnel.Commitment{
		{Name: "Marketing: 150 MQLs a month", Kind: funnel.CommitmentMQLVolume, Target: 150},
		{Name: "Sales: 80% of MQLs reached within 4 business hours", Kind: funnel.CommitmentReach, Target: 0.8, Within: 4 * time.Hour, Calendar: p.Calendar},
		{Name: "Sales: accepts 70% of MQLs", Kind: funnel.CommitmentAcceptedShare, Target: 0.7},
	}
}

// served is a running dashboard: the URL it answers on, the Board, and
// the Engine, store and clock behind it.
type served struct {
	url    string
	board  *dashboard.Board
	engine *leadline.Engine
	store  *eventstore.Memory
	clock  *clock.Mock
}

// run simulates, serves the dashboard, prints its URL, plays the live day
// and serves until ctx ends. ready, when not nil, receives the running
// dashboard once the URL is printed.
func run(ctx context.Context, args []string, w io.Writer, ready chan<- served) error {
	c, err := parse(args, w)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	store := eventstore.NewMemory()
	mock := clock.NewMock(start)
	router, err := sla.NewRoundRobin("territory",
		sla.Rep{Name: "ana", Team: "emea", Manager: "mia", Capacity: 40, Territories: []string{"emea"}},
		sla.Rep{Name: "ben", Team: "emea", Manager: "mia", Capacity: 40, Territories: []string{"emea"}},
		sla.Rep{Name: "cai", Team: "amer", Manager: "max", Capacity: 40, Territories: []string{"amer"}},
		sla.Rep{Name: "dee", Team: "amer", Manager: "max", Capacity: 40, Territories: []string{"amer"}},
	)
	if err != nil {
		return err
	}
	p := policy()
	engine, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(p), leadline.WithRouter(router))
	if err != nil {
		return err
	}
	board, err := dashboard.New(dashboard.WithPolicy(p), dashboard.WithClock(mock),
		dashboard.WithCommitments(commitments(p)...), dashboard.WithTitle("Sales & marketing SLA (simulated)"))
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	follow := make(chan error, 1)
	go func() { follow <- board.Follow(ctx, engine.Subscribe) }()

	plan := script(c, rand.New(rand.NewPCG(c.seed, 0x1ead1)))
	end := start.Add(time.Duration(c.days) * 24 * time.Hour)
	live := end.Add(-24 * time.Hour)
	if c.speed == 0 {
		live = end
	}
	plan, err = play(ctx, engine, mock, plan, live)
	if err != nil {
		return err
	}

	srv := &http.Server{Handler: board, ReadHeaderTimeout: 10 * time.Second}
	serve := make(chan error, 1)
	go func() { serve <- srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(w, "leadline dashboard: %d leads over %d days, seed %d\n", c.leads, c.days, c.seed)
	if c.speed > 0 {
		fmt.Fprintf(w, "the last simulated day plays live: one minute every %v\n", c.speed)
	}
	fmt.Fprintf(w, "open %s\n", url)
	if ready != nil {
		ready <- served{url: url, board: board, engine: engine, store: store, clock: mock}
	}

	if c.speed > 0 {
		tick := time.NewTicker(c.speed)
		defer tick.Stop()
		for mock.Now().Before(end) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-serve:
				return err
			case err := <-follow:
				return err
			case <-tick.C:
			}
			if plan, err = play(ctx, engine, mock, plan, mock.Now().Add(time.Minute)); err != nil {
				return err
			}
		}
		fmt.Fprintln(w, "the simulated month is over; the dashboard keeps serving")
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-serve:
		return err
	case err := <-follow:
		return err
	}
}

// step is one scripted action of the simulation: at At, someone does Cmd
// to lead ID (or, for Capture, captures it).
type step struct {
	At  time.Time
	ID  lead.ID
	Cmd lead.Command
}

// play executes the steps of plan due up to until, moving the mock clock
// an hour at most at a time so that the Engine records every warning and
// breach step that comes due on the way, and returns the steps left.
// Commands the SLA has overtaken (a rep accepting a lead already returned
// to marketing) or that find no rep are refused, as in real life.
func play(ctx context.Context, e *leadline.Engine, mock *clock.Mock, plan []step, until time.Time) ([]step, error) {
	for len(plan) > 0 && !plan[0].At.After(until) {
		s := plan[0]
		plan = plan[1:]
		if err := advanceTo(ctx, e, mock, s.At); err != nil {
			return plan, err
		}
		if _, err := e.Execute(ctx, s.ID, s.Cmd); err != nil {
			var te *lead.TransitionError
			if !errors.As(err, &te) && !errors.Is(err, sla.ErrNoRep) {
				return plan, fmt.Errorf("%s %s: %w", s.Cmd.Name(), s.ID, err)
			}
		}
	}
	return plan, advanceTo(ctx, e, mock, until)
}

func advanceTo(ctx context.Context, e *leadline.Engine, mock *clock.Mock, t time.Time) error {
	for mock.Now().Before(t) {
		mock.Add(min(t.Sub(mock.Now()), time.Hour))
		if _, err := e.Tick(ctx); err != nil {
			return err
		}
	}
	return nil
}

// script plans each lead's life as the quickstart does: when it arrives,
// whether marketing qualifies it, how quickly the rep reacts, how often
// they touch it and how it ends. The SLA may overtake the plan.
func script(c config, r *rand.Rand) []step {
	var plan []step
	work := policy().Calendar
	sources := []string{"webinar", "ebook", "paid-search", "referral"}
	for i := range c.leads {
		id := lead.ID(fmt.Sprintf("lead-%04d", i+1))
		t := start.Add(time.Duration(r.Int64N(int64(time.Duration(c.days) * 24 * time.Hour * 3 / 4))))
		territory := "emea"
		if r.IntN(2) == 0 {
			territory = "amer"
		}
		plan = append(plan, step{t, id, lead.Capture{ID: id, Actor: "web-form",
			Email: fmt.Sprintf("buyer%d@example.com", i+1), Company: fmt.Sprintf("Company %d", r.IntN(c.leads/2+1)),
			Source: sources[r.IntN(len(sources))], Attributes: map[string]string{"territory": territory}}})
		fit, intent := r.IntN(101), r.IntN(101)
		t = t.Add(time.Duration(1+r.IntN(3)) * time.Hour)
		plan = append(plan, step{t, id, lead.Score{Actor: "scoring", Fit: fit, Intent: intent}})
		if fit+intent < 90 {
			continue
		}
		t = t.Add(time.Duration(1+r.IntN(20)) * time.Hour)
		plan = append(plan, step{t, id, lead.QualifyMarketing{Actor: "marketing", Source: lead.SourceScore}})
		plan = append(plan, step{t.Add(time.Minute), id, lead.HandOff{Actor: "router"}})

		var delay time.Duration
		switch x := r.IntN(100); {
		case x < 65:
			delay = time.Duration(10+r.IntN(300)) * time.Minute
		case x < 85:
			delay = time.Duration(8+r.IntN(20)) * time.Hour
		case x < 93:
			t = work.Add(t, time.Duration(1+r.IntN(6))*time.Hour)
			plan = append(plan, step{t, id, lead.Reject{Reason: "no budget this year"}})
			continue
		default:
			continue // never reacts: the ladder runs to its end
		}
		t = work.Add(t, delay)
		plan = append(plan, step{t, id, lead.Accept{}})
		touches := 2 + r.IntN(6)
		for k := range touches {
			if k == 0 {
				t = work.Add(t, time.Duration(10+r.IntN(360))*time.Minute)
			} else {
				t = work.Add(t.Add(time.Duration(20+r.IntN(40))*time.Hour), 0)
			}
			outcome := lead.OutcomeNoAnswer
			if r.IntN(3) == 0 {
				outcome = lead.OutcomeConnected
			}
			plan = append(plan, step{t, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: outcome, Content: "intro-call"}})
		}
		if r.IntN(100) < 45 {
			t = work.Add(t, time.Duration(2+r.IntN(30))*time.Hour)
			amount := float64(1000 * (2 + r.IntN(20)))
			plan = append(plan, step{t, id, lead.QualifySales{Amount: amount, Currency: "EUR",
				CloseDate: t.AddDate(0, 1, 0), Probability: 0.3}})
			t = work.Add(t.Add(time.Duration(2+r.IntN(12))*24*time.Hour), 0)
			switch r.IntN(3) {
			case 0:
				plan = append(plan, step{t, id, lead.Win{}})
			case 1:
				plan = append(plan, step{t, id, lead.Lose{Reason: "chose a competitor"}})
			}
		}
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].At.Before(plan[j].At) })
	return plan
}
