package simulate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/internal/simulate"
	"github.com/leadline/leadline/sla"
)

// A week of 40 leads under the default policy, played in two halves; the
// same seed always tells the same story.
func ExampleMonth_PlayUntil() {
	p := sla.DefaultPolicy()
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	m, err := simulate.New(simulate.Config{Leads: 40, Days: 7, Seed: 1, Start: start, Calendar: p.Calendar},
		leadline.WithPolicy(p))
	if err != nil {
		fmt.Println(err)
		return
	}
	refused := 0
	m.Refused = func(simulate.Step, error) { refused++ }
	ctx := context.Background()
	for _, until := range []time.Time{start.Add(3 * 24 * time.Hour), start.Add(7 * 24 * time.Hour)} {
		if err := m.PlayUntil(ctx, until); err != nil {
			fmt.Println(err)
			return
		}
		recs, err := m.Store.Read(ctx, 1, 0)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %d events recorded, %d commands refused, %d steps left\n",
			m.Clock.Now().Format("Mon Jan 02"), len(recs), refused, m.Left())
	}
	// Output:
	// Thu Mar 05: 128 events recorded, 0 commands refused, 170 steps left
	// Mon Mar 09: 294 events recorded, 0 commands refused, 91 steps left
}
