package sla

import (
	"errors"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo

	"pgregory.net/rapid"
)

func calLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// calAt parses "2006-01-02 15:04" as wall clock in loc; use calUTC for
// wall times that occur twice.
func calAt(tb testing.TB, loc *time.Location, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func calUTC(tb testing.TB, s string) time.Time { return calAt(tb, time.UTC, s) }

func calDate(y int, m time.Month, d int) Date { return Date{Year: y, Month: m, Day: d} }

// calDays returns every date from first to last inclusive.
func calDays(first, last Date) []Date {
	var ds []Date
	for t := time.Date(first.Year, first.Month, first.Day, 12, 0, 0, 0, time.UTC); !last.before(DateOf(t)); t = t.AddDate(0, 0, 1) {
		ds = append(ds, DateOf(t))
	}
	return ds
}

// calOfficeBerlin is Mon-Fri 09:00-18:00 in Berlin with Labour Day and
// Christmas to New Year (Thursday 2026-12-24 to Friday 2027-01-01) off.
func calOfficeBerlin(tb testing.TB) Calendar {
	c := BusinessHours(calLoad(tb, "Europe/Berlin"), At(9, 0), At(18, 0))
	c.Holidays = append([]Date{calDate(2026, time.May, 1)}, calDays(calDate(2026, time.December, 24), calDate(2027, time.January, 1))...)
	return c
}

type calAddCase struct {
	name  string
	start string
	d     time.Duration
	want  string
}

func calCheckAdd(t *testing.T, c Calendar, loc *time.Location, cases []calAddCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start, want := calAt(t, loc, tc.start), calAt(t, loc, tc.want)
			got := c.Add(start, tc.d)
			if !got.Equal(want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", start, tc.d, got, want)
			}
			if e := c.Elapsed(start, got); e != max(tc.d, 0) {
				t.Errorf("Elapsed(%v, %v) = %v, want %v", start, got, e, max(tc.d, 0))
			}
		})
	}
}

func TestCalendarAddCountsOnlyBusinessHours(t *testing.T) {
	c := calOfficeBerlin(t)
	calCheckAdd(t, c, c.Location, []calAddCase{
		{"Friday evening rolls to Monday", "2026-01-16 17:30", 2 * time.Hour, "2026-01-19 10:30"},
		{"before opening counts from opening", "2026-01-20 07:00", time.Hour, "2026-01-20 10:00"},
		{"after closing counts from next opening", "2026-01-20 19:00", time.Hour, "2026-01-21 10:00"},
		{"weekend start counts from Monday", "2026-01-17 11:00", time.Hour, "2026-01-19 10:00"},
		{"at opening", "2026-01-20 09:00", 9 * time.Hour, "2026-01-20 18:00"},
		{"eight business hours", "2026-01-19 14:00", 8 * time.Hour, "2026-01-20 13:00"},
		{"four business days end at closing", "2026-01-19 09:00", 36 * time.Hour, "2026-01-22 18:00"},
		{"zero inside coverage is now", "2026-01-20 10:00", 0, "2026-01-20 10:00"},
		{"zero at closing is next opening", "2026-01-20 18:00", 0, "2026-01-21 09:00"},
		{"negative counts as zero", "2026-01-17 10:00", -time.Hour, "2026-01-19 09:00"},
		{"start on a holiday", "2026-05-01 10:00", time.Hour, "2026-05-04 10:00"},
		{"holiday in the middle", "2026-04-30 17:00", 2 * time.Hour, "2026-05-04 10:00"},
		{"Christmas to New Year", "2026-12-23 17:00", 3 * time.Hour, "2027-01-04 11:00"},
		{"into the holidays from the day before", "2026-12-23 09:00", 9 * time.Hour, "2026-12-23 18:00"},
	})
}

func TestCalendarAddSkipsLunchBreak(t *testing.T) {
	loc := calLoad(t, "Europe/Berlin")
	c := Calendar{Location: loc}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		c.Week[d] = []Span{{At(9, 0), At(12, 0)}, {At(13, 0), At(18, 0)}}
	}
	calCheckAdd(t, c, loc, []calAddCase{
		{"across lunch", "2026-01-19 11:00", 2 * time.Hour, "2026-01-19 14:00"},
		{"up to lunch ends at noon", "2026-01-19 11:30", 30 * time.Minute, "2026-01-19 12:00"},
		{"one minute more resumes after lunch", "2026-01-19 11:30", 31 * time.Minute, "2026-01-19 13:01"},
		{"zero during lunch waits for it to end", "2026-01-19 12:30", 0, "2026-01-19 13:00"},
		{"a full day and one hour", "2026-01-19 08:00", 9 * time.Hour, "2026-01-20 10:00"},
	})
	for _, tc := range []struct {
		a, b string
		want time.Duration
	}{
		{"2026-01-19 08:00", "2026-01-19 20:00", 8 * time.Hour},
		{"2026-01-19 11:00", "2026-01-19 13:30", 90 * time.Minute},
		{"2026-01-19 12:00", "2026-01-19 13:00", 0},
	} {
		if got := c.Elapsed(calAt(t, loc, tc.a), calAt(t, loc, tc.b)); got != tc.want {
			t.Errorf("Elapsed(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	for s, want := range map[string]bool{"2026-01-19 11:59": true, "2026-01-19 12:00": false, "2026-01-19 12:59": false, "2026-01-19 13:00": true, "2026-01-19 18:00": false} {
		if got := c.Open(calAt(t, loc, s)); got != want {
			t.Errorf("Open(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestCalendarElapsedCountsOnlyBusinessHours(t *testing.T) {
	c := calOfficeBerlin(t)
	for _, tc := range []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"weekend is zero", "2026-01-16 18:00", "2026-01-19 09:00", 0},
		{"Saturday to Sunday", "2026-01-17 00:00", "2026-01-18 23:59", 0},
		{"Friday evening to Monday morning", "2026-01-16 17:30", "2026-01-19 10:30", 2 * time.Hour},
		{"a whole week", "2026-01-19 00:00", "2026-01-26 00:00", 45 * time.Hour},
		{"b before a is zero", "2026-01-20 12:00", "2026-01-20 10:00", 0},
		{"equal is zero", "2026-01-20 12:00", "2026-01-20 12:00", 0},
		{"over the Christmas holidays", "2026-12-23 09:00", "2027-01-04 18:00", 18 * time.Hour},
		{"business days across the spring-forward weekend", "2026-03-27 09:00", "2026-03-30 18:00", 18 * time.Hour},
		{"across the fall-back weekend", "2026-10-23 17:00", "2026-10-26 10:00", 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Elapsed(calAt(t, c.Location, tc.a), calAt(t, c.Location, tc.b)); got != tc.want {
				t.Errorf("Elapsed = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCalendarSpansAreWallClockAcrossDST pins the DST rule: a span covers
// the instants whose wall-clock reading is inside it.
func TestCalendarSpansAreWallClockAcrossDST(t *testing.T) {
	berlin, ny := calLoad(t, "Europe/Berlin"), calLoad(t, "America/New_York")
	sunday := func(loc *time.Location, spans ...Span) Calendar {
		c := Calendar{Location: loc}
		c.Week[time.Sunday] = spans
		return c
	}
	overnight := func(loc *time.Location) Calendar {
		c := Calendar{Location: loc}
		for d := range c.Week {
			c.Week[d] = []Span{{0, At(6, 0)}, {At(22, 0), EndOfDay}}
		}
		return c
	}
	type elapsedCase struct {
		name string
		c    Calendar
		a, b time.Time
		want time.Duration
	}
	u := func(s string) time.Time { return calUTC(t, s) }
	for _, tc := range []elapsedCase{
		// Berlin springs forward 02:00 CET -> 03:00 CEST at 01:00Z on
		// 2026-03-29 and falls back 03:00 CEST -> 02:00 CET at 01:00Z on
		// 2026-10-25.
		{"Berlin 01-04 spring", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-03-28 12:00"), calAt(t, berlin, "2026-03-30 00:00"), 2 * time.Hour},
		{"Berlin 01-04 plain Sunday", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-04-04 12:00"), calAt(t, berlin, "2026-04-06 00:00"), 3 * time.Hour},
		{"Berlin 01-04 fall", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-10-24 12:00"), calAt(t, berlin, "2026-10-26 00:00"), 4 * time.Hour},
		{"Berlin span starting in the gap opens at its end", sunday(berlin, Span{At(2, 30), At(5, 0)}), calAt(t, berlin, "2026-03-28 12:00"), calAt(t, berlin, "2026-03-30 00:00"), 2 * time.Hour},
		{"Berlin span ending in the gap closes at its end", sunday(berlin, Span{At(1, 0), At(2, 30)}), calAt(t, berlin, "2026-03-28 12:00"), calAt(t, berlin, "2026-03-30 00:00"), time.Hour},
		{"Berlin span starting in the repeated hour is open twice", sunday(berlin, Span{At(2, 30), At(5, 0)}), calAt(t, berlin, "2026-10-24 12:00"), calAt(t, berlin, "2026-10-26 00:00"), 3 * time.Hour},
		{"Berlin first 02:30 of the repeated hour", sunday(berlin, Span{At(2, 30), At(5, 0)}), u("2026-10-25 00:00"), u("2026-10-25 01:30"), 30 * time.Minute},
		// New York springs forward 02:00 EST -> 03:00 EDT at 07:00Z on
		// 2026-03-08 and falls back 02:00 EDT -> 01:00 EST at 06:00Z on
		// 2026-11-01.
		{"New York 01-04 spring", sunday(ny, Span{At(1, 0), At(4, 0)}), calAt(t, ny, "2026-03-07 12:00"), calAt(t, ny, "2026-03-09 00:00"), 2 * time.Hour},
		{"New York 01-04 fall", sunday(ny, Span{At(1, 0), At(4, 0)}), calAt(t, ny, "2026-10-31 12:00"), calAt(t, ny, "2026-11-02 00:00"), 4 * time.Hour},
		// time.Date would resolve 02:30 to 01:30 EST here and count 2h30.
		{"New York span starting in the gap opens at its end", sunday(ny, Span{At(2, 30), At(5, 0)}), calAt(t, ny, "2026-03-07 12:00"), calAt(t, ny, "2026-03-09 00:00"), 2 * time.Hour},
		{"Berlin overnight spring", overnight(berlin), calAt(t, berlin, "2026-03-28 22:00"), calAt(t, berlin, "2026-03-29 06:00"), 7 * time.Hour},
		{"Berlin overnight fall", overnight(berlin), calAt(t, berlin, "2026-10-24 22:00"), u("2026-10-25 05:00"), 9 * time.Hour},
		{"New York overnight spring", overnight(ny), calAt(t, ny, "2026-03-07 22:00"), calAt(t, ny, "2026-03-08 06:00"), 7 * time.Hour},
		{"New York overnight fall", overnight(ny), calAt(t, ny, "2026-10-31 22:00"), u("2026-11-01 11:00"), 9 * time.Hour},
		{"Berlin 24x7 with a holiday after spring-forward", Calendar{Location: berlin, Holidays: []Date{calDate(2026, time.March, 30)}}, calAt(t, berlin, "2026-03-28 00:00"), calAt(t, berlin, "2026-03-31 00:00"), 47 * time.Hour},
		{"Berlin 24x7 with a holiday after fall-back", Calendar{Location: berlin, Holidays: []Date{calDate(2026, time.October, 26)}}, calAt(t, berlin, "2026-10-24 00:00"), calAt(t, berlin, "2026-10-27 00:00"), 49 * time.Hour},
		{"New York 24x7 with the spring-forward day a holiday", Calendar{Location: ny, Holidays: []Date{calDate(2026, time.March, 8)}}, calAt(t, ny, "2026-03-07 00:00"), calAt(t, ny, "2026-03-10 00:00"), 48 * time.Hour},
		{"New York 24x7 with the fall-back day a holiday", Calendar{Location: ny, Holidays: []Date{calDate(2026, time.November, 1)}}, calAt(t, ny, "2026-10-31 00:00"), calAt(t, ny, "2026-11-03 00:00"), 48 * time.Hour},
		{"New York 24x7 across spring-forward", Calendar{Location: ny, Holidays: []Date{calDate(2026, time.March, 20)}}, calAt(t, ny, "2026-03-08 00:00"), calAt(t, ny, "2026-03-09 00:00"), 23 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.Validate(); err != nil {
				t.Fatal(err)
			}
			got := tc.c.Elapsed(tc.a, tc.b)
			if got != tc.want {
				t.Fatalf("Elapsed(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if end := tc.c.Add(tc.a, got); tc.c.Elapsed(tc.a, end) != got || end.After(tc.b) {
				t.Errorf("Add(%v, %v) = %v, not inside [a, b] with the same open time", tc.a, got, end)
			}
		})
	}

	type addCase struct {
		name  string
		c     Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}
	for _, tc := range []addCase{
		{"Berlin spring hour one ends after the gap", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-03-29 01:00"), time.Hour, u("2026-03-29 01:00")},
		{"Berlin spring 90m", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-03-29 01:00"), 90 * time.Minute, calAt(t, berlin, "2026-03-29 03:30")},
		{"Berlin spring all of it", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-03-29 01:00"), 2 * time.Hour, calAt(t, berlin, "2026-03-29 04:00")},
		{"Berlin spring one minute more is next Sunday", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-03-29 01:00"), 2*time.Hour + time.Minute, calAt(t, berlin, "2026-04-05 01:01")},
		{"Berlin fall into the first 02:30", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-10-25 01:00"), 90 * time.Minute, u("2026-10-25 00:30")},
		{"Berlin fall into the second 02:30", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-10-25 01:00"), 150 * time.Minute, u("2026-10-25 01:30")},
		{"Berlin fall all of it", sunday(berlin, Span{At(1, 0), At(4, 0)}), calAt(t, berlin, "2026-10-25 01:00"), 4 * time.Hour, calAt(t, berlin, "2026-10-25 04:00")},
		{"Berlin next opening is after the gap", sunday(berlin, Span{At(2, 30), At(5, 0)}), calAt(t, berlin, "2026-03-29 00:00"), 0, calAt(t, berlin, "2026-03-29 03:00")},
		{"New York spring next opening is after the gap", sunday(ny, Span{At(2, 30), At(5, 0)}), calAt(t, ny, "2026-03-08 00:00"), 0, calAt(t, ny, "2026-03-08 03:00")},
		{"New York fall 01-04 first 01:30", sunday(ny, Span{At(1, 0), At(4, 0)}), calAt(t, ny, "2026-11-01 00:00"), 30 * time.Minute, u("2026-11-01 05:30")},
		{"New York fall 01-04 second 01:30", sunday(ny, Span{At(1, 0), At(4, 0)}), calAt(t, ny, "2026-11-01 00:00"), 90 * time.Minute, u("2026-11-01 06:30")},
		{"Berlin overnight spring", overnight(berlin), calAt(t, berlin, "2026-03-28 22:00"), 7 * time.Hour, calAt(t, berlin, "2026-03-29 06:00")},
		{"Berlin overnight spring one hour more", overnight(berlin), calAt(t, berlin, "2026-03-28 22:00"), 8 * time.Hour, calAt(t, berlin, "2026-03-29 23:00")},
		{"Berlin overnight fall", overnight(berlin), calAt(t, berlin, "2026-10-24 22:00"), 9 * time.Hour, u("2026-10-25 05:00")},
		{"New York overnight fall", overnight(ny), calAt(t, ny, "2026-10-31 22:00"), 9 * time.Hour, u("2026-11-01 11:00")},
		{"Berlin 24x7 spring then holiday", Calendar{Location: berlin, Holidays: []Date{calDate(2026, time.March, 30)}}, calAt(t, berlin, "2026-03-28 12:00"), 36 * time.Hour, calAt(t, berlin, "2026-03-31 01:00")},
		{"Berlin 24x7 fall up to the holiday", Calendar{Location: berlin, Holidays: []Date{calDate(2026, time.October, 26)}}, calAt(t, berlin, "2026-10-24 12:00"), 37 * time.Hour, calAt(t, berlin, "2026-10-26 00:00")},
		{"Berlin 24x7 fall past the holiday", Calendar{Location: berlin, Holidays: []Date{calDate(2026, time.October, 26)}}, calAt(t, berlin, "2026-10-24 12:00"), 38 * time.Hour, calAt(t, berlin, "2026-10-27 01:00")},
		{"New York 24x7 skips the 23h spring-forward holiday", Calendar{Location: ny, Holidays: []Date{calDate(2026, time.March, 8)}}, calAt(t, ny, "2026-03-07 00:00"), 25 * time.Hour, calAt(t, ny, "2026-03-09 01:00")},
		{"New York 24x7 skips the 25h fall-back holiday", Calendar{Location: ny, Holidays: []Date{calDate(2026, time.November, 1)}}, calAt(t, ny, "2026-10-31 00:00"), 25 * time.Hour, calAt(t, ny, "2026-11-02 01:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Add(tc.start, tc.d); !got.Equal(tc.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", tc.start, tc.d, got, tc.want.In(tc.c.Location))
			}
		})
	}

	c := sunday(berlin, Span{At(2, 30), At(5, 0)})
	for s, want := range map[string]bool{
		"2026-10-25 00:29": false, // 02:29 CEST
		"2026-10-25 00:30": true,  // 02:30 CEST
		"2026-10-25 01:15": false, // 02:15 CET
		"2026-10-25 01:30": true,  // 02:30 CET
		"2026-03-29 01:00": true,  // 03:00 CEST, the first instant after the gap
	} {
		if got := c.Open(u(s)); got != want {
			t.Errorf("Open(%sZ) = %v, want %v", s, got, want)
		}
	}
}

func TestCalendarZeroIsAlwaysOpen(t *testing.T) {
	berlin := calLoad(t, "Europe/Berlin")
	start := calAt(t, berlin, "2026-03-28 12:00")
	for _, c := range []Calendar{{}, {Location: berlin}, {Week: [7][]Span{{}, {}}}} {
		for _, d := range []time.Duration{0, time.Nanosecond, 36 * time.Hour, 400 * 24 * time.Hour} {
			if got := c.Add(start, d); got != start.Add(d) {
				t.Errorf("%+v.Add(%v, %v) = %v, want %v", c, start, d, got, start.Add(d))
			}
			if got := c.Elapsed(start, start.Add(d)); got != d {
				t.Errorf("Elapsed over %v = %v", d, got)
			}
		}
		if !c.Open(start) || !c.NextOpen(start).Equal(start) {
			t.Errorf("%+v is not open at %v", c, start)
		}
	}
}

func TestCalendarSpanToMidnightJoinsNextDay(t *testing.T) {
	c := Calendar{}
	c.Week[time.Monday] = []Span{{At(20, 0), EndOfDay}}
	c.Week[time.Tuesday] = []Span{{0, At(4, 0)}}
	calCheckAdd(t, c, time.UTC, []calAddCase{
		{"through midnight", "2026-01-19 23:00", 2 * time.Hour, "2026-01-20 01:00"},
		{"exactly to midnight", "2026-01-19 23:00", time.Hour, "2026-01-20 00:00"},
		{"whole night", "2026-01-19 12:00", 8 * time.Hour, "2026-01-20 04:00"},
	})
	midnight := calUTC(t, "2026-01-20 00:00")
	if !c.Open(midnight) || !c.NextOpen(midnight).Equal(midnight) {
		t.Errorf("not open at midnight between the spans")
	}
	if c.Open(calUTC(t, "2026-01-20 04:00")) {
		t.Errorf("open at the end of the span")
	}
	if got := c.Elapsed(calUTC(t, "2026-01-19 19:00"), calUTC(t, "2026-01-20 05:00")); got != 8*time.Hour {
		t.Errorf("Elapsed over the night = %v, want 8h", got)
	}
}

func TestCalendarAddKeepsLocationOfStart(t *testing.T) {
	c := calOfficeBerlin(t)
	ny := calLoad(t, "America/New_York")
	start := calAt(t, ny, "2026-01-16 11:30") // 17:30 in Berlin
	got := c.Add(start, 2*time.Hour)
	if got.Location() != ny || got.Format("Mon 15:04") != "Mon 04:30" {
		t.Errorf("Add = %v, want Monday 04:30 in New York", got)
	}
}

func TestCalendarHolidayOrderDoesNotMatter(t *testing.T) {
	sorted := calOfficeBerlin(t)
	shuffled := sorted
	shuffled.Holidays = slices.Clone(sorted.Holidays)
	slices.Reverse(shuffled.Holidays)
	shuffled.Holidays = append(shuffled.Holidays, shuffled.Holidays[0]) // a duplicate too
	start := calAt(t, sorted.Location, "2026-04-01 10:00")
	for d := time.Duration(0); d < 2000*time.Hour; d += 7 * time.Hour {
		if a, b := sorted.Add(start, d), shuffled.Add(start, d); !a.Equal(b) {
			t.Fatalf("Add(%v): sorted %v, shuffled %v", d, a, b)
		}
	}
}

func TestCalendarValidateNamesTheProblem(t *testing.T) {
	monday := func(spans ...Span) Calendar {
		var c Calendar
		c.Week[time.Monday] = spans
		return c
	}
	for _, tc := range []struct {
		name string
		c    Calendar
		want string // "" for valid
	}{
		{"zero", Calendar{}, ""},
		{"business hours", BusinessHours(time.UTC, At(9, 0), At(18, 0)), ""},
		{"touching spans", monday(Span{At(9, 0), At(12, 0)}, Span{At(12, 0), At(18, 0)}), ""},
		{"whole day", monday(Span{0, EndOfDay}), ""},
		{"leap day", Calendar{Holidays: []Date{calDate(2028, time.February, 29)}}, ""},
		{"end before start", monday(Span{At(18, 0), At(9, 0)}), "sla: invalid calendar: Week[Monday][0]: span 18:00-09:00 does not end after it starts"},
		{"empty span", monday(Span{At(9, 0), At(9, 0)}), "sla: invalid calendar: Week[Monday][0]: span 09:00-09:00 does not end after it starts"},
		{"end after midnight", monday(Span{At(22, 0), At(25, 0)}), "sla: invalid calendar: Week[Monday][0]: span 22:00-25h0m0s ends outside 00:00-24:00"},
		{"negative start", monday(Span{-At(1, 0), At(2, 0)}), "sla: invalid calendar: Week[Monday][0]: span -1h0m0s-02:00 starts outside 00:00-24:00"},
		{"overlap", monday(Span{At(9, 0), At(12, 0)}, Span{At(11, 0), At(18, 0)}), "sla: invalid calendar: Week[Monday][1]: span 11:00-18:00 starts before the previous span 09:00-12:00 ends"},
		{"unsorted", monday(Span{At(13, 0), At(18, 0)}, Span{At(9, 0), At(12, 0)}), "sla: invalid calendar: Week[Monday][1]: span 09:00-12:00 starts before the previous span 13:00-18:00 ends"},
		{"BusinessHours backwards", BusinessHours(time.UTC, At(18, 0), At(9, 0), time.Friday), "sla: invalid calendar: Week[Friday][0]: span 18:00-09:00 does not end after it starts"},
		{"no leap day", Calendar{Holidays: []Date{calDate(2026, time.January, 1), calDate(2026, time.February, 29)}}, "sla: invalid calendar: Holidays[1]: 2026-02-29 is not a date"},
		{"month 13", Calendar{Holidays: []Date{calDate(2026, 13, 1)}}, "sla: invalid calendar: Holidays[0]: 2026-13-01 is not a date"},
		{"day 0", Calendar{Holidays: []Date{calDate(2026, time.May, 0)}}, "sla: invalid calendar: Holidays[0]: 2026-05-00 is not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *CalendarError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *CalendarError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("Validate() = %q\nwant         %q", err, tc.want)
			}
		})
	}
}

// TestCalendarTerminatesOnPathologicalInput checks that no input makes
// the methods loop or panic, and what Add returns when it gives up.
func TestCalendarTerminatesOnPathologicalInput(t *testing.T) {
	berlin := calLoad(t, "Europe/Berlin")
	start := calAt(t, berlin, "2026-01-19 10:00")

	t.Run("never open", func(t *testing.T) {
		c := BusinessHours(berlin, At(18, 0), At(9, 0)) // Validate rejects it
		if c.Validate() == nil {
			t.Fatal("Validate accepted a calendar that is never open")
		}
		if got, want := c.Add(start, time.Hour), start.Add(searchSpan); !got.Equal(want) {
			t.Errorf("Add = %v, want the end of the search window %v", got, want)
		}
		if got := c.Elapsed(start, start.Add(365*24*time.Hour)); got != 0 {
			t.Errorf("Elapsed = %v, want 0", got)
		}
		if c.Open(start) {
			t.Error("Open = true")
		}
	})
	t.Run("one nanosecond a week", func(t *testing.T) {
		var c Calendar
		c.Week[time.Monday] = []Span{{At(9, 0), At(9, 0) + 1}}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		got := c.Add(start, time.Hour)
		if !got.Equal(start.Add(searchSpan)) {
			t.Errorf("Add = %v, want the end of the search window", got)
		}
		if e := c.Elapsed(start, got); e != time.Duration(searchDays/7) && e != time.Duration(searchDays/7+1) {
			t.Errorf("Elapsed to the end of the window = %v, want one nanosecond a week", e)
		}
	})
	t.Run("three years of holidays", func(t *testing.T) {
		c := BusinessHours(berlin, At(9, 0), At(18, 0))
		c.Holidays = calDays(calDate(2026, time.January, 1), calDate(2028, time.December, 31))
		want := calAt(t, berlin, "2029-01-01 10:00")
		if got := c.Add(start, time.Hour); !got.Equal(want) {
			t.Errorf("Add = %v, want %v", got, want)
		}
		slices.Reverse(c.Holidays)
		if got := c.Add(start, time.Hour); !got.Equal(want) {
			t.Errorf("Add with unsorted holidays = %v, want %v", got, want)
		}
	})
	t.Run("invalid holidays and spans", func(t *testing.T) {
		c := Calendar{Location: berlin, Holidays: []Date{{2026, 2, 30}, {2026, 0, 0}, {-5, 99, -7}}}
		c.Week[time.Monday] = []Span{{At(13, 0), At(18, 0)}, {At(9, 0), At(14, 0)}, {-At(30, 0), At(99, 0)}}
		for _, d := range []time.Duration{0, time.Hour, 100 * time.Hour} {
			got := c.Add(start, d)
			if got.Before(start) {
				t.Errorf("Add(%v) = %v, before the start", d, got)
			}
			if e := c.Elapsed(start, got); e > got.Sub(start) {
				t.Errorf("Elapsed = %v, more than the %v between", e, got.Sub(start))
			}
		}
	})

	minTime, maxTime := time.Unix(-1<<63, 0), time.Unix(1<<63-1-62135596800, 999999999)
	cals := map[string]Calendar{
		"business":           calOfficeBerlin(t),
		"24x7 with holidays": {Location: berlin, Holidays: []Date{calDate(1, time.January, 2)}},
		"zero":               {},
	}
	for name, c := range cals {
		for _, at := range []time.Time{{}, minTime, maxTime, maxTime.Add(-time.Hour), time.Date(100000, 1, 1, 0, 0, 0, 0, berlin)} {
			for _, d := range []time.Duration{0, time.Hour, 1<<63 - 1} {
				got := c.Add(at, d)
				_ = c.Elapsed(at, got)
				_ = c.Elapsed(at, maxTime)
				_ = c.Elapsed(minTime, at)
				_ = c.Open(at)
				if got.Before(at) && d >= 0 && name != "zero" {
					t.Errorf("%s: Add(%v, %v) = %v, before the start", name, at, d, got)
				}
			}
		}
	}

	// The zero time is a Monday, 0001-01-01 00:00 UTC: 00:53:28 in Berlin
	// local mean time.
	c := BusinessHours(berlin, At(9, 0), At(18, 0))
	if got := c.Add(time.Time{}, time.Hour).In(berlin); got.Format("2006-01-02 15:04") != "0001-01-01 10:00" {
		t.Errorf("Add(zero time, 1h) = %v, want 0001-01-01 10:00 LMT", got)
	}
	if got := c.Elapsed(time.Time{}, time.Time{}.AddDate(0, 0, 7)); got != 45*time.Hour {
		t.Errorf("Elapsed over the first week of year 1 = %v, want 45h", got)
	}
}

func TestCivilMatchesTimePackage(t *testing.T) {
	for _, n := range []int64{-719468 - 146097, -719468, -1, 0, 1, 59, 365, 10957, 20454, 2932896} {
		tm := time.Unix(n*secPerDay, 0).UTC()
		if got, want := civil(n), DateOf(tm); got != want {
			t.Errorf("civil(%d) = %v, want %v", n, got, want)
		}
		if got, want := weekday(n), tm.Weekday(); got != want {
			t.Errorf("weekday(%d) = %v, want %v", n, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.Int64Range(-1e9, 1e9).Draw(t, "day")
		tm := time.Unix(n*secPerDay, 0).UTC()
		if got, want := civil(n), DateOf(tm); got != want {
			t.Fatalf("civil(%d) = %v, want %v", n, got, want)
		}
		if got, want := weekday(n), tm.Weekday(); got != want {
			t.Fatalf("weekday(%d) = %v, want %v", n, got, want)
		}
	})
}

// Zones for the properties: no DST, DST both ways of UTC, a 30-minute DST
// (Lord Howe), changes at midnight that repeat or skip a date's first hour
// (Santiago, Havana), a :45 offset, and Apia, which skipped 2011-12-30.
var calZones = []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana", "Asia/Kathmandu", "Pacific/Apia"}

type calWorld struct {
	c     Calendar
	since time.Time // the window instants and holidays are drawn from
}

const calWindow = 2 * 366 * 24 * time.Hour

func calDrawWorld(t *rapid.T) calWorld {
	loc, err := time.LoadLocation(rapid.SampledFrom(calZones).Draw(t, "zone"))
	if err != nil {
		t.Fatal(err)
	}
	since := rapid.SampledFrom([]time.Time{
		time.Date(2011, time.January, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC),
	}).Draw(t, "since")
	c := Calendar{Location: loc}
	if !rapid.Bool().Draw(t, "aroundTheClock") {
		unit := rapid.SampledFrom([]time.Duration{time.Minute, 15 * time.Minute, time.Hour}).Draw(t, "unit")
		steps := int(24 * time.Hour / unit)
		for d := range c.Week {
			n := rapid.IntRange(0, 3).Draw(t, "spans")
			b := rapid.SliceOfN(rapid.IntRange(0, steps), 2*n, 2*n).Draw(t, "bounds")
			slices.Sort(b)
			for i := 0; i < len(b); i += 2 {
				if b[i] < b[i+1] {
					c.Week[d] = append(c.Week[d], Span{TimeOfDay(time.Duration(b[i]) * unit), TimeOfDay(time.Duration(b[i+1]) * unit)})
				}
			}
		}
	}
	for range rapid.IntRange(0, 6).Draw(t, "holidayRuns") {
		first := since.Add(time.Duration(rapid.IntRange(0, 2*366).Draw(t, "holiday")) * 24 * time.Hour)
		for i := range rapid.IntRange(1, 12).Draw(t, "runLength") {
			c.Holidays = append(c.Holidays, DateOf(first.AddDate(0, 0, i)))
		}
	}
	if rapid.Bool().Draw(t, "sortHolidays") {
		slices.SortFunc(c.Holidays, func(a, b Date) int {
			if a.before(b) {
				return -1
			}
			if b.before(a) {
				return 1
			}
			return 0
		})
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("generated an invalid calendar: %v", err)
	}
	return calWorld{c: c, since: since}
}

// drawInstant returns an instant in the world's window, half the time
// within three days of a change of the zone's offset.
func (w calWorld) drawInstant(t *rapid.T, label string) time.Time {
	at := w.since.Add(time.Duration(rapid.Int64Range(0, int64(calWindow)).Draw(t, label)))
	if rapid.Bool().Draw(t, label+"NearChange") {
		if _, end := at.In(w.c.Location).ZoneBounds(); !end.IsZero() {
			at = end.Add(time.Duration(rapid.Int64Range(-int64(72*time.Hour), int64(72*time.Hour)).Draw(t, label+"FromChange")))
		}
	}
	if rapid.Bool().Draw(t, label+"OnTheMinute") {
		at = at.Truncate(time.Minute)
	}
	return at
}

func calDrawDuration(t *rapid.T, label string) time.Duration {
	if rapid.Bool().Draw(t, label+"Short") {
		return time.Duration(rapid.Int64Range(0, int64(10*time.Hour)).Draw(t, label))
	}
	return time.Duration(rapid.Int64Range(0, int64(40*24*time.Hour)).Draw(t, label))
}

func TestCalendarElapsedInvertsAdd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := calDrawWorld(t)
		at, d := w.drawInstant(t, "t"), calDrawDuration(t, "d")
		end := w.c.Add(at, d)
		if got := w.c.Elapsed(at, end); got != d {
			t.Fatalf("Elapsed(t, Add(t, %v) = %v) = %v", d, end, got)
		}
		if end.Before(at) {
			t.Fatalf("Add(t, %v) = %v is before t", d, end)
		}
	})
}

func TestCalendarAddIsMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := calDrawWorld(t)
		t1, t2 := w.drawInstant(t, "t1"), w.drawInstant(t, "t2")
		if t2.Before(t1) {
			t1, t2 = t2, t1
		}
		d1, d2 := calDrawDuration(t, "d1"), calDrawDuration(t, "d2")
		if d2 < d1 {
			d1, d2 = d2, d1
		}
		if a, b := w.c.Add(t1, d1), w.c.Add(t2, d1); b.Before(a) {
			t.Fatalf("Add(%v, %v) = %v after Add(%v, %v) = %v", t1, d1, a, t2, d1, b)
		}
		if a, b := w.c.Add(t1, d1), w.c.Add(t1, d2); b.Before(a) {
			t.Fatalf("Add(%v, %v) = %v after Add(%v, %v) = %v", t1, d1, a, t1, d2, b)
		}
	})
}

func TestCalendarNextOpenIsOpen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := calDrawWorld(t)
		at := w.drawInstant(t, "t")
		next := w.c.NextOpen(at)
		if add := w.c.Add(at, 0); !add.Equal(next) {
			t.Fatalf("Add(t, 0) = %v, NextOpen(t) = %v", add, next)
		}
		if !w.c.Open(next) {
			t.Fatalf("not Open at NextOpen(%v) = %v", at, next)
		}
		if next.Before(at) || (w.c.Open(at) && !next.Equal(at)) {
			t.Fatalf("NextOpen(%v) = %v", at, next)
		}
		if w.c.Elapsed(at, next) != 0 {
			t.Fatalf("open time before the next opening")
		}
	})
}

func TestCalendarElapsedIsAdditive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := calDrawWorld(t)
		ts := []time.Time{w.drawInstant(t, "a"), w.drawInstant(t, "b"), w.drawInstant(t, "c")}
		slices.SortFunc(ts, time.Time.Compare)
		a, b, c := ts[0], ts[1], ts[2]
		ab, bc, ac := w.c.Elapsed(a, b), w.c.Elapsed(b, c), w.c.Elapsed(a, c)
		if ab+bc != ac {
			t.Fatalf("Elapsed(a, b) %v + Elapsed(b, c) %v != Elapsed(a, c) %v", ab, bc, ac)
		}
		if ab < 0 || ab > b.Sub(a) {
			t.Fatalf("Elapsed(a, b) = %v outside 0..%v", ab, b.Sub(a))
		}
		if w.c.Elapsed(c, a) != 0 && c.After(a) {
			t.Fatalf("Elapsed backwards is not 0")
		}
	})
}

// TestCalendarElapsedCountsOpenMinutes checks Elapsed and Add against
// Open, which reads the wall clock directly: with spans and instants on
// whole minutes, the open time is the number of open minutes.
func TestCalendarElapsedCountsOpenMinutes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := calDrawWorld(t)
		a := w.drawInstant(t, "a").Truncate(time.Minute)
		n := rapid.IntRange(0, 4*24*60).Draw(t, "minutes")
		var open time.Duration
		for i := range n {
			m := a.Add(time.Duration(i) * time.Minute)
			o := w.c.Open(m)
			if o {
				open += time.Minute
			}
			if e := w.c.Elapsed(m, m.Add(time.Nanosecond)); o != (e == time.Nanosecond) {
				t.Fatalf("Open(%v) = %v but Elapsed over the next nanosecond = %v", m, o, e)
			}
		}
		b := a.Add(time.Duration(n) * time.Minute)
		if got := w.c.Elapsed(a, b); got != open {
			t.Fatalf("Elapsed(%v, %v) = %v, open minutes %v", a, b, got, open)
		}
	})
}

var calSink time.Time
var calSinkD time.Duration

func BenchmarkCalendarAdd(b *testing.B) {
	office := calOfficeBerlin(b)
	aroundTheClock := Calendar{Location: office.Location, Holidays: office.Holidays}
	friday := calAt(b, office.Location, "2026-01-16 17:30")
	for _, bc := range []struct {
		name string
		c    Calendar
		d    time.Duration
	}{
		{"8h/business", office, 8 * time.Hour},
		{"4d/business", office, 4 * 9 * time.Hour},
		{"4d/24x7-holidays", aroundTheClock, 4 * 24 * time.Hour},
		{"4d/zero", Calendar{}, 4 * 24 * time.Hour},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				calSink = bc.c.Add(friday, bc.d)
			}
		})
	}
}

func BenchmarkCalendarElapsed(b *testing.B) {
	office := calOfficeBerlin(b)
	aroundTheClock := Calendar{Location: office.Location, Holidays: office.Holidays}
	friday := calAt(b, office.Location, "2026-01-16 17:30")
	for _, bc := range []struct {
		name string
		c    Calendar
		to   time.Time
	}{
		{"weekend/business", office, calAt(b, office.Location, "2026-01-19 10:30")},
		{"week/business", office, friday.AddDate(0, 0, 7)},
		{"4d/24x7-holidays", aroundTheClock, friday.AddDate(0, 0, 4)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				calSinkD = bc.c.Elapsed(friday, bc.to)
			}
		})
	}
}
