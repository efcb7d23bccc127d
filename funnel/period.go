package funnel

import (
	"fmt"
	"time"
)

// Unit is the length of a reporting period.
type Unit uint8

// The period units. Weeks start on Monday (ISO 8601); quarters start in
// January, April, July and October.
const (
	UnitDay Unit = iota + 1
	UnitWeek
	UnitMonth
	UnitQuarter
)

// String returns the unit's name: "day", "week", "month" or "quarter".
func (u Unit) String() string {
	switch u {
	case UnitDay:
		return "day"
	case UnitWeek:
		return "week"
	case UnitMonth:
		return "month"
	case UnitQuarter:
		return "quarter"
	}
	return fmt.Sprintf("Unit(%d)", uint8(u))
}

func (u Unit) valid() bool { return u >= UnitDay && u <= UnitQuarter }

// Period is one day, week, month or quarter: the wall-clock interval
// [Start, End) in a time zone.
type Period struct {
	Unit       Unit
	Start, End time.Time
}

// PeriodOf returns the period of unit u that contains t, in loc (nil means
// UTC). An invalid unit is taken as UnitMonth.
func PeriodOf(u Unit, t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	if !u.valid() {
		u = UnitMonth
	}
	y, m, d := t.In(loc).Date()
	var start time.Time
	switch u {
	case UnitDay:
		start = time.Date(y, m, d, 0, 0, 0, 0, loc)
	case UnitWeek:
		wd := int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()+6) % 7 // Monday = 0
		start = time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case UnitMonth:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case UnitQuarter:
		start = time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	}
	return Period{Unit: u, Start: start, End: periodEnd(u, start)}
}

func periodEnd(u Unit, start time.Time) time.Time {
	y, m, d := start.Date()
	loc := start.Location()
	switch u {
	case UnitDay:
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case UnitWeek:
		return time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	case UnitQuarter:
		return time.Date(y, m+3, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
}

// Next returns the period that follows p.
func (p Period) Next() Period {
	return Period{Unit: p.Unit, Start: p.End, End: periodEnd(p.Unit, p.End)}
}

// Contains reports whether t falls within [Start, End).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Elapsed returns the share of p that has passed at now, between 0 and 1.
func (p Period) Elapsed(now time.Time) float64 {
	switch {
	case !now.After(p.Start):
		return 0
	case !now.Before(p.End):
		return 1
	}
	return float64(now.Sub(p.Start)) / float64(p.End.Sub(p.Start))
}

// String labels the period: "2026-03-02" (day), "2026-W10" (ISO week),
// "2026-03" (month), "2026-Q1" (quarter).
func (p Period) String() string {
	switch p.Unit {
	case UnitDay:
		return p.Start.Format(time.DateOnly)
	case UnitWeek:
		y, w := p.Start.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case UnitQuarter:
		return fmt.Sprintf("%04d-Q%d", p.Start.Year(), (int(p.Start.Month())-1)/3+1)
	}
	return p.Start.Format("2006-01")
}

// MarshalText encodes the period as its label.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Periods returns the periods of unit u from the one containing from up to
// and including the one containing to (to exclusive when it is a period's
// start), in loc. It returns nil when to is not after from.
func Periods(u Unit, from, to time.Time, loc *time.Location) []Period {
	if !to.After(from) {
		return nil
	}
	var ps []Period
	for p := PeriodOf(u, from, loc); p.Start.Before(to); p = p.Next() {
		ps = append(ps, p)
	}
	return ps
}

// civilDay numbers the civil date y-m-d as days since 1970-01-01.
func civilDay(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayClock turns instants into civil day numbers in one location, caching
// the last day's bounds: a global event order is nearly sorted by time, so
// almost every event falls on the cached day.
type dayClock struct {
	loc        *time.Location
	start, end int64 // unix ns bounds of the cached day
	day        int32
}

func (c *dayClock) dayOf(ns int64) int32 {
	if ns >= c.start && ns < c.end {
		return c.day
	}
	t := time.Unix(0, ns).In(c.loc)
	y, m, d := t.Date()
	c.day = civilDay(y, m, d)
	c.start = time.Date(y, m, d, 0, 0, 0, 0, c.loc).UnixNano()
	c.end = time.Date(y, m, d+1, 0, 0, 0, 0, c.loc).UnixNano()
	if c.start > ns { // a zone whose midnight fell in a DST gap
		c.start = ns
	}
	return c.day
}

// midnight returns the start of civil day n in loc.
func midnight(n int32, loc *time.Location) time.Time {
	t := time.Unix(int64(n)*86400, 0).UTC()
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
