package sla_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	if err := sla.DefaultPolicy().Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v, want nil", err)
	}
}

func TestPolicyWithEveryRuleOffIsValid(t *testing.T) {
	if err := (sla.Policy{Version: 1}).Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

func TestInvalidPolicyNamesTheField(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name  string
		edit  func(p *sla.Policy)
		field string
	}{
		{"version 0", func(p *sla.Policy) { p.Version = 0 }, "Version"},
		{"negative version", func(p *sla.Policy) { p.Version = -3 }, "Version"},
		{"negative accept", func(p *sla.Policy) { p.Accept.Within = -h }, "Accept.Within"},
		{"negative hand-off", func(p *sla.Policy) { p.HandOff.Within = -h }, "HandOff.Within"},
		{"hand-off escalates, with no rep to escalate from", func(p *sla.Policy) {
			p.HandOff.Ladder = []sla.Step{{Action: lead.ActionEscalate}}
		}, "HandOff.Ladder[0].Action"},
		{"hand-off reassigns", func(p *sla.Policy) { p.HandOff.Ladder = []sla.Step{{Action: lead.ActionReassign}} }, "HandOff.Ladder[0].Action"},
		{"hand-off stalls", func(p *sla.Policy) { p.HandOff.Ladder = []sla.Step{{Action: lead.ActionStall}} }, "HandOff.Ladder[0].Action"},
		{"hand-off routes, then returns", func(p *sla.Policy) {
			p.HandOff.Ladder = []sla.Step{{Action: lead.ActionRoute}, {After: h, Action: lead.ActionReturn}}
		}, "HandOff.Ladder[0].Action"},
		{"accept routes", func(p *sla.Policy) { p.Accept.Ladder = []sla.Step{{Action: lead.ActionRoute}} }, "Accept.Ladder[0].Action"},
		{"sales-ready fit over the scale", func(p *sla.Policy) { p.SalesReady.Fit = lead.MaxScore + 1 }, "SalesReady"},
		{"sales-ready total negative", func(p *sla.Policy) { p.SalesReady.Total = -1 }, "SalesReady"},
		{"negative first touch", func(p *sla.Policy) { p.FirstTouch.Within = -h }, "FirstTouch.Within"},
		{"negative cadence", func(p *sla.Policy) { p.Cadence.Within = -h }, "Cadence.Within"},
		{"negative cadence gap", func(p *sla.Policy) { p.Cadence.Gap = -h }, "Cadence"},
		{"negative cadence touches", func(p *sla.Policy) { p.Cadence.Touches = -1 }, "Cadence"},
		{"negative unresponsive", func(p *sla.Policy) { p.Unresponsive.Within = -h }, "Unresponsive.Within"},
		{"negative qualify", func(p *sla.Policy) { p.Qualify.Within = -h }, "Qualify.Within"},
		{"negative stall windows", func(p *sla.Policy) { p.Stall.Accepted, p.Stall.SQL = -h, -h }, "Stall.Within"},
		{"negative stall window in SQL", func(p *sla.Policy) { p.Stall.SQL = -h }, "Stall"},
		{"negative stall window in Accepted", func(p *sla.Policy) { p.Stall.Accepted = -h }, "Stall"},
		{"negative stall grace", func(p *sla.Policy) { p.Stall.Grace = -h }, "Stall"},

		{"warning 0", func(p *sla.Policy) { p.Warnings = []float64{0} }, "Warnings[0]"},
		{"warning 1", func(p *sla.Policy) { p.Warnings = []float64{0.5, 1} }, "Warnings[1]"},
		{"warning 1.2", func(p *sla.Policy) { p.Warnings = []float64{1.2} }, "Warnings[0]"},
		{"warning negative", func(p *sla.Policy) { p.Warnings = []float64{-0.5} }, "Warnings[0]"},
		{"warning NaN", func(p *sla.Policy) { p.Warnings = []float64{0.5, math.NaN()} }, "Warnings[1]"},
		{"warnings out of order", func(p *sla.Policy) { p.Warnings = []float64{0.5, 0.9, 0.75} }, "Warnings[2]"},
		{"warnings repeated", func(p *sla.Policy) { p.Warnings = []float64{0.5, 0.5} }, "Warnings[1]"},

		{"ladder out of order", func(p *sla.Policy) {
			p.Accept.Ladder = []sla.Step{{After: 4 * h, Action: lead.ActionEscalate}, {After: 0, Action: lead.ActionNotify}}
		}, "Accept.Ladder[1].After"},
		{"ladder steps at the same offset", func(p *sla.Policy) {
			p.Accept.Ladder = []sla.Step{{After: h, Action: lead.ActionNotify}, {After: h, Action: lead.ActionEscalate}}
		}, "Accept.Ladder[1].After"},
		{"ladder step before the due time", func(p *sla.Policy) {
			p.FirstTouch.Ladder = []sla.Step{{After: -h, Action: lead.ActionNotify}}
		}, "FirstTouch.Ladder[0].After"},
		{"unknown action", func(p *sla.Policy) {
			p.Accept.Ladder = []sla.Step{{Action: lead.ActionEscalate}, {After: h, Action: "shout"}}
		}, "Accept.Ladder[1].Action"},
		{"empty action", func(p *sla.Policy) {
			p.Cadence.Ladder = []sla.Step{{}}
		}, "Cadence.Ladder[0].Action"},
		{"reassign on a qualify deadline", func(p *sla.Policy) {
			p.Qualify.Ladder = []sla.Step{{Action: lead.ActionReassign}}
		}, "Qualify.Ladder[0].Action"},
		{"stall on an accept deadline", func(p *sla.Policy) {
			p.Accept.Ladder = []sla.Step{{Action: lead.ActionStall}}
		}, "Accept.Ladder[0].Action"},
		{"stall on a first-touch deadline", func(p *sla.Policy) {
			p.FirstTouch.Ladder = []sla.Step{{Action: lead.ActionStall}}
		}, "FirstTouch.Ladder[0].Action"},
		{"a step after a return step", func(p *sla.Policy) {
			p.Accept.Ladder = []sla.Step{{Action: lead.ActionReturn}, {After: h, Action: lead.ActionNotify}}
		}, "Accept.Ladder[0].Action"},
		{"a step after a reassignment of an accepted lead", func(p *sla.Policy) {
			p.FirstTouch.Ladder = []sla.Step{{Action: lead.ActionReassign}, {After: h, Action: lead.ActionReturn}}
		}, "FirstTouch.Ladder[0].Action"},
		{"a step after a cadence stall", func(p *sla.Policy) {
			p.Cadence.Ladder = []sla.Step{{Action: lead.ActionStall}, {After: h, Action: lead.ActionReturn}}
		}, "Cadence.Ladder[0].Action"},
		{"a ladder over the limit", func(p *sla.Policy) {
			p.Accept.Ladder = nil
			for i := range lead.MaxStepsInLadder + 1 {
				p.Accept.Ladder = append(p.Accept.Ladder, sla.Step{After: time.Duration(i) * h, Action: lead.ActionNotify})
			}
		}, "Accept.Ladder"},

		{"cadence touches without within", func(p *sla.Policy) { p.Cadence.Within = 0 }, "Cadence"},
		{"cadence within without touches", func(p *sla.Policy) { p.Cadence.Touches = 0 }, "Cadence"},
		{"cadence gap that cannot fit", func(p *sla.Policy) {
			p.Cadence = sla.Cadence{Touches: 5, Within: 3 * 24 * h, Gap: 24 * h}
		}, "Cadence.Gap"},
		{"cadence touches over the tracked limit", func(p *sla.Policy) {
			p.Cadence = sla.Cadence{Touches: lead.MaxTrackedTouches + 1, Within: 100 * 24 * h}
		}, "Cadence.Touches"},
		{"unresponsive within without attempts", func(p *sla.Policy) { p.Unresponsive.Attempts = 0 }, "Unresponsive"},
		{"unresponsive attempts over the tracked limit", func(p *sla.Policy) {
			p.Unresponsive.Attempts = lead.MaxTrackedTouches + 1
		}, "Unresponsive.Attempts"},
		{"negative unresponsive attempts", func(p *sla.Policy) { p.Unresponsive.Attempts = -1 }, "Unresponsive.Attempts"},

		{"unknown field at SQL", func(p *sla.Policy) {
			p.RequiredAtSQL = []sla.Field{sla.FieldAmount, "budget"}
		}, "RequiredAtSQL[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sla.DefaultPolicy()
			tt.edit(&p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !errors.Is(err, sla.ErrPolicy) {
				t.Errorf("errors.Is(%v, ErrPolicy) = false", err)
			}
			var pe *sla.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("errors.As(%v, *PolicyError) = false", err)
			}
			if pe.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", pe.Field, tt.field, err)
			}
			if pe.Reason == "" {
				t.Errorf("Reason is empty")
			}
		})
	}
}

func TestInvalidCalendarIsAPolicyErrorWrappingTheCalendarError(t *testing.T) {
	p := sla.DefaultPolicy()
	p.Calendar.Week[time.Monday] = []sla.Span{{Start: sla.At(18, 0), End: sla.At(9, 0)}}
	err := p.Validate()
	if !errors.Is(err, sla.ErrPolicy) {
		t.Fatalf("errors.Is(%v, ErrPolicy) = false", err)
	}
	var pe *sla.PolicyError
	if !errors.As(err, &pe) || pe.Field != "Calendar" {
		t.Fatalf("err = %v, want a *PolicyError for Calendar", err)
	}
	var ce *sla.CalendarError
	if !errors.As(err, &ce) {
		t.Fatalf("errors.As(%v, *CalendarError) = false", err)
	}
	if ce.Field != "Week[Monday][0]" {
		t.Errorf("CalendarError.Field = %q, want %q", ce.Field, "Week[Monday][0]")
	}
}

func TestPolicyLadderActionsThatApply(t *testing.T) {
	h := time.Hour
	valid := []struct {
		name string
		edit func(p *sla.Policy)
	}{
		{"accept reassigns and keeps its clock", func(p *sla.Policy) {
			p.Accept.Ladder = []sla.Step{{Action: lead.ActionReassign}, {After: h, Action: lead.ActionReassign}, {After: 2 * h, Action: lead.ActionReturn}}
		}},
		{"first touch reassigns last", func(p *sla.Policy) {
			p.FirstTouch.Ladder = []sla.Step{{Action: lead.ActionEscalate}, {After: h, Action: lead.ActionReassign}}
		}},
		{"stall stalls then notifies", func(p *sla.Policy) {
			p.Stall.Ladder = []sla.Step{{Action: lead.ActionStall}, {After: h, Action: lead.ActionNotify}}
		}},
		{"unresponsive stalls", func(p *sla.Policy) {
			p.Unresponsive.Ladder = []sla.Step{{Action: lead.ActionNotify}, {After: h, Action: lead.ActionStall}}
		}},
		{"cadence gap fits exactly", func(p *sla.Policy) {
			p.Cadence = sla.Cadence{Touches: 5, Within: 4 * 24 * h, Gap: 24 * h}
		}},
		{"warnings may be empty", func(p *sla.Policy) { p.Warnings = nil }},
		{"24x7 calendar", func(p *sla.Policy) { p.Calendar = sla.Calendar{} }},
		{"hand-off notifies, routes", func(p *sla.Policy) {
			p.HandOff = sla.Rule{Within: h, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: h, Action: lead.ActionRoute}}}
		}},
		{"hand-off notifies, returns to nurture", func(p *sla.Policy) {
			p.HandOff = sla.Rule{Within: h, Business: true, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: h, Action: lead.ActionReturn}}}
		}},
		{"sales-ready at the top of the scale", func(p *sla.Policy) { p.SalesReady = lead.Threshold{Fit: 100, Intent: 100, Total: 200} }},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			p := sla.DefaultPolicy()
			tt.edit(&p)
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestEnforcesOnlyTheKindsWithARule(t *testing.T) {
	for _, k := range lead.Kinds() {
		if (sla.Policy{}).Enforces(k) {
			t.Errorf("the zero policy enforces %s", k)
		}
	}
	p := sla.Policy{
		Cadence:      sla.Cadence{Touches: 2, Within: time.Hour},
		Unresponsive: sla.Unresponsive{Attempts: 3},
		Stall:        sla.Stall{SQL: time.Hour},
	}
	for k, want := range map[lead.DeadlineKind]bool{
		lead.KindHandOff: false, lead.KindAccept: false, lead.KindCadence: true,
		lead.KindUnresponsive: true, lead.KindStall: true, "other": false,
	} {
		if got := p.Enforces(k); got != want {
			t.Errorf("Enforces(%s) = %v, want %v", k, got, want)
		}
	}
}
