package sla_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
	"github.com/leadline/leadline/sla"
	"pgregory.net/rapid"
)

// The week of the tests: Friday 6 March 2026, then Monday 9 March.
var (
	fri = func(h, m int) time.Time { return time.Date(2026, time.March, 6, h, m, 0, 0, time.UTC) }
	mon = func(h, m int) time.Time { return time.Date(2026, time.March, 9, h, m, 0, 0, time.UTC) }
	tue = func(h, m int) time.Time { return time.Date(2026, time.March, 10, h, m, 0, 0, time.UTC) }
)

const day = 24 * time.Hour

// cmdAt is a command and the time it is decided at.
type cmdAt struct {
	at  time.Time
	cmd lead.Command
}

// build hands a lead off at handed (the accept clock starts at version 3)
// and then decides cmds in order.
func build(t testing.TB, handed time.Time, cmds ...cmdAt) lead.State {
	t.Helper()
	s, err := handOff(handed)
	if err != nil {
		t.Fatal(err)
	}
	return then(t, s, cmds...)
}

// then decides cmds in order on s.
func then(t testing.TB, s lead.State, cmds ...cmdAt) lead.State {
	t.Helper()
	var err error
	for _, c := range cmds {
		if s, err = decide(s, c.at, c.cmd); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func accept(at time.Time) cmdAt { return cmdAt{at, lead.Accept{}} }

func touch(at time.Time, o lead.Outcome) cmdAt {
	return cmdAt{at, lead.Touch{Channel: lead.ChannelPhone, Outcome: o}}
}

func touches(first time.Time, every time.Duration, n int, o lead.Outcome) []cmdAt {
	var cs []cmdAt
	for i := range n {
		cs = append(cs, touch(first.Add(time.Duration(i)*every), o))
	}
	return cs
}

func pause(at, until time.Time) cmdAt {
	return cmdAt{at, lead.Pause{Reason: "call me later", Until: until}}
}

func resume(at time.Time) cmdAt { return cmdAt{at, lead.Resume{}} }

func ts(t time.Time) string { return t.UTC().Format("Mon Jan 2 15:04") }

// render writes a deadline as one line, so that a table can state it and
// a failure shows the difference.
func render(d sla.Deadline) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s from %s due %s;", d.ID, ts(d.Start), ts(d.Due))
	for _, w := range d.Warnings {
		fmt.Fprintf(&b, " warn %v %s;", w.Fraction, ts(w.At))
	}
	for _, p := range d.Steps {
		fmt.Fprintf(&b, " step %d %s %s;", p.Step, p.Action, ts(p.At))
	}
	return b.String()
}

func renderCmd(c lead.Command) string {
	switch c := c.(type) {
	case lead.Warn:
		return fmt.Sprintf("warn %s %v due %s", c.Deadline, c.Fraction, ts(c.Due))
	case lead.Breach:
		return fmt.Sprintf("breach %s step %d %s due %s", c.Deadline, c.Step, c.Action, ts(c.Due))
	}
	return fmt.Sprintf("%#v", c)
}

func renderCmds(cs []lead.Command) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, renderCmd(c))
	}
	return out
}

// deadlinesOf renders p's deadlines for s, only those of kind (all when "").
func deadlinesOf(p sla.Policy, s lead.State, kind lead.DeadlineKind) []string {
	out := []string{}
	for _, d := range p.Deadlines(s) {
		if kind == "" || d.ID.Kind == kind {
			out = append(out, render(d))
		}
	}
	return out
}

func noQualify() sla.Policy {
	p := sla.DefaultPolicy()
	p.Qualify = sla.Rule{}
	return p
}

func TestDeadlinesHandComputed(t *testing.T) {
	acc := mon(10, 0) // accepted Monday 10:00, version 4
	tests := []struct {
		name   string
		policy sla.Policy
		handed time.Time
		cmds   []cmdAt
		kind   lead.DeadlineKind
		want   []string
	}{
		{
			name:   "accept within 8 business hours from Friday 15:00 is due Monday 14:00",
			policy: sla.DefaultPolicy(),
			handed: fri(15, 0),
			want: []string{"accept@3 from Fri Mar 6 15:00 due Mon Mar 9 14:00;" +
				" warn 0.5 Mon Mar 9 10:00; warn 0.75 Mon Mar 9 12:00; warn 0.9 Mon Mar 9 13:12;" +
				" step 0 escalate Mon Mar 9 14:00; step 1 reassign Mon Mar 9 18:00; step 2 return Tue Mar 10 13:00;"},
		},
		{
			name:   "accept handed off on Saturday counts from Monday's opening",
			policy: sla.DefaultPolicy(),
			handed: time.Date(2026, time.March, 7, 11, 0, 0, 0, time.UTC),
			kind:   lead.KindAccept,
			want: []string{"accept@3 from Sat Mar 7 11:00 due Mon Mar 9 17:00;" +
				" warn 0.5 Mon Mar 9 13:00; warn 0.75 Mon Mar 9 15:00; warn 0.9 Mon Mar 9 16:12;" +
				" step 0 escalate Mon Mar 9 17:00; step 1 reassign Tue Mar 10 12:00; step 2 return Tue Mar 10 16:00;"},
		},
		{
			name:   "an accepted lead has no accept deadline",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc)},
			kind:   lead.KindAccept,
			want:   []string{},
		},
		{
			name:   "first touch within 4 business hours of acceptance",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc)},
			kind:   lead.KindFirstTouch,
			want: []string{"first_touch@4 from Mon Mar 9 10:00 due Mon Mar 9 14:00;" +
				" warn 0.5 Mon Mar 9 12:00; warn 0.75 Mon Mar 9 13:00; warn 0.9 Mon Mar 9 13:36;" +
				" step 0 escalate Mon Mar 9 14:00;"},
		},
		{
			name:   "first touch accepted Friday 16:00 is due Monday 11:00",
			policy: sla.DefaultPolicy(),
			handed: fri(15, 0),
			cmds:   []cmdAt{accept(fri(16, 0))},
			kind:   lead.KindFirstTouch,
			want: []string{"first_touch@4 from Fri Mar 6 16:00 due Mon Mar 9 11:00;" +
				" warn 0.5 Fri Mar 6 18:00; warn 0.75 Mon Mar 9 10:00; warn 0.9 Mon Mar 9 10:36;" +
				" step 0 escalate Mon Mar 9 11:00;"},
		},
		{
			name:   "a touch meets the first-touch deadline",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc), touch(mon(16, 0), lead.OutcomeVoicemail)},
			kind:   lead.KindFirstTouch,
			want:   []string{},
		},
		{
			name:   "cadence met: 5 touches a day apart within 10 days",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   append([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), day, 5, lead.OutcomeConnected)...),
			kind:   lead.KindCadence,
			want:   []string{},
		},
		{
			name:   "cadence not met: 5 touches an hour apart count once",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   append([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), time.Hour, 5, lead.OutcomeConnected)...),
			kind:   lead.KindCadence,
			want: []string{"cadence@4 from Mon Mar 9 10:00 due Thu Mar 19 10:00;" +
				" warn 0.5 Sat Mar 14 10:00; warn 0.75 Mon Mar 16 22:00; warn 0.9 Wed Mar 18 10:00;" +
				" step 0 notify Thu Mar 19 10:00;"},
		},
		{
			name:   "cadence not met: the fifth touch comes after the first 10 days",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds: append(append([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), day, 4, lead.OutcomeConnected)...),
				touch(acc.Add(10*day+time.Minute), lead.OutcomeConnected)),
			kind: lead.KindCadence,
			want: []string{"cadence@4 from Mon Mar 9 10:00 due Thu Mar 19 10:00;" +
				" warn 0.5 Sat Mar 14 10:00; warn 0.75 Mon Mar 16 22:00; warn 0.9 Wed Mar 18 10:00;" +
				" step 0 notify Thu Mar 19 10:00;"},
		},
		{
			name:   "five unanswered attempts are not yet unresponsive",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   append([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), day, 5, lead.OutcomeNoAnswer)...),
			kind:   lead.KindUnresponsive,
			want:   []string{},
		},
		{
			name:   "six unanswered attempts within 14 days: due 14 days after the first",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   append([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), day, 6, lead.OutcomeNoAnswer)...),
			kind:   lead.KindUnresponsive,
			want:   []string{"unresponsive@5 from Mon Mar 9 11:00 due Mon Mar 23 11:00; step 0 return Mon Mar 23 11:00;"},
		},
		{
			name:   "six unanswered attempts over more than 14 days: due at the sixth",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   append([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), 3*day, 6, lead.OutcomeVoicemail)...),
			kind:   lead.KindUnresponsive,
			want:   []string{"unresponsive@5 from Mon Mar 9 11:00 due Tue Mar 24 11:00; step 0 return Tue Mar 24 11:00;"},
		},
		{
			name:   "an answered touch resets the unanswered streak",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds: slices.Concat([]cmdAt{accept(acc)},
				touches(acc.Add(time.Hour), day, 5, lead.OutcomeNoAnswer),
				[]cmdAt{touch(acc.Add(5*day+time.Hour), lead.OutcomeReplied)},
				touches(acc.Add(6*day+time.Hour), day, 6, lead.OutcomeBounced)),
			kind: lead.KindUnresponsive,
			want: []string{"unresponsive@11 from Sun Mar 15 11:00 due Sun Mar 29 11:00; step 0 return Sun Mar 29 11:00;"},
		},
		{
			name:   "an answered touch after six unanswered ones stops the clock",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds: slices.Concat([]cmdAt{accept(acc)},
				touches(acc.Add(time.Hour), day, 6, lead.OutcomeNoAnswer),
				[]cmdAt{touch(acc.Add(6*day+time.Hour), lead.OutcomeConnected)}),
			kind: lead.KindUnresponsive,
			want: []string{},
		},
		{
			name:   "qualify within 4 days of wall time",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc)},
			kind:   lead.KindQualify,
			want: []string{"qualify@4 from Mon Mar 9 10:00 due Fri Mar 13 10:00;" +
				" warn 0.5 Wed Mar 11 10:00; warn 0.75 Thu Mar 12 10:00; warn 0.9 Fri Mar 13 00:24;" +
				" step 0 return Fri Mar 13 10:00;"},
		},
		{
			name:   "stall window runs from the last touch; the default ladder stalls then returns after Grace",
			policy: noQualify(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc), touch(tue(10, 0), lead.OutcomeConnected)},
			kind:   lead.KindStall,
			want: []string{"stall@5 from Tue Mar 10 10:00 due Tue Mar 24 10:00;" +
				" warn 0.5 Tue Mar 17 10:00; warn 0.75 Fri Mar 20 22:00; warn 0.9 Mon Mar 23 00:24;" +
				" step 0 stall Tue Mar 24 10:00; step 1 return Tue Mar 31 10:00;"},
		},
		{
			name: "stall with no grace returns at once",
			policy: func() sla.Policy {
				p := noQualify()
				p.Stall.Grace = 0
				return p
			}(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc)},
			kind:   lead.KindStall,
			want: []string{"stall@4 from Mon Mar 9 10:00 due Mon Mar 23 10:00;" +
				" warn 0.5 Mon Mar 16 10:00; warn 0.75 Thu Mar 19 22:00; warn 0.9 Sun Mar 22 00:24;" +
				" step 0 return Mon Mar 23 10:00;"},
		},
		{
			name:   "a stalled lead keeps its stall clock without warnings",
			policy: noQualify(),
			handed: mon(9, 0),
			cmds: []cmdAt{accept(acc), touch(tue(10, 0), lead.OutcomeConnected),
				{time.Date(2026, time.March, 24, 10, 0, 0, 0, time.UTC), lead.Breach{Actor: sla.Actor, Deadline: lead.DeadlineID{Kind: lead.KindStall, Since: 5}, Step: 0, Action: lead.ActionStall, Due: time.Date(2026, time.March, 24, 10, 0, 0, 0, time.UTC)}}},
			kind: "",
			want: []string{"stall@5 from Tue Mar 10 10:00 due Tue Mar 24 10:00; step 0 stall Tue Mar 24 10:00; step 1 return Tue Mar 31 10:00;"},
		},
		{
			name:   "a 2 hour pause inside the accept clock moves it by 2 business hours",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{pause(mon(11, 0), time.Time{}), resume(mon(13, 0))},
			want: []string{"accept@3 from Mon Mar 9 09:00 due Tue Mar 10 10:00;" +
				" warn 0.5 Mon Mar 9 15:00; warn 0.75 Mon Mar 9 17:00; warn 0.9 Tue Mar 10 09:12;" +
				" step 0 escalate Tue Mar 10 10:00; step 1 reassign Tue Mar 10 14:00; step 2 return Tue Mar 10 18:00;"},
		},
		{
			name:   "without the pause the same accept clock is due Monday 17:00",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			want: []string{"accept@3 from Mon Mar 9 09:00 due Mon Mar 9 17:00;" +
				" warn 0.5 Mon Mar 9 13:00; warn 0.75 Mon Mar 9 15:00; warn 0.9 Mon Mar 9 16:12;" +
				" step 0 escalate Mon Mar 9 17:00; step 1 reassign Tue Mar 10 12:00; step 2 return Tue Mar 10 16:00;"},
		},
		{
			name:   "a pause outside business hours changes nothing",
			policy: sla.DefaultPolicy(),
			handed: fri(15, 0),
			cmds:   []cmdAt{pause(fri(19, 0), time.Time{}), resume(time.Date(2026, time.March, 7, 12, 0, 0, 0, time.UTC))},
			kind:   lead.KindAccept,
			want: []string{"accept@3 from Fri Mar 6 15:00 due Mon Mar 9 14:00;" +
				" warn 0.5 Mon Mar 9 10:00; warn 0.75 Mon Mar 9 12:00; warn 0.9 Mon Mar 9 13:12;" +
				" step 0 escalate Mon Mar 9 14:00; step 1 reassign Mon Mar 9 18:00; step 2 return Tue Mar 10 13:00;"},
		},
		{
			name:   "an open-ended pause removes the deadline",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{pause(mon(11, 0), time.Time{})},
			want:   []string{},
		},
		{
			name:   "a pause with an end date ends by itself at Until",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{pause(mon(11, 0), mon(13, 0))},
			kind:   lead.KindAccept,
			want: []string{"accept@3 from Mon Mar 9 09:00 due Tue Mar 10 10:00;" +
				" warn 0.5 Mon Mar 9 15:00; warn 0.75 Mon Mar 9 17:00; warn 0.9 Tue Mar 10 09:12;" +
				" step 0 escalate Tue Mar 10 10:00; step 1 reassign Tue Mar 10 14:00; step 2 return Tue Mar 10 18:00;"},
		},
		{
			name:   "resuming before Until ends the pause at the resume",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{pause(mon(11, 0), mon(15, 0)), resume(mon(13, 0))},
			kind:   lead.KindAccept,
			want: []string{"accept@3 from Mon Mar 9 09:00 due Tue Mar 10 10:00;" +
				" warn 0.5 Mon Mar 9 15:00; warn 0.75 Mon Mar 9 17:00; warn 0.9 Tue Mar 10 09:12;" +
				" step 0 escalate Tue Mar 10 10:00; step 1 reassign Tue Mar 10 14:00; step 2 return Tue Mar 10 18:00;"},
		},
		{
			name:   "resuming after Until does not stretch the pause",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{pause(mon(11, 0), mon(13, 0)), resume(mon(14, 0))},
			kind:   lead.KindAccept,
			want: []string{"accept@3 from Mon Mar 9 09:00 due Tue Mar 10 10:00;" +
				" warn 0.5 Mon Mar 9 15:00; warn 0.75 Mon Mar 9 17:00; warn 0.9 Tue Mar 10 09:12;" +
				" step 0 escalate Tue Mar 10 10:00; step 1 reassign Tue Mar 10 14:00; step 2 return Tue Mar 10 18:00;"},
		},
		{
			name:   "a pause after the due time moves only the later steps",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{pause(tue(9, 0), time.Time{}), resume(tue(10, 0))},
			kind:   lead.KindAccept,
			want: []string{"accept@3 from Mon Mar 9 09:00 due Mon Mar 9 17:00;" +
				" warn 0.5 Mon Mar 9 13:00; warn 0.75 Mon Mar 9 15:00; warn 0.9 Mon Mar 9 16:12;" +
				" step 0 escalate Mon Mar 9 17:00; step 1 reassign Tue Mar 10 13:00; step 2 return Tue Mar 10 17:00;"},
		},
		{
			name:   "a pause of an accepted lead moves its first-touch clock",
			policy: sla.DefaultPolicy(),
			handed: mon(9, 0),
			cmds:   []cmdAt{accept(acc), pause(mon(11, 0), mon(12, 30))},
			kind:   lead.KindFirstTouch,
			want: []string{"first_touch@4 from Mon Mar 9 10:00 due Mon Mar 9 15:30;" +
				" warn 0.5 Mon Mar 9 13:30; warn 0.75 Mon Mar 9 14:30; warn 0.9 Mon Mar 9 15:06;" +
				" step 0 escalate Mon Mar 9 15:30;"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.Validate(); err != nil {
				t.Fatal(err)
			}
			s := build(t, tt.handed, tt.cmds...)
			got := deadlinesOf(tt.policy, s, tt.kind)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Deadlines:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPausedUntilKeepsTheLeadPausedButRunsTheClocks(t *testing.T) {
	p := sla.DefaultPolicy()
	s := build(t, mon(9, 0), pause(mon(11, 0), mon(13, 0)))
	if !s.Paused {
		t.Fatal("lead is not paused after Pause with Until")
	}
	if got := wake(p, s); !got.Equal(mon(15, 0)) {
		t.Errorf("Wake = %s, want %s (the 50%% warning after a 2 h pause)", ts(got), ts(mon(15, 0)))
	}
}

func TestDeadlinesOrderFollowsKinds(t *testing.T) {
	p := sla.DefaultPolicy()
	acc := mon(10, 0)
	s := build(t, mon(9, 0), slices.Concat([]cmdAt{accept(acc)}, touches(acc.Add(time.Hour), time.Hour, 6, lead.OutcomeNoAnswer))...)
	var kinds []lead.DeadlineKind
	for _, d := range p.Deadlines(s) {
		kinds = append(kinds, d.ID.Kind)
	}
	want := []lead.DeadlineKind{lead.KindCadence, lead.KindUnresponsive, lead.KindQualify, lead.KindStall}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
}

func TestDueListsWhatIsDueAndUnrecordedEarliestFirst(t *testing.T) {
	p := sla.DefaultPolicy()
	s := build(t, fri(15, 0))
	due := lead.DeadlineID{Kind: lead.KindAccept, Since: 3}
	warn := func(f float64) string { return fmt.Sprintf("warn accept@3 %v due Mon Mar 9 14:00", f) }
	step := func(i int, a lead.Action) string {
		return fmt.Sprintf("breach accept@3 step %d %s due Mon Mar 9 14:00", i, a)
	}

	check := func(s lead.State, now time.Time, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if got := renderCmds(dueAt(p, s, now)); !slices.Equal(got, want) {
			t.Errorf("Due(%s):\n got %q\nwant %q", ts(now), got, want)
		}
	}
	check(s, fri(15, 0))
	check(s, mon(9, 59))
	check(s, mon(10, 0), warn(0.5))
	check(s, mon(12, 30), warn(0.5), warn(0.75))
	check(s, mon(14, 0), warn(0.5), warn(0.75), warn(0.9), step(0, lead.ActionEscalate))
	check(s, tue(13, 0), warn(0.5), warn(0.75), warn(0.9),
		step(0, lead.ActionEscalate), step(1, lead.ActionReassign), step(2, lead.ActionReturn))

	s = then(t, s, cmdAt{mon(14, 0), lead.Warn{Actor: sla.Actor, Deadline: due, Fraction: 0.5, Due: mon(14, 0)}})
	check(s, mon(14, 0), warn(0.75), warn(0.9), step(0, lead.ActionEscalate))

	s = then(t, s, cmdAt{mon(14, 0), lead.Breach{Actor: sla.Actor, Deadline: due, Step: 0, Action: lead.ActionEscalate, Due: mon(14, 0), To: "maria"}})
	check(s, mon(14, 0), warn(0.75), warn(0.9))
	check(s, mon(18, 0), warn(0.75), warn(0.9), step(1, lead.ActionReassign))
}

func TestWakeIsTheEarliestUnrecordedInstant(t *testing.T) {
	p := sla.DefaultPolicy()
	id := lead.DeadlineID{Kind: lead.KindAccept, Since: 3}
	due := mon(14, 0)
	s := build(t, fri(15, 0))

	steps := []struct {
		record   cmdAt
		wantWake time.Time
	}{
		{cmdAt{mon(10, 0), lead.Warn{Deadline: id, Fraction: 0.5, Due: due}}, mon(12, 0)},
		{cmdAt{mon(12, 0), lead.Warn{Deadline: id, Fraction: 0.75, Due: due}}, mon(13, 12)},
		{cmdAt{mon(13, 12), lead.Warn{Deadline: id, Fraction: 0.9, Due: due}}, mon(14, 0)},
		{cmdAt{mon(14, 0), lead.Breach{Deadline: id, Step: 0, Action: lead.ActionEscalate, Due: due, To: "maria"}}, mon(18, 0)},
		{cmdAt{mon(18, 0), lead.Breach{Deadline: id, Step: 1, Action: lead.ActionReassign, Due: due, To: "ben"}}, tue(13, 0)},
		{cmdAt{tue(13, 0), lead.Breach{Deadline: id, Step: 2, Action: lead.ActionReturn, Due: due}}, time.Time{}},
	}
	if got := wake(p, s); !got.Equal(mon(10, 0)) {
		t.Fatalf("Wake after hand-off = %s, want %s", ts(got), ts(mon(10, 0)))
	}
	for _, st := range steps {
		s = then(t, s, st.record)
		if b, ok := st.record.cmd.(lead.Breach); ok && b.Action == lead.ActionReassign && s.Rep != b.To {
			t.Errorf("Rep after the reassign step = %q, want %q", s.Rep, b.To)
		}
		if got := wake(p, s); !got.Equal(st.wantWake) {
			t.Fatalf("Wake after %s = %v, want %v", renderCmd(st.record.cmd), got, st.wantWake)
		}
	}
	if s.Stage != lead.StageNurturing {
		t.Errorf("Stage after the return step = %s, want %s", s.Stage, lead.StageNurturing)
	}
	if ds := p.Deadlines(s); len(ds) != 0 {
		t.Errorf("Deadlines after the return step = %q, want none", deadlinesOf(p, s, ""))
	}
	if got := dueAt(p, s, tue(13, 0).Add(365*day)); len(got) != 0 {
		t.Errorf("Due after the return step = %q, want none", renderCmds(got))
	}
}

func TestWakeIsZeroWhenNothingIsOpen(t *testing.T) {
	p := sla.DefaultPolicy()
	captured, err := decide(lead.State{}, mon(9, 0), lead.Capture{ID: "lead-2", Email: "kim@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	paused := build(t, mon(9, 0), pause(mon(10, 0), time.Time{}))
	for name, s := range map[string]lead.State{"no lead": {}, "captured": captured, "paused open-ended": paused} {
		if got := wake(p, s); !got.IsZero() {
			t.Errorf("%s: Wake = %s, want zero", name, ts(got))
		}
		if got := dueAt(p, s, mon(9, 0).Add(100*day)); len(got) != 0 {
			t.Errorf("%s: Due = %q, want none", name, renderCmds(got))
		}
	}
}

func TestStallGraceReturnsAStalledLead(t *testing.T) {
	p := noQualify()
	acc := mon(10, 0)
	stallDue := time.Date(2026, time.March, 23, 10, 0, 0, 0, time.UTC)
	s := build(t, mon(9, 0), accept(acc), touch(acc, lead.OutcomeConnected))
	// Record everything due at the stall's due time; the lead stalls.
	s = recordAll(t, p, s, stallDue)
	if s.Stage != lead.StageStalled {
		t.Fatalf("Stage = %s, want %s", s.Stage, lead.StageStalled)
	}
	if got := wake(p, s); !got.Equal(stallDue.Add(7 * day)) {
		t.Fatalf("Wake = %s, want %s", ts(got), ts(stallDue.Add(7*day)))
	}
	s = recordAll(t, p, s, stallDue.Add(7*day))
	if s.Stage != lead.StageNurturing {
		t.Fatalf("Stage = %s, want %s", s.Stage, lead.StageNurturing)
	}
}

// complete fills in what the Engine adds to a breach step before deciding
// it: the manager to escalate to and the rep to reassign to.
func complete(s lead.State, c lead.Command) lead.Command {
	b, ok := c.(lead.Breach)
	if !ok {
		return c
	}
	switch b.Action {
	case lead.ActionEscalate:
		b.To = "manager"
	case lead.ActionRoute:
		b.To = leadtest.Reps[0]
	case lead.ActionReassign:
		for _, r := range leadtest.Reps {
			if r != s.Rep {
				b.To = r
				break
			}
		}
	}
	return b
}

type markKey struct {
	id     lead.DeadlineID
	breach bool
	step   int
}

// recordAll decides what Due lists at now, one command at a time against
// the state after the one before, the way the Engine does, until nothing is
// due.
func recordAll(t testing.TB, p sla.Policy, s lead.State, now time.Time) lead.State {
	t.Helper()
	for range 100 {
		due := dueAt(p, s, now)
		if len(due) == 0 {
			return s
		}
		events, err := lead.Decide(s, complete(s, due[0]), now)
		if err != nil || len(events) == 0 {
			t.Fatalf("Decide(%s) = %d events, %v; want events", renderCmd(due[0]), len(events), err)
		}
		for _, e := range events {
			s = lead.Evolve(s, e)
		}
	}
	t.Fatalf("Due(%s) never ran dry", ts(now))
	return s
}

// busy is a 24x7 policy with short clocks and every action its rules
// allow, so that random histories reach every ladder.
func busy() sla.Policy {
	h := time.Hour
	return sla.Policy{
		Version: 2,
		HandOff: sla.Rule{Within: 3 * h, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: h, Action: lead.ActionRoute}}},
		Accept: sla.Rule{Within: 2 * h, Ladder: []sla.Step{
			{Action: lead.ActionNotify}, {After: h, Action: lead.ActionReassign}, {After: 3 * h, Action: lead.ActionReturn}}},
		FirstTouch: sla.Rule{Within: h, Ladder: []sla.Step{{Action: lead.ActionEscalate}, {After: 2 * h, Action: lead.ActionReassign}}},
		Cadence: sla.Cadence{Touches: 3, Within: 2 * day, Gap: 6 * h, Ladder: []sla.Step{
			{Action: lead.ActionNotify}, {After: 12 * h, Action: lead.ActionStall}}},
		Unresponsive: sla.Unresponsive{Attempts: 3, Within: day, Ladder: []sla.Step{
			{Action: lead.ActionEscalate}, {After: h, Action: lead.ActionReturn}}},
		Qualify:  sla.Rule{Within: 3 * day, Ladder: []sla.Step{{Action: lead.ActionEscalate}, {After: day, Action: lead.ActionReturn}}},
		Stall:    sla.Stall{Accepted: day, SQL: 2 * day, Grace: 12 * h},
		Warnings: []float64{0.5, 0.9},
	}
}

func TestDueStepsAreEachRecordedOnce(t *testing.T) {
	nurture := busy()
	nurture.HandOff = sla.Rule{Within: 5 * time.Hour, Business: true, Ladder: []sla.Step{{Action: lead.ActionNotify}, {After: day, Action: lead.ActionReturn}}}
	nurture.Calendar = sla.DefaultPolicy().Calendar
	policies := map[string]sla.Policy{"default": sla.DefaultPolicy(), "busy": busy(), "nurture": nurture}
	for name, p := range policies {
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := leadtest.Histories(30).Draw(t, "history")
				s := h.State()
				now := leadtest.Start
				if n := len(h.Times); n > 0 {
					now = h.Times[n-1]
				}
				now = now.Add(time.Duration(rapid.Int64Range(0, int64(30*day/time.Minute)).Draw(t, "minutes")) * time.Minute)

				counts := map[markKey]int{}
				count := func(events []lead.Event) {
					for _, e := range events {
						switch e := e.(type) {
						case lead.DeadlineBreached:
							counts[markKey{e.Deadline, true, e.Step}]++
						case lead.DeadlineWarned:
							counts[markKey{e.Deadline, false, int(e.Fraction*1000 + 0.5)}]++
						}
					}
				}
				count(h.Events)

				for round := 0; ; round++ {
					if round > 200 {
						t.Fatalf("Due(%s) never ran dry", ts(now))
					}
					due := dueAt(p, s, now)
					if len(due) == 0 {
						break
					}
					for _, c := range due {
						c = complete(s, c)
						events, err := lead.Decide(s, c, now)
						if err != nil || len(events) == 0 {
							t.Fatalf("stage %s: Decide(%s) at %s = %d events, %v; want events", s.Stage, renderCmd(c), ts(now), len(events), err)
						}
					}
					events, _ := lead.Decide(s, complete(s, due[0]), now)
					count(events)
					for _, e := range events {
						s = lead.Evolve(s, e)
					}
				}
				for k, n := range counts {
					if n != 1 {
						t.Fatalf("%s breach=%v step %d recorded %d times", k.id, k.breach, k.step, n)
					}
				}
				if w := wake(p, s); !w.IsZero() && !w.After(now) {
					t.Fatalf("Wake = %s, not after now %s with nothing due", ts(w), ts(now))
				}
			})
		})
	}
}

func TestManuallyStalledLeadRecordsItsStallStepAndReturns(t *testing.T) {
	p := noQualify()
	acc := mon(10, 0)
	stallDue := acc.Add(14 * day)
	s := build(t, mon(9, 0), accept(acc), cmdAt{acc.Add(time.Hour), lead.Stall{Reason: "budget freeze"}})
	got := deadlinesOf(p, s, lead.KindStall)
	want := []string{"stall@4 from Mon Mar 9 10:00 due Mon Mar 23 10:00; step 0 notify Mon Mar 23 10:00; step 1 return Mon Mar 30 10:00;"}
	if !slices.Equal(got, want) {
		t.Fatalf("Deadlines:\n got %q\nwant %q", got, want)
	}
	s = recordAll(t, p, s, stallDue)
	if s.Stage != lead.StageStalled {
		t.Fatalf("Stage = %s, want %s", s.Stage, lead.StageStalled)
	}
	s = recordAll(t, p, s, stallDue.Add(7*day))
	if s.Stage != lead.StageNurturing {
		t.Fatalf("Stage = %s, want %s", s.Stage, lead.StageNurturing)
	}
}

func TestUnresponsiveLadderRunsFromTheLastAttemptInBusinessHours(t *testing.T) {
	p := sla.DefaultPolicy()
	p.Unresponsive = sla.Unresponsive{Attempts: 2, Within: time.Hour, Business: true, Ladder: []sla.Step{
		{Action: lead.ActionNotify}, {After: 4 * time.Hour, Action: lead.ActionReturn}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	s := build(t, mon(9, 0), accept(mon(9, 30)),
		touch(mon(10, 0), lead.OutcomeNoAnswer), touch(mon(17, 30), lead.OutcomeNoAnswer))
	// Within runs out at 11:00, but the second attempt comes at 17:30; the
	// return step is 4 business hours after that: half an hour on Monday,
	// three and a half on Tuesday.
	got := deadlinesOf(p, s, lead.KindUnresponsive)
	want := []string{"unresponsive@5 from Mon Mar 9 10:00 due Mon Mar 9 17:30; step 0 notify Mon Mar 9 17:30; step 1 return Tue Mar 10 12:30;"}
	if !slices.Equal(got, want) {
		t.Fatalf("Deadlines:\n got %q\nwant %q", got, want)
	}
}

// dueAt and wake are the two halves of Plan.
func dueAt(p sla.Policy, s lead.State, now time.Time) []lead.Command {
	d, _ := p.Plan(s, now)
	return d
}

func wake(p sla.Policy, s lead.State) time.Time {
	_, w := p.Plan(s, time.Time{})
	return w
}

// TestNextIsPlansFirstStepAndThenTheWakeAfterAMark checks Next against
// Plan on random histories and policies: its first command is the first
// Plan returns once it is due, and when that command only marks the lead,
// the state after it wakes at Next's then.
func TestNextIsPlansFirstStepAndThenTheWakeAfterAMark(t *testing.T) {
	policies := map[string]sla.Policy{"default": sla.DefaultPolicy(), "busy": busy()}
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := leadtest.Histories(30).Draw(t, "history")
				s := h.State()
				for range 20 {
					first, at, then := p.Next(s)
					if w := wake(p, s); !w.Equal(at) {
						t.Fatalf("Next at %s, Plan's wake %s", ts(at), ts(w))
					}
					if first == nil {
						if !at.IsZero() || !then.IsZero() {
							t.Fatalf("nothing first, at %s, then %s", ts(at), ts(then))
						}
						return
					}
					due := dueAt(p, s, at)
					if len(due) == 0 || renderCmd(due[0]) != renderCmd(first) {
						t.Fatalf("Next = %s, Plan at %s = %v", renderCmd(first), ts(at), due)
					}
					if !then.IsZero() && then.Before(at) {
						t.Fatalf("then %s before at %s", ts(then), ts(at))
					}
					events, err := lead.Decide(s, complete(s, first), at)
					if err != nil || len(events) == 0 {
						t.Fatalf("Decide(%s) = %d events, %v", renderCmd(first), len(events), err)
					}
					mark := len(events) == 1
					if b, ok := events[0].(lead.DeadlineBreached); ok && b.Action != lead.ActionNotify {
						mark = false
					}
					for _, e := range events {
						s = lead.Evolve(s, e)
					}
					if w := wake(p, s); mark && !w.Equal(then) {
						t.Fatalf("after %s the wake is %s, Next's then %s", renderCmd(first), ts(w), ts(then))
					}
				}
			})
		})
	}
}
