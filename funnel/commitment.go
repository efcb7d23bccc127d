package funnel

import (
	"fmt"
	"math"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// MinPacingElapsed is the share of a period that must have passed before a
// pacing alert is raised: earlier than that, a slow start says too little.
const MinPacingElapsed = 0.2

// DefaultReviewAfter is the number of consecutive missed periods after
// which a commitment calls for a review when its ReviewAfter is 0 (the
// seed template's "goals unmet in the last three months").
const DefaultReviewAfter = 3

// ReviewAfter is DefaultReviewAfter.
//
// Deprecated: set Commitment.ReviewAfter; DefaultReviewAfter is its default.
const ReviewAfter = DefaultReviewAfter

// CommitmentKind is what a commitment promises.
type CommitmentKind uint8

// The commitments of the seed SLA template. Each names the cohort it
// measures per period; Target is a count for CommitmentMQLVolume and a share in
// (0, 1] for the others.
const (
	// CommitmentMQLVolume: marketing delivers Target MQLs per period. Actual is the
	// number of leads that first became MQL in the period.
	CommitmentMQLVolume CommitmentKind = iota + 1
	// CommitmentAcceptedShare: marketing's quality floor. Actual is the share of the
	// period's new MQLs that sales has accepted (ever entered Accepted).
	CommitmentAcceptedShare
	// CommitmentReach: sales reaches Target of MQLs within Within. A lead of the
	// period's new MQLs is reached when its first touch came within
	// Within of becoming MQL, measured in Calendar's open time; missed
	// when it did not; pending (left out) while untouched and Within has
	// not passed at now. Actual is reached / (reached + missed).
	CommitmentReach
	// CommitmentCadence: sales touches each accepted lead Touches times within
	// Within (calendar time) of its first acceptance. Over the leads
	// first accepted in the period, a lead is met with its Touches-th
	// touch within Within, missed once Within passed without, pending
	// before. Actual is met / (met + missed).
	CommitmentCadence
	// CommitmentClosedShare: sales reports back on the SQLs marketing sourced.
	// Actual is the share of the period's new SQLs that are closed (Won
	// or Lost).
	CommitmentClosedShare
)

// String returns the kind's name.
func (k CommitmentKind) String() string {
	switch k {
	case CommitmentMQLVolume:
		return "mql_volume"
	case CommitmentAcceptedShare:
		return "accepted_share"
	case CommitmentReach:
		return "reach"
	case CommitmentCadence:
		return "cadence"
	case CommitmentClosedShare:
		return "closed_share"
	}
	return fmt.Sprintf("CommitmentKind(%d)", uint8(k))
}

// MarshalText encodes the kind as its name.
func (k CommitmentKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Commitment is one promise of the SLA, measured per period.
type Commitment struct {
	// Name labels the commitment in alerts, e.g. "marketing: 400 MQLs a month".
	Name string
	Kind CommitmentKind
	// Target is a count (CommitmentMQLVolume) or a share in (0, 1].
	Target float64
	// Within is the CommitmentReach and CommitmentCadence window.
	Within time.Duration
	// Touches is the CommitmentCadence count, 1..MaxCadenceTouches.
	Touches int
	// Calendar measures CommitmentReach's window and the share of a period that
	// has passed for pacing; the zero Calendar is 24x7.
	Calendar sla.Calendar
	// Unit is the period; 0 means UnitMonth.
	Unit Unit
	// Filter's names narrow the leads (a team, a source); its window is
	// ignored, each period sets its own.
	Filter Filter
	// ReviewAfter is how many periods missed in a row put the agreement
	// up for review (an AlertReview); 0 means DefaultReviewAfter.
	ReviewAfter int
}

// reviewAfter returns c.ReviewAfter or its default.
func (c Commitment) reviewAfter() int {
	if c.ReviewAfter == 0 {
		return DefaultReviewAfter
	}
	return c.ReviewAfter
}

func (c Commitment) validate() error {
	bad := func(field string, v any, reason string) error {
		return &FieldError{Field: "Commitment." + field, Value: v, Reason: reason}
	}
	switch c.Kind {
	case CommitmentMQLVolume:
		if !(c.Target > 0) || math.IsInf(c.Target, 0) {
			return bad("Target", c.Target, "must be a positive number of MQLs")
		}
	case CommitmentAcceptedShare, CommitmentReach, CommitmentCadence, CommitmentClosedShare:
		if !(c.Target > 0 && c.Target <= 1) {
			return bad("Target", c.Target, "must be a share in (0, 1]")
		}
	default:
		return bad("Kind", c.Kind, "is not a known commitment")
	}
	if (c.Kind == CommitmentReach || c.Kind == CommitmentCadence) && c.Within <= 0 {
		return bad("Within", c.Within, "must be positive")
	}
	if c.Kind == CommitmentCadence && (c.Touches < 1 || c.Touches > MaxCadenceTouches) {
		return bad("Touches", c.Touches, fmt.Sprintf("must be in 1..%d", MaxCadenceTouches))
	}
	if c.Unit != 0 && !c.Unit.valid() {
		return bad("Unit", c.Unit, "is not a known unit")
	}
	if c.ReviewAfter < 0 {
		return bad("ReviewAfter", c.ReviewAfter, "must not be negative")
	}
	return nil
}

// Status is where a commitment stands in one period.
type Status uint8

// The statuses of a period.
const (
	// StatusNoData: the period's cohort is empty so far (share commitments
	// only); it neither meets nor misses, and ends a run of misses.
	StatusNoData Status = iota + 1
	// StatusOnTrack: the period is running and its projection reaches the target.
	StatusOnTrack
	// StatusAtRisk: the period is running and its projection falls short.
	StatusAtRisk
	// StatusMet: the period is over and the target was reached.
	StatusMet
	// StatusMissed: the period is over and the target was not reached.
	StatusMissed
)

// String returns the status's name.
func (s Status) String() string {
	switch s {
	case StatusNoData:
		return "no_data"
	case StatusOnTrack:
		return "on_track"
	case StatusAtRisk:
		return "at_risk"
	case StatusMet:
		return "met"
	case StatusMissed:
		return "missed"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// MarshalText encodes the status as its name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// PeriodResult is a commitment's figures for one period.
type PeriodResult struct {
	Period Period `json:"period"`
	// Actual is the count or share so far; N is the cohort it is a share
	// of (the count itself for CommitmentMQLVolume).
	Actual float64 `json:"actual"`
	N      int     `json:"n"`
	// Elapsed is the share of the period passed at now, in the
	// commitment's Calendar.
	Elapsed float64 `json:"elapsed"`
	// Projected is where the period will end at the current pace: for
	// CommitmentMQLVolume, Actual ÷ Elapsed; for shares, Actual (a share does not
	// grow with time). For a finished period it is Actual.
	Projected float64 `json:"projected"`
	Status    Status  `json:"status"`
}

// AlertKind says why an Alert was raised.
type AlertKind uint8

// The alerts a review raises.
const (
	// AlertPacing: the current period will end below target at the
	// current pace (raised only after MinPacingElapsed of it passed).
	AlertPacing AlertKind = iota + 1
	// AlertReview: the commitment missed ReviewAfter or more periods in a
	// row; the SLA calls for a review.
	AlertReview
	// AlertReviewDue: the agreement's review date has come (sla.Review),
	// whatever the figures say.
	AlertReviewDue
)

// String returns the alert kind's name.
func (k AlertKind) String() string {
	switch k {
	case AlertPacing:
		return "pacing"
	case AlertReview:
		return "review"
	case AlertReviewDue:
		return "review_due"
	}
	return fmt.Sprintf("AlertKind(%d)", uint8(k))
}

// MarshalText encodes the alert kind as its name.
func (k AlertKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Alert is a value a service routes (a message, an event, a ticket).
type Alert struct {
	Kind       AlertKind      `json:"kind"`
	Commitment string         `json:"commitment"`
	Measure    CommitmentKind `json:"measure"`
	Period     Period         `json:"period"`
	Target     float64        `json:"target"`
	Actual     float64        `json:"actual"`
	Projected  float64        `json:"projected"`
	// Missed is the number of consecutive missed periods (AlertReview).
	Missed  int    `json:"missed,omitempty"`
	Message string `json:"message"`
}

// ReviewsDue returns an AlertReviewDue for each review date of r that
// falls on or after from and on or before now (sla.Review.Due): the
// agreement is due for its scheduled review. Period is the review
// day in UTC; Message names it and the next review date.
func ReviewsDue(r sla.Review, from, now time.Time) []Alert {
	var out []Alert
	for _, d := range r.Due(from, now) {
		n := 1
		for r.Date(n) != d {
			n++
		}
		next := r.Date(n + 1)
		start := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		out = append(out, Alert{
			Kind:    AlertReviewDue,
			Period:  Period{Unit: UnitDay, Start: start, End: start.AddDate(0, 0, 1)},
			Message: fmt.Sprintf("the SLA in effect since %s is due for its review on %s (every %d months; the next on %s)", r.Effective, d, r.Months, next),
		})
	}
	return out
}

// Review is a commitment's record over a span of periods.
type Review struct {
	Commitment Commitment     `json:"-"`
	Periods    []PeriodResult `json:"periods"`
	// ConsecutiveMissed counts the finished periods missed in a row up to
	// the latest finished one (StatusNoData and Met end a run).
	ConsecutiveMissed int     `json:"consecutive_missed"`
	Alerts            []Alert `json:"alerts,omitempty"`
}

// Review measures commitment c in every period from the one containing
// from to the one containing now, judging the finished ones (StatusMet, StatusMissed,
// StatusNoData) and pacing the current one (StatusOnTrack, StatusAtRisk). It raises an
// AlertPacing when the current period is StatusAtRisk after MinPacingElapsed of
// it, and an AlertReview when ConsecutiveMissed reaches ReviewAfter. An
// invalid commitment returns a *FieldError.
func (p *Projection) Review(c Commitment, from, now time.Time) (Review, error) {
	if err := c.validate(); err != nil {
		return Review{}, err
	}
	u := c.Unit
	if u == 0 {
		u = UnitMonth
	}
	rv := Review{Commitment: c}
	end := now
	if !end.After(from) {
		end = from.Add(1)
	}
	for _, per := range Periods(u, from, end.Add(1), p.location()) {
		if per.Start.After(now) {
			break
		}
		res := PeriodResult{Period: per}
		res.Actual, res.N = p.measure(c, per, now)
		res.Elapsed = 1
		if now.Before(per.End) {
			res.Elapsed = ratio(float64(c.Calendar.Elapsed(per.Start, now)), float64(c.Calendar.Elapsed(per.Start, per.End)))
		}
		res.Projected = res.Actual
		if c.Kind == CommitmentMQLVolume && res.Elapsed < 1 {
			res.Projected = ratio(res.Actual, res.Elapsed)
		}
		short := res.Projected < c.Target
		switch {
		case c.Kind != CommitmentMQLVolume && res.N == 0:
			res.Status = StatusNoData
		case res.Elapsed < 1 && short:
			res.Status = StatusAtRisk
		case res.Elapsed < 1:
			res.Status = StatusOnTrack
		case res.Actual >= c.Target:
			res.Status = StatusMet
		default:
			res.Status = StatusMissed
		}
		if res.Status == StatusMissed {
			rv.ConsecutiveMissed++
		} else if res.Elapsed >= 1 {
			rv.ConsecutiveMissed = 0
		}
		if res.Status == StatusAtRisk && res.Elapsed >= MinPacingElapsed {
			rv.Alerts = append(rv.Alerts, Alert{
				Kind: AlertPacing, Commitment: c.Name, Measure: c.Kind, Period: per,
				Target: c.Target, Actual: res.Actual, Projected: res.Projected,
				Message: fmt.Sprintf("%s: %s at %s of the period: %s, on pace for %s against a target of %s",
					c.label(), per, pct(res.Elapsed), c.format(res.Actual), c.format(res.Projected), c.format(c.Target)),
			})
		}
		rv.Periods = append(rv.Periods, res)
	}
	if rv.ConsecutiveMissed >= c.reviewAfter() {
		last := rv.Periods[len(rv.Periods)-1]
		for i := len(rv.Periods) - 1; i >= 0; i-- {
			if rv.Periods[i].Elapsed >= 1 {
				last = rv.Periods[i]
				break
			}
		}
		rv.Alerts = append(rv.Alerts, Alert{
			Kind: AlertReview, Commitment: c.Name, Measure: c.Kind, Period: last.Period,
			Target: c.Target, Actual: last.Actual, Projected: last.Projected, Missed: rv.ConsecutiveMissed,
			Message: fmt.Sprintf("%s: missed %d %ss in a row, through %s (%s against %s): review the SLA",
				c.label(), rv.ConsecutiveMissed, c.unit(), last.Period, c.format(last.Actual), c.format(c.Target)),
		})
	}
	return rv, nil
}

func (c Commitment) unit() Unit {
	if c.Unit == 0 {
		return UnitMonth
	}
	return c.Unit
}

func (c Commitment) label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Kind.String()
}

func (c Commitment) format(v float64) string {
	if c.Kind == CommitmentMQLVolume {
		return fmt.Sprintf("%.0f MQLs", v)
	}
	return pct(v)
}

func pct(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }

// measure returns c's actual figure for period per at now, and the size of
// the cohort it is a share of.
func (p *Projection) measure(c Commitment, per Period, now time.Time) (float64, int) {
	f := c.Filter
	f.From, f.To = per.Start, per.End
	m := p.compile(f)
	nowNS := now.UnixNano()
	hit, n := 0, 0
	for r := range p.all() {
		if !m.lead(r) {
			continue
		}
		switch c.Kind {
		case CommitmentMQLVolume:
			if m.at(r.first[lead.StageMQL]) && r.first[lead.StageMQL] <= nowNS {
				hit++
			}
		case CommitmentAcceptedShare:
			if m.at(r.first[lead.StageMQL]) {
				n++
				if r.first[lead.StageAccepted] != 0 {
					hit++
				}
			}
		case CommitmentReach:
			mql := r.first[lead.StageMQL]
			if !m.at(mql) {
				continue
			}
			start := time.Unix(0, mql)
			switch {
			case r.firstTouch != 0 && r.firstTouch >= mql && c.Calendar.Elapsed(start, time.Unix(0, r.firstTouch)) <= c.Within:
				hit++
				n++
			case c.Calendar.Elapsed(start, now) >= c.Within:
				n++
			}
		case CommitmentCadence:
			acc := r.first[lead.StageAccepted]
			if !m.at(acc) {
				continue
			}
			within := int64(c.Within / time.Second)
			switch {
			case int(r.nCadence) >= c.Touches && int64(r.cadence[c.Touches-1]) <= within:
				hit++
				n++
			case nowNS-acc >= int64(c.Within):
				n++
			}
		case CommitmentClosedShare:
			if m.at(r.first[lead.StageSQL]) {
				n++
				if r.first[lead.StageWon] != 0 || r.first[lead.StageLost] != 0 {
					hit++
				}
			}
		}
	}
	if c.Kind == CommitmentMQLVolume {
		return float64(hit), hit
	}
	return ratio(float64(hit), float64(n)), n
}
