package simulate

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ErrInvalidConfig is matched (with errors.Is) by every error that a bad
// Config causes.
var ErrInvalidConfig = errors.New("simulate: invalid config")

// Config says which month to simulate.
type Config struct {
	// Leads is how many leads are captured, at random times in the first
	// three quarters of the days. At least 1.
	Leads int
	// Days is how many days the month lasts, from Start. At least 1.
	Days int
	// Seed seeds the randomness: the same Config gives the same script.
	Seed uint64
	// Start is when the month begins. Required.
	Start time.Time
	// Calendar holds the hours the reps work in: their delays are counted
	// in it, so a lead handed off at night waits for the morning. The
	// zero Calendar is 24x7.
	Calendar sla.Calendar
	// NoCompany captures leads without a company name and draws none, so
	// the rest of the script differs from the one with companies. The
	// what-if example's month has always been drawn that way.
	NoCompany bool
}

func (c Config) validate() error {
	switch {
	case c.Leads < 1:
		return fmt.Errorf("%w: %d leads, want at least 1", ErrInvalidConfig, c.Leads)
	case c.Days < 1:
		return fmt.Errorf("%w: %d days, want at least 1", ErrInvalidConfig, c.Days)
	case c.Start.IsZero():
		return fmt.Errorf("%w: no start", ErrInvalidConfig)
	}
	return nil
}

// Step is one scripted action: at At, someone does Cmd to lead Lead (or,
// for a lead.Capture, captures it).
type Step struct {
	At   time.Time
	Lead lead.ID
	Cmd  lead.Command
}

// Script plans each lead's life: when it arrives, whether marketing
// qualifies it, how quickly the rep reacts, how often they touch it and
// how it ends. The steps come in time order; steps at the same time keep
// the order of the leads. Some steps fall after the month's last day;
// playing the month leaves them out.
func Script(c Config) ([]Step, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(c.Seed, 0x1ead1))
	work := c.Calendar
	var plan []Step
	sources := []string{"webinar", "ebook", "paid-search", "referral"}
	for i := range c.Leads {
		id := lead.ID(fmt.Sprintf("lead-%04d", i+1))
		t := c.Start.Add(time.Duration(r.Int64N(int64(time.Duration(c.Days) * 24 * time.Hour * 3 / 4))))
		territory := "emea"
		if r.IntN(2) == 0 {
			territory = "amer"
		}
		// The draws keep their order (company, then source): a seed's
		// script must not change.
		company := ""
		if !c.NoCompany {
			company = fmt.Sprintf("Company %d", r.IntN(c.Leads/2+1))
		}
		source := sources[r.IntN(len(sources))]
		plan = append(plan, Step{t, id, lead.Capture{ID: id, Actor: "web-form", Email: fmt.Sprintf("buyer%d@example.com", i+1),
			Company: company, Source: source, Attributes: map[string]string{"territory": territory}}})
		fit, intent := r.IntN(101), r.IntN(101)
		t = t.Add(time.Duration(1+r.IntN(3)) * time.Hour)
		plan = append(plan, Step{t, id, lead.Score{Actor: "scoring", Fit: fit, Intent: intent}})
		if fit+intent < 90 {
			continue // stays with marketing
		}
		t = t.Add(time.Duration(1+r.IntN(20)) * time.Hour)
		plan = append(plan, Step{t, id, lead.QualifyMarketing{Actor: "marketing", Source: lead.SourceScore}})
		plan = append(plan, Step{t.Add(time.Minute), id, lead.HandOff{Actor: "router"}})

		// The rep reacts: mostly within the working day, sometimes too late.
		var delay time.Duration
		switch x := r.IntN(100); {
		case x < 65:
			delay = time.Duration(10+r.IntN(300)) * time.Minute
		case x < 85:
			delay = time.Duration(8+r.IntN(20)) * time.Hour
		case x < 93:
			t = work.Add(t, time.Duration(1+r.IntN(6))*time.Hour)
			plan = append(plan, Step{t, id, lead.Reject{Reason: "no budget this year"}})
			continue
		default:
			continue // never reacts: the ladder runs to its end
		}
		t = work.Add(t, delay)
		plan = append(plan, Step{t, id, lead.Accept{}})
		for k := range 2 + r.IntN(6) {
			if k == 0 {
				t = work.Add(t, time.Duration(10+r.IntN(360))*time.Minute)
			} else {
				t = work.Add(t.Add(time.Duration(20+r.IntN(40))*time.Hour), 0)
			}
			outcome := lead.OutcomeNoAnswer
			if r.IntN(3) == 0 {
				outcome = lead.OutcomeConnected
			}
			plan = append(plan, Step{t, id, lead.Touch{Channel: lead.ChannelPhone, Outcome: outcome, Content: "intro-call"}})
		}
		if r.IntN(100) < 45 {
			t = work.Add(t, time.Duration(2+r.IntN(30))*time.Hour)
			amount := float64(1000 * (2 + r.IntN(20)))
			plan = append(plan, Step{t, id, lead.QualifySales{Amount: amount, Currency: "EUR",
				CloseDate: t.AddDate(0, 1, 0), Probability: 0.3}})
			t = work.Add(t.Add(time.Duration(2+r.IntN(12))*24*time.Hour), 0)
			switch r.IntN(3) {
			case 0:
				plan = append(plan, Step{t, id, lead.Win{}})
			case 1:
				plan = append(plan, Step{t, id, lead.Lose{Reason: "chose a competitor"}})
			}
		}
	}
	slices.SortStableFunc(plan, func(a, b Step) int { return a.At.Compare(b.At) })
	return plan, nil
}
