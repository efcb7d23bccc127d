package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// A lead goes from capture to an accepted hand-off; a command the
// lifecycle does not allow is refused with a typed error.
func ExampleEngine() {
	ctx := context.Background()
	engine, err := leadline.New(eventstore.NewMemory())
	if err != nil {
		panic(err)
	}

	id, err := engine.Capture(ctx, lead.Capture{Email: "ada@example.com", Source: "webinar"})
	if err != nil {
		panic(err)
	}
	_, _ = engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore})
	_, _ = engine.Execute(ctx, id, lead.HandOff{Rep: "ana"})
	_, _ = engine.Execute(ctx, id, lead.Accept{Actor: "ana"})

	state, _ := engine.Lead(ctx, id)
	fmt.Println(state.Stage, "by", state.Rep)

	_, err = engine.Execute(ctx, id, lead.Win{Amount: 1000})
	var te *lead.TransitionError
	if errors.As(err, &te) {
		fmt.Println("refused:", te.Command, "in", te.Stage)
	}
	// Output:
	// Accepted by ana
	// refused: Win in Accepted
}

// With a policy, the Engine keeps the SLA's clocks. Here nobody accepts a
// handed-off lead within 8 business hours: the breach is escalated to the
// rep's manager. Tick records what is due; a service calls Run instead.
func ExampleEngine_Tick() {
	ctx := context.Background()
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mock := clock.NewMock(monday)
	team, _ := sla.NewRoundRobin("", sla.Rep{Name: "ana", Manager: "mia"})
	policy := sla.Policy{
		Version:  1,
		Calendar: sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0)),
		Accept: sla.Rule{Within: 8 * time.Hour, Business: true, Ladder: []sla.Step{
			{Action: lead.ActionEscalate},
		}},
	}
	engine, _ := leadline.New(eventstore.NewMemory(),
		leadline.WithClock(mock), leadline.WithPolicy(policy), leadline.WithRouter(team))

	id, _ := engine.Capture(ctx, lead.Capture{ID: "lead-1", Email: "ada@example.com"})
	_, _ = engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceManual})
	_, _ = engine.Execute(ctx, id, lead.HandOff{}) // the router picks ana

	mock.Add(8 * time.Hour) // Monday 17:00
	n, _ := engine.Tick(ctx)
	fmt.Println(n, "events recorded")

	history, _ := engine.History(ctx, id)
	for _, ev := range history[len(history)-n:] {
		switch ev := ev.(type) {
		case lead.DeadlineBreached:
			fmt.Println(ev.Deadline, "breached at", ev.At.Format("Mon 15:04"))
		case lead.Escalated:
			fmt.Println("escalated to", ev.Manager)
		}
	}
	// Output:
	// 2 events recorded
	// accept@3 breached at Mon 17:00
	// escalated to mia
}

// Subscribe feeds every event in the store's global order to a handler:
// a projection, or a service reacting to breaches.
func ExampleEngine_Subscribe() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engine, _ := leadline.New(eventstore.NewMemory())
	id, _ := engine.Capture(ctx, lead.Capture{ID: "lead-1", Email: "ada@example.com"})
	_, _ = engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore})

	err := engine.Subscribe(ctx, 1, func(pos uint64, ev lead.Event) error {
		fmt.Println(pos, ev.Type(), ev.Base().Lead)
		if pos == 2 {
			cancel() // caught up; a service would keep going
		}
		return nil
	})
	fmt.Println(err)
	// Output:
	// 1 Captured lead-1
	// 2 MarketingQualified lead-1
	// context canceled
}

// Run is how a service enforces the SLA: it rebuilds its deadline queue
// from the store, then sleeps on the clock until the next deadline. Here a
// mock clock stands in for time, and a subscriber waits for the
// escalation the breach brings.
func ExampleEngine_Run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mock := clock.NewMock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	team, _ := sla.NewRoundRobin("", sla.Rep{Name: "ana", Manager: "mia"})
	policy := sla.Policy{Version: 1, Accept: sla.Rule{Within: 4 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionEscalate}}}}
	engine, _ := leadline.New(eventstore.NewMemory(),
		leadline.WithClock(mock), leadline.WithPolicy(policy), leadline.WithRouter(team))

	ran := make(chan error, 1)
	go func() { ran <- engine.Run(ctx) }()

	id, _ := engine.Capture(ctx, lead.Capture{ID: "lead-1", Email: "ada@example.com"})
	_, _ = engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore})
	_, _ = engine.Execute(ctx, id, lead.HandOff{})
	mock.Add(4 * time.Hour) // nobody accepts

	_ = engine.Subscribe(ctx, 1, func(_ uint64, ev lead.Event) error {
		if e, ok := ev.(lead.Escalated); ok {
			fmt.Println(e.Lead, "escalated to", e.Manager, "at", e.At.Format("15:04"))
			cancel()
		}
		return nil
	})
	fmt.Println(<-ran)
	// Output:
	// lead-1 escalated to mia at 13:00
	// context canceled
}

// Execute takes any command and returns the events it added.
func ExampleEngine_Execute() {
	ctx := context.Background()
	engine, _ := leadline.New(eventstore.NewMemory())
	id, _ := engine.Capture(ctx, lead.Capture{ID: "lead-1", Email: "ada@example.com"})

	events, err := engine.Execute(ctx, id, lead.Score{Fit: 60, Intent: 35})
	for _, ev := range events {
		fmt.Printf("%s v%d total %d\n", ev.Type(), ev.Base().Version, ev.(lead.Scored).Total)
	}
	fmt.Println(err)
	// Output:
	// Scored v2 total 95
	// <nil>
}

// WatchCommitments holds marketing to "20 MQLs a month": ten days into
// March with 2 MQLs, the month is at risk and a pacing alert comes while
// it can still be saved.
func ExampleEngine_WatchCommitments() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mock := clock.NewMock(march)
	engine, _ := leadline.New(eventstore.NewMemory(), leadline.WithClock(mock))
	for i := range 2 {
		id, _ := engine.Capture(ctx, lead.Capture{Email: fmt.Sprintf("buyer%d@example.com", i)})
		_, _ = engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore})
	}
	mock.Add(10 * 24 * time.Hour)

	commitments := []funnel.Commitment{{Name: "marketing: 20 MQLs a month", Kind: funnel.CommitmentMQLVolume, Target: 20}}
	err := engine.WatchCommitments(ctx, march, 24*time.Hour, commitments, func(a funnel.Alert) error {
		fmt.Printf("%s alert for %q: %.0f so far\n", a.Kind, a.Commitment, a.Actual)
		cancel() // a service would route the alert and keep watching
		return nil
	})
	fmt.Println(err)
	// Output:
	// pacing alert for "marketing: 20 MQLs a month": 2 so far
	// context canceled
}

// A handler that takes requests from HTTP or NATS gives each command the
// request's ID: a retry after a timeout (its own, or its client's) is then
// recorded once. Without an ID, the second Touch would count twice.
func ExampleCommandID() {
	ctx := context.Background()
	engine, _ := leadline.New(eventstore.NewMemory())

	// handle runs one request, retrying while the store cannot say
	// whether the append landed.
	handle := func(requestID string, id lead.ID, cmd lead.Command) error {
		var err error
		for range 3 {
			_, err = engine.Execute(ctx, id, cmd, leadline.CommandID(requestID))
			if !errors.Is(err, eventstore.ErrUnknownOutcome) {
				return err
			}
		}
		return err
	}

	id, _ := engine.Capture(ctx, lead.Capture{Email: "ada@example.com"}, leadline.CommandID("form-7f3a"))
	_ = handle("req-1", id, lead.QualifyMarketing{Source: lead.SourceScore})
	_ = handle("req-2", id, lead.HandOff{Rep: "ana"})
	_ = handle("req-3", id, lead.Accept{Actor: "ana"})
	_ = handle("req-4", id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer})
	_ = handle("req-4", id, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}) // the client retried

	s, _ := engine.Lead(ctx, id)
	fmt.Println("touches:", s.Touches, "unanswered:", s.Unanswered)
	again, _ := engine.Capture(ctx, lead.Capture{Email: "ada@example.com"}, leadline.CommandID("form-7f3a"))
	fmt.Println("a retried capture finds the same lead:", again == id)

	_, err := engine.Execute(ctx, id, lead.Accept{Actor: "ana"}, leadline.CommandID("req-4"))
	fmt.Println(errors.Is(err, leadline.ErrCommandIDReused))
	// Output:
	// touches: 1 unanswered: 1
	// a retried capture finds the same lead: true
	// true
}

// Warnings and breach steps are the SLA's own: a caller cannot record one.
func ExampleErrSLACommand() {
	ctx := context.Background()
	engine, _ := leadline.New(eventstore.NewMemory())
	id, _ := engine.Capture(ctx, lead.Capture{Email: "ada@example.com"})
	_, err := engine.Execute(ctx, id, lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: 3}, Action: lead.ActionNotify})
	fmt.Println(errors.Is(err, leadline.ErrSLACommand))
	// Output:
	// true
}

// WithMeterProvider takes any OpenTelemetry MeterProvider; here the SDK's
// manual reader shows what one command recorded.
func ExampleWithMeterProvider() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	engine, _ := leadline.New(eventstore.NewMemory(),
		leadline.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	_, _ = engine.Capture(ctx, lead.Capture{Email: "ada@example.com"})

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == leadline.MetricCommands {
			outcome, _ := sum.DataPoints[0].Attributes.Value("outcome")
			fmt.Println(m.Name, outcome.AsString(), sum.DataPoints[0].Value)
		}
	}
	// Output:
	// leadline.commands applied 1
}
