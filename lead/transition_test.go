package lead_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadline/leadline/lead"
)

func TestEveryCommandOutsideTheTableIsATransitionError(t *testing.T) {
	for _, st := range allStages() {
		for i, cmds := range scriptsTo[st] {
			for _, name := range commandNames() {
				if slices.Contains(lead.Allowed(st), name) {
					continue
				}
				t.Run(fmt.Sprintf("%s#%d/%s", st, i, name), func(t *testing.T) {
					s := script(t, cmds...)
					c := validCommand(s.State, name)
					events, err := lead.Decide(s.State, c, s.Now)
					if events != nil {
						t.Fatalf("%d events for a command the stage does not allow", len(events))
					}
					if sc, ok := c.(interface{ Name() string }); ok && (sc.Name() == "Warn" || sc.Name() == "Breach") {
						// A warning or breach for a clock that is not running
						// settles as nothing to do before the stage is
						// looked at: a timer that fires after the lead moved
						// on is not an error. Only a running clock gets as
						// far as the table.
						if d := deadlineOf(c); !s.State.Running(d) {
							if err != nil {
								t.Fatalf("%s for stopped deadline %s: err = %v, want none", name, d, err)
							}
							return
						}
					}
					var te *lead.TransitionError
					if !errors.As(err, &te) {
						t.Fatalf("err = %v, want a *TransitionError", err)
					}
					if !errors.Is(err, lead.ErrTransition) || errors.Is(err, lead.ErrInvalid) {
						t.Errorf("errors.Is: ErrTransition %v, ErrInvalid %v", errors.Is(err, lead.ErrTransition), errors.Is(err, lead.ErrInvalid))
					}
					if te.Stage != st || te.Command != name {
						t.Errorf("error names (%s, %s), want (%s, %s)", te.Stage, te.Command, st, name)
					}
					if !slices.Equal(te.Allowed, lead.Allowed(st)) {
						t.Errorf("Allowed = %v, want %v", te.Allowed, lead.Allowed(st))
					}
					if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), st.String()) {
						t.Errorf("message %q names neither command nor stage", err)
					}
				})
			}
		}
	}
}

func deadlineOf(c lead.Command) lead.DeadlineID {
	switch c := c.(type) {
	case lead.Warn:
		return c.Deadline
	case lead.Breach:
		return c.Deadline
	}
	return lead.DeadlineID{}
}

func TestAWarningForARunningClockInAStageWithoutWarningsIsATransitionError(t *testing.T) {
	s := script(t, capture, qualifyMQL, handOff, accept, stall)
	d := lead.DeadlineID{Kind: lead.KindStall, Since: s.State.ProgressVersion}
	if !s.State.Running(d) {
		t.Fatalf("%s is not running on a stalled lead", d)
	}
	_, err := lead.Decide(s.State, lead.Warn{Deadline: d, Fraction: 0.5, Due: t0}, s.Now)
	var te *lead.TransitionError
	if !errors.As(err, &te) || te.Stage != lead.StageStalled || te.Command != "Warn" {
		t.Fatalf("err = %v, want a *TransitionError for Warn in Stalled", err)
	}
}

// candidates are commands worth trying in s to reach every row of the
// table: each command with the variants that lead to different stages.
func candidates(s lead.State) []lead.Command {
	cs := []lead.Command{capture, score, salesReady, qualifyMQL, handOff, accept, reject, rejectDQ, touchNo, touchYes,
		qualifySQL, stall, recycle, disqualify, win, lose, pause, resume, validCommand(s, "Reassign")}
	for _, k := range lead.Kinds() {
		d := runningDeadline(s, k)
		if d.IsZero() || d.Kind != k {
			continue
		}
		cs = append(cs, lead.Warn{Deadline: d, Fraction: 0.75, Due: t0})
		for _, a := range []lead.Action{lead.ActionNotify, lead.ActionEscalate, lead.ActionReassign, lead.ActionRoute, lead.ActionReturn, lead.ActionStall} {
			b := lead.Breach{Deadline: d, Action: a, Due: t0}
			switch a {
			case lead.ActionEscalate:
				b.To = "mgr:ida"
			case lead.ActionRoute:
				b.To = "rep:ana"
			case lead.ActionReassign:
				b.To = validCommand(s, "Reassign").(lead.Reassign).To
			}
			cs = append(cs, b)
		}
	}
	return cs
}

func TestEveryRowOfTheTableIsReachable(t *testing.T) {
	for _, row := range lead.Transitions() {
		t.Run(fmt.Sprintf("%s-%s-%s", row.From, row.Command, row.To), func(t *testing.T) {
			for _, cmds := range scriptsTo[row.From] {
				from := script(t, cmds...)
				if from.State.Stage != row.From {
					t.Fatalf("script ends in %s, want %s", from.State.Stage, row.From)
				}
				for _, c := range candidates(from.State) {
					if c.Name() != row.Command {
						continue
					}
					events, err := lead.Decide(from.State, c, from.Now.Add(1))
					if err != nil || len(events) == 0 {
						continue
					}
					if got := lead.Replay(append(slices.Clone(from.Events), events...)).Stage; got == row.To {
						return
					}
				}
			}
			t.Fatalf("no scripted state in %s and command %s reaches %s", row.From, row.Command, row.To)
		})
	}
}

func TestTableHasNoDuplicateRowsAndOnlyKnownStages(t *testing.T) {
	seen := map[lead.Transition]bool{}
	for _, row := range lead.Transitions() {
		if seen[row] {
			t.Errorf("duplicate row %v", row)
		}
		seen[row] = true
		if row.To == lead.StageNone || row.From.String() == "" || strings.HasPrefix(row.To.String(), "Stage(") {
			t.Errorf("row %v has a bad stage", row)
		}
		if !lead.Permits(row.From, row.Command, row.To) {
			t.Errorf("Permits disagrees with row %v", row)
		}
	}
	if lead.Permits(lead.StageWon, "Touch", lead.StageWon) {
		t.Error("Permits a row that is not in the table")
	}
}

func TestFinalStagesAllowNothing(t *testing.T) {
	for _, st := range []lead.Stage{lead.StageWon, lead.StageDisqualified} {
		if a := lead.Allowed(st); len(a) != 0 {
			t.Errorf("Allowed(%s) = %v, want none", st, a)
		}
	}
	if a := lead.Allowed(lead.StageLost); !slices.Equal(a, []string{"Recycle"}) {
		t.Errorf("Allowed(Lost) = %v, want [Recycle]", a)
	}
}

func TestTransitionsAndAllowedReturnCopies(t *testing.T) {
	rows := lead.Transitions()
	rows[0].To = lead.StageWon
	if lead.Transitions()[0].To == lead.StageWon {
		t.Error("changing Transitions' result changed the table")
	}
	a := lead.Allowed(lead.StageAccepted)
	a[0] = "Win"
	if lead.Allowed(lead.StageAccepted)[0] == "Win" {
		t.Error("changing Allowed's result changed the table")
	}
}

func TestMermaidMentionsEveryRow(t *testing.T) {
	diagram := lead.Mermaid()
	if !strings.HasPrefix(diagram, "stateDiagram-v2\n") {
		t.Fatalf("diagram starts %q", diagram[:min(len(diagram), 30)])
	}
	name := func(s lead.Stage) string {
		if s == lead.StageNone {
			return "[*]"
		}
		return s.String()
	}
	lines := strings.Split(diagram, "\n")
	for _, row := range lead.Transitions() {
		prefix := fmt.Sprintf("    %s --> %s: ", name(row.From), name(row.To))
		found := false
		for _, l := range lines {
			if label, ok := strings.CutPrefix(l, prefix); ok && slices.Contains(strings.Split(label, ", "), row.Command) {
				found = true
			}
		}
		if !found {
			t.Errorf("diagram has no edge %s for %s", strings.TrimSpace(prefix), row.Command)
		}
	}
}
