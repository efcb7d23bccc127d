package sla

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/leadline/leadline/lead"
)

// Rep is a sales rep leads can be routed to.
type Rep struct {
	Name    string
	Team    string
	Manager string // who a breach escalates to
	// Capacity is the most open leads (handed off, accepted, qualified or
	// stalled) the rep works at once; 0 means no cap. The seed documents:
	// never hand sales more leads than it can work.
	Capacity int
	// Territories the rep covers; empty means every territory.
	Territories []string
	// Unavailable reps (on leave, out sick) receive no leads.
	Unavailable bool
	// Calendar, when set, is the rep's own coverage hours (their zone,
	// their team's holidays): the accept, first-touch and cadence clocks
	// of the leads the rep holds run in it instead of the policy's
	// calendar (Policy.WithRepCalendar). Give every rep of a team the
	// same calendar for a team calendar. Reps are Go values; the policy
	// file does not hold them.
	Calendar *Calendar
}

// ErrNoRep is returned by a Router when no rep can take the lead.
var ErrNoRep = errors.New("sla: no rep available")

// Router picks the rep a lead goes to. load reports how many open leads a
// rep holds now; exclude names a rep who must not be picked (the one who
// let a deadline pass). It returns ErrNoRep when nobody fits.
type Router interface {
	Route(s lead.State, load func(rep string) int, exclude string) (Rep, error)
}

// Directory finds a rep by name: their team and manager, for escalation.
type Directory interface {
	Lookup(rep string) (Rep, bool)
}

// RoundRobin routes leads to reps in turn, skipping reps that are
// unavailable, at capacity, outside the lead's territory or excluded: the
// next lead goes to the eligible rep who holds the fewest open leads
// (load), ties going to the rep listed first. As the Engine counts every
// lead it routes, that is round robin among the reps with room, and it
// needs no memory of whose turn it is: Route is a pure function of the
// lead, the loads and the reps. It is a Router and a Directory.
//
// SetAvailable swaps the rep list as a whole, so a RoundRobin may be read
// by a running Engine while another goroutine marks reps away.
type RoundRobin struct {
	// attribute is the lead attribute (lead.Capture.Attributes) holding
	// its territory; empty means territories are not used.
	attribute string
	reps      atomic.Pointer[[]Rep] // replaced, never modified
}

// NewRoundRobin returns a RoundRobin over reps, which must have distinct,
// non-empty names. attribute names the lead attribute that holds the
// territory ("" to ignore territories).
func NewRoundRobin(attribute string, reps ...Rep) (*RoundRobin, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("sla: NewRoundRobin: no reps")
	}
	seen := map[string]bool{}
	for i, r := range reps {
		if r.Name == "" {
			return nil, fmt.Errorf("sla: NewRoundRobin: rep %d has no name", i)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("sla: NewRoundRobin: rep %q appears twice", r.Name)
		}
		if r.Capacity < 0 {
			return nil, fmt.Errorf("sla: NewRoundRobin: rep %q has negative capacity %d", r.Name, r.Capacity)
		}
		if r.Calendar != nil {
			if err := r.Calendar.Validate(); err != nil {
				return nil, fmt.Errorf("sla: NewRoundRobin: rep %q: %w", r.Name, err)
			}
		}
		seen[r.Name] = true
	}
	cp := make([]Rep, len(reps))
	for i, r := range reps {
		r.Territories = slices.Clone(r.Territories)
		if r.Calendar != nil {
			c := r.Calendar.clone()
			r.Calendar = &c
		}
		cp[i] = r
	}
	rr := &RoundRobin{attribute: attribute}
	rr.reps.Store(&cp)
	return rr, nil
}

// Route implements Router. Without a load function every eligible rep
// counts as holding no lead, so the first one listed is picked.
func (r *RoundRobin) Route(s lead.State, load func(rep string) int, exclude string) (Rep, error) {
	territory := ""
	if r.attribute != "" {
		territory = s.Attributes[r.attribute]
	}
	best, bestLoad := -1, 0
	reps := *r.reps.Load()
	for i, rep := range reps {
		if rep.Unavailable || rep.Name == exclude {
			continue
		}
		if territory != "" && len(rep.Territories) > 0 && !slices.Contains(rep.Territories, territory) {
			continue
		}
		n := 0
		if load != nil {
			n = load(rep.Name)
		}
		if rep.Capacity > 0 && n >= rep.Capacity {
			continue
		}
		if best < 0 || n < bestLoad {
			best, bestLoad = i, n
		}
	}
	if best < 0 {
		return Rep{}, ErrNoRep
	}
	rep := reps[best]
	rep.Territories = slices.Clone(rep.Territories)
	return rep, nil
}

// Lookup implements Directory.
func (r *RoundRobin) Lookup(name string) (Rep, bool) {
	for _, rep := range *r.reps.Load() {
		if rep.Name == name {
			rep.Territories = slices.Clone(rep.Territories)
			return rep, true
		}
	}
	return Rep{}, false
}

// SetAvailable marks a rep available or not, for example while on leave.
// It is safe to call while an Engine routes with r.
func (r *RoundRobin) SetAvailable(name string, available bool) error {
	for {
		old := r.reps.Load()
		i := slices.IndexFunc(*old, func(rep Rep) bool { return rep.Name == name })
		if i < 0 {
			return fmt.Errorf("sla: unknown rep %q", name)
		}
		reps := slices.Clone(*old)
		reps[i].Unavailable = !available
		if r.reps.CompareAndSwap(old, &reps) {
			return nil
		}
	}
}

// clone returns c with slices of its own, so that a caller's later edits
// to the ones it gave do not reach a running router.
func (c Calendar) clone() Calendar {
	for wd := range c.Week {
		c.Week[wd] = slices.Clone(c.Week[wd])
	}
	c.Holidays = slices.Clone(c.Holidays)
	return c
}
