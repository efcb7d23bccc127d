package sla

import (
	"slices"
)

// Equal reports whether p and q are the same policy: the same name and version,
// durations, Business flags, counts, ladders, sales-ready threshold,
// required fields and warning fractions, and equal calendars
// (Calendar.Equal). A rep calendar (WithRepCalendar) is not part of the
// policy and is not compared. A nil slice equals an
// empty one. A policy written by WritePolicies and read back by
// ParsePolicies is Equal to the original.
func (p Policy) Equal(q Policy) bool {
	return p.Name == q.Name && p.Version == q.Version &&
		p.HandOff.equal(q.HandOff) && p.SalesReady == q.SalesReady &&
		p.Accept.equal(q.Accept) && p.FirstTouch.equal(q.FirstTouch) && p.Qualify.equal(q.Qualify) &&
		p.Cadence.Touches == q.Cadence.Touches && p.Cadence.Within == q.Cadence.Within && p.Cadence.Gap == q.Cadence.Gap &&
		p.Cadence.Business == q.Cadence.Business && slices.Equal(p.Cadence.Ladder, q.Cadence.Ladder) &&
		p.Unresponsive.Attempts == q.Unresponsive.Attempts && p.Unresponsive.Within == q.Unresponsive.Within &&
		p.Unresponsive.Business == q.Unresponsive.Business && slices.Equal(p.Unresponsive.Ladder, q.Unresponsive.Ladder) &&
		p.Stall.Accepted == q.Stall.Accepted && p.Stall.SQL == q.Stall.SQL && p.Stall.Grace == q.Stall.Grace &&
		p.Stall.Business == q.Stall.Business && slices.Equal(p.Stall.Ladder, q.Stall.Ladder) &&
		slices.Equal(p.RequiredAtSQL, q.RequiredAtSQL) &&
		slices.Equal(p.Warnings, q.Warnings) &&
		p.Calendar.Equal(q.Calendar)
}

func (r Rule) equal(s Rule) bool {
	return r.Within == s.Within && r.Business == s.Business && slices.Equal(r.Ladder, s.Ladder)
}

// Equal reports whether c and d are the same calendar: zones of the same
// name (a nil Location is "UTC"), the same spans on each weekday and the
// same holidays in any order. Zones are compared by name because that is
// what a policy file records; two *time.Location loaded from the same name
// are different pointers.
func (c Calendar) Equal(d Calendar) bool {
	if c.location().String() != d.location().String() {
		return false
	}
	for wd := range c.Week {
		if !slices.Equal(c.Week[wd], d.Week[wd]) {
			return false
		}
	}
	if len(c.Holidays) != len(d.Holidays) {
		return false
	}
	cmp := func(a, b Date) int {
		switch {
		case a.before(b):
			return -1
		case b.before(a):
			return 1
		}
		return 0
	}
	return slices.Equal(slices.SortedFunc(slices.Values(c.Holidays), cmp), slices.SortedFunc(slices.Values(d.Holidays), cmp))
}
