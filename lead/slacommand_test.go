package lead_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

func handedOff(t *testing.T) (*scripted, lead.DeadlineID) {
	s := script(t, capture, qualifyMQL, handOff)
	return s, lead.DeadlineID{Kind: lead.KindAccept, Since: s.State.HandOffVersion}
}

func accepted(t *testing.T) *scripted {
	return script(t, capture, qualifyMQL, handOff, accept)
}

// mustNothing asserts that c adds no events and no error: it is settled.
func mustNothing(t *testing.T, s *scripted, c lead.Command) {
	t.Helper()
	events, err := lead.Decide(s.State, c, s.Now.Add(time.Minute))
	if err != nil || events != nil {
		t.Fatalf("%#v: got %d events, err %v; want nothing", c, len(events), err)
	}
}

func TestWarnForADeadlineThatIsNotRunningAddsNothing(t *testing.T) {
	s, d := handedOff(t)
	s.Do(accept) // the accept clock stopped
	mustNothing(t, s, lead.Warn{Deadline: d, Fraction: 0.5, Due: t0})
	mustNothing(t, s, lead.Warn{Deadline: lead.DeadlineID{Kind: lead.KindQualify, Since: s.State.Version + 7}, Fraction: 0.5, Due: t0})
	mustNothing(t, s, lead.Breach{Deadline: d, Action: lead.ActionReturn, Due: t0})
}

func TestBreachForADeadlineThatIsNotRunningAddsNothingEvenInAFinalStage(t *testing.T) {
	s := script(t, capture, qualifyMQL, handOff, accept, qualifySQL, win)
	for _, k := range lead.Kinds() {
		mustNothing(t, s, lead.Breach{Deadline: lead.DeadlineID{Kind: k, Since: 4}, Action: lead.ActionNotify, Due: t0})
	}
}

func TestWarningIsRecordedExactlyOnce(t *testing.T) {
	s, d := handedOff(t)
	w := lead.Warn{Actor: "sla", Deadline: d, Fraction: 0.75, Due: t0.Add(8 * time.Hour)}
	events := s.Do(w)
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	got, ok := events[0].(lead.DeadlineWarned)
	if !ok || got.Deadline != d || got.Fraction != 0.75 || !got.Due.Equal(w.Due) {
		t.Fatalf("event %#v", events[0])
	}
	if !s.State.Warned(d, 0.75) || s.State.Warned(d, 0.5) {
		t.Fatalf("Warned(0.75) = %v, Warned(0.5) = %v", s.State.Warned(d, 0.75), s.State.Warned(d, 0.5))
	}
	mustNothing(t, s, w)
	s.Do(lead.Warn{Deadline: d, Fraction: 0.5, Due: w.Due}) // another fraction is another warning
}

func TestBreachStepIsRecordedExactlyOnce(t *testing.T) {
	s, d := handedOff(t)
	s.Do(lead.Breach{Deadline: d, Step: 0, Action: lead.ActionEscalate, To: "mgr:ida", Due: t0})
	if !s.State.Marked(d, true, 0) {
		t.Fatal("step 0 not marked")
	}
	mustNothing(t, s, lead.Breach{Deadline: d, Step: 0, Action: lead.ActionNotify, Due: t0})
	s.Do(lead.Breach{Deadline: d, Step: 1, Action: lead.ActionNotify, Due: t0})
	mustNothing(t, s, lead.Breach{Deadline: d, Step: 1, Action: lead.ActionNotify, Due: t0})
}

func TestMarksOutliveAStallSoARestartedClockIsNotWarnedTwice(t *testing.T) {
	for _, k := range []lead.DeadlineKind{lead.KindQualify, lead.KindCadence, lead.KindUnresponsive} {
		t.Run(string(k), func(t *testing.T) {
			s := accepted(t)
			s.Do(touchNo)
			d := runningDeadline(s.State, k)
			if d.Kind != k {
				t.Fatalf("no %s clock runs", k)
			}
			s.Do(lead.Warn{Deadline: d, Fraction: 0.5, Due: t0})
			s.Do(lead.Breach{Deadline: d, Action: lead.ActionNotify, Due: t0})
			s.Do(stall)
			if s.State.Running(d) {
				t.Fatalf("%s runs on a stalled lead", d)
			}
			s.Do(touchNo) // back to Accepted; the streak goes on
			if !s.State.Running(d) {
				t.Fatalf("%s does not run again after the stall", d)
			}
			mustNothing(t, s, lead.Warn{Deadline: d, Fraction: 0.5, Due: t0})
			mustNothing(t, s, lead.Breach{Deadline: d, Action: lead.ActionNotify, Due: t0})
		})
	}
}

func TestMarksOfStoppedClocksArePrunedWhenTheStageChanges(t *testing.T) {
	s, d := handedOff(t)
	s.Do(lead.Warn{Deadline: d, Fraction: 0.5, Due: t0})
	s.Do(accept)
	if len(s.State.Marks) != 0 {
		t.Fatalf("marks after accept: %v", s.State.Marks)
	}
}

func TestBreachWithReassignAppendsTheBreachAndTheReassignmentTogether(t *testing.T) {
	s, d := handedOff(t)
	v := s.State.Version
	events := s.Do(lead.Breach{Actor: "sla", Deadline: d, Step: 1, Action: lead.ActionReassign, To: "rep:ben", Team: "na-east", Due: t0.Add(8 * time.Hour)})
	if len(events) != 2 {
		t.Fatalf("%d events, want 2", len(events))
	}
	b, ok1 := events[0].(lead.DeadlineBreached)
	r, ok2 := events[1].(lead.Reassigned)
	if !ok1 || !ok2 {
		t.Fatalf("events are %T, %T", events[0], events[1])
	}
	if b.Version != v+1 || r.Version != v+2 {
		t.Errorf("versions %d, %d; want %d, %d", b.Version, r.Version, v+1, v+2)
	}
	if !b.At.Equal(r.At) || b.Actor != "sla" || r.Actor != "sla" || b.Lead != "lead-1" || r.Lead != "lead-1" {
		t.Errorf("meta differs: %#v / %#v", b.Meta, r.Meta)
	}
	if b.Step != 1 || b.Action != lead.ActionReassign || b.Rep != "rep:ana" || b.Deadline != d {
		t.Errorf("breach %#v", b)
	}
	if r.From != "rep:ana" || r.To != "rep:ben" || r.Deadline != d || r.Team != "na-east" {
		t.Errorf("reassignment %#v", r)
	}
	// A step of the accept ladder hands the running clock to the new rep,
	// so the ladder's later steps still apply to it, exactly once.
	st := s.State
	if st.Stage != lead.StageHandedOff || st.Rep != "rep:ben" || st.Team != "na-east" || st.PolicyVersion != 1 || st.HandOffVersion != d.Since {
		t.Errorf("state after: stage %s rep %s team %s policy %d hand-off v%d", st.Stage, st.Rep, st.Team, st.PolicyVersion, st.HandOffVersion)
	}
	if !st.Running(d) || !st.Marked(d, true, 1) {
		t.Error("the accept clock and its breach mark should carry over to the new rep")
	}
	mustNothing(t, s, lead.Breach{Deadline: d, Step: 1, Action: lead.ActionReassign, To: "rep:chloe", Due: t0})
	s.Do(lead.Breach{Deadline: d, Step: 2, Action: lead.ActionReturn, Due: t0})
	if s.State.Stage != lead.StageNurturing {
		t.Errorf("the ladder's return step left the lead in %s", s.State.Stage)
	}
}

func TestManualReassignStartsAFreshAcceptClock(t *testing.T) {
	s, d := handedOff(t)
	s.Do(lead.Warn{Deadline: d, Fraction: 0.5, Due: t0})
	s.Do(reassignBen)
	fresh := lead.DeadlineID{Kind: lead.KindAccept, Since: s.State.Version}
	if s.State.Running(d) || !s.State.Running(fresh) || s.State.HandOffVersion != s.State.Version || len(s.State.Marks) != 0 {
		t.Fatalf("hand-off v%d, marks %v", s.State.HandOffVersion, s.State.Marks)
	}
}

func TestBreachWithReassignFromAnAcceptedLeadHandsItOffAgain(t *testing.T) {
	s := accepted(t)
	d := runningDeadline(s.State, lead.KindFirstTouch)
	s.Do(lead.Breach{Deadline: d, Action: lead.ActionReassign, To: "rep:ben", Due: t0})
	if s.State.Stage != lead.StageHandedOff || s.State.Rep != "rep:ben" || s.State.AcceptVersion != 0 {
		t.Fatalf("stage %s rep %s accept v%d", s.State.Stage, s.State.Rep, s.State.AcceptVersion)
	}
}

func TestBreachRefusesToReassignToTheSameRep(t *testing.T) {
	s, d := handedOff(t)
	events, err := lead.Decide(s.State, lead.Breach{Deadline: d, Action: lead.ActionReassign, To: "rep:ana", Due: t0}, s.Now)
	var ce *lead.ConditionError
	if !errors.As(err, &ce) || ce.Command != "Breach" || !errors.Is(err, lead.ErrTransition) {
		t.Fatalf("err = %v, want a *ConditionError for Breach", err)
	}
	if events != nil {
		t.Fatalf("%d events with the error", len(events))
	}
}

func TestReassignRefusesTheCurrentRep(t *testing.T) {
	s, _ := handedOff(t)
	_, err := s.Try(lead.Reassign{To: "rep:ana"})
	var ce *lead.ConditionError
	if !errors.As(err, &ce) || ce.Command != "Reassign" {
		t.Fatalf("err = %v, want a *ConditionError", err)
	}
	events := s.Do(reassignBen)
	r := events[0].(lead.Reassigned)
	if r.From != "rep:ana" || r.To != "rep:ben" || !r.Deadline.IsZero() {
		t.Fatalf("%#v", r)
	}
	if s.State.Team != "emea" || s.State.PolicyVersion != 1 {
		t.Errorf("an empty team or policy should keep the lead's: %q, %d", s.State.Team, s.State.PolicyVersion)
	}
}

func TestBreachWithReturnRecyclesTheLeadToNurture(t *testing.T) {
	s, d := handedOff(t)
	events := s.Do(lead.Breach{Deadline: d, Action: lead.ActionReturn, Due: t0})
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	r, ok := events[1].(lead.Recycled)
	if !ok || r.Deadline != d || r.From != lead.StageHandedOff || r.Reason == "" {
		t.Fatalf("%#v", events[1])
	}
	st := s.State
	if st.Stage != lead.StageNurturing || st.Rep != "" || st.HandOffVersion != 0 || st.Recycles != 1 || len(st.Marks) != 0 {
		t.Fatalf("stage %s rep %q hand-off %d recycles %d marks %v", st.Stage, st.Rep, st.HandOffVersion, st.Recycles, st.Marks)
	}
}

func TestBreachWithStallStallsTheLead(t *testing.T) {
	for _, from := range []lead.Stage{lead.StageAccepted, lead.StageSQL} {
		t.Run(from.String(), func(t *testing.T) {
			s := script(t, scriptsTo[from][0]...)
			d := runningDeadline(s.State, lead.KindStall)
			events := s.Do(lead.Breach{Deadline: d, Action: lead.ActionStall, Due: t0})
			st, ok := events[1].(lead.Stalled)
			if !ok || st.From != from {
				t.Fatalf("%#v", events[1])
			}
			if s.State.Stage != lead.StageStalled || s.State.StalledFrom != from {
				t.Fatalf("stage %s from %s", s.State.Stage, s.State.StalledFrom)
			}
			if !s.State.Running(d) || !s.State.Marked(d, true, 0) {
				t.Fatal("the stall clock and its breach mark should carry on into Stalled")
			}
			// The next ladder step may return the stalled lead.
			s.Do(lead.Breach{Deadline: d, Step: 1, Action: lead.ActionReturn, Due: t0})
			if s.State.Stage != lead.StageNurturing {
				t.Fatalf("stage %s after return", s.State.Stage)
			}
		})
	}
}

func TestBreachWithStallOnAStalledLeadIsAConditionError(t *testing.T) {
	s := script(t, scriptsTo[lead.StageStalled][0]...)
	d := runningDeadline(s.State, lead.KindStall)
	_, err := s.Try(lead.Breach{Deadline: d, Action: lead.ActionStall, Due: t0})
	var ce *lead.ConditionError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
}

func TestBreachWhoseActionLeavesTheTableIsAConditionError(t *testing.T) {
	s, d := handedOff(t) // HandedOff may not stall
	_, err := s.Try(lead.Breach{Deadline: d, Action: lead.ActionStall, Due: t0})
	var ce *lead.ConditionError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	sql := script(t, scriptsTo[lead.StageSQL][0]...) // SQL may not be reassigned
	_, err = sql.Try(lead.Breach{Deadline: runningDeadline(sql.State, lead.KindStall), Action: lead.ActionReassign, To: "rep:ben", Due: t0})
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
}

func TestBreachWithEscalateNamesTheManager(t *testing.T) {
	s, d := handedOff(t)
	events := s.Do(lead.Breach{Deadline: d, Action: lead.ActionEscalate, To: "mgr:ida", Due: t0})
	e, ok := events[1].(lead.Escalated)
	if !ok || e.Manager != "mgr:ida" || e.Rep != "rep:ana" || e.Deadline != d {
		t.Fatalf("%#v", events[1])
	}
	if s.State.Stage != lead.StageHandedOff || s.State.Rep != "rep:ana" {
		t.Fatalf("escalation moved the lead: %s %s", s.State.Stage, s.State.Rep)
	}
}

func TestBreachWithNotifyAddsOnlyTheBreach(t *testing.T) {
	s, d := handedOff(t)
	events := s.Do(lead.Breach{Deadline: d, Action: lead.ActionNotify, Due: t0})
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
}

func TestPauseAndResumeRecordTheIntervals(t *testing.T) {
	s, _ := handedOff(t)
	until := s.Now.Add(48 * time.Hour)
	events := s.Do(lead.Pause{Reason: "fair", Until: until})
	p := events[0].(lead.Paused)
	if !p.Until.Equal(until) || p.Reason != "fair" {
		t.Fatalf("%#v", p)
	}
	pausedAt := s.Now
	if want := []lead.Interval{{From: pausedAt, To: until}}; !reflect.DeepEqual(s.State.Pauses, want) {
		t.Fatalf("pauses %v, want %v: a pause with an end date ends by itself", s.State.Pauses, want)
	}
	if _, err := s.Try(pause); !isCondition(err, "Pause") {
		t.Fatalf("second pause: err = %v", err)
	}
	s.Do(resume)
	resumedAt := s.Now
	if _, err := s.Try(resume); !isCondition(err, "Resume") {
		t.Fatalf("second resume: err = %v", err)
	}
	s.Do(pause)
	want := []lead.Interval{{From: pausedAt, To: resumedAt}, {From: s.Now}}
	if !s.State.Paused || !reflect.DeepEqual(s.State.Pauses, want) {
		t.Fatalf("paused %v, pauses %v; want %v", s.State.Paused, s.State.Pauses, want)
	}
	// A new hand-off starts with clean clocks.
	s.Do(reassignBen)
	if s.State.Paused || s.State.Pauses != nil {
		t.Fatalf("after reassignment: paused %v, pauses %v", s.State.Paused, s.State.Pauses)
	}
}

func TestPauseCarriesIntoAcceptedAndEndsWithTheLead(t *testing.T) {
	s := script(t, capture, qualifyMQL, handOff, accept, pause)
	s.Do(qualifySQL)
	if !s.State.Paused {
		t.Fatal("qualifying resumed the clocks")
	}
	s.Do(win)
	if s.State.Paused {
		t.Fatal("a won lead is still paused")
	}
}

func isCondition(err error, cmd string) bool {
	var ce *lead.ConditionError
	return errors.As(err, &ce) && ce.Command == cmd && errors.Is(err, lead.ErrTransition)
}

func TestTouchOnAStalledLeadReturnsToTheStageItLeft(t *testing.T) {
	for _, cmds := range scriptsTo[lead.StageStalled] {
		s := script(t, cmds...)
		from := s.State.StalledFrom
		events := s.Do(touchNo)
		if len(events) != 1 || s.State.Stage != from || s.State.StalledFrom != lead.StageNone {
			t.Fatalf("after touch: stage %s, stalled from %s; want %s", s.State.Stage, s.State.StalledFrom, from)
		}
		if s.State.ProgressVersion != s.State.Version || !s.State.Entered.Equal(s.Now) {
			t.Fatalf("the touch is progress: progress v%d, entered %s", s.State.ProgressVersion, s.State.Entered)
		}
	}
}

func TestUnansweredStreakResetsOnAnAnsweredTouch(t *testing.T) {
	s := accepted(t)
	s.Do(touchNo)
	first := s.State.Version
	firstAt := s.Now
	s.Do(lead.Touch{Channel: lead.ChannelEmail, Outcome: lead.OutcomeBounced})
	s.Do(lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeVoicemail})
	st := s.State
	if st.Unanswered != 3 || st.UnansweredSince != first || !st.UnansweredSinceAt.Equal(firstAt) || st.Touches != 3 || len(st.TouchTimes) != 3 {
		t.Fatalf("unanswered %d since v%d at %s, touches %d", st.Unanswered, st.UnansweredSince, st.UnansweredSinceAt, st.Touches)
	}
	streak := lead.DeadlineID{Kind: lead.KindUnresponsive, Since: first}
	if !st.Running(streak) {
		t.Fatal("the unresponsive clock does not run during a streak")
	}
	s.Do(lead.Touch{Channel: lead.ChannelMeeting, Outcome: lead.OutcomeConnected})
	st = s.State
	if st.Unanswered != 0 || st.UnansweredSince != 0 || !st.UnansweredSinceAt.IsZero() || st.Running(streak) {
		t.Fatalf("after an answer: unanswered %d since v%d", st.Unanswered, st.UnansweredSince)
	}
	s.Do(touchNo)
	if s.State.Unanswered != 1 || s.State.UnansweredSince != s.State.Version {
		t.Fatalf("a new streak: unanswered %d since v%d, want 1 since v%d", s.State.Unanswered, s.State.UnansweredSince, s.State.Version)
	}
	if s.State.Running(streak) {
		t.Fatal("the old streak's clock runs again")
	}
}

func TestFirstTouchClockStopsAtTheFirstTouch(t *testing.T) {
	s := accepted(t)
	d := lead.DeadlineID{Kind: lead.KindFirstTouch, Since: s.State.AcceptVersion}
	if !s.State.Running(d) {
		t.Fatal("first-touch clock not running after accept")
	}
	s.Do(touchYes)
	if s.State.Running(d) {
		t.Fatal("first-touch clock still running after a touch")
	}
	mustNothing(t, s, lead.Breach{Deadline: d, Action: lead.ActionReturn, Due: t0})
}

func TestRunningIsFalseForAZeroOrUnknownDeadline(t *testing.T) {
	s := accepted(t)
	if s.State.Running(lead.DeadlineID{}) || s.State.Running(lead.DeadlineID{Kind: "other", Since: s.State.AcceptVersion}) {
		t.Fatal("Running is true for a deadline that does not exist")
	}
}
