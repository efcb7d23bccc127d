package leadtest_test

import (
	"fmt"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
)

// A property about won deals needs histories that reach Won: TowardWin
// weighs the commands that lead there.
func ExampleHistoriesWith() {
	g := leadtest.HistoriesWith(leadtest.Options{Length: 40, Weights: leadtest.TowardWin()})
	won := 0
	for seed := range 100 {
		if g.Example(seed).State().Stage == lead.StageWon {
			won++
		}
	}
	fmt.Println(won > 40)
	// Output: true
}

// A projection reads the global order of many leads: Feeds draws several
// histories and merges their events by time.
func ExampleFeeds() {
	f := leadtest.Feeds(4, leadtest.Options{Length: 20}).Example(1)
	leads := map[lead.ID]bool{}
	for _, e := range f.Events {
		leads[e.Base().Lead] = true
	}
	fmt.Println(len(leads) == len(f.Leads))
	// Output: true
}

// WeightedCommandAt draws one command for a state with chosen weights.
func ExampleWeightedCommandAt() {
	var s lead.State
	for _, e := range leadtest.HistoriesWith(leadtest.Options{Length: 3, Weights: leadtest.TowardSQL()}).Example(2).Events {
		s = lead.Evolve(s, e)
	}
	c := leadtest.WeightedCommandAt(s, leadtest.Start.Add(30*24*time.Hour), leadtest.Weights{"Disqualify": 0}).Example(0)
	fmt.Println(c.Name() != "Disqualify")
	// Output: true
}

// DefaultWeights, TowardSQL, TowardWin and TowardBreach are maps a test can
// adjust.
func ExampleDefaultWeights() {
	w := leadtest.DefaultWeights()
	w["Pause"] = 0 // no pauses in this property
	fmt.Println(w["Pause"], w["Accept"] > w["Reject"])
	// Output: 0 true
}
