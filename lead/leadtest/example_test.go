package leadtest_test

import (
	"errors"
	"fmt"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
)

// A generated history replays to the state its commands were decided
// against, and every step is a row of the lifecycle table. In a property
// test, draw it with leadtest.Histories(40).Draw(t, "history") inside
// rapid.Check instead of Example.
func ExampleHistories() {
	h := leadtest.Histories(40).Example(1)

	var s lead.State
	onTable := true
	for i, c := range h.Commands {
		events, err := lead.Decide(s, c, h.Times[i])
		if err != nil {
			onTable = false
		}
		before := s.Stage
		for _, e := range events {
			s = lead.Evolve(s, e)
		}
		onTable = onTable && lead.Permits(before, c.Name(), s.Stage)
	}
	fmt.Println("every step is a row of the table:", onTable)
	fmt.Println("replay agrees:", lead.Replay(h.Events).Version == s.Version)
	// Output:
	// every step is a row of the table: true
	// replay agrees: true
}

func ExampleInvalidCases() {
	bad := leadtest.InvalidCases().Example(3)
	_, err := lead.Decide(lead.State{}, bad.Command, leadtest.Start)

	var v *lead.ValidationError
	fmt.Println(errors.Is(err, lead.ErrInvalid), errors.As(err, &v) && v.Field == bad.Field)
	// Output: true true
}
