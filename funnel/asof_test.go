package funnel

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

func TestComplianceAsOfCountsEachDeadlineAsItStoodThen(t *testing.T) {
	w := newWorld(t)
	w.do("G", t0, capture("web", "", ""), mql, handOff("ana", "east"))
	w.breach("G", t0.AddDate(0, 0, 1), lead.KindAccept, lead.ActionNotify, "")
	w.do("H", t0.AddDate(0, 0, 2), capture("web", "", ""), mql, handOff("ana", "east"))
	day := func(n int) Filter { return Filter{AsOf: w10.AddDate(0, 0, n)} }
	for _, tt := range []struct {
		f    Filter
		want tally
	}{
		{day(1), tally{Open: 1}},     // G's clock started on day 0 and is open at its end
		{day(2), tally{Breached: 1}}, // breached on day 1
		{day(3), tally{Breached: 1, Open: 1}},
		{Filter{}, tally{Breached: 1, Open: 1}},
		{Filter{AsOf: t0.AddDate(0, 0, 1)}, tally{Open: 1}}, // mid-day: day 1 has not ended
	} {
		r := kindRow(w.p.Compliance(tt.f, 0), lead.KindAccept)
		if got := (tally{r.Met, r.Breached, r.Open}); got != tt.want {
			t.Errorf("as of %v: %+v, want %+v", tt.f.AsOf, got, tt.want)
		}
	}
}

func TestComplianceGroupsByPolicySegment(t *testing.T) {
	w := newWorld(t)
	w.do("E", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", Policy: "enterprise", PolicyVersion: 1})
	w.breach("E", t0.Add(hours(9)), lead.KindAccept, lead.ActionNotify, "")
	w.do("S", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", PolicyVersion: 1}, accept)
	c := w.p.Compliance(Filter{}, ByPolicy)
	if c.By != "policy" {
		t.Errorf("By = %q", c.By)
	}
	got := map[string]tally{}
	for _, r := range c.Rows {
		if r.Kind == lead.KindAccept {
			got[r.Group] = tally{r.Met, r.Breached, r.Open}
		}
	}
	want := map[string]tally{"enterprise": {Breached: 1}, "": {Met: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("accept by policy = %v, want %v", got, want)
	}
	if r := kindRow(w.p.Compliance(Filter{Policy: "enterprise"}, 0), lead.KindAccept); r.Breached != 1 || r.Met != 0 {
		t.Errorf("filtered to enterprise: %+v", r)
	}
}

func TestReportsAsOfACutOffIgnoreLaterEvents(t *testing.T) {
	w := sample(t)
	cut := Filter{AsOf: t0.Add(hours(50))} // after A's SQL, before C's
	want := []int{5, 4, 4, 3, 1, 0}
	for i, s := range w.p.Conversion(cut).Steps {
		if s.Count != want[i] {
			t.Errorf("%s: %d as of the cut-off, want %d", s.Stage, s.Count, want[i])
		}
	}
	if s := w.p.Summary(cut); s.SQLs != 1 || s.Pipeline != 1000 || s.Won != 0 || s.Lost != 0 {
		t.Errorf("summary as of the cut-off: %+v", s)
	}
	lk := w.p.Leakage(cut, t0.Add(hours(300)), hours(48))
	if lk.CurrentState || len(lk.Rows) != 1 || lk.Rows[0] != (LeakRow{Stage: lead.StageHandedOff, Returned: 1}) {
		t.Errorf("leakage as of the cut-off = %+v", lk)
	}
	if lk := w.p.Leakage(Filter{AsOf: t0.Add(hours(30))}, t0.Add(hours(300)), hours(48)); lk.Leaked != 0 {
		t.Errorf("leakage before B's return: %+v", lk)
	}
}

func TestMeanIsExactPast2To53Nanoseconds(t *testing.T) {
	big := time.Duration(1<<62 + 1)
	d := distribution([]time.Duration{big, big, big})
	if d.Mean != big {
		t.Errorf("mean = %d, want %d", d.Mean, big)
	}
	d = distribution([]time.Duration{math.MaxInt64, math.MaxInt64 - 2})
	if d.Mean != math.MaxInt64-1 {
		t.Errorf("mean = %d, want %d", d.Mean, int64(math.MaxInt64-1))
	}
	// Rounded toward zero on both sides.
	if d := distribution([]time.Duration{1, 2}); d.Mean != 1 {
		t.Errorf("mean of 1 and 2 = %d, want 1", d.Mean)
	}
	if d := distribution([]time.Duration{-1, -2}); d.Mean != -1 {
		t.Errorf("mean of -1 and -2 = %d, want -1", d.Mean)
	}
}
