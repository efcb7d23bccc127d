package sla

import (
	"errors"
	"fmt"
	"slices"
	"sync"

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
// unavailable, at capacity, outside the lead's territory or excluded. It is
// a Router and a Directory, and safe for concurrent use.
type RoundRobin struct {
	// Attribute is the lead attribute (lead.Capture.Attributes) holding
	// its territory; empty means territories are not used.
	attribute string

	mu   sync.Mutex
	reps []Rep
	next int
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
		seen[r.Name] = true
	}
	cp := make([]Rep, len(reps))
	for i, r := range reps {
		r.Territories = slices.Clone(r.Territories)
		cp[i] = r
	}
	return &RoundRobin{attribute: attribute, reps: cp}, nil
}

// Route implements Router.
func (r *RoundRobin) Route(s lead.State, load func(rep string) int, exclude string) (Rep, error) {
	territory := ""
	if r.attribute != "" {
		territory = s.Attributes[r.attribute]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.reps {
		i := (r.next + k) % len(r.reps)
		rep := r.reps[i]
		if rep.Unavailable || rep.Name == exclude {
			continue
		}
		if territory != "" && len(rep.Territories) > 0 && !slices.Contains(rep.Territories, territory) {
			continue
		}
		if rep.Capacity > 0 && load != nil && load(rep.Name) >= rep.Capacity {
			continue
		}
		r.next = i + 1
		rep.Territories = slices.Clone(rep.Territories)
		return rep, nil
	}
	return Rep{}, ErrNoRep
}

// Lookup implements Directory.
func (r *RoundRobin) Lookup(name string) (Rep, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rep := range r.reps {
		if rep.Name == name {
			rep.Territories = slices.Clone(rep.Territories)
			return rep, true
		}
	}
	return Rep{}, false
}

// SetAvailable marks a rep available or not, for example while on leave.
func (r *RoundRobin) SetAvailable(name string, available bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.reps {
		if r.reps[i].Name == name {
			r.reps[i].Unavailable = !available
			return nil
		}
	}
	return fmt.Errorf("sla: unknown rep %q", name)
}
