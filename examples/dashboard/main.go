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
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
	"github.com/leadline/leadline/internal/simulate"
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

	p := policy()
	month, err := simulate.New(simulate.Config{Leads: c.leads, Days: c.days, Seed: c.seed, Start: start, Calendar: p.Calendar},
		leadline.WithPolicy(p))
	if err != nil {
		return err
	}
	engine, mock := month.Engine, month.Clock
	board, err := dashboard.New(dashboard.WithPolicy(p), dashboard.WithClock(mock),
		dashboard.WithCommitments(commitments(p)...), dashboard.WithTitle("Sales & marketing SLA (simulated)"))
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	follow := make(chan error, 1)
	go func() { follow <- board.Follow(ctx, engine.Subscribe) }()

	end := start.Add(time.Duration(c.days) * 24 * time.Hour)
	live := end.Add(-24 * time.Hour)
	if c.speed == 0 {
		live = end
	}
	if err := month.PlayUntil(ctx, live); err != nil {
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
		ready <- served{url: url, board: board, engine: engine, store: month.Store, clock: mock}
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
			if err := month.PlayUntil(ctx, mock.Now().Add(time.Minute)); err != nil {
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
