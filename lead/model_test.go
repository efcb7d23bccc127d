package lead_test

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
	"pgregory.net/rapid"
)

// model is a small reference of a lead, written from the design rather than
// from state.go: the stage, who owns the lead, a few counters and the
// versions that start the SLA clocks. Its marks are never pruned, so it
// holds the decider to "each warning and breach step at most once" over
// the whole history, not just while a clock runs.
type model struct {
	version                               uint64
	stage, stalledFrom                    lead.Stage
	rep                                   string
	paused, erased                        bool
	touches, unanswered, recycles         int
	handOffV, acceptV, progressV, streakV uint64
	mqlV                                  uint64
	fit, intent                           int
	marks                                 map[lead.Mark]bool
}

// modelAllows is the lifecycle as the design describes it, one stage at a
// time.
func modelAllows(st lead.Stage, cmd string) bool {
	var ok []string
	switch st {
	case lead.StageNone:
		ok = []string{"Capture"}
	case lead.StageCaptured, lead.StageNurturing:
		ok = []string{"Score", "QualifyMarketing", "Disqualify"}
	case lead.StageMQL:
		ok = []string{"Score", "HandOff", "Recycle", "Disqualify", "Warn", "Breach"}
	case lead.StageHandedOff:
		ok = []string{"Accept", "Reject", "Reassign", "Recycle", "Warn", "Breach", "Pause", "Resume"}
	case lead.StageAccepted:
		ok = []string{"Touch", "QualifySales", "Stall", "Reassign", "Recycle", "Disqualify", "Warn", "Breach", "Pause", "Resume"}
	case lead.StageSQL:
		ok = []string{"Touch", "Win", "Lose", "Stall", "Recycle", "Warn", "Breach", "Pause", "Resume"}
	case lead.StageStalled:
		ok = []string{"Touch", "Recycle", "Disqualify", "Lose", "Breach"}
	case lead.StageLost:
		ok = []string{"Recycle"}
	}
	// Erasing the contact's data is stage-neutral.
	return slices.Contains(ok, cmd) || cmd == "Erase" && st != lead.StageNone
}

// breachTargets is where a breach step may move a lead from each stage.
var breachTargets = map[lead.Stage][]lead.Stage{
	lead.StageMQL:       {lead.StageMQL, lead.StageHandedOff, lead.StageNurturing},
	lead.StageHandedOff: {lead.StageHandedOff, lead.StageNurturing},
	lead.StageAccepted:  {lead.StageAccepted, lead.StageHandedOff, lead.StageNurturing, lead.StageStalled},
	lead.StageSQL:       {lead.StageSQL, lead.StageNurturing, lead.StageStalled},
	lead.StageStalled:   {lead.StageStalled, lead.StageNurturing},
}

func (m *model) running(d lead.DeadlineID) bool {
	if d.Since == 0 {
		return false
	}
	working := m.stage == lead.StageAccepted || m.stage == lead.StageSQL
	switch d.Kind {
	case lead.KindHandOff:
		return m.stage == lead.StageMQL && d.Since == m.mqlV
	case lead.KindAccept:
		return m.stage == lead.StageHandedOff && d.Since == m.handOffV
	case lead.KindFirstTouch:
		return m.stage == lead.StageAccepted && d.Since == m.acceptV && m.touches == 0
	case lead.KindQualify:
		return m.stage == lead.StageAccepted && d.Since == m.acceptV
	case lead.KindCadence:
		return working && d.Since == m.acceptV
	case lead.KindUnresponsive:
		return working && d.Since == m.streakV
	case lead.KindStall:
		return (working || m.stage == lead.StageStalled) && d.Since == m.progressV
	}
	return false
}

type outcome int

const (
	outcomeEvents outcome = iota
	outcomeNothing
	outcomeTransition
	outcomeCondition
)

func (o outcome) String() string {
	return [...]string{"events", "nothing", "transition error", "condition error"}[o]
}

// predict says what Decide should do with c, and how many events it adds.
func (m *model) predict(c lead.Command) (outcome, int) {
	switch c := c.(type) {
	case lead.Warn:
		if !m.running(c.Deadline) || m.marks[lead.Mark{Deadline: c.Deadline, Step: int(c.Fraction*1000 + 0.5)}] {
			return outcomeNothing, 0
		}
	case lead.Breach:
		if !m.running(c.Deadline) || m.marks[lead.Mark{Deadline: c.Deadline, Breach: true, Step: c.Step}] {
			return outcomeNothing, 0
		}
	case lead.Erase:
		if m.erased {
			return outcomeNothing, 0
		}
	}
	if !modelAllows(m.stage, c.Name()) {
		return outcomeTransition, 0
	}
	switch c := c.(type) {
	case lead.Pause:
		if m.paused {
			return outcomeCondition, 0
		}
	case lead.Resume:
		if !m.paused {
			return outcomeCondition, 0
		}
	case lead.Reassign:
		if c.To == m.rep {
			return outcomeCondition, 0
		}
	case lead.Score:
		if (m.stage == lead.StageCaptured || m.stage == lead.StageNurturing) &&
			c.SalesReady.Reached(c.Fit, c.Intent) && !c.SalesReady.Reached(m.fit, m.intent) {
			return outcomeEvents, 2
		}
	case lead.Breach:
		marketing := c.Action == lead.ActionNotify || c.Action == lead.ActionRoute || c.Action == lead.ActionReturn
		if c.Deadline.Kind == lead.KindHandOff && !marketing || c.Deadline.Kind != lead.KindHandOff && c.Action == lead.ActionRoute {
			return outcomeCondition, 0
		}
		to := m.stage
		switch c.Action {
		case lead.ActionNotify:
			return outcomeEvents, 1
		case lead.ActionRoute:
			to = lead.StageHandedOff
		case lead.ActionReassign:
			if c.To == m.rep {
				return outcomeCondition, 0
			}
			to = lead.StageHandedOff
		case lead.ActionReturn:
			to = lead.StageNurturing
		case lead.ActionStall:
			if m.stage == lead.StageStalled {
				return outcomeCondition, 0
			}
			to = lead.StageStalled
		}
		if !slices.Contains(breachTargets[m.stage], to) {
			return outcomeCondition, 0
		}
		return outcomeEvents, 2
	}
	return outcomeEvents, 1
}

func (m *model) handOff(v uint64, rep string) {
	m.rep, m.handOffV, m.acceptV, m.paused = rep, v, 0, false
	m.stage = lead.StageHandedOff
}

func (m *model) nurture() {
	m.recycles++
	m.rep, m.handOffV, m.acceptV, m.paused = "", 0, 0, false
	m.stage = lead.StageNurturing
}

func (m *model) close(st lead.Stage) {
	m.paused = false
	m.stage = st
}

func (m *model) stall() {
	m.stalledFrom = m.stage
	m.stage = lead.StageStalled
}

// apply changes the model as c, decided successfully, says.
func (m *model) apply(c lead.Command, n int) {
	v := m.version + 1
	m.version += uint64(n)
	switch c := c.(type) {
	case lead.Capture:
		m.stage = lead.StageCaptured
	case lead.Score:
		if n == 2 {
			m.stage, m.mqlV = lead.StageMQL, v+1
		}
		m.fit, m.intent = c.Fit, c.Intent
	case lead.QualifyMarketing:
		m.stage, m.mqlV = lead.StageMQL, v
	case lead.HandOff:
		m.handOff(v, c.Rep)
	case lead.Accept:
		m.acceptV, m.progressV, m.touches, m.unanswered, m.streakV = v, v, 0, 0, 0
		m.stage = lead.StageAccepted
	case lead.Reject:
		if c.Disqualify {
			m.close(lead.StageDisqualified)
		} else {
			m.nurture()
		}
	case lead.Touch:
		m.touches++
		if c.Outcome == lead.OutcomeConnected || c.Outcome == lead.OutcomeReplied {
			m.unanswered, m.streakV = 0, 0
		} else {
			if m.unanswered == 0 {
				m.streakV = v
			}
			m.unanswered++
		}
		if m.stage == lead.StageStalled {
			m.stage = m.stalledFrom
		}
		m.progressV = v
	case lead.QualifySales:
		m.progressV = v
		m.stage = lead.StageSQL
	case lead.Stall:
		m.stall()
	case lead.Recycle:
		m.nurture()
	case lead.Disqualify:
		m.close(lead.StageDisqualified)
	case lead.Win:
		m.close(lead.StageWon)
	case lead.Lose:
		m.close(lead.StageLost)
	case lead.Reassign:
		m.handOff(v, c.To)
	case lead.Pause:
		m.paused = true
	case lead.Resume:
		m.paused = false
	case lead.Erase:
		m.erased = true
	case lead.Warn:
		m.marks[lead.Mark{Deadline: c.Deadline, Step: int(c.Fraction*1000 + 0.5)}] = true
	case lead.Breach:
		m.marks[lead.Mark{Deadline: c.Deadline, Breach: true, Step: c.Step}] = true
		switch c.Action {
		case lead.ActionRoute:
			m.handOff(v+1, c.To)
		case lead.ActionReassign:
			if c.Deadline.Kind == lead.KindAccept && m.stage == lead.StageHandedOff {
				m.rep = c.To // the ladder hands the running accept clock on
			} else {
				m.handOff(v+1, c.To)
			}
		case lead.ActionReturn:
			m.nurture()
		case lead.ActionStall:
			m.stall()
		}
	}
}

// anyCommand draws a command of any name with valid fields, fitted to
// nothing: it may be illegal in the stage, fail a condition, or settle.
func anyCommand(t *rapid.T, m *model, now time.Time) lead.Command {
	name := rapid.SampledFrom(commandNames()).Draw(t, "any_command")
	var d lead.DeadlineID
	if name == "Warn" || name == "Breach" {
		d = lead.DeadlineID{
			Kind:  rapid.SampledFrom(lead.Kinds()).Draw(t, "kind"),
			Since: rapid.SampledFrom([]uint64{m.mqlV, m.handOffV, m.acceptV, m.progressV, m.streakV, m.version, 1, 3}).Draw(t, "since"),
		}
		if d.Since == 0 {
			d.Since = 1
		}
	}
	rep := rapid.SampledFrom(leadtest.Reps).Draw(t, "rep")
	if len(m.marks) > 0 && rapid.IntRange(0, 2).Draw(t, "repeat_a_mark") > 0 {
		// Ask again for a warning or breach step already recorded: it must
		// settle as nothing, however the lead moved since.
		marks := make([]lead.Mark, 0, len(m.marks))
		for mk := range m.marks {
			if m.running(mk.Deadline) {
				marks = append(marks, mk)
			}
		}
		slices.SortFunc(marks, func(a, b lead.Mark) int {
			return cmp.Or(cmp.Compare(a.Deadline.Kind, b.Deadline.Kind), cmp.Compare(a.Deadline.Since, b.Deadline.Since),
				cmp.Compare(fmt.Sprint(a.Breach), fmt.Sprint(b.Breach)), cmp.Compare(a.Step, b.Step))
		})
		if len(marks) == 0 {
			return lead.Resume{}
		}
		mk := rapid.SampledFrom(marks).Draw(t, "mark")
		if mk.Breach {
			return lead.Breach{Deadline: mk.Deadline, Step: mk.Step, Action: lead.ActionNotify, Due: now}
		}
		return lead.Warn{Deadline: mk.Deadline, Fraction: float64(mk.Step) / 1000, Due: now}
	}
	switch name {
	case "Warn":
		return lead.Warn{Deadline: d, Fraction: rapid.SampledFrom(leadtest.WarningFractions).Draw(t, "fraction"), Due: now}
	case "Breach":
		return lead.Breach{Deadline: d, Step: rapid.IntRange(0, 2).Draw(t, "step"),
			Action: rapid.SampledFrom([]lead.Action{lead.ActionNotify, lead.ActionEscalate, lead.ActionReassign, lead.ActionRoute, lead.ActionReturn, lead.ActionStall}).Draw(t, "action"),
			To:     rep, Due: now}
	case "Reassign":
		return lead.Reassign{To: rep}
	case "Score":
		return lead.Score{Fit: rapid.IntRange(0, lead.MaxScore).Draw(t, "fit"), Intent: rapid.IntRange(0, lead.MaxScore).Draw(t, "intent"),
			SalesReady: rapid.SampledFrom([]lead.Threshold{{}, {Total: 100}, {Fit: 60}}).Draw(t, "sales_ready")}
	case "HandOff":
		return lead.HandOff{Rep: rep}
	case "Reject":
		return lead.Reject{Reason: "r", Disqualify: rapid.Bool().Draw(t, "dq")}
	case "Touch":
		return lead.Touch{Channel: lead.ChannelPhone, Outcome: rapid.SampledFrom([]lead.Outcome{lead.OutcomeNoAnswer, lead.OutcomeReplied}).Draw(t, "outcome")}
	case "Pause":
		return lead.Pause{Reason: "r"}
	}
	return validCommand(lead.State{}, name)
}

func TestDecideAndEvolveAgreeWithAReferenceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &model{marks: map[lead.Mark]bool{}}
		var s lead.State
		now := leadtest.Start
		steps := rapid.IntRange(10, 120).Draw(t, "steps")
		for i := range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 36).Draw(t, "gap_hours")) * time.Hour)
			var c lead.Command
			switch {
			case s.Stage == lead.StageStalled && rapid.Bool().Draw(t, "unstall"):
				// Back from a stall, the paused clocks run on: the case
				// where recorded marks matter most.
				c = touchNo
			case len(lead.Allowed(s.Stage)) > 0 && rapid.IntRange(0, 2).Draw(t, "fitted") > 0:
				c = leadtest.CommandAt(s, now).Draw(t, "command")
			default:
				c = anyCommand(t, m, now)
			}
			want, n := m.predict(c)
			events, err := lead.Decide(s, c, now)
			label := fmt.Sprintf("step %d: %s in %s", i, c.Name(), s.Stage)

			var te *lead.TransitionError
			var ce *lead.ConditionError
			switch want {
			case outcomeNothing:
				if err != nil || events != nil {
					t.Fatalf("%s: want nothing, got %d events, err %v", label, len(events), err)
				}
				continue
			case outcomeTransition:
				if !errors.As(err, &te) || events != nil {
					t.Fatalf("%s: want a transition error, got %d events, err %v", label, len(events), err)
				}
				continue
			case outcomeCondition:
				if !errors.As(err, &ce) || events != nil {
					t.Fatalf("%s: want a condition error, got %d events, err %v", label, len(events), err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s (%#v): %v", label, c, err)
			}
			if len(events) != n {
				t.Fatalf("%s: %d events, want %d", label, len(events), n)
			}
			for j, e := range events {
				b := e.Base()
				if b.Version != s.Version+uint64(j)+1 || !b.At.Equal(now) || b.At.Location() != time.UTC {
					t.Fatalf("%s: event %d has version %d at %s", label, j, b.Version, b.At)
				}
				if c.Name() != "Capture" && b.Lead != s.ID {
					t.Fatalf("%s: event %d for lead %q, not %q", label, j, b.Lead, s.ID)
				}
			}
			before := s
			for _, e := range events {
				s = lead.Evolve(s, e)
			}
			m.apply(c, len(events))

			if !lead.Permits(before.Stage, c.Name(), s.Stage) {
				t.Fatalf("%s: moved to %s, which the table does not permit", label, s.Stage)
			}
			if s.Version != before.Version+uint64(len(events)) || s.Version != m.version {
				t.Fatalf("%s: version %d, want %d", label, s.Version, m.version)
			}
			if s.Stage != m.stage {
				t.Fatalf("%s: stage %s, model says %s", label, s.Stage, m.stage)
			}
			if s.Rep != m.rep || s.Paused != m.paused || s.Recycles != m.recycles {
				t.Fatalf("%s: rep %q paused %v recycles %d; model %q %v %d", label, s.Rep, s.Paused, s.Recycles, m.rep, m.paused, m.recycles)
			}
			if s.HandOffVersion != m.handOffV || s.AcceptVersion != m.acceptV || s.ProgressVersion != m.progressV || s.UnansweredSince != m.streakV {
				t.Fatalf("%s: clock versions (%d %d %d %d), model (%d %d %d %d)", label,
					s.HandOffVersion, s.AcceptVersion, s.ProgressVersion, s.UnansweredSince, m.handOffV, m.acceptV, m.progressV, m.streakV)
			}
			if m.stage == lead.StageAccepted || m.stage == lead.StageSQL {
				if s.Touches != m.touches || s.Unanswered != m.unanswered || len(s.TouchTimes) != min(s.Touches, lead.MaxTrackedTouches) {
					t.Fatalf("%s: touches %d unanswered %d; model %d %d", label, s.Touches, s.Unanswered, m.touches, m.unanswered)
				}
			}
			if m.stage == lead.StageStalled && s.StalledFrom != m.stalledFrom {
				t.Fatalf("%s: stalled from %s, model says %s", label, s.StalledFrom, m.stalledFrom)
			}
			for _, mk := range s.Marks {
				if !m.marks[mk] {
					t.Fatalf("%s: state has mark %v the model never recorded", label, mk)
				}
			}
		}
	})
}
