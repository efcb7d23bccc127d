package funnel

import (
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// world builds lead histories with lead.Decide and lead.Evolve and feeds
// every event to a Projection in order.
type world struct {
	t      testing.TB
	p      *Projection
	pos    uint64
	states map[lead.ID]lead.State
	events []positioned
}

type positioned struct {
	pos uint64
	e   lead.Event
}

func newWorld(t testing.TB) *world {
	return &world{t: t, p: &Projection{}, states: map[lead.ID]lead.State{}}
}

// do decides c for lead id at time at and applies the events.
func (w *world) do(id lead.ID, at time.Time, cmds ...lead.Command) {
	w.t.Helper()
	for _, c := range cmds {
		s := w.states[id]
		if cp, ok := c.(lead.Capture); ok {
			cp.ID = id
			c = cp
		}
		events, err := lead.Decide(s, c, at)
		if err != nil {
			w.t.Fatalf("lead %s: %s at %s: %v", id, c.Name(), at.Format(time.RFC3339), err)
		}
		for _, e := range events {
			s = lead.Evolve(s, e)
			w.pos++
			w.events = append(w.events, positioned{w.pos, e})
			if err := w.p.Apply(w.pos, e); err != nil {
				w.t.Fatal(err)
			}
		}
		w.states[id] = s
	}
}

// breach breaches the running deadline of kind k on lead id, step 0.
func (w *world) breach(id lead.ID, at time.Time, k lead.DeadlineKind, action lead.Action, to string) {
	w.t.Helper()
	s := w.states[id]
	d, ok := s.Clock(k)
	if !ok {
		w.t.Fatalf("lead %s: no %s clock is running", id, k)
	}
	w.do(id, at, lead.Breach{Deadline: d, Step: 0, Action: action, Due: at, To: to})
}

var (
	w10 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // Monday of ISO week 10
	t0  = w10.Add(9 * time.Hour)
)

func hours(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }

func capture(source, campaign, company string) lead.Capture {
	return lead.Capture{Email: "x@example.com", Source: source, Campaign: campaign, Company: company}
}

func score(total int) lead.Score {
	return lead.Score{Fit: total / 2, Intent: total - total/2}
}

var mql = lead.QualifyMarketing{Source: lead.SourceScore}

func handOff(rep, team string) lead.HandOff { return lead.HandOff{Rep: rep, Team: team} }

var accept = lead.Accept{}

func touch(content string, o lead.Outcome) lead.Touch {
	return lead.Touch{Channel: lead.ChannelEmail, Outcome: o, Content: content, Campaign: "spring"}
}

func sql(amount float64) lead.QualifySales {
	return lead.QualifySales{Amount: amount, Currency: "EUR", Probability: 0.5}
}

// sample builds the small history most table tests read:
//
//	A web/spring/Acme, score 90: MQL +1h, ana/east +2h, accept +4h,
//	  touch demo no answer +5h, touch demo replied +24h, SQL 1000 +48h, won +240h
//	B ads/-/Beta, score 40: MQL +24h, bob/west +24h, accept deadline
//	  breached and returned to marketing +40h
//	C web/spring/Acme, score 150: MQL +2h, ana/east +3h, accept +5h,
//	  touch case no answer +29h, SQL 2000 +53h, lost +120h
//	D web/-/Gamma: captured only
//	E ads/-/Delta, score 120: MQL +3h, bob/west +3h, accept +30h,
//	  stalled +100h
func sample(t testing.TB) *world {
	w := newWorld(t)
	w.do("A", t0, capture("web", "spring", "Acme"), score(90))
	w.do("B", t0, capture("ads", "", "Beta"), score(40))
	w.do("C", t0, capture("web", "spring", "Acme"), score(150))
	w.do("D", t0, capture("web", "", "Gamma"))
	w.do("E", t0, capture("ads", "", "Delta"), score(120))
	w.do("A", t0.Add(hours(1)), mql)
	w.do("A", t0.Add(hours(2)), handOff("ana", "east"))
	w.do("C", t0.Add(hours(2)), mql)
	w.do("C", t0.Add(hours(3)), handOff("ana", "east"))
	w.do("E", t0.Add(hours(3)), mql, handOff("bob", "west"))
	w.do("A", t0.Add(hours(4)), accept)
	w.do("A", t0.Add(hours(5)), touch("demo", lead.OutcomeNoAnswer))
	w.do("C", t0.Add(hours(5)), accept)
	w.do("A", t0.Add(hours(24)), touch("demo", lead.OutcomeReplied))
	w.do("B", t0.Add(hours(24)), mql, handOff("bob", "west"))
	w.do("C", t0.Add(hours(29)), touch("case", lead.OutcomeNoAnswer))
	w.do("E", t0.Add(hours(30)), accept)
	w.breach("B", t0.Add(hours(40)), lead.KindAccept, lead.ActionReturn, "")
	w.do("A", t0.Add(hours(48)), sql(1000))
	w.do("C", t0.Add(hours(53)), sql(2000))
	w.do("E", t0.Add(hours(100)), lead.Stall{Reason: "no progress"})
	w.do("C", t0.Add(hours(120)), lead.Lose{Reason: "price"})
	w.do("A", t0.Add(hours(240)), lead.Win{})
	return w
}
