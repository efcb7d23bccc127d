package leadline_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/sla"
)

// The policy file says when the agreement is reviewed; WatchAgreement
// reports the review once its date comes, with the commitments' alerts.
func ExampleEngine_WatchAgreement() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	set, err := sla.ParseSet(strings.NewReader(`{
  "policies": [{"version": 1, "hand_off": {"within": "4h"}, "accept": {"within": "8h"}}],
  "review": {"effective": "2026-01-05", "months": 6}
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	mock := clock.NewMock(time.Date(2026, 7, 6, 9, 0, 0, 0, time.UTC))
	engine, _ := leadline.New(eventstore.NewMemory(), leadline.WithClock(mock), leadline.WithPolicies(set))
	agreement := leadline.Agreement{
		From:        time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		Every:       24 * time.Hour,
		Commitments: []funnel.Commitment{{Name: "marketing: 1 MQL a month", Kind: funnel.CommitmentMQLVolume, Target: 1, ReviewAfter: 6}},
		Review:      set.Review,
	}
	err = engine.WatchAgreement(ctx, agreement, func(a funnel.Alert) error {
		if a.Kind == funnel.AlertReviewDue {
			fmt.Println(a.Message)
			cancel() // a service would route the alert and keep watching
		}
		return nil
	})
	fmt.Println(err)
	// Output:
	// the SLA in effect since 2026-01-05 is due for its review on 2026-07-05 (every 6 months; the next on 2027-01-05)
	// context canceled
}
