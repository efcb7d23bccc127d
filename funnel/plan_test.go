package funnel

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

func TestPlanWorkedExamplesOfTheSeedDocuments(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		in        PlanInput
		customers int
		required  []int // per stage, the top first, customers last
		dflt      bool
	}{
		{"10,000 EUR × 70% ÷ 1,000 EUR ÷ 10% = 70 SQLs",
			PlanInput{Goal: 10000, Share: 0.7, DealSize: 1000, Rates: []StageRate{{Stage: lead.StageSQL, Rate: 0.1}}},
			7, []int{70, 7}, false},
		{"5,000 USD ÷ 100 USD ÷ 50% = 100 qualified leads",
			PlanInput{Goal: 5000, Share: 1, DealSize: 100, Rates: []StageRate{{Stage: lead.StageMQL, Rate: 0.5}}},
			50, []int{100, 50}, false},
		{"the 1.5% default lead-to-revenue rate",
			PlanInput{Goal: 10000, Share: 0.7, DealSize: 1000},
			7, []int{467, 7}, true}, // 7 ÷ 0.015 = 466.67
		{"per-stage rates chain up, rounding each stage up",
			PlanInput{Goal: 10000, Share: 0.7, DealSize: 1000, Rates: []StageRate{{Stage: lead.StageMQL, Rate: 0.3}, {Stage: lead.StageSQL, Rate: 0.1}}},
			7, []int{234, 70, 7}, false}, // 70 ÷ 0.3 = 233.3
		{"a zero goal plans nothing",
			PlanInput{Goal: 0, Share: 1, DealSize: 100},
			0, []int{0, 0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := NewPlan(tt.in, now)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Customers != tt.customers || pl.DefaultRate != tt.dflt || len(pl.Stages) != len(tt.required) {
				t.Fatalf("plan = %+v", pl)
			}
			for i, s := range pl.Stages {
				if s.Required != tt.required[i] {
					t.Errorf("%s: %d, want %d", s.Stage, s.Required, tt.required[i])
				}
			}
			if pl.Leads != tt.required[0] {
				t.Errorf("Leads = %d", pl.Leads)
			}
		})
	}
}

func TestPlanBudgetCapacityAndReachableDate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := PlanInput{
		Goal: 10000, Share: 0.7, DealSize: 1000,
		Rates:       []StageRate{{Stage: lead.StageMQL, Rate: 0.25}, {Stage: lead.StageSQL, Rate: 0.1}},
		CostPerLead: 50, Reps: 2, RepCapacity: 30, Cycle: 30 * 24 * time.Hour,
	}
	pl, err := NewPlan(in, now)
	if err != nil {
		t.Fatal(err)
	}
	// 7 customers, 70 SQLs, 280 MQLs; the reps work the 70 SQLs.
	if pl.Leads != 280 || pl.Budget != 14000 || pl.CapacityStage != lead.StageSQL {
		t.Errorf("leads %d budget %v stage %s", pl.Leads, pl.Budget, pl.CapacityStage)
	}
	if pl.Load != 70 || pl.Capacity != 60 || pl.Spare != -10 || !pl.OverCapacity || pl.RepsNeeded != 3 {
		t.Errorf("capacity: %+v", pl)
	}
	want := now.Add(time.Duration(70.0 / 60 * float64(AverageMonth))).Add(in.Cycle)
	if !pl.Reachable.Equal(want) {
		t.Errorf("Reachable = %v, want %v", pl.Reachable, want)
	}
	in.Months = 2 // the same goal over two months fits
	if pl, _ := NewPlan(in, now); pl.OverCapacity || pl.Load != 35 || pl.RepsNeeded != 2 {
		t.Errorf("over two months: %+v", pl)
	}
	in.Reps = 0
	if pl, _ := NewPlan(in, now); !pl.Reachable.Equal(now.Add(in.Cycle)) || pl.Capacity != 0 {
		t.Errorf("without reps: %+v", pl)
	}
}

func TestPlanRejectsBadInputNamingTheField(t *testing.T) {
	ok := PlanInput{Goal: 1000, Share: 0.5, DealSize: 100}
	tests := []struct {
		name  string
		edit  func(*PlanInput)
		field string
	}{
		{"zero deal size", func(in *PlanInput) { in.DealSize = 0 }, "PlanInput.DealSize"},
		{"negative deal size", func(in *PlanInput) { in.DealSize = -5 }, "PlanInput.DealSize"},
		{"negative goal", func(in *PlanInput) { in.Goal = -1 }, "PlanInput.Goal"},
		{"NaN goal", func(in *PlanInput) { in.Goal = math.NaN() }, "PlanInput.Goal"},
		{"zero share", func(in *PlanInput) { in.Share = 0 }, "PlanInput.Share"},
		{"share above 1", func(in *PlanInput) { in.Share = 1.2 }, "PlanInput.Share"},
		{"rate above 1", func(in *PlanInput) { in.Rates = []StageRate{{Stage: lead.StageSQL, Rate: 1.5}} }, "PlanInput.Rates[0].Rate"},
		{"zero rate", func(in *PlanInput) {
			in.Rates = []StageRate{{Stage: lead.StageMQL, Rate: 0.5}, {Stage: lead.StageSQL}}
		}, "PlanInput.Rates[1].Rate"},
		{"negative cost", func(in *PlanInput) { in.CostPerLead = -1 }, "PlanInput.CostPerLead"},
		{"reps without capacity", func(in *PlanInput) { in.Reps = 3 }, "PlanInput.RepCapacity"},
		{"negative cycle", func(in *PlanInput) { in.Cycle = -time.Hour }, "PlanInput.Cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			_, err := NewPlan(in, time.Time{})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want a *FieldError on %s", err, tt.field)
			}
		})
	}
}

func TestCeilWholeToleratesFloatingPointNoise(t *testing.T) {
	tests := []struct {
		x    float64
		want int
	}{
		{10000 * 0.7 / 1000, 7}, {7 / 0.1, 70}, {69.99999999999999, 70}, {70.01, 71}, {0, 0}, {466.6666, 467},
	}
	for _, tt := range tests {
		if got := ceilWhole(tt.x); got != tt.want {
			t.Errorf("ceilWhole(%v) = %d, want %d", tt.x, got, tt.want)
		}
	}
}

func TestPlanFromHistory(t *testing.T) {
	p := sample(t).p
	rates := p.PlanRates(Filter{}, lead.StageMQL, lead.StageSQL) // 50%, 50%
	pl, err := NewPlan(PlanInput{Goal: 10000, Share: 1, DealSize: 1000, Rates: rates}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if pl.DefaultRate || pl.Customers != 10 || pl.Stages[1].Required != 20 || pl.Leads != 40 {
		t.Errorf("plan = %+v", pl)
	}
}
