package simulate

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

var monday = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func month(leads, days int, seed uint64) Config {
	return Config{Leads: leads, Days: days, Seed: seed, Start: monday, Calendar: sla.DefaultPolicy().Calendar}
}

func script(t *testing.T, c Config) []Step {
	t.Helper()
	plan, err := Script(c)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestTheSameSeedGivesTheSameScript(t *testing.T) {
	a, b := script(t, month(120, 20, 3)), script(t, month(120, 20, 3))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two scripts of the same seed differ")
	}
	if reflect.DeepEqual(a, script(t, month(120, 20, 4))) {
		t.Fatal("seeds 3 and 4 give the same script")
	}
}

func TestScriptStepsComeInTimeOrder(t *testing.T) {
	plan := script(t, month(200, 30, 1))
	for i := 1; i < len(plan); i++ {
		if plan[i].At.Before(plan[i-1].At) {
			t.Fatalf("step %d (%s %s at %v) comes after step %d at %v", i, plan[i].Cmd.Name(), plan[i].Lead, plan[i].At, i-1, plan[i-1].At)
		}
	}
	// Each lead's own steps keep their order: captured before scored.
	seen := map[lead.ID]bool{}
	for _, s := range plan {
		if _, ok := s.Cmd.(lead.Capture); ok {
			seen[s.Lead] = true
		} else if !seen[s.Lead] {
			t.Fatalf("%s of %s comes before its capture", s.Cmd.Name(), s.Lead)
		}
	}
}

func TestScriptCapturesTheConfiguredLeadsOnceInTheFirstThreeQuarters(t *testing.T) {
	c := month(250, 20, 7)
	last := c.Start.Add(time.Duration(c.Days) * 24 * time.Hour * 3 / 4)
	captured := map[lead.ID]int{}
	for _, s := range script(t, c) {
		capture, ok := s.Cmd.(lead.Capture)
		if !ok {
			continue
		}
		captured[s.Lead]++
		if capture.ID != s.Lead {
			t.Errorf("the step of %s captures %s", s.Lead, capture.ID)
		}
		if s.At.Before(c.Start) || !s.At.Before(last) {
			t.Errorf("%s captured at %v, outside [%v, %v)", s.Lead, s.At, c.Start, last)
		}
		if capture.Company == "" {
			t.Errorf("%s captured without a company", s.Lead)
		}
	}
	if len(captured) != c.Leads {
		t.Fatalf("%d leads captured, want %d", len(captured), c.Leads)
	}
	for id, n := range captured {
		if n != 1 {
			t.Errorf("%s captured %d times", id, n)
		}
	}
}

func TestNoCompanyCapturesLeadsWithoutACompany(t *testing.T) {
	c := month(50, 10, 1)
	c.NoCompany = true
	for _, s := range script(t, c) {
		if capture, ok := s.Cmd.(lead.Capture); ok && capture.Company != "" {
			t.Fatalf("%s captured with company %q", s.Lead, capture.Company)
		}
	}
}

// repsHours reports whether every step a rep takes falls on a weekday
// between 09:00 and 18:00 UTC (a delay can end just at closing time).
func repsHours(plan []Step) bool {
	for _, s := range plan {
		switch s.Cmd.(type) {
		case lead.Accept, lead.Reject, lead.Touch, lead.QualifySales, lead.Win, lead.Lose:
		default:
			continue
		}
		day, tod := s.At.Weekday(), s.At.Sub(s.At.Truncate(24*time.Hour))
		if day == time.Saturday || day == time.Sunday || tod < 9*time.Hour || tod > 18*time.Hour {
			return false
		}
	}
	return true
}

func TestRepsActInTheCalendarsHours(t *testing.T) {
	if !repsHours(script(t, month(200, 30, 1))) {
		t.Error("a rep acts outside Monday to Friday 09:00-18:00")
	}
	// The zero Calendar is 24x7: reps then act at night too.
	c := month(200, 30, 1)
	c.Calendar = sla.Calendar{}
	if repsHours(script(t, c)) {
		t.Error("with a 24x7 calendar, reps still act in office hours only")
	}
}

func TestScriptRefusesABadConfig(t *testing.T) {
	for name, c := range map[string]Config{
		"no leads": {Days: 30, Start: monday},
		"no days":  {Leads: 10, Start: monday},
		"no start": {Leads: 10, Days: 30},
	} {
		if _, err := Script(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: Script returned %v, want ErrInvalidConfig", name, err)
		}
		if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: New returned %v, want ErrInvalidConfig", name, err)
		}
	}
}
