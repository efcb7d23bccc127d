package leadtest

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/leadline/leadline/lead"
	"pgregory.net/rapid"
)

// Weights biases which command a generator draws among the ones a state
// allows: a command named n (as lead.Command.Name returns it, e.g.
// "Accept") is drawn with probability Weights[n] over the sum of the
// weights of the allowed commands. A name the map does not hold weighs 1;
// a weight of 0 leaves the command out while another one is allowed. A nil
// Weights draws every allowed command alike.
type Weights map[string]int

// DefaultWeights favour the way forward (qualify, hand off, accept, touch,
// qualify for sales, win) over leaving the funnel, while every command
// still appears: most generated histories get past acceptance, and many
// reach SQL. Histories uses them.
func DefaultWeights() Weights {
	return Weights{
		"QualifyMarketing": 8, "HandOff": 8, "Accept": 8, "Touch": 6, "QualifySales": 5,
		"Win": 2, "Lose": 1, "Score": 2, "Disqualify": 1, "Reject": 1, "Recycle": 1,
		"Stall": 1, "Reassign": 1, "Pause": 1, "Resume": 3, "Warn": 2, "Breach": 2,
		"Erase": 1,
	}
}

// TowardSQL weighs the path to a sales qualified lead: marketing
// qualification, hand-off, acceptance, a few touches and QualifySales.
func TowardSQL() Weights {
	return Weights{
		"QualifyMarketing": 10, "HandOff": 10, "Accept": 10, "Touch": 3, "QualifySales": 10,
		"Win": 0, "Lose": 0, "Disqualify": 0, "Reject": 0, "Recycle": 0, "Stall": 0,
		"Reassign": 0, "Score": 1, "Pause": 0, "Resume": 5, "Warn": 1, "Breach": 0,
		"Erase": 0,
	}
}

// TowardWin is TowardSQL that goes on to Win.
func TowardWin() Weights {
	w := TowardSQL()
	w["Win"] = 10
	return w
}

// TowardBreach weighs the SLA's ladders: the lead is handed off and left
// unaccepted or untouched, so its clocks are warned and breached, step
// after step.
func TowardBreach() Weights {
	return Weights{
		"QualifyMarketing": 10, "HandOff": 10, "Accept": 2, "Touch": 1, "QualifySales": 1,
		"Win": 0, "Lose": 0, "Disqualify": 0, "Reject": 0, "Recycle": 0, "Stall": 0,
		"Reassign": 0, "Score": 0, "Pause": 0, "Resume": 5, "Warn": 6, "Breach": 10,
		"Erase": 0,
	}
}

// weight returns w's weight for name.
func (w Weights) weight(name string) int {
	if w == nil {
		return 1
	}
	if v, ok := w[name]; ok {
		return max(v, 0)
	}
	return 1
}

// WeightedCommandAt is CommandAt drawing the command with weights w.
func WeightedCommandAt(s lead.State, now time.Time, w Weights) *rapid.Generator[lead.Command] {
	names := commandNames(s)
	if len(names) == 0 {
		panic(fmt.Sprintf("leadtest: no command is allowed in stage %s", s.Stage))
	}
	ws := make([]int, len(names))
	total := 0
	for i, n := range names {
		ws[i] = w.weight(n)
		total += ws[i]
	}
	if total == 0 {
		// Every allowed command weighs 0: the lead cannot move otherwise.
		for i := range ws {
			ws[i] = 1
		}
		total = len(ws)
	}
	return rapid.Custom(func(t *rapid.T) lead.Command {
		pick := rapid.IntRange(0, total-1).Draw(t, "command_weight")
		i := 0
		for ; pick >= ws[i]; i++ {
			pick -= ws[i]
		}
		return drawCommand(t, s, now, names[i])
	})
}

// Options shape the histories HistoriesWith and Feeds generate.
type Options struct {
	// Length is the most commands a history has (fewer when the lead
	// reaches a final stage); 0 means 40.
	Length int
	// Weights bias the commands drawn; nil means DefaultWeights. Use
	// Weights{} to draw every allowed command alike.
	Weights Weights
	// AllowEmpty lets a history have no command at all; without it every
	// history starts with a Capture.
	AllowEmpty bool
	// Start is the time of the first command; zero means Start.
	Start time.Time
}

// resolved returns o with its defaults filled in: the weights, the start,
// and the shortest and longest history to draw. It panics on a negative
// Length.
func (o Options) resolved() (w Weights, start time.Time, minLen, maxLen int) {
	if o.Length < 0 {
		panic("leadtest: Histories of a negative length")
	}
	w = o.Weights
	if w == nil {
		w = DefaultWeights()
	}
	minLen, maxLen = 1, o.Length
	if o.AllowEmpty {
		minLen = 0
	}
	if maxLen == 0 {
		maxLen = 40
	}
	return w, cmp.Or(o.Start, Start), minLen, maxLen
}

// HistoriesWith returns a generator of one lead's histories shaped by o.
// The first command is a Capture at o.Start; each later one comes 0..MaxGap
// after the previous one.
func HistoriesWith(o Options) *rapid.Generator[History] {
	w, start, minLen, n := o.resolved()
	return rapid.Custom(func(t *rapid.T) History {
		return drawHistory(t, rapid.IntRange(minLen, n).Draw(t, "length"), start, w, "")
	})
}

// drawHistory draws a history of up to length commands from start; a
// non-empty id is the lead's ID.
func drawHistory(t *rapid.T, length int, start time.Time, w Weights, id lead.ID) History {
	var h History
	var s lead.State
	now := start
	for i := range length {
		if i > 0 {
			now = now.Add(time.Duration(rapid.Int64Range(0, int64(MaxGap/time.Second)).Draw(t, "gap_seconds")) * time.Second)
		}
		if len(commandNames(s)) == 0 {
			break
		}
		c := WeightedCommandAt(s, now, w).Draw(t, "command")
		if capture, ok := c.(lead.Capture); ok && id != "" {
			capture.ID = id
			c = capture
		}
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
}

// Feed is several leads' histories and the global order of their events:
// what a store's subscription delivers when the leads are worked at the
// same time.
type Feed struct {
	// Leads are the histories, one per lead, with distinct lead IDs.
	Leads []History
	// Events are every lead's events ordered by time (Meta.At); events at
	// the same time keep the order of Leads, and each lead's events keep
	// their own order.
	Events []lead.Event
}

// MaxStagger is the latest a lead of a Feed starts after o.Start.
const MaxStagger = 7 * 24 * time.Hour

// Feeds returns a generator of feeds of 1 to n leads (n >= 1), each with a
// history shaped by o, starting up to MaxStagger apart, so that their
// clocks interleave. Lead i has the ID "lead-<i>".
func Feeds(n int, o Options) *rapid.Generator[Feed] {
	if n < 1 {
		panic("leadtest: Feeds of fewer than one lead")
	}
	w, start, minLen, maxLen := o.resolved()
	return rapid.Custom(func(t *rapid.T) Feed {
		var f Feed
		for i := range rapid.IntRange(1, n).Draw(t, "leads") {
			from := start.Add(time.Duration(rapid.Int64Range(0, int64(MaxStagger/time.Second)).Draw(t, "stagger_seconds")) * time.Second)
			h := drawHistory(t, rapid.IntRange(minLen, maxLen).Draw(t, "length"), from, w, lead.ID(fmt.Sprintf("lead-%d", i)))
			f.Leads = append(f.Leads, h)
			f.Events = append(f.Events, h.Events...)
		}
		slices.SortStableFunc(f.Events, func(a, b lead.Event) int { return a.Base().At.Compare(b.Base().At) })
		return f
	})
}
