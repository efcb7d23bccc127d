package sla_test

import (
	"fmt"
	"os"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Marketing's side of the SLA: an MQL is handed off within 4 business
// hours, else marketing is notified, and 4 business hours later the lead
// is routed to a rep automatically.
func ExamplePolicy_handOff() {
	p := sla.Policy{Version: 1, Warnings: []float64{0.5},
		HandOff: sla.Rule{Within: 4 * time.Hour, Business: true, Ladder: []sla.Step{
			{Action: lead.ActionNotify}, {After: 4 * time.Hour, Action: lead.ActionRoute}}},
		Calendar: sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(17, 0), time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)}
	friday := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)
	s := must(decide(lead.State{}, friday, lead.Capture{ID: "lead-1", Email: "pat@example.com"}))
	s = must(decide(s, friday, lead.QualifyMarketing{Source: lead.SourceAQL}))
	for _, d := range p.Deadlines(s) {
		fmt.Println(d.ID, "due", d.Due.Format(clock))
		for _, st := range d.Steps {
			fmt.Println(" ", st.Action, st.At.Format(clock))
		}
	}
	// Output:
	// hand_off@2 due Mon 11:00
	//   notify Mon 11:00
	//   route Mon 15:00
}

// A sales-ready threshold in the policy: Complete gives a Score the
// threshold of the lead's policy, and the score that crosses it makes the
// lead an MQL in the same decision.
func ExamplePolicy_salesReady() {
	p := sla.Policy{Version: 1, SalesReady: lead.Threshold{Fit: 50, Total: 120}}
	set, _ := sla.NewSet(nil, p)
	env := sla.Env{Policies: set}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := must(decide(lead.State{}, at, lead.Capture{ID: "lead-1", Email: "pat@example.com"}))
	for _, score := range []lead.Score{{Fit: 40, Intent: 90}, {Fit: 60, Intent: 65}, {Fit: 70, Intent: 70}} {
		cmd, _ := sla.Complete(s, score, env)
		events, _ := lead.Decide(s, cmd, at)
		for _, e := range events {
			s = lead.Evolve(s, e)
			fmt.Print(e.Type(), " ")
		}
		fmt.Println("->", s.Stage)
	}
	// Output:
	// Scored -> Captured
	// Scored MarketingQualified -> MQL
	// Scored -> MQL
}

// A rep in Sydney works Sydney hours: the directory gives the rep a
// calendar, and Env.PolicyFor runs the rep's clocks in it.
func ExamplePolicy_WithRepCalendar() {
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	sydney, _ := time.LoadLocation("Australia/Sydney")
	sydneyHours := sla.BusinessHours(sydney, sla.At(9, 0), sla.At(17, 0), week...)
	p := sla.Policy{Version: 1, Accept: sla.Rule{Within: 6 * time.Hour, Business: true},
		Calendar: sla.BusinessHours(berlin, sla.At(9, 0), sla.At(17, 0), week...)}
	set, _ := sla.NewSet(nil, p)
	reps, _ := sla.NewRoundRobin("", sla.Rep{Name: "syd", Calendar: &sydneyHours}, sla.Rep{Name: "ber"})
	env := sla.Env{Policies: set, Directory: reps}

	// Monday 1 June 2026, 00:00 UTC: 10:00 in Sydney, 02:00 in Berlin.
	s := must(decide(lead.State{}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), lead.Capture{ID: "lead-1", Email: "pat@example.com"}))
	s = must(decide(s, s.CapturedAt, lead.QualifyMarketing{Source: lead.SourceManual}))
	s = must(decide(s, s.CapturedAt, lead.HandOff{Rep: "syd"}))
	for _, rep := range []string{"syd", "ber"} {
		if rep != s.Rep {
			s = must(decide(s, s.HandedOffAt, lead.Reassign{To: rep}))
		}
		pol, _ := env.PolicyFor(s)
		fmt.Println(rep, pol.Deadlines(s)[0].Due.UTC().Format(clock), "UTC")
	}
	// Output:
	// syd Mon 06:00 UTC
	// ber Mon 13:00 UTC
}

// WriteSet writes a whole Set: every segment's versions, the rules that
// select a segment, and the review cadence.
func ExampleWriteSet() {
	enterprise := sla.Policy{Name: "enterprise", Version: 1, Accept: sla.Rule{Within: 2 * time.Hour}}
	set, _ := sla.NewSet(sla.Rules{{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}}},
		sla.Policy{Version: 1, Accept: sla.Rule{Within: 8 * time.Hour}}, enterprise)
	set.Review = sla.Review{Effective: sla.Date{Year: 2026, Month: time.January, Day: 5}, Months: 6}
	if err := sla.WriteSet(os.Stdout, set); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "policies": [
	//     {"version": 1, "accept": {"within": "8h"}},
	//     {"name": "enterprise", "version": 1, "accept": {"within": "2h"}}
	//   ],
	//   "segments": [{"segment": "enterprise", "attributes": {"tier": "enterprise"}}],
	//   "review": {"effective": "2026-01-05", "months": 6}
	// }
}

// A review cadence: the agreement took effect on 5 January and is
// reviewed every six months.
func ExampleReview_Due() {
	r := sla.Review{Effective: sla.Date{Year: 2026, Month: time.January, Day: 5}, Months: 6}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	fmt.Println(r.Date(1), r.Date(2))
	fmt.Println(r.Due(from, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)))
	// Output:
	// 2026-07-05 2027-01-05
	// [2026-07-05 2027-01-05]
}
