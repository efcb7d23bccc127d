package funnel

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ConversionStages are the stages a funnel report shows by default, in order:
// inquiry, MQL, hand-off, SAL, SQL, customer.
var ConversionStages = []lead.Stage{
	lead.StageCaptured, lead.StageMQL, lead.StageHandedOff,
	lead.StageAccepted, lead.StageSQL, lead.StageWon,
}

// StageCounts returns how many leads are in each stage now (after the last
// event applied), for the leads f's names match; f's window is not used.
// Stages with no lead are left out.
func (p *Projection) StageCounts(f Filter) map[lead.Stage]int {
	m := p.compile(f)
	out := map[lead.Stage]int{}
	for r := range p.all() {
		if r.lc.Stage() != lead.StageNone && m.lead(r) {
			out[r.lc.Stage()]++
		}
	}
	return out
}

// Flow is how many leads entered each stage within one period.
type Flow struct {
	Period  Period             `json:"period"`
	Entered map[lead.Stage]int `json:"entered"`
}

// Flows returns, per period of unit u from f.From to f.To (in the
// Projection's Location), how many leads entered each stage for the first
// time within that period. A lead counts once per stage: re-entries after
// a return to marketing are not new flow. Stages with no entry are left
// out of a period's map. With a zero f.From or f.To, the periods span the
// first entries the Projection holds.
func (p *Projection) Flows(f Filter, u Unit) []Flow {
	m := p.compile(f)
	loc := p.location()
	from, to := f.From, f.To
	if from.IsZero() || to.IsZero() {
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for r := range p.all() {
			for _, t := range r.first {
				if t != 0 && m.at(t) {
					lo, hi = min(lo, t), max(hi, t)
				}
			}
		}
		if lo > hi {
			return nil
		}
		if from.IsZero() {
			from = time.Unix(0, lo)
		}
		if to.IsZero() {
			to = time.Unix(0, hi+1)
		}
	}
	periods := Periods(u, from, to, loc)
	flows := make([]Flow, len(periods))
	for i, per := range periods {
		flows[i] = Flow{Period: per, Entered: map[lead.Stage]int{}}
	}
	if len(periods) == 0 {
		return nil
	}
	lo, hi := periods[0].Start.UnixNano(), periods[len(periods)-1].End.UnixNano()
	for r := range p.all() {
		if !m.lead(r) {
			continue
		}
		for st, t := range r.first {
			if t == 0 || !m.at(t) || t < lo || t >= hi {
				continue
			}
			at := time.Unix(0, t)
			j, _ := slices.BinarySearchFunc(periods, at, func(p Period, t time.Time) int {
				if !p.End.After(t) {
					return -1
				}
				if p.Start.After(t) {
					return 1
				}
				return 0
			})
			if j < len(flows) {
				flows[j].Entered[lead.Stage(st)]++
			}
		}
	}
	return flows
}

// ConversionStep is one stage of a cohort's conversion.
type ConversionStep struct {
	Stage lead.Stage `json:"stage"`
	// Count is how many leads of the cohort ever entered the stage.
	Count int `json:"count"`
	// Conversion is Count divided by the previous step's Count (1 for the
	// first step; 0 when the previous step is empty).
	Conversion float64 `json:"conversion"`
	// Cumulative is Count divided by the first step's Count.
	Cumulative float64 `json:"cumulative"`
}

// Conversion is the stage-to-stage conversion of one entry cohort.
type Conversion struct {
	// Label names the cohort's window, such as a period label; it is
	// informational.
	Label string           `json:"label,omitempty"`
	Steps []ConversionStep `json:"steps"`
}

// Conversion returns the conversion of the cohort of leads that first entered
// stages[0] within f's window: for each stage, how many of them ever
// entered it (at any time up to now), the conversion from the previous
// stage and from the first. With no stages it uses ConversionStages. The last
// step's Cumulative is the cohort's end-to-end conversion; with Won last,
// it is the lead-to-revenue rate from stages[0].
func (p *Projection) Conversion(f Filter, stages ...lead.Stage) Conversion {
	if len(stages) == 0 {
		stages = ConversionStages
	}
	m := p.compile(f)
	n := make([]int, len(stages))
	for r := range p.all() {
		if !m.lead(r) || !m.at(r.firstAt(stages[0])) {
			continue
		}
		for j, st := range stages {
			if r.firstAt(st) != 0 {
				n[j]++
			}
		}
	}
	fu := Conversion{Steps: make([]ConversionStep, len(stages))}
	for j, st := range stages {
		s := ConversionStep{Stage: st, Count: n[j], Cumulative: ratio(float64(n[j]), float64(n[0]))}
		if j == 0 {
			s.Conversion = ratio(float64(n[0]), float64(n[0]))
		} else {
			s.Conversion = ratio(float64(n[j]), float64(n[j-1]))
		}
		fu.Steps[j] = s
	}
	return fu
}

// Cohorts returns one Conversion per period of unit u from f.From to f.To: the
// leads that first entered stages[0] within that period, and how far they
// got. Label is the period's label.
func (p *Projection) Cohorts(f Filter, u Unit, stages ...lead.Stage) []Conversion {
	var out []Conversion
	for _, per := range Periods(u, f.From, f.To, p.location()) {
		g := f
		g.From, g.To = per.Start, per.End
		fu := p.Conversion(g, stages...)
		fu.Label = per.String()
		out = append(out, fu)
	}
	return out
}

func (r *record) firstAt(st lead.Stage) int64 {
	if int(st) < nStages {
		return r.first[st]
	}
	return 0
}

// Velocity returns the distribution of the time from a lead's first entry
// into from to its first entry into to, over the leads that first entered
// from within f's window and have since entered to. The time is measured
// in cal's open hours: the zero Calendar (24x7) gives calendar time, a
// business-hours calendar gives business time.
func (p *Projection) Velocity(f Filter, from, to lead.Stage, cal sla.Calendar) Distribution {
	m := p.compile(f)
	var ds []time.Duration
	for r := range p.all() {
		a, b := r.firstAt(from), r.firstAt(to)
		if b == 0 || b < a || !m.lead(r) || !m.at(a) {
			continue
		}
		ds = append(ds, elapsed(cal, a, b))
	}
	return distribution(ds)
}

func elapsed(cal sla.Calendar, a, b int64) time.Duration {
	return cal.Elapsed(time.Unix(0, a), time.Unix(0, b))
}

// TimeToAccept returns the distribution of the time from the hand-off (or
// reassignment) that a lead's first acceptance answered to that
// acceptance, in cal's open hours, over the leads first accepted within
// f's window. It is the accept clock as the rep who accepted saw it.
func (p *Projection) TimeToAccept(f Filter, cal sla.Calendar) Distribution {
	m := p.compile(f)
	var ds []time.Duration
	for r := range p.all() {
		acc := r.first[lead.StageAccepted]
		if r.acceptFrom == 0 || !m.lead(r) || !m.at(acc) {
			continue
		}
		ds = append(ds, elapsed(cal, r.acceptFrom, acc))
	}
	return distribution(ds)
}

// TimeToFirstTouch returns the distribution of the time from a lead's
// first acceptance to its first touch, in cal's open hours, over the
// leads first touched within f's window.
func (p *Projection) TimeToFirstTouch(f Filter, cal sla.Calendar) Distribution {
	m := p.compile(f)
	var ds []time.Duration
	for r := range p.all() {
		acc := r.first[lead.StageAccepted]
		if acc == 0 || r.firstTouch < acc || !m.lead(r) || !m.at(r.firstTouch) {
			continue
		}
		ds = append(ds, elapsed(cal, acc, r.firstTouch))
	}
	return distribution(ds)
}

// Summary holds the headline figures of the funnel. Each field says which
// leads it counts; "in the window" means f's window.
type Summary struct {
	// Leads is the number of leads first captured in the window.
	Leads int `json:"leads"`
	// MQLs and SQLs are the leads that first became MQL or SQL in the window.
	MQLs int `json:"mqls"`
	SQLs int `json:"sqls"`
	// Won and Lost are the leads first closed as Won or Lost in the
	// window (a lead lost, recycled and won later counts in both).
	Won  int `json:"won"`
	Lost int `json:"lost"`
	// WinRate is Won / (Won + Lost).
	WinRate float64 `json:"win_rate"`
	// Revenue is the sum of the amounts of the Won leads (a Won without
	// an amount counts the amount at SQL).
	Revenue float64 `json:"revenue"`
	// AverageDeal is Revenue / Won.
	AverageDeal float64 `json:"average_deal"`
	// Cycle is the sales cycle: from the first SQL to Won, over the
	// leads won in the window.
	Cycle Distribution `json:"cycle"`
	// Pipeline is the value of the SQLs sourced: the sum of the amounts
	// at SQL of the leads that first became SQL in the window.
	Pipeline float64 `json:"pipeline"`
	// SQLsWon is how many of those SQLs have been won since.
	SQLsWon int `json:"sqls_won"`
	// SQLToCustomer is SQLs / SQLsWon: how many SQLs it takes to win one
	// customer (0 when none was won).
	SQLToCustomer float64 `json:"sql_to_customer"`
	// LeadToRevenue is the share of the leads first captured in the
	// window that have been won since.
	LeadToRevenue float64 `json:"lead_to_revenue"`
	// TouchesToSQL counts the touches each of the window's new SQLs had
	// before it first became SQL.
	TouchesToSQL Counts `json:"touches_to_sql"`
	// SalesVelocity is the revenue the pipeline yields per day:
	// SQLs × WinRate × AverageDeal ÷ the mean Cycle in days (0 without a
	// cycle).
	SalesVelocity float64 `json:"sales_velocity"`
}

// Summary returns the headline figures for the leads f matches.
func (p *Projection) Summary(f Filter) Summary {
	m := p.compile(f)
	var s Summary
	var cycle []time.Duration
	var touches []int
	capturedWon := 0
	for r := range p.all() {
		if !m.lead(r) {
			continue
		}
		if m.at(r.first[lead.StageCaptured]) {
			s.Leads++
			if r.first[lead.StageWon] != 0 {
				capturedWon++
			}
		}
		if m.at(r.first[lead.StageMQL]) {
			s.MQLs++
		}
		if sql := r.first[lead.StageSQL]; m.at(sql) {
			s.SQLs++
			s.Pipeline += r.amount
			touches = append(touches, int(r.touchesBeforeSQL))
			if r.first[lead.StageWon] != 0 {
				s.SQLsWon++
			}
		}
		if won := r.first[lead.StageWon]; m.at(won) {
			s.Won++
			s.Revenue += r.won
			if sql := r.first[lead.StageSQL]; sql != 0 && sql <= won {
				cycle = append(cycle, time.Duration(won-sql))
			}
		}
		if m.at(r.first[lead.StageLost]) {
			s.Lost++
		}
	}
	s.WinRate = ratio(float64(s.Won), float64(s.Won+s.Lost))
	s.AverageDeal = ratio(s.Revenue, float64(s.Won))
	s.Cycle = distribution(cycle)
	s.SQLToCustomer = ratio(float64(s.SQLs), float64(s.SQLsWon))
	s.LeadToRevenue = ratio(float64(capturedWon), float64(s.Leads))
	s.TouchesToSQL = counts(touches)
	s.SalesVelocity = SalesVelocity(s.SQLs, s.WinRate, s.AverageDeal, s.Cycle.Mean)
	return s
}

// SalesVelocity is the revenue a pipeline yields per day: opportunities ×
// winRate × averageDeal ÷ cycle in days. It is 0 when cycle is not positive.
func SalesVelocity(opportunities int, winRate, averageDeal float64, cycle time.Duration) float64 {
	days := cycle.Hours() / 24
	if days <= 0 {
		return 0
	}
	return float64(opportunities) * winRate * averageDeal / days
}

// StageRate is a conversion rate out of one stage.
type StageRate struct {
	Stage lead.Stage `json:"stage"`
	// Rate is the share of the N leads that converted.
	Rate float64 `json:"rate"`
	N    int     `json:"n"`
}

// LeadToRevenue returns, for each of stages (ConversionStages without Won
// when empty), the share of the leads that first entered it within f's
// window and have been won since: the lead-to-revenue rate by stage.
func (p *Projection) LeadToRevenue(f Filter, stages ...lead.Stage) []StageRate {
	if len(stages) == 0 {
		stages = ConversionStages[:len(ConversionStages)-1]
	}
	out := make([]StageRate, len(stages))
	for j, st := range stages {
		fu := p.Conversion(f, st, lead.StageWon)
		out[j] = StageRate{Stage: st, Rate: fu.Steps[1].Cumulative, N: fu.Steps[0].Count}
	}
	return out
}

// Rates returns the conversion out of each of stages into the next one,
// the last into Won: for stage i, the share of the leads that first
// entered it within f's window and have entered stage i+1 since. These
// are the per-stage close rates a Plan takes. A stage no lead entered has
// Rate 0 and N 0.
func (p *Projection) Rates(f Filter, stages ...lead.Stage) []StageRate {
	out := make([]StageRate, len(stages))
	for j, st := range stages {
		next := lead.StageWon
		if j+1 < len(stages) {
			next = stages[j+1]
		}
		fu := p.Conversion(f, st, next)
		out[j] = StageRate{Stage: st, Rate: fu.Steps[1].Conversion, N: fu.Steps[0].Count}
	}
	return out
}

// Group is the outcome figures of one rep, team, source, campaign or
// account.
type Group struct {
	Key         string       `json:"key"`
	Won         int          `json:"won"`
	Lost        int          `json:"lost"`
	WinRate     float64      `json:"win_rate"`
	Revenue     float64      `json:"revenue"`
	AverageDeal float64      `json:"average_deal"`
	Cycle       Distribution `json:"cycle"`
}

// Breakdown returns Summary's outcome figures (Won, Lost, WinRate,
// Revenue, AverageDeal, Cycle) per value of dimension by, over the leads
// closed within f's window, ordered by revenue (highest first) and then
// key. With ByAccount it is the revenue per account (Captured.Company);
// leads with no value for the dimension are grouped under "".
func (p *Projection) Breakdown(f Filter, by Dimension) []Group {
	m := p.compile(f)
	type acc struct {
		g     Group
		cycle []time.Duration
	}
	groups := map[uint32]*acc{}
	for r := range p.all() {
		won, lost := r.first[lead.StageWon], r.first[lead.StageLost]
		if !m.lead(r) || (!m.at(won) && !m.at(lost)) {
			continue
		}
		k := r.attrs.pick(by)
		a := groups[k]
		if a == nil {
			a = &acc{g: Group{Key: p.names.name(k)}}
			groups[k] = a
		}
		if m.at(lost) {
			a.g.Lost++
		}
		if m.at(won) {
			a.g.Won++
			a.g.Revenue += r.won
			if sql := r.first[lead.StageSQL]; sql != 0 && sql <= won {
				a.cycle = append(a.cycle, time.Duration(won-sql))
			}
		}
	}
	out := make([]Group, 0, len(groups))
	for _, a := range groups {
		g := a.g
		g.WinRate = ratio(float64(g.Won), float64(g.Won+g.Lost))
		g.AverageDeal = ratio(g.Revenue, float64(g.Won))
		g.Cycle = distribution(a.cycle)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Revenue, a.Revenue), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// LeakRow is where leads left the funnel without an outcome, at one stage.
type LeakRow struct {
	Stage lead.Stage `json:"stage"`
	// Returned counts returns to marketing from this stage (Recycled
	// events, including those an SLA breach caused); a lead returned
	// twice counts twice.
	Returned int `json:"returned"`
	// Rejected counts rejections by sales that sent the lead back to
	// nurture (a rejection that disqualifies is an outcome, not a leak).
	Rejected int `json:"rejected"`
	// Stalled counts leads that are Stalled now, having left this stage.
	Stalled int `json:"stalled"`
	// Unworked counts leads sitting in this stage now (MQL, HandedOff or
	// Accepted) with no entry or touch for at least the idle time.
	Unworked int `json:"unworked"`
}

// Leakage is where a cohort of MQLs leaked.
type Leakage struct {
	// MQLs is the cohort: leads that first became MQL in the window.
	MQLs int       `json:"mqls"`
	Rows []LeakRow `json:"rows"`
	// Leaked is how many leads of the cohort leaked at least once.
	Leaked int `json:"leaked"`
}

// Leakage returns where the leads that first became MQL within f's window
// left the funnel without an outcome (Won, Lost, Disqualified), by stage:
// returned to marketing (recycled), rejected by sales, stalled now, or
// unworked now (no stage entry or touch for idle at now). Rows with
// nothing are left out; the rest are in stage order.
func (p *Projection) Leakage(f Filter, now time.Time, idle time.Duration) Leakage {
	m := p.compile(f)
	var rows [nStages]LeakRow
	out := Leakage{}
	cut := now.Add(-idle).UnixNano()
	for r := range p.all() {
		if !m.lead(r) || !m.at(r.first[lead.StageMQL]) {
			continue
		}
		out.MQLs++
		leaked := r.rejected > 0
		rows[lead.StageHandedOff].Rejected += int(r.rejected)
		for st, n := range r.returned {
			rows[st].Returned += int(n)
			leaked = leaked || n > 0
		}
		switch r.lc.Stage() {
		case lead.StageStalled:
			if int(r.lc.StalledFrom()) < nStages {
				rows[r.lc.StalledFrom()].Stalled++
			}
			leaked = true
		case lead.StageMQL, lead.StageHandedOff, lead.StageAccepted:
			if max(r.entered, r.lastTouch) <= cut {
				rows[r.lc.Stage()].Unworked++
				leaked = true
			}
		}
		if leaked {
			out.Leaked++
		}
	}
	for st, row := range rows {
		if row != (LeakRow{}) {
			row.Stage = lead.Stage(st)
			out.Rows = append(out.Rows, row)
		}
	}
	return out
}

// ContentRow is how touches with one content and campaign performed.
type ContentRow struct {
	Content  string `json:"content"`
	Campaign string `json:"campaign"`
	Touches  int    `json:"touches"`
	Answered int    `json:"answered"`
	// AnswerRate is Answered / Touches.
	AnswerRate float64 `json:"answer_rate"`
	// SQLs and Won are credited to the content of a lead's last touch
	// before its first SQL (last-touch attribution), on the day of the
	// SQL and the day of the win; Revenue is the won amount.
	SQLs    int     `json:"sqls"`
	Won     int     `json:"won"`
	Revenue float64 `json:"revenue"`
}

// Content returns the performance of touch content and campaigns
// (Touched.Content and Touched.Campaign) over the days in f's window,
// ordered by SQLs, then touches (most first), then content and campaign.
// Like Compliance it is tallied per day, rep, team, source and campaign:
// f.Account does not apply.
func (p *Projection) Content(f Filter) []ContentRow {
	m := p.compile(f)
	type ck struct{ content, campaign uint32 }
	sums := map[ck]*ContentRow{}
	for k, i := range p.touchIdx {
		if !m.day(k.day) || !m.dims(k.dims) {
			continue
		}
		key := ck{k.content, k.campaign}
		row := sums[key]
		if row == nil {
			row = &ContentRow{Content: p.names.name(k.content), Campaign: p.names.name(k.campaign)}
			sums[key] = row
		}
		t := p.touches[i]
		row.Touches += t.Touches
		row.Answered += t.Answered
		row.SQLs += t.SQLs
		row.Won += t.Won
		row.Revenue += t.Revenue
	}
	out := make([]ContentRow, 0, len(sums))
	for _, row := range sums {
		row.AnswerRate = ratio(float64(row.Answered), float64(row.Touches))
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b ContentRow) int {
		return cmp.Or(cmp.Compare(b.SQLs, a.SQLs), cmp.Compare(b.Touches, a.Touches),
			cmp.Compare(a.Content, b.Content), cmp.Compare(a.Campaign, b.Campaign))
	})
	return out
}

// MaxScoreTotal is the highest lead score: Fit and Intent each up to
// lead.MaxScore.
const MaxScoreTotal = 2 * lead.MaxScore

// ScoreBand is the conversion of the MQLs whose score fell in one band.
type ScoreBand struct {
	// Low and High bound the band, both inclusive; -1 and -1 for leads
	// that had no score when they became MQL.
	Low   int     `json:"low"`
	High  int     `json:"high"`
	MQLs  int     `json:"mqls"`
	SQLs  int     `json:"sqls"`
	Won   int     `json:"won"`
	ToSQL float64 `json:"to_sql"`
	ToWon float64 `json:"to_won"`
}

// ScoreBands returns score calibration: the leads that first became MQL
// within f's window, by the score (Scored.Total) they had at that moment
// in bands of width points (50 when width <= 0): 0..width-1, ... with the
// top band closed at MaxScoreTotal. ToSQL and ToWon are the shares that
// have since become SQL and been won. If the threshold predicts well,
// higher bands convert better. Unscored MQLs come first, as band -1..-1,
// when there are any.
func (p *Projection) ScoreBands(f Filter, width int) []ScoreBand {
	if width <= 0 {
		width = 50
	}
	nb := (MaxScoreTotal + width - 1) / width
	bands := make([]ScoreBand, nb+1)
	bands[0] = ScoreBand{Low: -1, High: -1}
	for b := range nb {
		bands[b+1] = ScoreBand{Low: b * width, High: min((b+1)*width-1, MaxScoreTotal)}
	}
	bands[nb].High = MaxScoreTotal
	m := p.compile(f)
	for r := range p.all() {
		if !m.lead(r) || !m.at(r.first[lead.StageMQL]) {
			continue
		}
		b := 0
		if r.mqlScored {
			b = 1 + min(max(int(r.mqlScore), 0)/width, nb-1)
		}
		bands[b].MQLs++
		if r.first[lead.StageSQL] != 0 {
			bands[b].SQLs++
		}
		if r.first[lead.StageWon] != 0 {
			bands[b].Won++
		}
	}
	for b := range bands {
		bands[b].ToSQL = ratio(float64(bands[b].SQLs), float64(bands[b].MQLs))
		bands[b].ToWon = ratio(float64(bands[b].Won), float64(bands[b].MQLs))
	}
	if bands[0].MQLs == 0 {
		bands = bands[1:]
	}
	return bands
}
