package sla_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// TestSeedFilePlansLikeDefaultPolicy runs the seed file's policy and
// DefaultPolicy through the same Plan: a file-loaded SLA must set the
// same deadlines, warnings and breach steps as the one built in Go.
func TestSeedFilePlansLikeDefaultPolicy(t *testing.T) {
	ps, err := sla.LoadPolicies(os.DirFS("testdata"), "seed-sla.json")
	if err != nil {
		t.Fatal(err)
	}
	file, code := ps[0], sla.DefaultPolicy()
	sql := lead.QualifySales{Amount: 12000, Currency: "EUR", CloseDate: tue(12, 0).AddDate(0, 2, 0), Probability: 0.4}
	for _, tc := range []struct {
		name string
		s    lead.State
	}{
		{"handed off on Friday afternoon", build(t, fri(16, 30))},
		{"handed off on Saturday", build(t, fri(16, 30).Add(day))},
		{"accepted, touched twice", build(t, fri(10, 0), accept(fri(11, 0)), touch(fri(15, 0), lead.OutcomeNoAnswer), touch(mon(10, 0), lead.OutcomeNoAnswer))},
		{"unanswered six times", build(t, fri(10, 0), append([]cmdAt{accept(fri(11, 0))}, touches(fri(12, 0), day, 6, lead.OutcomeNoAnswer)...)...)},
		{"SQL", build(t, fri(10, 0), accept(fri(11, 0)), touch(fri(12, 0), lead.OutcomeConnected), cmdAt{tue(12, 0), sql})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := deadlinesOf(file, tc.s, ""), deadlinesOf(code, tc.s, ""); !slices.Equal(got, want) {
				t.Fatalf("deadlines from the file:\n%v\nfrom DefaultPolicy:\n%v", got, want)
			}
			if len(deadlinesOf(code, tc.s, "")) == 0 {
				t.Fatal("the lead has no open deadline: the case tests nothing")
			}
			for _, now := range []time.Time{fri(17, 0), mon(9, 30), tue(18, 0), tue(12, 0).Add(20 * day)} {
				gotDue, gotWake := file.Plan(tc.s, now)
				wantDue, wantWake := code.Plan(tc.s, now)
				if !slices.Equal(renderCmds(gotDue), renderCmds(wantDue)) || !gotWake.Equal(wantWake) {
					t.Fatalf("Plan at %s from the file: %v, wake %s; from DefaultPolicy: %v, wake %s",
						ts(now), renderCmds(gotDue), ts(gotWake), renderCmds(wantDue), ts(wantWake))
				}
			}
		})
	}
}
