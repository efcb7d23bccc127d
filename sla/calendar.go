package sla

import (
	"fmt"
	"time"
)

// TimeOfDay is a wall-clock time as a duration since midnight, from 0 to
// 24h; 24h means the end of the day. It says where a Span starts and ends.
type TimeOfDay time.Duration

// EndOfDay is the TimeOfDay that closes a day: a span ending at EndOfDay
// joins a span starting at 0 on the next day without a gap.
const EndOfDay = TimeOfDay(24 * time.Hour)

// At returns the TimeOfDay hour:minute, for building spans: At(9, 0) is
// 09:00 and At(24, 0) is the end of the day.
func At(hour, minute int) TimeOfDay {
	return TimeOfDay(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// String formats t as "15:04", with seconds and a fraction when t has
// them; a value outside 0..24h is formatted as a duration.
func (t TimeOfDay) String() string {
	d := time.Duration(t)
	if d < 0 || d > 24*time.Hour {
		return d.String()
	}
	h, m, s, ns := d/time.Hour, d/time.Minute%60, d/time.Second%60, d%time.Second
	switch {
	case ns != 0:
		return fmt.Sprintf("%02d:%02d:%02d.%09d", h, m, s, ns)
	case s != 0:
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// Span is an opening span within one day, [Start, End) in wall-clock time
// of the calendar's Location: At(9, 0) to At(18, 0) is open from 09:00 up
// to, not including, 18:00.
type Span struct {
	Start, End TimeOfDay
}

// String formats s as "09:00-18:00".
func (s Span) String() string { return s.Start.String() + "-" + s.End.String() }

// Date is a civil date (year, month, day) without a time or zone; a
// Calendar's holidays are Dates read in the calendar's Location.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's own location; use
// DateOf(t.In(loc)) for the date in another zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String formats d as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// valid reports whether d names a day of the proleptic Gregorian calendar.
func (d Date) valid() bool {
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	// time.Date normalises Feb 30 to Mar 2, so a date that survives the
	// round trip exists.
	return DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)) == d
}

func (d Date) before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// Calendar is a coverage-hour calendar: the weekly opening spans and the
// holidays in which SLA durations are measured. It is a plain value users
// build; check it once with Validate.
//
// An instant is open when a clock on the wall in Location shows a time
// inside one of the spans of that day's weekday, and the day is not a
// holiday. Time inside the spans is real elapsed time, so across a DST
// change a span covers what a clock on the wall covers: 01:00-04:00 is 2h
// on a spring-forward night and 4h on a fall-back night. A wall time that
// does not exist (in the spring-forward gap) is never shown, so a span
// starting or ending in the gap opens or closes at the end of the gap; a
// wall time that occurs twice (fall-back) is open both times if it is
// inside a span. (This is deliberately not how time.Date resolves a gap:
// time.Date moves 02:30 forward to 03:30 in Berlin but back to 01:30 in
// New York, and does not promise either.)
//
// The zero Calendar is open 24x7 in UTC. A calendar with no spans on any
// day is open around the clock except on its holidays, which close whole
// days (midnight to midnight, wall clock in Location).
type Calendar struct {
	// Location is the zone of the spans and holidays; nil means UTC.
	Location *time.Location
	// Week holds the opening spans of each weekday, indexed by
	// time.Weekday, sorted and not overlapping. Spans may touch, and a
	// span ending at EndOfDay joins one starting at 0 the next day. If
	// every day is empty the calendar is open around the clock.
	Week [7][]Span
	// Holidays are the days the calendar is closed, in any order.
	// Spans of the day before that run to midnight still count.
	Holidays []Date
}

// BusinessHours returns a calendar open from start to end on each of days
// (Monday to Friday when none are given) in loc, such as the 09:00-18:00
// office week: BusinessHours(loc, At(9, 0), At(18, 0)).
func BusinessHours(loc *time.Location, start, end TimeOfDay, days ...time.Weekday) Calendar {
	if len(days) == 0 {
		days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	c := Calendar{Location: loc}
	for _, d := range days {
		if d >= time.Sunday && d <= time.Saturday {
			c.Week[d] = []Span{{Start: start, End: end}}
		}
	}
	return c
}

// CalendarError is the error Validate returns: which part of the calendar
// is wrong and why.
type CalendarError struct {
	// Field names the part, as in "Week[Monday][1]" or "Holidays[3]".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "sla: invalid calendar: " followed by the field and reason.
func (e *CalendarError) Error() string {
	return "sla: invalid calendar: " + e.Field + ": " + e.Reason
}

// Validate reports the first problem that makes c unusable, as a
// *CalendarError: a span outside 0..24h, a span that does not end after
// it starts, spans of a day out of order or overlapping, or a holiday that
// is not a real date. A calendar that passes is open at some time in every
// week that is not a holiday; the methods of one that fails still return
// (without panicking or looping), but their answers are not meaningful.
func (c Calendar) Validate() error {
	for wd, spans := range c.Week {
		for i, s := range spans {
			field := fmt.Sprintf("Week[%s][%d]", time.Weekday(wd), i)
			switch {
			case s.Start < 0 || s.Start > EndOfDay:
				return &CalendarError{field, fmt.Sprintf("span %v starts outside 00:00-24:00", s)}
			case s.End < 0 || s.End > EndOfDay:
				return &CalendarError{field, fmt.Sprintf("span %v ends outside 00:00-24:00", s)}
			case s.Start >= s.End:
				return &CalendarError{field, fmt.Sprintf("span %v does not end after it starts", s)}
			case i > 0 && s.Start < spans[i-1].End:
				return &CalendarError{field, fmt.Sprintf("span %v starts before the previous span %v ends", s, spans[i-1])}
			}
		}
	}
	for i, h := range c.Holidays {
		if !h.valid() {
			return &CalendarError{fmt.Sprintf("Holidays[%d]", i), fmt.Sprintf("%v is not a date", h)}
		}
	}
	return nil
}

// Add returns the instant at which d of open time has passed since t, in
// t's location: the deadline d business time after t. Time before the
// first opening after t does not count, so a start outside coverage counts
// from the next opening, and Add(t, 0) is NextOpen(t). A negative d counts
// as 0. For the 24x7 zero Calendar, Add(t, d) is t.Add(d).
//
// Add looks at most 100 years (36,500 days) past t. If c does not have d
// of open time in that window (a calendar that fails Validate, or one
// whose holidays close it for a century), Add returns t plus that window:
// in effect never, and Elapsed(t, result) < d tells the caller.
func (c Calendar) Add(t time.Time, d time.Duration) time.Time { return c.add(t, d) }

// add is Add without copying c.
func (c *Calendar) add(t time.Time, d time.Duration) time.Time {
	d = max(d, 0)
	if c.always() {
		return t.Add(d)
	}
	limit := horizon(t)
	res, found := limit, false
	c.each(t, limit, func(s, e time.Time) bool {
		if n := e.Sub(s); d > n {
			d -= n
			return true
		}
		res, found = s.Add(d), true
		return false
	})
	if found && res.Equal(t) {
		return t
	}
	return res.In(t.Location())
}

// NextOpen returns the first instant at or after t at which c is open: t
// itself when c is open at t. It is Add(t, 0).
func (c Calendar) NextOpen(t time.Time) time.Time { return c.Add(t, 0) }

// Elapsed returns the open time of c between a and b, 0 when b is not
// after a: the business time a lead has waited. Elapsed(t, c.Add(t, d))
// is d. It counts at most the first 100 years after a, like Add.
func (c Calendar) Elapsed(a, b time.Time) time.Duration { return c.elapsed(a, b) }

// elapsed is Elapsed without copying c.
func (c *Calendar) elapsed(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always() {
		return b.Sub(a)
	}
	if limit := horizon(a); limit.Before(b) {
		b = limit
	}
	var sum time.Duration
	c.each(a, b, func(s, e time.Time) bool {
		sum += e.Sub(s)
		return true
	})
	return sum
}

// Open reports whether c is open at t: whether the wall clock in Location
// shows a time inside a span of that weekday on a day that is no holiday.
// A span includes its start and excludes its end.
func (c Calendar) Open(t time.Time) bool {
	if c.always() {
		return true
	}
	z := t.In(c.location())
	if c.holiday(DateOf(z), false) {
		return false
	}
	if c.aroundTheClock() {
		return true
	}
	tod := TimeOfDay(time.Duration(z.Hour())*time.Hour + time.Duration(z.Minute())*time.Minute +
		time.Duration(z.Second())*time.Second + time.Duration(z.Nanosecond()))
	for _, s := range c.Week[z.Weekday()] {
		if s.Start <= tod && tod < s.End {
			return true
		}
	}
	return false
}

func (c *Calendar) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// aroundTheClock reports whether no day has spans, so every day is open
// from midnight to midnight.
func (c *Calendar) aroundTheClock() bool {
	for _, s := range c.Week {
		if len(s) > 0 {
			return false
		}
	}
	return true
}

// always reports whether c is open at every instant. The wall clock of
// the clocks that do not count business hours is known to be.
func (c *Calendar) always() bool {
	return c == &wallClock || len(c.Holidays) == 0 && c.aroundTheClock()
}

func (c *Calendar) holidaysSorted() bool {
	for i := 1; i < len(c.Holidays); i++ {
		if c.Holidays[i].before(c.Holidays[i-1]) {
			return false
		}
	}
	return true
}

func (c *Calendar) holiday(d Date, sorted bool) bool {
	h := c.Holidays
	if !sorted {
		for _, x := range h {
			if x == d {
				return true
			}
		}
		return false
	}
	lo, hi := 0, len(h)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h[m].before(d) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(h) && h[lo] == d
}

const (
	searchDays = 36500
	searchSpan = searchDays * 24 * time.Hour
	// maxSteps bounds the days each visits, revisits after a fall-back
	// included, whatever the zone data says.
	maxSteps  = 2 * searchDays
	secPerDay = 24 * 60 * 60
)

// fullDay is the span of every day of a calendar without spans.
var fullDay = []Span{{0, EndOfDay}}

// horizon returns the end of the window Add and Elapsed search after t,
// saturating rather than wrapping near the end of time.
func horizon(t time.Time) time.Time {
	if l := t.Add(searchSpan); l.After(t) {
		return l
	}
	return t
}

// each calls yield with the open intervals [s, e) of c between from and
// limit, in order, not overlapping, until yield returns false.
//
// It walks the zone's offset periods (from one DST change to the next);
// inside a period wall clock and real time differ by a constant, so a
// span's interval is plain arithmetic, and the walk is O(days) with one
// zone lookup per period.
func (c *Calendar) each(from, limit time.Time, yield func(s, e time.Time) bool) {
	loc := c.location()
	allDay := c.aroundTheClock()
	sorted := c.holidaysSorted()
	for cur, steps := from, 0; cur.Before(limit) && steps < maxSteps; {
		// Intervals of this period start at cur or later: the wall times
		// of a span may also occur in another period (fall-back).
		prev := cur
		z := cur.In(loc)
		_, off := z.Zone()
		end := limit
		if _, pe := z.ZoneBounds(); pe.After(cur) && pe.Before(limit) {
			end = pe
		}
		day := floorDiv(cur.Unix()+int64(off), secPerDay)
		// The day loop compares seconds, and builds a time.Time only for
		// a day with spans: a week's closed days cost next to nothing.
		endSec, endNs := end.Unix(), end.Nanosecond()
		for ; steps < maxSteps; day, steps = day+1, steps+1 {
			sec := day*secPerDay - int64(off)
			if sec > endSec || sec == endSec && endNs == 0 {
				break // midnight is not before end
			}
			spans := fullDay
			if !allDay {
				spans = c.Week[weekday(day)]
			}
			if len(spans) == 0 || len(c.Holidays) > 0 && c.holiday(civil(day), sorted) {
				continue
			}
			midnight := time.Unix(sec, 0)
			for _, sp := range spans {
				st := min(max(sp.Start, 0), EndOfDay)
				en := min(max(sp.End, 0), EndOfDay)
				if st >= en {
					continue
				}
				s := midnight.Add(time.Duration(st))
				e := midnight.Add(time.Duration(en))
				if s.Before(prev) {
					s = prev
				}
				if e.After(end) {
					e = end
				}
				if !s.Before(e) {
					continue
				}
				prev = e
				if !yield(s, e) {
					return
				}
			}
		}
		cur = end
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// weekday returns the weekday of the day numbered n since 1970-01-01, a
// Thursday.
func weekday(n int64) time.Weekday {
	return time.Weekday((n%7 + 7 + int64(time.Thursday)) % 7)
}

// civil returns the date of the day numbered n since 1970-01-01, by
// Howard Hinnant's civil_from_days.
func civil(n int64) Date {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}
