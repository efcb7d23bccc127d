package funnel_test

import (
	"fmt"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/sla"
)

// A policy file's review cadence, quarterly from 5 January: by 1 August
// two reviews have come due.
func ExampleReviewsDue() {
	r := sla.Review{Effective: sla.Date{Year: 2026, Month: time.January, Day: 5}, Months: 3}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, a := range funnel.ReviewsDue(r, from, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)) {
		fmt.Println(a.Kind, a.Period)
	}
	// Output:
	// review_due 2026-04-05
	// review_due 2026-07-05
}
