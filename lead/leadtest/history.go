package leadtest

import (
	"fmt"
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

// Histories returns a generator of histories of up to n commands (fewer when
// the lead reaches a final stage). The first command is a Capture at Start;
// each later one is drawn with CommandAt for the state so far, at a time
// 0..MaxGap after the previous one.
//
// A command that lead.Decide refuses is a bug in this package or in lead,
// and fails the property with a panic that names both.
func Histories(n int) *rapid.Generator[History] {
	if n < 0 {
		panic("leadtest: Histories of a negative length")
	}
	return rapid.Custom(func(t *rapid.T) History {
		length := rapid.IntRange(0, n).Draw(t, "length")
		var h History
		var s lead.State
		now := Start
		for i := range length {
			if i > 0 {
				now = now.Add(time.Duration(rapid.Int64Range(0, int64(MaxGap/time.Second)).Draw(t, "gap_seconds")) * time.Second)
			}
			if len(commandNames(s)) == 0 {
				break
			}
			c := CommandAt(s, now).Draw(t, "command")
			events, err := lead.Decide(s, c, now)
			if err != nil {
				panic(fmt.Sprintf("leadtest: Decide refused generated command %#v in stage %s at %s: %v", c, s.Stage, now.Format(time.RFC3339), err))
			}
			for _, e := range events {
				s = lead.Evolve(s, e)
			}
			h.Commands = append(h.Commands, c)
			h.Events = append(h.Events, events...)
			h.Times = append(h.Times, now)
		}
		return h
	})
}
