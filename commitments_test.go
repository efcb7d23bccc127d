package leadline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Marketing committed to 20 MQLs in March. A week in, at 2 MQLs, the pace
// ends the month far below: a pacing alert is reported, once, while the
// month can still be saved.
func TestWatchCommitmentsReportsAPacingAlertOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, mock, _ := newEngine(t)
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mock.Set(march.Add(time.Hour))
	for range 2 {
		id := capture(t, e)
		must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
	}
	// Ten days in, nothing has changed: the month is at risk.
	mock.Add(10 * 24 * time.Hour)
	alerts := make(chan funnel.Alert, 10)
	done := make(chan error, 1)
	go func() {
		done <- e.WatchCommitments(ctx, march, 24*time.Hour,
			[]funnel.Commitment{{Name: "marketing: 20 MQLs a month", Kind: funnel.CommitmentMQLVolume, Target: 20}},
			func(a funnel.Alert) error { alerts <- a; return nil })
	}()
	select {
	case a := <-alerts:
		if a.Kind != funnel.AlertPacing || a.Commitment != "marketing: 20 MQLs a month" || a.Actual != 2 || a.Projected >= 20 {
			t.Fatalf("alert = %+v, want a pacing alert at 2 MQLs projecting under 20", a)
		}
	case err := <-done:
		t.Fatalf("WatchCommitments returned %v before alerting", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no pacing alert within 10 s")
	}
	// More days pass: the same alert is not reported again.
	for range 3 {
		mock.Add(24 * time.Hour)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("WatchCommitments returned %v, want context.Canceled", err)
	}
	if len(alerts) != 0 {
		t.Fatalf("%d more alerts reported for the same period: %+v", len(alerts), <-alerts)
	}
}

func TestWatchCommitmentsRefusesAnInvalidCommitment(t *testing.T) {
	e, mock, _ := newEngine(t)
	err := e.WatchCommitments(context.Background(), mock.Now(), time.Hour,
		[]funnel.Commitment{{Name: "bad", Kind: funnel.CommitmentReach, Target: 1.5}}, func(funnel.Alert) error { return nil })
	var fe *funnel.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *funnel.FieldError", err)
	}
}

// "The agreement is reviewed every three months": when the Engine's clock
// reaches a review date, one review-due alert is reported, and no second
// one for the same date however often the watch looks again.
func TestWatchAgreementReportsEachReviewDateOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, mock, _ := newEngine(t)
	effective := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	mock.Set(time.Date(2026, 4, 5, 12, 0, 0, 0, time.UTC))
	alerts := make(chan funnel.Alert, 10)
	done := make(chan error, 1)
	go func() {
		done <- e.WatchAgreement(ctx, leadline.Agreement{
			From: effective, Every: 6 * time.Hour,
			Review: sla.Review{Effective: sla.DateOf(effective), Months: 3},
		}, func(a funnel.Alert) error { alerts <- a; return nil })
	}()
	// The watch looks at once: the review of 5 April is due.
	select {
	case a := <-alerts:
		if a.Kind != funnel.AlertReviewDue || a.Period.String() != "2026-04-05" {
			t.Fatalf("alert = %+v, want the review due on 2026-04-05", a)
		}
	case err := <-done:
		t.Fatalf("WatchAgreement returned %v before alerting", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no review-due alert within 10 s")
	}
	// More looks, a month before the next review: nothing new.
	for range 8 {
		mock.Add(6 * time.Hour)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("WatchAgreement returned %v, want context.Canceled", err)
	}
	if len(alerts) != 0 {
		t.Fatalf("%d more alerts for the same review: %+v", len(alerts), <-alerts)
	}
}

func TestWatchAgreementRefusesAnInvalidReviewCadence(t *testing.T) {
	e, mock, _ := newEngine(t)
	err := e.WatchAgreement(context.Background(), leadline.Agreement{From: mock.Now(), Every: time.Hour,
		Review: sla.Review{Effective: sla.Date{Year: 2026, Month: time.February, Day: 30}, Months: 6}}, func(funnel.Alert) error { return nil })
	if !errors.Is(err, sla.ErrPolicy) {
		t.Fatalf("err = %v, want one matching sla.ErrPolicy", err)
	}
}
