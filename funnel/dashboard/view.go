package dashboard

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
)

// How many rows the lists show; the rest are counted.
const (
	riskRows    = 25
	stalledRows = 15
)

// The geometry of the funnel chart: labels left of funnelX, bars up to
// funnelBar wide, the conversion right-aligned at the end.
const funnelX, funnelBar = 190.0, 360.0

// funnelStages are the stages the funnel shows, inquiry to customer.
var funnelStages = []lead.Stage{
	lead.StageCaptured, lead.StageMQL, lead.StageHandedOff,
	lead.StageAccepted, lead.StageSQL, lead.StageWon,
}

// query is what a page asks for: the period of unit containing at (now
// when at is zero).
type query struct {
	unit funnel.Unit
	at   time.Time
}

// QueryError says which query parameter of a request is bad and why.
type QueryError struct {
	Param, Value, Reason string
}

// Error says which parameter is bad and why.
func (e *QueryError) Error() string {
	return fmt.Sprintf("dashboard: query parameter %s=%q: %s", e.Param, e.Value, e.Reason)
}

// parseQuery reads unit (week, month or quarter; month by default) and at
// (a date, 2006-01-02, in loc) from v.
func parseQuery(v url.Values, loc *time.Location) (query, error) {
	q := query{unit: funnel.UnitMonth}
	switch u := v.Get("unit"); u {
	case "", "month":
	case "week":
		q.unit = funnel.UnitWeek
	case "quarter":
		q.unit = funnel.UnitQuarter
	default:
		return q, &QueryError{Param: "unit", Value: u, Reason: "want week, month or quarter"}
	}
	if s := v.Get("at"); s != "" {
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return q, &QueryError{Param: "at", Value: s, Reason: "want a date such as 2026-03-02"}
		}
		q.at = t
	}
	return q, nil
}

// key identifies the query in the view cache.
func (q query) key() string {
	return fmt.Sprintf("%d/%d", q.unit, q.at.Unix())
}

// link is a navigation link; Href is a query string.
type link struct {
	Label, Href string
	Current     bool
}

func href(u funnel.Unit, at time.Time) string {
	v := url.Values{}
	if u != funnel.UnitMonth {
		v.Set("unit", u.String())
	}
	v.Set("at", at.Format(time.DateOnly))
	return "?" + v.Encode()
}

// tile is a headline figure.
type tile struct {
	ID, Label, Value, Note, Class string
}

// stageRow is one stage of the funnel.
type stageRow struct {
	Stage      string // the stage's name, for data-stage
	Label      string
	Count      int
	Conversion string // from the previous stage
	Width      float64
	Y          int
	CountX     float64 // where the count is written: inside a bar wide enough, after it otherwise
	Inside     bool
}

// point is one period of a compliance chart.
type point struct {
	Label             string
	Met, Breached, N  int
	Open              int
	Rate              string
	X, Y              float64
	Below, Few, Empty bool
	Title             string
}

// kindView is one deadline kind's compliance in the period and its trend.
type kindView struct {
	Kind             lead.DeadlineKind
	Label            string
	Met, Breached, N int
	Open             int
	Rate             string
	Below, Empty     bool
	Target           string
	TargetY          float64
	Points           []point
	Line             string // the polyline through the points with deadlines
}

// cell is one group's compliance with one kind.
type cell struct {
	Kind       lead.DeadlineKind
	Rate       string
	N, Open    int
	Class      string
	Met, Breac int
}

// groupRow is a team's or rep's compliance, kind by kind.
type groupRow struct {
	Group string // the projection's group: "" for leads no rep or team held
	Name  string
	Cells []cell
}

// groupTable is compliance per team or per rep.
type groupTable struct {
	By    string // "team" or "rep"
	Title string
	Kinds []kindView
	Rows  []groupRow
}

// commitmentView is one commitment's current period and pacing.
type commitmentView struct {
	Name, Status, Class     string
	Period                  string
	Actual, Target, Project string
	Elapsed                 string
	N                       int
	ActualW, TargetX, PaceX float64
	Last                    string // the previous period's outcome
	Missed                  int
	Alerts                  []string
}

// view is everything a page shows, computed under the Board's lock and
// rendered outside it.
type view struct {
	Title        string
	Now          string
	Position     uint64
	Leads        int
	Period       string
	PeriodStart  string
	Units        []link
	Prev, Next   link
	Tiles        []tile
	FunnelTitle  string
	Funnel       []stageRow
	FunnelHeight int
	TrendUnit    string
	Kinds        []kindView
	Teams, Reps  groupTable
	Ahead        string
	Risk         []riskRow
	RiskTotal    int
	RiskMore     int
	Overdue      int
	NoPolicy     bool
	Stalled      []stalledRow
	StalledTotal int
	StalledMore  int
	Leaks        leaks
	Breaches     []breachItem
	Commitments  []commitmentView
}

// view computes the page for q at now. The caller holds b.mu.
func (b *Board) view(q query, now time.Time) view {
	at := q.at
	if at.IsZero() {
		at = now
	}
	per := funnel.PeriodOf(q.unit, at, b.loc)
	v := view{
		Title: b.title, Now: now.In(b.loc).Format("Mon 2 Jan 2006, 15:04 MST"),
		Position: b.proj.Position(), Leads: b.proj.Leads(),
		Period: periodLabel(per), PeriodStart: per.Start.Format(time.DateOnly),
		Ahead: span(b.atRisk),
	}
	for _, u := range []funnel.Unit{funnel.UnitWeek, funnel.UnitMonth, funnel.UnitQuarter} {
		v.Units = append(v.Units, link{Label: unitLabels[u], Href: href(u, per.Start), Current: u == q.unit})
	}
	prev := funnel.PeriodOf(q.unit, per.Start.Add(-time.Nanosecond), b.loc)
	v.Prev = link{Label: periodLabel(prev), Href: href(q.unit, prev.Start)}
	if next := per.Next(); !next.Start.After(now) {
		v.Next = link{Label: periodLabel(next), Href: href(q.unit, next.Start)}
	}
	f := funnel.Filter{From: per.Start, To: per.End}

	// The funnel of the period's cohort.
	conv := b.proj.Conversion(f, funnelStages...)
	first := 0
	if len(conv.Steps) > 0 {
		first = conv.Steps[0].Count
	}
	for i, st := range conv.Steps {
		row := stageRow{Stage: st.Stage.String(), Label: stageLabel(st.Stage), Count: st.Count, Y: i * 34}
		if first > 0 {
			row.Width = funnelBar * float64(st.Count) / float64(first)
		}
		row.Inside = row.Width >= 40
		row.CountX = funnelX + 6
		if !row.Inside {
			row.CountX = funnelX + row.Width + 6
		}
		if i > 0 {
			if p := conv.Steps[i-1].Count; p > 0 {
				row.Conversion = percent(float64(st.Count)/float64(p)) + " of the step before"
			}
		}
		v.Funnel = append(v.Funnel, row)
	}
	v.FunnelHeight = len(v.Funnel) * 34
	v.FunnelTitle = "Leads first captured in " + periodLabel(per) + ", and how far they have got"

	// Compliance per kind, with its trend over the period's parts.
	sub := funnel.UnitWeek
	if q.unit == funnel.UnitWeek {
		sub = funnel.UnitDay
	}
	v.TrendUnit = map[funnel.Unit]string{funnel.UnitDay: "day", funnel.UnitWeek: "week"}[sub]
	parts := funnel.Periods(sub, per.Start, per.End, b.loc)
	trend := make([]funnel.Compliance, len(parts))
	for i, pp := range parts {
		trend[i] = b.proj.Compliance(funnel.Filter{From: pp.Start, To: pp.End}, 0)
	}
	overall := b.proj.Compliance(f, 0)
	var met, breached int
	for _, k := range lead.Kinds() {
		kv := b.kindView(k, rowOf(overall, "", k), parts, trend)
		met, breached = met+kv.Met, breached+kv.Breached
		if kv.N+kv.Open == 0 && !hasAny(trend, k) {
			continue
		}
		v.Kinds = append(v.Kinds, kv)
	}
	v.Teams = b.groupTable("team", "Team", b.proj.Compliance(f, funnel.ByTeam), v.Kinds)
	v.Reps = b.groupTable("rep", "Rep", b.proj.Compliance(f, funnel.ByRep), v.Kinds)

	// Now: at risk, overdue, stalled.
	v.NoPolicy = b.policies.Len() == 0
	v.Risk, v.RiskTotal, v.Overdue = b.open.atRisk(now, b.atRisk, riskRows)
	for i := range v.Risk {
		v.Risk[i].Due = v.Risk[i].Due.In(b.loc)
	}
	v.RiskMore = v.RiskTotal - len(v.Risk)
	v.Stalled, v.StalledTotal = b.open.stalled(now, stalledRows)
	v.StalledMore = v.StalledTotal - len(v.Stalled)
	for i := range v.Stalled {
		v.Stalled[i].Since = v.Stalled[i].Since.In(b.loc)
	}
	v.Leaks = b.leaks.sum(per, b.loc)
	v.Breaches = b.feed.latest()

	for _, c := range b.commitments {
		v.Commitments = append(v.Commitments, b.commitmentView(c, now))
	}

	sla := tile{ID: "sla-met", Label: "SLA deadlines met", Value: "–", Note: "none settled yet"}
	if n := met + breached; n > 0 {
		sla.Value = percent(float64(met) / float64(n))
		sla.Note = fmt.Sprintf("%d of %d settled", met, n)
		if float64(met)/float64(n) < DefaultTarget {
			sla.Class = "bad"
		}
	}
	v.Tiles = []tile{
		{ID: "captured", Label: "Leads captured", Value: fmt.Sprint(first), Note: periodLabel(per)},
		sla,
		{ID: "breaches", Label: "Deadlines breached", Value: fmt.Sprint(v.Leaks.Breaches), Note: periodLabel(per), Class: badIf(v.Leaks.Breaches > 0)},
		{ID: "at-risk", Label: "At risk now", Value: fmt.Sprint(v.RiskTotal), Note: "due within " + v.Ahead, Class: warnIf(v.RiskTotal > 0)},
		{ID: "overdue", Label: "Overdue now", Value: fmt.Sprint(v.Overdue), Note: "breached, still open", Class: badIf(v.Overdue > 0)},
		{ID: "stalled", Label: "Stalled now", Value: fmt.Sprint(v.StalledTotal), Note: "no progress in time", Class: warnIf(v.StalledTotal > 0)},
	}
	return v
}

func badIf(b bool) string {
	if b {
		return "bad"
	}
	return ""
}

func warnIf(b bool) string {
	if b {
		return "warn"
	}
	return ""
}

// rowOf returns the row of group and kind k in c, zero when there is none.
func rowOf(c funnel.Compliance, group string, k lead.DeadlineKind) funnel.ComplianceRow {
	for _, r := range c.Rows {
		if r.Group == group && r.Kind == k {
			return r
		}
	}
	return funnel.ComplianceRow{Kind: k}
}

func hasAny(trend []funnel.Compliance, k lead.DeadlineKind) bool {
	for _, c := range trend {
		for _, r := range c.Rows {
			if r.Kind == k && r.Met+r.Breached+r.Open > 0 {
				return true
			}
		}
	}
	return false
}

// rate returns met / (met + breached) formatted, and whether it is below
// target; "–" when nothing is settled.
func rate(met, breached int, target float64) (string, bool) {
	n := met + breached
	if n == 0 {
		return "–", false
	}
	r := float64(met) / float64(n)
	return percent(r), r < target
}

// The geometry of a kind's compliance chart, in the units of page.html's
// 340×160 viewBox.
const (
	plotX0, plotX1 = 40.0, 300.0
	plotY0, plotY1 = 26.0, 122.0
	fewDeadlines   = 5 // fewer settled deadlines than this: a hollow point
)

func yOf(share float64) float64 { return plotY1 - share*(plotY1-plotY0) }

func (b *Board) kindView(k lead.DeadlineKind, all funnel.ComplianceRow, parts []funnel.Period, trend []funnel.Compliance) kindView {
	t := b.target(k)
	kv := kindView{Kind: k, Label: kindLabel(k), Met: all.Met, Breached: all.Breached, N: all.Met + all.Breached, Open: all.Open,
		Target: percent(t), TargetY: yOf(t)}
	kv.Rate, kv.Below = rate(all.Met, all.Breached, t)
	kv.Empty = kv.N == 0
	step := (plotX1 - plotX0) / float64(max(len(parts), 1))
	var line []string
	for i, pp := range parts {
		r := rowOf(trend[i], "", k)
		pt := point{Label: pointLabel(pp), Met: r.Met, Breached: r.Breached, N: r.Met + r.Breached, Open: r.Open,
			X: plotX0 + step*(float64(i)+0.5)}
		pt.Rate, pt.Below = rate(r.Met, r.Breached, t)
		pt.Empty = pt.N == 0
		pt.Few = pt.N < fewDeadlines
		if !pt.Empty {
			pt.Y = yOf(float64(r.Met) / float64(pt.N))
			line = append(line, fmt.Sprintf("%.1f,%.1f", pt.X, pt.Y))
		}
		pt.Title = fmt.Sprintf("%s: %s met (%d of %d settled), %d still running", periodLabel(pp), pt.Rate, r.Met, pt.N, r.Open)
		if pt.Empty {
			pt.Title = fmt.Sprintf("%s: no deadline settled, %d still running", periodLabel(pp), r.Open)
		}
		kv.Points = append(kv.Points, pt)
	}
	kv.Line = strings.Join(line, " ")
	return kv
}

func (b *Board) groupTable(by, title string, c funnel.Compliance, kinds []kindView) groupTable {
	g := groupTable{By: by, Title: title, Kinds: kinds}
	type sums struct{ met, breached, open int }
	rows := map[string]map[lead.DeadlineKind]sums{}
	for _, r := range c.Rows {
		m := rows[r.Group]
		if m == nil {
			m = map[lead.DeadlineKind]sums{}
			rows[r.Group] = m
		}
		m[r.Kind] = sums{r.Met, r.Breached, r.Open}
	}
	names := make([]string, 0, len(rows))
	for name := range rows {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		// Leads no rep or team held sort last, under a name that says so.
		switch {
		case a == "" && b != "":
			return 1
		case b == "" && a != "":
			return -1
		}
		return cmp.Compare(a, b)
	})
	for _, name := range names {
		row := groupRow{Group: name, Name: name}
		if name == "" {
			row.Name = "(unassigned)"
		}
		for _, kv := range kinds {
			s := rows[name][kv.Kind]
			c := cell{Kind: kv.Kind, N: s.met + s.breached, Open: s.open, Met: s.met, Breac: s.breached}
			var below bool
			c.Rate, below = rate(s.met, s.breached, b.target(kv.Kind))
			switch {
			case c.N == 0:
				c.Class = "none"
			case below:
				c.Class = "bad"
			default:
				c.Class = "ok"
			}
			row.Cells = append(row.Cells, c)
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// statusLabels say where a commitment stands.
var statusLabels = map[funnel.Status][2]string{
	funnel.StatusNoData:  {"No data yet", "none"},
	funnel.StatusOnTrack: {"On track", "ok"},
	funnel.StatusAtRisk:  {"At risk", "bad"},
	funnel.StatusMet:     {"Met", "ok"},
	funnel.StatusMissed:  {"Missed", "bad"},
}

// The geometry of a commitment's pacing bar.
const barW = 300.0

func (b *Board) commitmentView(c funnel.Commitment, now time.Time) commitmentView {
	u := c.Unit
	if u == 0 {
		u = funnel.UnitMonth
	}
	cur := funnel.PeriodOf(u, now, b.loc)
	cv := commitmentView{Name: c.Name}
	if cv.Name == "" {
		cv.Name = c.Kind.String()
	}
	rv, err := b.proj.Review(c, cur.Start.Add(-time.Nanosecond), now)
	if err != nil || len(rv.Periods) == 0 {
		cv.Status, cv.Class = "Cannot be measured", "bad"
		return cv
	}
	res := rv.Periods[len(rv.Periods)-1]
	format := func(x float64) string {
		if c.Kind == funnel.CommitmentMQLVolume {
			return fmt.Sprintf("%.0f", x)
		}
		return percent(x)
	}
	s := statusLabels[res.Status]
	cv.Status, cv.Class = s[0], s[1]
	if cv.Status == "" {
		cv.Status, cv.Class = res.Status.String(), "none"
	}
	cv.Period = periodLabel(res.Period)
	cv.Actual, cv.Target, cv.Project = format(res.Actual), format(c.Target), format(res.Projected)
	cv.Elapsed = percent(res.Elapsed)
	cv.N = res.N
	scale := 1.0
	if c.Kind == funnel.CommitmentMQLVolume {
		scale = max(c.Target, res.Projected, res.Actual) * 1.1
	}
	cv.ActualW = barW * min(res.Actual/scale, 1)
	cv.TargetX = barW * min(c.Target/scale, 1)
	cv.PaceX = barW * min(res.Projected/scale, 1)
	if len(rv.Periods) > 1 && rv.Periods[len(rv.Periods)-2].N > 0 {
		last := rv.Periods[len(rv.Periods)-2]
		ls := statusLabels[last.Status][0]
		cv.Last = fmt.Sprintf("%s: %s (%s against %s)", periodLabel(last.Period), strings.ToLower(ls), format(last.Actual), format(c.Target))
	}
	cv.Missed = rv.ConsecutiveMissed
	// The alerts' own messages name periods as "2026-03"; the page says
	// them in words.
	for _, a := range rv.Alerts {
		switch a.Kind {
		case funnel.AlertPacing:
			cv.Alerts = append(cv.Alerts, fmt.Sprintf("At this pace %s ends at %s, short of the target of %s.",
				periodLabel(a.Period), format(a.Projected), format(a.Target)))
		case funnel.AlertReview:
			cv.Alerts = append(cv.Alerts, fmt.Sprintf("Missed %d %ss in a row: time to review the SLA.", a.Missed, u))
		}
	}
	return cv
}
