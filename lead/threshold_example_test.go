package lead_test

import (
	"fmt"
	"time"

	"github.com/leadline/leadline/lead"
)

// A sales-ready threshold: fit at least 50 and fit + intent at least 120.
// A score crosses it when it reaches the threshold and the lead's score
// before did not.
func ExampleThreshold() {
	t := lead.Threshold{Fit: 50, Total: 120}
	fmt.Println(t.Reached(40, 95), t.Reached(60, 65))
	var s lead.State // not scored yet
	fmt.Println(t.Crossed(s, 60, 65))
	s.Fit, s.Intent = 60, 65
	fmt.Println(t.Crossed(s, 90, 90))
	// Output:
	// false true
	// true
	// false
}

// A Score that carries a threshold and crosses it makes the lead an MQL
// (source score) in the same decision.
func ExampleScore_salesReady() {
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	captured, _ := lead.Decide(lead.State{}, lead.Capture{ID: "lead-1", Email: "pat@example.com"}, now)
	s := lead.Replay(captured)
	events, err := lead.Decide(s, lead.Score{Fit: 70, Intent: 60, SalesReady: lead.Threshold{Total: 120}}, now)
	if err != nil {
		fmt.Println(err)
	}
	for _, e := range events {
		fmt.Println(e.Base().Version, e.Type())
	}
	// Output:
	// 2 Scored
	// 3 MarketingQualified
}
