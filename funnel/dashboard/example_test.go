package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// riskRow reads a row of the leads at risk off the page.
var riskRow = regexp.MustCompile(`<tr class="risk[^"]*" data-lead="([^"]+)" data-kind="([^"]+)"><td class="due">in ([^<]+) <`)

func ExampleNew() {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday, as the default policy's hours open
	board, err := dashboard.New(
		dashboard.WithPolicy(sla.DefaultPolicy()),
		dashboard.WithClock(clock.NewMock(at.Add(6*time.Hour))),
		dashboard.WithTarget(lead.KindAccept, 0.95),
	)
	if err != nil {
		panic(err)
	}
	// One lead, handed to ana at 10:00: she has 8 business hours to accept.
	events := []lead.Event{
		lead.Captured{Meta: lead.Meta{Lead: "ada", Version: 1, At: at}, Email: "ada@example.com"},
		lead.MarketingQualified{Meta: lead.Meta{Lead: "ada", Version: 2, At: at}, Source: lead.SourceScore},
		lead.HandedOff{Meta: lead.Meta{Lead: "ada", Version: 3, At: at.Add(time.Hour)}, Rep: "ana", Team: "emea", PolicyVersion: 1},
	}
	for i, e := range events {
		if err := board.Apply(uint64(i+1), e); err != nil {
			panic(err)
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/sla/", http.StripPrefix("/sla", board))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sla/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	for _, m := range riskRow.FindAllStringSubmatch(rec.Body.String(), -1) {
		fmt.Printf("at risk at 15:00: %s, %s deadline due in %s\n", m[1], m[2], m[3])
	}
	// Output:
	// 200 text/html; charset=utf-8
	// at risk at 15:00: ada, accept deadline due in 3 h
}

func ExampleBoard_Follow() {
	// Any store's global order, decoded into lead events, is a Source;
	// leadline's Engine.Subscribe is one already.
	store := eventstore.NewMemory()
	source := func(ctx context.Context, from uint64, fn func(uint64, lead.Event) error) error {
		return store.Subscribe(ctx, from, func(r eventstore.Record) error {
			e, err := lead.Decode(r.Data)
			if err != nil {
				return err
			}
			return fn(r.Position, e)
		})
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e := lead.Captured{Meta: lead.Meta{Lead: "ada", Version: 1, At: at}, Email: "ada@example.com", Source: "webinar"}
	data, err := lead.Encode(e)
	if err != nil {
		panic(err)
	}
	if _, err := store.Append(context.Background(), "ada", 0, eventstore.Record{ID: "ada-1", Type: e.Type(), Data: data}); err != nil {
		panic(err)
	}

	board, err := dashboard.New(dashboard.WithClock(clock.NewMock(at)))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	applied := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- board.Follow(ctx, func(ctx context.Context, from uint64, fn func(uint64, lead.Event) error) error {
			return source(ctx, from, func(pos uint64, e lead.Event) error {
				err := fn(pos, e)
				close(applied) // one event in this store
				return err
			})
		})
	}()
	<-applied // a service would simply keep following
	cancel()
	fmt.Println("followed to position", board.Position(), "then:", errors.Is(<-done, context.Canceled))
	// Output:
	// followed to position 1 then: true
}

func ExampleBoard_Render() {
	board, err := dashboard.New(dashboard.WithClock(clock.NewMock(time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC))))
	if err != nil {
		panic(err)
	}
	// The page of the week containing 2 March 2026, as ServeHTTP serves
	// it for ?unit=week&at=2026-03-02.
	w := httptest.NewRecorder()
	if err := board.Render(w, funnel.UnitWeek, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	fmt.Println(regexp.MustCompile(`<title>[^<]*</title>`).FindString(w.Body.String()))
	// Output:
	// <title>Sales &amp; marketing SLA · Week of 2 Mar 2026</title>
}
