package leadtest

import (
	"time"

	"github.com/leadline/leadline/lead"
	"pgregory.net/rapid"
)

// History is a valid history of one lead: the commands decided, in order,
// the events they added, and the time each command was decided at
// (Times[i] is the time of Commands[i]). Every event follows from its
// command by lead.Decide, so every history is a path of the lifecycle table.
type History struct {
	Commands []lead.Command
	Events   []lead.Event
	Times    []time.Time
}

// State returns the lead's state at the end of the history.
func (h History) State() lead.State { return lead.Replay(h.Events) }

// MaxGap is the longest pause Histories leaves between two commands.
const MaxGap = 72 * time.Hour

// Histories returns a generator of histories of 1 to n commands (fewer when
// the lead reaches a final stage; none only for n = 0), drawn with
// DefaultWeights. The first command is a Capture at Start; each later one
// is drawn for the state so far, at a time 0..MaxGap after the previous
// one. HistoriesWith shapes them further.
//
// A command that lead.Decide refuses is a bug in this package or in lead,
// and fails the property with a panic that names both.
func Histories(n int) *rapid.Generator[History] {
	if n < 0 {
		panic("leadtest: Histories of a negative length")
	}
	if n == 0 {
		return rapid.Just(History{})
	}
	return HistoriesWith(Options{Length: n})
}
