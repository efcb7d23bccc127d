package funnel

import (
	"fmt"
	"math"
	"time"

	"github.com/leadline/leadline/lead"
)

// DefaultLeadToRevenue is the lead-to-revenue rate a plan uses when it is
// given no rates: 1.5% of leads become customers, the seed documents'
// benchmark for a funnel without history.
const DefaultLeadToRevenue = 0.015

// AverageMonth is the length of a month in plans: 365.25 / 12 days.
const AverageMonth = time.Duration(365.25 / 12 * 24 * float64(time.Hour))

// wholeTolerance is how close (relative) a count must be to a whole number
// to be taken as it: 10000 × 0.7 ÷ 1000 is 7.000000000000001 in floating
// point, and that is 7 customers, not 8.
const wholeTolerance = 1e-9

// ceilWhole rounds x up to a whole number, taking values within
// wholeTolerance of a whole number as that number.
func ceilWhole(x float64) int {
	return int(math.Ceil(x - wholeTolerance*math.Max(1, math.Abs(x))))
}

// PlanInput is a revenue goal and the funnel it is to come through.
type PlanInput struct {
	// Goal is the revenue to reach; 0 plans for nothing. Must not be negative.
	Goal float64 `json:"goal"`
	// Share is the part of Goal that marketing-sourced leads bring, in (0, 1].
	Share float64 `json:"share"`
	// DealSize is the average deal, in Goal's currency; must be positive.
	DealSize float64 `json:"deal_size"`
	// Rates are the close rates from the top of the funnel down: Rates[i]
	// converts its Stage into Rates[i+1].Stage, the last one into
	// customers. One rate is a lead-to-revenue rate from its Stage. Every
	// Rate must be in (0, 1]. Empty means one rate, DefaultLeadToRevenue,
	// from StageCaptured.
	Rates []StageRate `json:"rates,omitempty"`
	// CostPerLead is what one lead at the top stage costs; 0 leaves the
	// budget at 0.
	CostPerLead float64 `json:"cost_per_lead,omitempty"`
	// Reps and RepCapacity (leads one rep can work per month) are the
	// sales capacity; 0 Reps skips the capacity check.
	Reps        int     `json:"reps,omitempty"`
	RepCapacity float64 `json:"rep_capacity,omitempty"`
	// CapacityStage is the stage whose leads the reps work; StageNone
	// means the first stage of Rates that sales owns (HandedOff,
	// Accepted, SQL, ...), or the top stage when none is.
	CapacityStage lead.Stage `json:"capacity_stage,omitempty"`
	// Months is the span the goal is for, to spread the load per month;
	// 0 means 1.
	Months float64 `json:"months,omitempty"`
	// Cycle is the time from a lead at the capacity stage to a closed
	// deal (a Summary's Cycle.Median, a Velocity's Median); 0 if unknown.
	Cycle time.Duration `json:"cycle,omitempty"`
}

// PlanStage is how many leads one stage must hold.
type PlanStage struct {
	Stage lead.Stage `json:"stage"`
	// Rate converts this stage into the next (0 for the customers' row).
	Rate float64 `json:"rate,omitempty"`
	// Required is the number of leads, rounded up.
	Required int `json:"required"`
}

// Plan is the funnel run backwards from a revenue goal.
type Plan struct {
	Input PlanInput `json:"input"`
	// DefaultRate is true when the plan used DefaultLeadToRevenue.
	DefaultRate bool `json:"default_rate,omitempty"`
	// Customers is Goal × Share ÷ DealSize, rounded up.
	Customers int `json:"customers"`
	// Stages are the leads required per stage, the top first and the
	// customers (StageWon) last: each stage is the next one's Required ÷
	// its Rate, rounded up.
	Stages []PlanStage `json:"stages"`
	// Leads is the top stage's Required.
	Leads int `json:"leads"`
	// Budget is Leads × CostPerLead.
	Budget float64 `json:"budget"`
	// Load is the capacity stage's Required per month (÷ Months);
	// Capacity is Reps × RepCapacity; Spare is Capacity − Load (negative
	// when over capacity); RepsNeeded is Load ÷ RepCapacity rounded up.
	// All zero without Reps.
	CapacityStage lead.Stage `json:"capacity_stage"`
	Load          float64    `json:"load"`
	Capacity      float64    `json:"capacity"`
	Spare         float64    `json:"spare"`
	RepsNeeded    int        `json:"reps_needed"`
	OverCapacity  bool       `json:"over_capacity"`
	// Reachable is the earliest date the goal can be reached were all the
	// leads there at now: the reps work the capacity stage's leads at full
	// capacity (Required ÷ Capacity months of AverageMonth) and the last
	// one closes one Cycle later. Without Reps it is now + Cycle.
	Reachable time.Time `json:"reachable"`
}

// NewPlan runs the funnel backwards from in, at now (which only dates
// Reachable). Bad input returns a *FieldError naming the field.
func NewPlan(in PlanInput, now time.Time) (Plan, error) {
	if err := in.validate(); err != nil {
		return Plan{}, err
	}
	pl := Plan{Input: in}
	rates := in.Rates
	if len(rates) == 0 {
		rates = []StageRate{{Stage: lead.StageCaptured, Rate: DefaultLeadToRevenue}}
		pl.DefaultRate = true
	}
	pl.Customers = ceilWhole(in.Goal * in.Share / in.DealSize)
	pl.Stages = make([]PlanStage, len(rates)+1)
	pl.Stages[len(rates)] = PlanStage{Stage: lead.StageWon, Required: pl.Customers}
	need := pl.Customers
	for i := len(rates) - 1; i >= 0; i-- {
		need = ceilWhole(float64(need) / rates[i].Rate)
		pl.Stages[i] = PlanStage{Stage: rates[i].Stage, Rate: rates[i].Rate, Required: need}
	}
	pl.Leads = pl.Stages[0].Required
	pl.Budget = float64(pl.Leads) * in.CostPerLead

	pl.CapacityStage = in.CapacityStage
	work := pl.Leads
	if pl.CapacityStage == lead.StageNone {
		pl.CapacityStage = pl.Stages[0].Stage
		for _, s := range pl.Stages[:len(rates)] {
			if s.Stage.Owner() == "sales" {
				pl.CapacityStage, work = s.Stage, s.Required
				break
			}
		}
	} else {
		for _, s := range pl.Stages {
			if s.Stage == pl.CapacityStage {
				work = s.Required
			}
		}
	}
	pl.Reachable = now.Add(in.Cycle)
	if in.Reps > 0 {
		months := in.Months
		if months == 0 {
			months = 1
		}
		pl.Load = float64(work) / months
		pl.Capacity = float64(in.Reps) * in.RepCapacity
		pl.Spare = pl.Capacity - pl.Load
		pl.OverCapacity = pl.Load > pl.Capacity
		pl.RepsNeeded = ceilWhole(pl.Load / in.RepCapacity)
		pl.Reachable = now.Add(time.Duration(float64(work) / pl.Capacity * float64(AverageMonth))).Add(in.Cycle)
	}
	return pl, nil
}

func (in PlanInput) validate() error {
	bad := func(field string, v any, reason string) error {
		return &FieldError{Field: "PlanInput." + field, Value: v, Reason: reason}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(in.Goal) || in.Goal < 0:
		return bad("Goal", in.Goal, "must be a finite amount, not negative")
	case !(in.Share > 0 && in.Share <= 1):
		return bad("Share", in.Share, "must be a share in (0, 1]")
	case !finite(in.DealSize) || in.DealSize <= 0:
		return bad("DealSize", in.DealSize, "must be a positive amount")
	case !finite(in.CostPerLead) || in.CostPerLead < 0:
		return bad("CostPerLead", in.CostPerLead, "must be a finite amount, not negative")
	case in.Reps < 0:
		return bad("Reps", in.Reps, "must not be negative")
	case in.Reps > 0 && (!finite(in.RepCapacity) || in.RepCapacity <= 0):
		return bad("RepCapacity", in.RepCapacity, "must be a positive number of leads per rep and month")
	case !finite(in.Months) || in.Months < 0:
		return bad("Months", in.Months, "must not be negative")
	case in.Cycle < 0:
		return bad("Cycle", in.Cycle, "must not be negative")
	}
	for i, r := range in.Rates {
		if !(r.Rate > 0 && r.Rate <= 1) {
			return bad(fmt.Sprintf("Rates[%d].Rate", i), r.Rate, "must be a rate in (0, 1]")
		}
	}
	return nil
}

// PlanRates returns Rates(f, stages...) when every stage has converted at
// least once in f's window, and nil otherwise, so that a plan without
// enough history falls back to DefaultLeadToRevenue.
func (p *Projection) PlanRates(f Filter, stages ...lead.Stage) []StageRate {
	rs := p.Rates(f, stages...)
	for _, r := range rs {
		if r.Rate <= 0 {
			return nil
		}
	}
	return rs
}
