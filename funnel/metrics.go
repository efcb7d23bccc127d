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

// StageCounts returns the number of leads in each stage now, after the
// last event applied, for the leads f's names match. It is current state:
// f's window and AsOf are not used. Stages with no lead are left out.
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

// Flow is how many leads entered each stage for the first time within one
// period.
type Flow struct {
	Period Period `json:"period"`
	// Entered is, per stage, the number of leads that first entered it in
	// the period.
	Entered map[lead.Stage]int `json:"entered"`
}

// Flows returns, per period of unit u from f.From to f.To (in the
// Projection's Location), the number of leads that entered each stage for
// the first time within that period (and before f.AsOf). A lead counts once per stage: re-entries after
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
	// Count is the number of leads of the cohort that entered the stage
	// before the cut-off (Filter.AsOf).
	Count int `json:"count"`
	// Conversion is the share of the previous step's leads that reached
	// this stage: Count ÷ the previous step's Count; for the first step
	// Count ÷ Count, which is 1, and 0 when the cohort is empty (as any
	// step after an empty one).
	Conversion float64 `json:"conversion"`
	// Cumulative is the share of the cohort that reached this stage:
	// Count ÷ the first step's Count, 0 for an empty cohort.
	Cumulative float64 `json:"cumulative"`
}

// Conversion is the stage-to-stage conversion of one entry cohort.
type Conversion struct {
	// Label names the cohort's window, such as a period label; it is
	// informational.
	Label string           `json:"label,omitempty"`
	Steps []ConversionStep `json:"steps"`
	// AsOf is the cut-off the figures were computed at (Filter.AsOf);
	// zero for "up to now".
	AsOf time.Time `json:"as_of,omitzero"`
}

// Conversion returns the conversion of the cohort of leads that first entered
// stages[0] within f's window: for each stage, how many of them entered it
// before f.AsOf (up to now when AsOf is zero), the conversion from the
// previous stage and from the first. With no stages it uses ConversionStages. The last
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
			if m.seen(r.firstAt(st)) {
				n[j]++
			}
		}
	}
	fu := Conversion{Steps: make([]ConversionStep, len(stages)), AsOf: f.AsOf}
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

// Velocity returns the distribution of the time, in cal's open hours, from
// a lead's first entry into from to its first entry into to, over the
// leads that first entered from within f's window and entered to before
// f.AsOf. The zero Calendar (24x7) gives wall time, a business-hours
// calendar business time; pauses are not left out.
func (p *Projection) Velocity(f Filter, from, to lead.Stage, cal sla.Calendar) Distribution {
	m := p.compile(f)
	var ds []time.Duration
	for r := range p.all() {
		a, b := r.firstAt(from), r.firstAt(to)
		if !m.seen(b) || b < a || !m.lead(r) || !m.at(a) {
			continue
		}
		ds = append(ds, elapsed(&cal, a, b))
	}
	return distribution(ds)
}

func elapsed(cal *sla.Calendar, a, b int64) time.Duration {
	if cal == always {
		return time.Duration(max(b-a, 0))
	}
	return cal.Elapsed(time.Unix(0, a), time.Unix(0, b))
}

// ClockTimes is one SLA clock's durations measured two ways, so a reader
// can tell what the SLA enforced from what the prospect waited.
type ClockTimes struct {
	// SLA is the time the SLA clock ran: in the hours of the lead's
	// policy rule (its calendar's business hours for a Business rule,
	// around the clock otherwise), with the lead's pauses left out. It is
	// what the deadline was measured against.
	SLA Distribution `json:"sla_time"`
	// Wall is the elapsed wall-clock time, nights, weekends and pauses
	// included.
	Wall Distribution `json:"wall_time"`
}

// AcceptTimes returns the time to accept, in SLA time and in wall time:
// from the hand-off or reassignment whose accept clock an acceptance
// stopped to that acceptance, over the acceptances (one per hand-off a
// rep accepted) within f's window and before f.AsOf. The SLA time is
// measured as package sla measures the accept clock, in the hours of the
// policy the hand-off recorded (see Projection.Policies). With
// Projection.Policies set, a hand-off under a policy without an accept
// rule started no SLA clock and is left out, unless a breach of its
// accept clock is recorded.
func (p *Projection) AcceptTimes(f Filter) ClockTimes {
	m := p.compile(f)
	var sla, wall []time.Duration
	for a := range p.accepts.all() {
		if a.handOff == 0 || a.handOff > a.at || !m.at(a.at) || !m.lead(p.rec(a.lead)) {
			continue
		}
		sla = append(sla, time.Duration(a.slaAccept))
		wall = append(wall, time.Duration(a.at-a.handOff))
	}
	return ClockTimes{SLA: distribution(sla), Wall: distribution(wall)}
}

// FirstTouchTimes returns the time to first touch, in SLA time and in
// wall time: from an acceptance to the first touch after it that stopped
// its first-touch clock (a touch after the clock stopped another way, by
// qualification or a return, is not the SLA's first touch), over the
// first touches within f's window and before f.AsOf. The SLA time is
// measured as package sla measures the first-touch clock, in the hours of
// the lead's policy (see Projection.Policies), pauses left out. With
// Projection.Policies set, an acceptance under a policy without a
// first-touch rule is left out, unless a breach of its first-touch clock
// is recorded.
func (p *Projection) FirstTouchTimes(f Filter) ClockTimes {
	m := p.compile(f)
	var sla, wall []time.Duration
	for a := range p.accepts.all() {
		if !m.at(a.touch) || !m.lead(p.rec(a.lead)) {
			continue
		}
		sla = append(sla, time.Duration(a.slaTouch))
		wall = append(wall, time.Duration(a.touch-a.at))
	}
	return ClockTimes{SLA: distribution(sla), Wall: distribution(wall)}
}

// TimeToAccept returns the distribution of the time to accept in cal's
// open hours, pauses included, over the acceptances AcceptTimes counts:
// with the zero Calendar it is AcceptTimes' Wall. It is not the SLA's
// measure, which leaves pauses out; AcceptTimes gives both.
func (p *Projection) TimeToAccept(f Filter, cal sla.Calendar) Distribution {
	m := p.compile(f)
	var ds []time.Duration
	for a := range p.accepts.all() {
		if a.handOff == 0 || a.handOff > a.at || !m.at(a.at) || !m.lead(p.rec(a.lead)) {
			continue
		}
		ds = append(ds, elapsed(&cal, a.handOff, a.at))
	}
	return distribution(ds)
}

// TimeToFirstTouch returns the distribution of the time from an
// acceptance to the first touch after it in cal's open hours, pauses
// included, over the first touches FirstTouchTimes counts: with the zero
// Calendar it is FirstTouchTimes' Wall. FirstTouchTimes gives the SLA's
// measure as well.
func (p *Projection) TimeToFirstTouch(f Filter, cal sla.Calendar) Distribution {
	m := p.compile(f)
	var ds []time.Duration
	for a := range p.accepts.all() {
		if !m.at(a.touch) || !m.lead(p.rec(a.lead)) {
			continue
		}
		ds = append(ds, elapsed(&cal, a.at, a.touch))
	}
	return distribution(ds)
}

// Summary holds the headline figures of the funnel. Each field's doc
// names its unit and what it counts; "in the window" means within f's
// window and before f.AsOf, and "since" means up to f.AsOf. Lead counts
// count each lead once; opportunity counts count each qualification cycle
// (see Opportunity), so a lead lost, recycled and won is one Lost and one
// Won opportunity.
type Summary struct {
	// Leads is the number of leads first captured in the window.
	Leads int `json:"leads"`
	// MQLs is the number of leads that first became MQL in the window.
	MQLs int `json:"mqls"`
	// SQLs is the number of opportunities opened (entries into SQL) in
	// the window.
	SQLs int `json:"sqls"`
	// Won and Lost are the numbers of opportunities won and lost in the
	// window.
	Won  int `json:"won"`
	Lost int `json:"lost"`
	// WinRate is the share of the window's closed opportunities that were
	// won: Won ÷ (Won + Lost); returned and disqualified ones do not count.
	WinRate float64 `json:"win_rate"`
	// Revenue is the amount (currency units) won by the opportunities won
	// in the window: each Won's amount, or the amount at SQL without one.
	Revenue float64 `json:"revenue"`
	// AverageDeal is the revenue per opportunity won, in currency units:
	// Revenue ÷ Won.
	AverageDeal float64 `json:"average_deal"`
	// Cycle is the sales cycle in wall time, from an opportunity's SQL to
	// its win, over the opportunities won in the window.
	Cycle Distribution `json:"cycle"`
	// Pipeline is the value of the SQLs sourced, in currency units: the
	// sum of the amounts at SQL of the opportunities opened in the window.
	Pipeline float64 `json:"pipeline"`
	// SQLsWon is the number of the window's SQLs (opportunities opened in
	// it) won since.
	SQLsWon int `json:"sqls_won"`
	// SQLsPerCustomer is a ratio, not a share: the window's SQLs per SQL
	// won since, SQLs ÷ SQLsWon (0 when none was won).
	SQLsPerCustomer float64 `json:"sqls_per_customer"`
	// LeadToRevenue is the share of the leads first captured in the
	// window that have been won since: won leads ÷ Leads.
	LeadToRevenue float64 `json:"lead_to_revenue"`
	// TouchesToSQL is the number of touches per SQL, over the
	// opportunities opened in the window: each counts the touches of its
	// own cycle before its SQL (since the lead's capture or its latest
	// return to marketing).
	TouchesToSQL Counts `json:"touches_to_sql"`
	// SalesVelocity is the revenue the pipeline yields per day, in
	// currency units per day: SQLs × WinRate × AverageDeal ÷ the mean
	// Cycle in days (0 without a cycle).
	SalesVelocity float64 `json:"sales_velocity"`
	// AsOf is the cut-off the figures were computed at (Filter.AsOf);
	// zero for "up to now".
	AsOf time.Time `json:"as_of,omitzero"`
}

// Summary returns the headline figures for the leads f matches.
func (p *Projection) Summary(f Filter) Summary {
	m := p.compile(f)
	s := Summary{AsOf: f.AsOf}
	capturedWon := 0
	for r := range p.all() {
		if !m.lead(r) {
			continue
		}
		if m.at(r.first[lead.StageCaptured]) {
			s.Leads++
			if m.seen(r.first[lead.StageWon]) {
				capturedWon++
			}
		}
		if m.at(r.first[lead.StageMQL]) {
			s.MQLs++
		}
	}
	var cycle []time.Duration
	var touches []int
	for o := range p.opps.all() {
		if !m.lead(p.rec(o.lead)) {
			continue
		}
		out := o.outcomeAsOf(&m)
		if m.at(o.opened) {
			s.SQLs++
			s.Pipeline += o.amount
			touches = append(touches, int(o.touches))
			if out == OutcomeWon {
				s.SQLsWon++
			}
		}
		if !m.at(o.closed) {
			continue
		}
		switch out {
		case OutcomeWon:
			s.Won++
			s.Revenue += o.won
			cycle = append(cycle, time.Duration(o.closed-o.opened))
		case OutcomeLost:
			s.Lost++
		}
	}
	s.WinRate = ratio(float64(s.Won), float64(s.Won+s.Lost))
	s.AverageDeal = ratio(s.Revenue, float64(s.Won))
	s.Cycle = distribution(cycle)
	s.SQLsPerCustomer = ratio(float64(s.SQLs), float64(s.SQLsWon))
	s.LeadToRevenue = ratio(float64(capturedWon), float64(s.Leads))
	s.TouchesToSQL = counts(touches)
	s.SalesVelocity = SalesVelocity(s.SQLs, s.WinRate, s.AverageDeal, s.Cycle.Mean)
	return s
}

// SalesVelocity is the revenue a pipeline yields per day, in currency
// units per day: opportunities × winRate × averageDeal ÷ cycle in days. It
// is 0 when cycle is not positive.
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
	// Rate is the share of the N leads that converted: converted ÷ N.
	Rate float64 `json:"rate"`
	// N is the number of leads that first entered Stage in the window.
	N int `json:"n"`
}

// LeadToRevenue returns, for each of stages (ConversionStages without Won
// when empty), the lead-to-revenue rate by stage: the share of the leads
// that first entered it within f's window that were won before f.AsOf
// (won leads ÷ those leads, each lead counted once).
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
// entered it within f's window that entered stage i+1 before f.AsOf. These
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

// NoCompany is the Key of the Breakdown row of the leads captured without
// a company, when grouped ByAccount.
const NoCompany = "(no company)"

// Group is the outcome figures of one rep, team, source, campaign, account
// or policy segment. Won, Lost, WinRate, Revenue, AverageDeal and Cycle
// are defined as in Summary: they count opportunities.
type Group struct {
	// Key is the group's value: the rep, team, source, campaign, account
	// (the first spelling seen) or segment; NoCompany for the leads
	// without a company, "" for those without a value of another
	// dimension (and the default policy segment).
	Key         string       `json:"key"`
	Won         int          `json:"won"`
	Lost        int          `json:"lost"`
	WinRate     float64      `json:"win_rate"`
	Revenue     float64      `json:"revenue"`
	AverageDeal float64      `json:"average_deal"`
	Cycle       Distribution `json:"cycle"`
}

// Breakdown returns Summary's outcome figures (Won, Lost, WinRate,
// Revenue, AverageDeal, Cycle) per value of dimension by, over the
// opportunities closed within f's window and before f.AsOf, ordered by
// revenue (highest first) and then key. With ByAccount it is the revenue
// per account: Captured.Company matched ignoring case and runs of white
// space, the leads without a company in their own row, keyed NoCompany.
func (p *Projection) Breakdown(f Filter, by Dimension) []Group {
	m := p.compile(f)
	type acc struct {
		g     Group
		cycle []time.Duration
	}
	groups := map[uint32]*acc{}
	for o := range p.opps.all() {
		r := p.rec(o.lead)
		out := o.outcomeAsOf(&m)
		if (out != OutcomeWon && out != OutcomeLost) || !m.at(o.closed) || !m.lead(r) {
			continue
		}
		k := r.attrs.pick(by)
		a := groups[k]
		if a == nil {
			a = &acc{g: Group{Key: p.groupKey(by, k)}}
			groups[k] = a
		}
		if out == OutcomeLost {
			a.g.Lost++
			continue
		}
		a.g.Won++
		a.g.Revenue += o.won
		a.cycle = append(a.cycle, time.Duration(o.closed-o.opened))
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

// groupKey returns the Key of the group of value k of dimension by.
func (p *Projection) groupKey(by Dimension, k uint32) string {
	if by != ByAccount {
		return p.names.name(k)
	}
	if k == 0 {
		return NoCompany
	}
	if int(k) >= len(p.accountName) {
		return ""
	}
	return p.names.name(p.accountName[k])
}

// LeakRow is where leads left the funnel without an outcome, at one stage.
// Returned and Rejected are history: events before the cut-off. Stalled
// and Unworked are current state: where leads stand now.
type LeakRow struct {
	Stage lead.Stage `json:"stage"`
	// Returned is history: the number of returns to marketing from this
	// stage (Recycled events, including those an SLA breach caused)
	// before the cut-off; a lead returned twice counts twice.
	Returned int `json:"returned"`
	// Rejected is history: the number of rejections by sales that sent
	// the lead back to nurture before the cut-off (a rejection that
	// disqualifies is an outcome, not a leak).
	Rejected int `json:"rejected"`
	// Stalled is current state: the number of leads Stalled now, having
	// left this stage.
	Stalled int `json:"stalled_now"`
	// Unworked is current state: the number of leads in this stage now
	// (MQL, HandedOff or Accepted) with no entry or touch for at least the
	// idle time.
	Unworked int `json:"unworked_now"`
}

// Leakage is where a cohort of MQLs leaked.
type Leakage struct {
	// MQLs is the cohort: the number of leads that first became MQL in
	// the window.
	MQLs int       `json:"mqls"`
	Rows []LeakRow `json:"rows"`
	// Leaked is the number of leads of the cohort that leaked at least
	// once: returned or rejected before the cut-off, or stalled or
	// unworked now.
	Leaked int `json:"leaked"`
	// CurrentState reports whether the Stalled and Unworked columns are
	// filled: they are only without a cut-off (see Projection.Leakage).
	CurrentState bool `json:"current_state"`
	// AsOf is the cut-off the figures were computed at (Filter.AsOf);
	// zero for "up to now".
	AsOf time.Time `json:"as_of,omitzero"`
}

// Leakage returns where the leads that first became MQL within f's window
// left the funnel without an outcome (Won, Lost, Disqualified), by stage:
// returned to marketing (recycled) or rejected by sales, which are
// history, and stalled now or unworked now (no stage entry or touch for
// idle at now), which are current state. Current state cannot be taken
// back to a cut-off: with f.AsOf set, Stalled and Unworked are left at 0
// and CurrentState is false, so a report as of a date does not change
// when recomputed. Rows with nothing are left out; the rest are in stage
// order.
func (p *Projection) Leakage(f Filter, now time.Time, idle time.Duration) Leakage {
	m := p.compile(f)
	var rows [nStages]LeakRow
	out := Leakage{AsOf: f.AsOf, CurrentState: f.AsOf.IsZero()}
	cut := now.Add(-idle).UnixNano()
	in := func(r *record) bool { return m.lead(r) && m.at(r.first[lead.StageMQL]) }
	leaked := make([]bool, p.n)
	for x := range p.exits.all() {
		if !m.seen(x.at) || !in(p.rec(x.lead)) || int(x.from) >= nStages {
			continue
		}
		if x.rejected {
			rows[x.from].Rejected++
		} else {
			rows[x.from].Returned++
		}
		leaked[x.lead] = true
	}
	i := -1
	for r := range p.all() {
		i++
		if !in(r) {
			continue
		}
		out.MQLs++
		if out.CurrentState {
			switch r.lc.Stage() {
			case lead.StageStalled:
				if int(r.lc.StalledFrom()) < nStages {
					rows[r.lc.StalledFrom()].Stalled++
				}
				leaked[i] = true
			case lead.StageMQL, lead.StageHandedOff, lead.StageAccepted:
				if max(r.entered, r.lastTouch) <= cut {
					rows[r.lc.Stage()].Unworked++
					leaked[i] = true
				}
			}
		}
		if leaked[i] {
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
	// Touches is the number of touches with this content and campaign on
	// the window's days; Answered the number of them answered.
	Touches  int `json:"touches"`
	Answered int `json:"answered"`
	// AnswerRate is the share of the touches answered: Answered ÷ Touches.
	AnswerRate float64 `json:"answer_rate"`
	// SQLs and Won are the numbers of leads whose last touch before their
	// first SQL (last-touch attribution) had this content, counted on the
	// day of the first SQL and of the first win; Revenue is the amount
	// (currency units) of those wins.
	SQLs    int     `json:"sqls"`
	Won     int     `json:"won"`
	Revenue float64 `json:"revenue"`
}

// Content returns the performance of touch content and campaigns
// (Touched.Content and Touched.Campaign) over the days in f's window that
// ended by f.AsOf,
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
	Low  int `json:"low"`
	High int `json:"high"`
	// MQLs is the number of leads of the cohort in the band; SQLs and Won
	// the numbers of them that became SQL and were won before the cut-off.
	MQLs int `json:"mqls"`
	SQLs int `json:"sqls"`
	Won  int `json:"won"`
	// ToSQL and ToWon are shares of the band's MQLs: SQLs ÷ MQLs and
	// Won ÷ MQLs.
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
		if m.seen(r.first[lead.StageSQL]) {
			bands[b].SQLs++
		}
		if m.seen(r.first[lead.StageWon]) {
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
