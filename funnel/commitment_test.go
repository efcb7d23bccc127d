package funnel

import (
	"errors"
	"testing"
	"time"

	"github.com/leadline/leadline/sla"
)

func TestReviewJudgesPeriodsAndPaces(t *testing.T) {
	p := sample(t).p
	w11 := w10.AddDate(0, 0, 7)
	tests := []struct {
		name     string
		c        Commitment
		from     time.Time
		now      time.Time
		actual   []float64
		status   []Status
		missed   int
		alerts   []AlertKind
		projNext float64
	}{
		{
			name: "volume met, next week at risk and alerted",
			c:    Commitment{Kind: CommitmentMQLVolume, Target: 4, Unit: UnitWeek}, from: w10, now: w11.Add(hours(81)),
			actual: []float64{4, 0}, status: []Status{StatusMet, StatusAtRisk}, alerts: []AlertKind{AlertPacing},
		},
		{
			name: "no pacing alert under 20% of the period",
			c:    Commitment{Kind: CommitmentMQLVolume, Target: 4, Unit: UnitWeek}, from: w10, now: w11.Add(hours(12)),
			actual: []float64{4, 0}, status: []Status{StatusMet, StatusAtRisk},
		},
		{
			name: "three missed weeks call for a review",
			c:    Commitment{Kind: CommitmentMQLVolume, Target: 5, Unit: UnitWeek}, from: w10.AddDate(0, 0, -14), now: w11.Add(hours(12)),
			actual: []float64{0, 0, 4, 0}, status: []Status{StatusMissed, StatusMissed, StatusMissed, StatusAtRisk}, missed: 3, alerts: []AlertKind{AlertReview},
		},
		{
			name: "a commitment reviewed after four missed weeks is not up for review at three",
			c:    Commitment{Kind: CommitmentMQLVolume, Target: 5, Unit: UnitWeek, ReviewAfter: 4}, from: w10.AddDate(0, 0, -14), now: w11.Add(hours(12)),
			actual: []float64{0, 0, 4, 0}, status: []Status{StatusMissed, StatusMissed, StatusMissed, StatusAtRisk}, missed: 3,
		},
		{
			name: "reach reviewed after one missed week",
			c:    Commitment{Kind: CommitmentReach, Target: 0.5, Within: hours(24), Unit: UnitWeek, ReviewAfter: 1}, from: w10, now: w11,
			actual: []float64{0.25, 0}, status: []Status{StatusMissed, StatusNoData}, missed: 1, alerts: []AlertKind{AlertReview},
		},
		{
			name: "volume pacing projects the count over the period",
			c:    Commitment{Kind: CommitmentMQLVolume, Target: 10, Unit: UnitWeek}, from: w10, now: w10.Add(hours(84)),
			actual: []float64{4}, status: []Status{StatusAtRisk}, alerts: []AlertKind{AlertPacing}, projNext: 8,
		},
		{
			name: "quality floor: share of MQLs accepted",
			c:    Commitment{Kind: CommitmentAcceptedShare, Target: 0.7, Unit: UnitWeek}, from: w10, now: w11,
			actual: []float64{0.75, 0}, status: []Status{StatusMet, StatusNoData},
		},
		{
			name: "reach within 24 hours",
			c:    Commitment{Kind: CommitmentReach, Target: 0.5, Within: hours(24), Unit: UnitWeek}, from: w10, now: w11,
			actual: []float64{0.25, 0}, status: []Status{StatusMissed, StatusNoData}, missed: 1,
		},
		{
			name: "reach within 16 business hours",
			c: Commitment{Kind: CommitmentReach, Target: 0.5, Within: hours(16), Unit: UnitWeek,
				Calendar: sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0))}, from: w10, now: w11,
			actual: []float64{0.5, 0}, status: []Status{StatusMet, StatusNoData},
		},
		{
			name: "reach leaves pending leads out",
			c:    Commitment{Kind: CommitmentReach, Target: 0.5, Within: hours(24), Unit: UnitWeek}, from: w10, now: t0.Add(hours(20)),
			actual: []float64{1}, status: []Status{StatusOnTrack},
		},
		{
			name: "cadence: two touches in two days",
			c:    Commitment{Kind: CommitmentCadence, Target: 0.9, Touches: 2, Within: hours(48), Unit: UnitWeek}, from: w10, now: w11,
			actual: []float64{1.0 / 3, 0}, status: []Status{StatusMissed, StatusNoData}, missed: 1,
		},
		{
			name: "closed share of SQLs",
			c:    Commitment{Kind: CommitmentClosedShare, Target: 0.8}, from: w10, now: w10.AddDate(0, 1, 0),
			actual: []float64{1, 0}, status: []Status{StatusMet, StatusNoData},
		},
		{
			name: "a period without a cohort is no data",
			c:    Commitment{Kind: CommitmentClosedShare, Target: 0.8, Unit: UnitWeek}, from: w10.AddDate(0, 0, -7), now: w11,
			actual: []float64{0, 1, 0}, status: []Status{StatusNoData, StatusMet, StatusNoData},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv, err := p.Review(tt.c, tt.from, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if len(rv.Periods) != len(tt.actual) {
				t.Fatalf("periods = %+v", rv.Periods)
			}
			for i, pr := range rv.Periods {
				if !near(pr.Actual, tt.actual[i]) || pr.Status != tt.status[i] {
					t.Errorf("%s: actual %v %s, want %v %s", pr.Period, pr.Actual, pr.Status, tt.actual[i], tt.status[i])
				}
			}
			if rv.ConsecutiveMissed != tt.missed {
				t.Errorf("ConsecutiveMissed = %d, want %d", rv.ConsecutiveMissed, tt.missed)
			}
			if len(rv.Alerts) != len(tt.alerts) {
				t.Fatalf("alerts = %+v, want %v", rv.Alerts, tt.alerts)
			}
			for i, a := range rv.Alerts {
				if a.Kind != tt.alerts[i] || a.Message == "" {
					t.Errorf("alert %d = %+v", i, a)
				}
			}
			if tt.projNext != 0 {
				if got := rv.Periods[len(rv.Periods)-1].Projected; !near(got, tt.projNext) {
					t.Errorf("Projected = %v, want %v", got, tt.projNext)
				}
			}
		})
	}
}

func TestPacingAlertSaysWhatIsShort(t *testing.T) {
	p := sample(t).p
	rv, err := p.Review(Commitment{Name: "marketing: 10 MQLs a week", Kind: CommitmentMQLVolume, Target: 10, Unit: UnitWeek}, w10, w10.Add(hours(84)))
	if err != nil {
		t.Fatal(err)
	}
	a := rv.Alerts[0]
	want := "marketing: 10 MQLs a week: 2026-W10 at 50% of the period: 4 MQLs, on pace for 8 MQLs against a target of 10 MQLs"
	if a.Message != want || a.Target != 10 || a.Actual != 4 || a.Projected != 8 || a.Period.String() != "2026-W10" {
		t.Errorf("alert = %+v\nwant message %q", a, want)
	}
}

func TestReviewRejectsBadCommitments(t *testing.T) {
	p := sample(t).p
	tests := []struct {
		c     Commitment
		field string
	}{
		{Commitment{Kind: CommitmentMQLVolume, Target: 0}, "Commitment.Target"},
		{Commitment{Kind: CommitmentReach, Target: 1.5, Within: time.Hour}, "Commitment.Target"},
		{Commitment{Kind: CommitmentReach, Target: 0.5}, "Commitment.Within"},
		{Commitment{Kind: CommitmentCadence, Target: 0.5, Within: time.Hour, Touches: MaxCadenceTouches + 1}, "Commitment.Touches"},
		{Commitment{Target: 1}, "Commitment.Kind"},
		{Commitment{Kind: CommitmentMQLVolume, Target: 1, ReviewAfter: -1}, "Commitment.ReviewAfter"},
	}
	for _, tt := range tests {
		_, err := p.Review(tt.c, w10, t0)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%+v: err = %v, want a FieldError on %s", tt.c, err, tt.field)
		}
	}
}

// "The SLA is reviewed every six months": each review date from the one on
// or after from up to now gives one review-due alert, naming the date.
func TestReviewsDueRaisesOneAlertPerReviewDate(t *testing.T) {
	r := sla.Review{Effective: sla.Date{Year: 2026, Month: time.January, Day: 5}, Months: 6}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if a := ReviewsDue(r, from, time.Date(2026, 7, 4, 23, 59, 0, 0, time.UTC)); len(a) != 0 {
		t.Fatalf("before the first review date: %+v", a)
	}
	alerts := ReviewsDue(r, from, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	if len(alerts) != 2 {
		t.Fatalf("alerts = %+v, want the reviews of July 2026 and January 2027", alerts)
	}
	a := alerts[0]
	want := "the SLA in effect since 2026-01-05 is due for its review on 2026-07-05 (every 6 months; the next on 2027-01-05)"
	if a.Kind != AlertReviewDue || a.Period.String() != "2026-07-05" || a.Message != want {
		t.Fatalf("alert = %+v\nwant message %q", a, want)
	}
	if a := ReviewsDue(sla.Review{}, from, from.AddDate(5, 0, 0)); a != nil {
		t.Fatalf("no cadence gave %+v", a)
	}
}
