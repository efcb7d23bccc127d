package funnel

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// genHistory draws a valid global event order: commands on a few leads,
// decided with lead.Decide, interleaved, with time moving forward.
func genHistory(t *rapid.T) ([]lead.Event, map[lead.ID]lead.State) {
	nLeads := rapid.IntRange(1, 6).Draw(t, "leads")
	steps := rapid.IntRange(1, 120).Draw(t, "steps")
	states := map[lead.ID]lead.State{}
	var events []lead.Event
	now := t0
	reps := []string{"ana", "bob", "cid"}
	for range steps {
		now = now.Add(time.Duration(rapid.IntRange(1, 60*30).Draw(t, "minutes")) * time.Minute)
		id := lead.ID(fmt.Sprintf("L%d", rapid.IntRange(0, nLeads-1).Draw(t, "lead")))
		s := states[id]
		var c lead.Command
		if s.Stage == lead.StageNone {
			c = lead.Capture{ID: id, Email: "a@example.com", Source: rapid.SampledFrom([]string{"web", "ads"}).Draw(t, "source"), Company: rapid.SampledFrom([]string{"Acme", "Beta", ""}).Draw(t, "company")}
		} else {
			switch rapid.IntRange(0, 17).Draw(t, "command") {
			case 0:
				c = lead.Score{Fit: rapid.IntRange(0, 100).Draw(t, "fit"), Intent: rapid.IntRange(0, 100).Draw(t, "intent")}
			case 1, 2:
				c = lead.QualifyMarketing{Source: lead.SourceScore}
			case 3, 4:
				c = lead.HandOff{Rep: rapid.SampledFrom(reps).Draw(t, "rep"), Team: rapid.SampledFrom([]string{"east", "west"}).Draw(t, "team")}
			case 5, 6:
				c = lead.Accept{}
			case 7:
				c = lead.Reject{Reason: "no", Disqualify: rapid.Bool().Draw(t, "disqualify")}
			case 8, 9, 10:
				c = lead.Touch{Channel: lead.ChannelPhone, Outcome: rapid.SampledFrom([]lead.Outcome{lead.OutcomeNoAnswer, lead.OutcomeReplied}).Draw(t, "outcome"), Content: rapid.SampledFrom([]string{"demo", "case", ""}).Draw(t, "content")}
			case 11:
				c = lead.QualifySales{Amount: float64(rapid.IntRange(0, 5000).Draw(t, "amount")), Currency: "EUR"}
			case 12:
				c = lead.Stall{}
			case 13:
				c = lead.Recycle{Reason: "later"}
			case 14:
				c = rapid.SampledFrom([]lead.Command{lead.Win{}, lead.Lose{Reason: "price"}, lead.Disqualify{Reason: "fit"}}).Draw(t, "close")
			case 15:
				c = lead.Reassign{To: rapid.SampledFrom(reps).Draw(t, "to")}
			default:
				k := rapid.SampledFrom(lead.Kinds()).Draw(t, "kind")
				c = lead.Breach{Deadline: lead.DeadlineID{Kind: k, Since: sinceOf(s, k)}, Step: rapid.IntRange(0, 1).Draw(t, "step"),
					Action: rapid.SampledFrom([]lead.Action{lead.ActionNotify, lead.ActionReturn, lead.ActionStall, lead.ActionReassign}).Draw(t, "action"),
					Due:    now, To: rapid.SampledFrom(reps).Draw(t, "breachTo")}
			}
		}
		evs, err := lead.Decide(s, c, now)
		if err != nil {
			continue
		}
		for _, e := range evs {
			s = lead.Evolve(s, e)
		}
		states[id] = s
		events = append(events, evs...)
	}
	return events, states
}

// sinceOf returns the version the clock of kind k running in s started
// at, or 0 when none runs.
func sinceOf(s lead.State, k lead.DeadlineKind) uint64 {
	d, _ := s.Clock(k)
	return d.Since
}

// figures is every query's answer, for comparing two Projections.
type figures struct {
	Pos        uint64
	Counts     map[lead.Stage]int
	Funnel     Conversion
	Flows      []Flow
	Summary    Summary
	Velocity   Distribution
	Business   Distribution
	Accept     Distribution
	Touch      Distribution
	Leakage    Leakage
	Content    []ContentRow
	Bands      []ScoreBand
	Compliance Compliance
	ByRep      Compliance
	ByPolicy   Compliance
	Accounts   []Group
	Opps       []Opportunity
	Accepts    ClockTimes
	Touches    ClockTimes
	AsOf       Summary
}

func snapshot(p *Projection) figures {
	office := sla.BusinessHours(time.UTC, sla.At(9, 0), sla.At(18, 0))
	return figures{
		Pos: p.Position(), Counts: p.StageCounts(Filter{}), Funnel: p.Conversion(Filter{}),
		Flows: p.Flows(Filter{}, UnitWeek), Summary: p.Summary(Filter{}),
		Velocity: p.Velocity(Filter{}, lead.StageMQL, lead.StageSQL, sla.Calendar{}),
		Business: p.Velocity(Filter{Source: "web"}, lead.StageCaptured, lead.StageAccepted, office),
		Accept:   p.TimeToAccept(Filter{}, sla.Calendar{}), Touch: p.TimeToFirstTouch(Filter{}, sla.Calendar{}),
		Leakage: p.Leakage(Filter{}, t0.AddDate(0, 2, 0), 48*time.Hour), Content: p.Content(Filter{}),
		Bands: p.ScoreBands(Filter{}, 50), Compliance: p.Compliance(Filter{}, 0), ByRep: p.Compliance(Filter{}, ByRep),
		Accounts: p.Breakdown(Filter{}, ByAccount), ByPolicy: p.Compliance(Filter{}, ByPolicy),
		Opps: p.Opportunities(Filter{}), Accepts: p.AcceptTimes(Filter{}), Touches: p.FirstTouchTimes(Filter{}),
		AsOf: p.Summary(Filter{AsOf: t0.AddDate(0, 0, 2)}),
	}
}

func TestReplayAndResumeGiveTheSameFigures(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		events, _ := genHistory(t)
		fold := func(p *Projection, from int, events []lead.Event) {
			for i := from; i < len(events); i++ {
				if err := p.Apply(uint64(i+1), events[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		var a, b Projection
		fold(&a, 0, events)
		fold(&b, 0, events)
		want := snapshot(&a)
		if got := snapshot(&b); !reflect.DeepEqual(got, want) {
			t.Fatalf("second replay differs:\n%+v\n%+v", got, want)
		}
		// Resume halfway, with a feed that repeats a few events.
		half := rapid.IntRange(0, len(events)).Draw(t, "half")
		var c Projection
		fold(&c, 0, events[:half])
		from := max(int(c.Position())-rapid.IntRange(0, 3).Draw(t, "overlap"), 0)
		fold(&c, from, events)
		if got := snapshot(&c); !reflect.DeepEqual(got, want) {
			t.Fatalf("resumed at %d differs:\n%+v\n%+v", half, got, want)
		}
	})
}

// TestComplianceAgreesWithLeadRunning checks the Projection's deadline
// tallies against a direct reading of the definition on lead.State.
func TestComplianceAgreesWithLeadRunning(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		events, states := genHistory(t)
		var p Projection
		const (
			open = iota + 1
			met
			breached
		)
		status := map[lead.ID]map[lead.DeadlineID]int{}
		replay := map[lead.ID]lead.State{}
		for i, e := range events {
			if err := p.Apply(uint64(i+1), e); err != nil {
				t.Fatal(err)
			}
			id := e.Base().Lead
			s := lead.Evolve(replay[id], e)
			replay[id] = s
			st := status[id]
			if st == nil {
				st = map[lead.DeadlineID]int{}
				status[id] = st
			}
			if b, ok := e.(lead.DeadlineBreached); ok && b.Step == 0 {
				if _, known := st[b.Deadline]; known {
					st[b.Deadline] = breached
				}
			}
			for d, v := range st {
				if v == open && !s.Running(d) {
					st[d] = met
				}
			}
			for _, k := range lead.Kinds() {
				d := lead.DeadlineID{Kind: k, Since: sinceOf(s, k)}
				if s.Running(d) {
					if v, ok := st[d]; !ok || v == met {
						st[d] = open
					}
				}
			}
		}
		want := map[lead.DeadlineKind]tally{}
		for _, st := range status {
			for d, v := range st {
				c := want[d.Kind]
				switch v {
				case open:
					c.Open++
				case met:
					c.Met++
				case breached:
					c.Breached++
				}
				want[d.Kind] = c
			}
		}
		got := map[lead.DeadlineKind]tally{}
		for _, r := range p.Compliance(Filter{}, 0).Rows {
			got[r.Kind] = tally{r.Met, r.Breached, r.Open}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("compliance = %v, want %v", got, want)
		}
		for id, s := range states {
			r := p.rec(p.index.number(id))
			for k, kind := range kinds {
				want := sinceOf(s, kind)
				got, state := r.clocks[k], r.clockState[k]
				if want != 0 && (got.since != want || state == clockMet) {
					t.Fatalf("lead %s: %s clock since %d is not followed: slot %+v, state %d", id, kind, want, got, state)
				}
				if want == 0 && state == clockOpen {
					t.Fatalf("lead %s: %s clock since %d is open, lead.State runs none", id, kind, got.since)
				}
			}
		}
	})
}

// TestAccountKeyIsLowerCaseFieldsJoinedBySpaces holds accountKey's fast
// paths to its definition, for ASCII and non-ASCII names alike.
func TestAccountKeyIsLowerCaseFieldsJoinedBySpaces(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringOf(rapid.SampledFrom([]rune{'a', 'B', 'é', 'É', ' ', ' ', '\t', '\u00a0', '\u2003', 'ß', 'İ', '1', '\xff'})).Draw(t, "company")
		want := strings.Join(strings.Fields(strings.ToLower(s)), " ")
		if got := accountKey(s); got != want {
			t.Fatalf("accountKey(%q) = %q, want %q", s, got, want)
		}
	})
}
