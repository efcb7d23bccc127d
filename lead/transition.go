package lead

import (
	"fmt"
	"slices"
	"strings"
)

// Transition is one row of the lifecycle table: in stage From, command
// Command may move the lead to stage To (To == From for commands that do
// not change the stage).
type Transition struct {
	From    Stage
	Command string
	To      Stage
}

// table is the lifecycle, as data. Decide consults it, the tests enumerate
// it, and the README's diagram is generated from it.
var table = []Transition{
	{StageNone, "Capture", StageCaptured},

	{StageCaptured, "Score", StageCaptured},
	{StageCaptured, "Score", StageMQL},
	{StageCaptured, "QualifyMarketing", StageMQL},
	{StageCaptured, "Disqualify", StageDisqualified},

	{StageNurturing, "Score", StageNurturing},
	{StageNurturing, "Score", StageMQL},
	{StageNurturing, "QualifyMarketing", StageMQL},
	{StageNurturing, "Disqualify", StageDisqualified},

	{StageMQL, "Score", StageMQL},
	{StageMQL, "HandOff", StageHandedOff},
	{StageMQL, "Recycle", StageNurturing},
	{StageMQL, "Disqualify", StageDisqualified},
	{StageMQL, "Warn", StageMQL},
	{StageMQL, "Breach", StageMQL},
	{StageMQL, "Breach", StageHandedOff},
	{StageMQL, "Breach", StageNurturing},

	{StageHandedOff, "Accept", StageAccepted},
	{StageHandedOff, "Reject", StageNurturing},
	{StageHandedOff, "Reject", StageDisqualified},
	{StageHandedOff, "Reassign", StageHandedOff},
	{StageHandedOff, "Recycle", StageNurturing},
	{StageHandedOff, "Warn", StageHandedOff},
	{StageHandedOff, "Breach", StageHandedOff},
	{StageHandedOff, "Breach", StageNurturing},
	{StageHandedOff, "Pause", StageHandedOff},
	{StageHandedOff, "Resume", StageHandedOff},

	{StageAccepted, "Touch", StageAccepted},
	{StageAccepted, "QualifySales", StageSQL},
	{StageAccepted, "Stall", StageStalled},
	{StageAccepted, "Reassign", StageHandedOff},
	{StageAccepted, "Recycle", StageNurturing},
	{StageAccepted, "Disqualify", StageDisqualified},
	{StageAccepted, "Warn", StageAccepted},
	{StageAccepted, "Breach", StageAccepted},
	{StageAccepted, "Breach", StageHandedOff},
	{StageAccepted, "Breach", StageNurturing},
	{StageAccepted, "Breach", StageStalled},
	{StageAccepted, "Pause", StageAccepted},
	{StageAccepted, "Resume", StageAccepted},

	{StageSQL, "Touch", StageSQL},
	{StageSQL, "Win", StageWon},
	{StageSQL, "Lose", StageLost},
	{StageSQL, "Stall", StageStalled},
	{StageSQL, "Recycle", StageNurturing},
	{StageSQL, "Warn", StageSQL},
	{StageSQL, "Breach", StageSQL},
	{StageSQL, "Breach", StageNurturing},
	{StageSQL, "Breach", StageStalled},
	{StageSQL, "Pause", StageSQL},
	{StageSQL, "Resume", StageSQL},

	{StageStalled, "Touch", StageAccepted},
	{StageStalled, "Touch", StageSQL},
	{StageStalled, "Recycle", StageNurturing},
	{StageStalled, "Disqualify", StageDisqualified},
	{StageStalled, "Lose", StageLost},
	{StageStalled, "Breach", StageStalled},
	{StageStalled, "Breach", StageNurturing},

	{StageLost, "Recycle", StageNurturing},
}

// stageNeutral is the command legal in every stage of a lead that moves
// nothing: Erase, which forgets the contact, not the lead. The table is
// about how leads move, so it is not a row of it (nor of Transitions,
// Allowed and the diagram); allows and Permits take it in every stage but
// StageNone.
const stageNeutral = "Erase"

// addedBy lists, for each event type, the commands that add it, the
// command whose first event it is first. Folding a stored history checks
// each event against the table through it (Check), and a remembered
// command is named by its first event.
var addedBy = map[string][]string{
	"Captured":           {"Capture"},
	"Scored":             {"Score"},
	"MarketingQualified": {"QualifyMarketing", "Score"},
	"HandedOff":          {"HandOff", "Breach"},
	"Accepted":           {"Accept"},
	"Rejected":           {"Reject"},
	"Touched":            {"Touch"},
	"SalesQualified":     {"QualifySales"},
	"Stalled":            {"Stall", "Breach"},
	"Recycled":           {"Recycle", "Breach"},
	"Disqualified":       {"Disqualify"},
	"Won":                {"Win"},
	"Lost":               {"Lose"},
	"DeadlineWarned":     {"Warn"},
	"DeadlineBreached":   {"Breach"},
	"Escalated":          {"Breach"},
	"Reassigned":         {"Reassign", "Breach"},
	"Paused":             {"Pause"},
	"Resumed":            {"Resume"},
	"Erased":             {"Erase"},
}

// commandOf names the command whose first event e is.
func commandOf(e Event) string {
	if c := addedBy[e.Type()]; len(c) > 0 {
		return c[0]
	}
	return ""
}

// allowedByStage[st] lists the commands allowed in st, in table order.
var allowedByStage = func() [stageCount][]string {
	var a [stageCount][]string
	for _, t := range table {
		if !slices.Contains(a[t.From], t.Command) {
			a[t.From] = append(a[t.From], t.Command)
		}
	}
	return a
}()

// Transitions returns the lifecycle table: every (stage, command, stage)
// move Decide can make. The slice is a copy.
func Transitions() []Transition { return slices.Clone(table) }

// Allowed returns the commands allowed in stage st, by name.
func Allowed(st Stage) []string {
	if st >= stageCount {
		return nil
	}
	return slices.Clone(allowedByStage[st])
}

// Permits reports whether the table has the row (from, command, to), or
// command is the stage-neutral Erase and from == to is a lead's stage.
func Permits(from Stage, command string, to Stage) bool {
	if command == stageNeutral {
		return from == to && from != StageNone && from < stageCount
	}
	return slices.Contains(table, Transition{from, command, to})
}

func allows(st Stage, command string) bool {
	if command == stageNeutral {
		return st != StageNone && st < stageCount
	}
	return st < stageCount && slices.Contains(allowedByStage[st], command)
}

// Mermaid returns the lifecycle table as a Mermaid state diagram. The
// README embeds it; a test fails when the two differ.
func Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	type edge struct{ from, to Stage }
	labels := map[edge][]string{}
	var order []edge
	for _, t := range table {
		e := edge{t.From, t.To}
		if _, ok := labels[e]; !ok {
			order = append(order, e)
		}
		if !slices.Contains(labels[e], t.Command) {
			labels[e] = append(labels[e], t.Command)
		}
	}
	name := func(s Stage) string {
		if s == StageNone {
			return "[*]"
		}
		return s.String()
	}
	for _, e := range order {
		fmt.Fprintf(&b, "    %s --> %s: %s\n", name(e.from), name(e.to), strings.Join(labels[e], ", "))
	}
	for _, st := range []Stage{StageWon, StageDisqualified} {
		fmt.Fprintf(&b, "    %s --> [*]\n", st)
	}
	return b.String()
}
