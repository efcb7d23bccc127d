package sla

import (
	"fmt"
	"time"
)

// Review is when the agreement a policy file holds is reviewed: it took
// effect on Effective and is reviewed every Months months after it (the
// seed documents: every six months, quarterly for high-growth companies).
// The zero Review sets no review cadence.
type Review struct {
	// Effective is the day the agreement took effect.
	Effective Date
	// Months is the review interval in months, 1..120; 0 with a zero
	// Effective is no cadence.
	Months int
}

// IsZero reports whether r sets no review cadence.
func (r Review) IsZero() bool { return r == Review{} }

// Validate reports, as a *PolicyError, an Effective date that does not
// exist and an interval outside 1..120 months; the zero Review is valid.
func (r Review) Validate() error {
	if r.IsZero() {
		return nil
	}
	if !r.Effective.valid() || r.Effective.Year < 1 || r.Effective.Year > 9999 {
		return &PolicyError{Field: "Review.Effective", Reason: fmt.Sprintf("%s is not a date", r.Effective)}
	}
	if r.Months < 1 || r.Months > 120 {
		return &PolicyError{Field: "Review.Months", Reason: fmt.Sprintf("must be in 1..120, got %d", r.Months)}
	}
	return nil
}

// Date returns the n-th review date (n >= 1): n*Months months after
// Effective, on the same day of the month or the month's last day when
// it is shorter (a review every month from 31 January falls on 28 or 29
// February, then 31 March).
func (r Review) Date(n int) Date {
	m := int(r.Effective.Month) - 1 + n*r.Months
	y := r.Effective.Year + m/12
	month := time.Month(m%12 + 1)
	last := time.Date(y, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return Date{Year: y, Month: month, Day: min(r.Effective.Day, last)}
}

// Due returns the review dates that fall on or after from and on or
// before now, as days in UTC (a review is due from 00:00 UTC of its
// date), earliest first. A zero or invalid Review has none.
func (r Review) Due(from, now time.Time) []Date {
	if r.IsZero() || r.Validate() != nil {
		return nil
	}
	lo, hi := DateOf(from.UTC()), DateOf(now.UTC())
	var out []Date
	for n := 1; ; n++ {
		d := r.Date(n)
		if hi.before(d) {
			return out
		}
		if !d.before(lo) {
			out = append(out, d)
		}
	}
}
