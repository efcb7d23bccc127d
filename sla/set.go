package sla

import (
	"fmt"
	"maps"
	"slices"

	"github.com/leadline/leadline/lead"
)

// Set is the SLA policies of every segment, each segment with its
// versions. The current version of a segment is the one added last; new
// hand-offs run under it, while leads handed off under an earlier version
// keep it. The zero Set holds no policies and selects the default segment
// ("") for every lead. A lead whose selected segment the Set does not
// hold runs under the default segment; in a Set without a default
// segment such a lead runs under no policy, so it has no SLA clocks.
//
// A Set is a value: copy it with Clone before adding to a copy that
// others hold.
type Set struct {
	// Selector picks the segment of a lead at hand-off; nil picks the
	// default segment. A segment the Set does not hold falls back to the
	// default segment.
	Selector Selector
	// Review is when the agreement is reviewed: a policy file's
	// "review". The Engine's WatchAgreement raises an alert on each
	// review date.
	Review Review

	segments map[string]*segment
}

type segment struct {
	versions map[int]Policy
	current  int
}

// NewSet returns a Set holding policies, added in order (so the last
// version given of each segment is its current one), with selector sel.
// A policy that fails Validate, or whose name and version are already in
// the Set, is a *PolicyError.
func NewSet(sel Selector, policies ...Policy) (Set, error) {
	s := Set{Selector: sel}
	for _, p := range policies {
		if err := s.Add(p); err != nil {
			return Set{}, err
		}
	}
	return s, nil
}

// Add validates p and adds it to its segment (p.Name) as the segment's
// current version. It is a *PolicyError when p fails Validate or the
// segment already holds p's version, so a running version never changes
// under its leads.
func (s *Set) Add(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if s.segments == nil {
		s.segments = map[string]*segment{}
	}
	seg := s.segments[p.Name]
	if seg == nil {
		seg = &segment{versions: map[int]Policy{}}
		s.segments[p.Name] = seg
	}
	if _, dup := seg.versions[p.Version]; dup {
		return &PolicyError{Field: "Version", Reason: fmt.Sprintf("segment %q already has version %d", p.Name, p.Version)}
	}
	p.Warnings = slices.Clone(p.Warnings)
	p.RequiredAtSQL = slices.Clone(p.RequiredAtSQL)
	// A rep's calendar belongs to the rep holding a lead, which PolicyFor
	// applies per lead; it is not part of the policy a segment keeps.
	p.rep = nil
	seg.versions[p.Version] = p
	seg.current = p.Version
	return nil
}

// Clone returns a copy of s that Add does not share.
func (s Set) Clone() Set {
	c := Set{Selector: s.Selector, Review: s.Review}
	if s.segments != nil {
		c.segments = make(map[string]*segment, len(s.segments))
		for name, seg := range s.segments {
			c.segments[name] = &segment{versions: maps.Clone(seg.versions), current: seg.current}
		}
	}
	return c
}

// Len is the number of policies in s, all versions of all segments.
func (s Set) Len() int {
	n := 0
	for _, seg := range s.segments {
		n += len(seg.versions)
	}
	return n
}

// Segments returns the names of the segments s holds, sorted; "" is the
// default segment.
func (s Set) Segments() []string {
	names := make([]string, 0, len(s.segments))
	for name := range s.segments {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Versions returns the versions segment name holds, in ascending order,
// or none for a segment s does not hold.
func (s Set) Versions(name string) []int {
	seg := s.segments[name]
	if seg == nil {
		return nil
	}
	vs := slices.Collect(maps.Keys(seg.versions))
	slices.Sort(vs)
	return vs
}

// Policy returns version v of segment name.
func (s Set) Policy(name string, v int) (Policy, bool) {
	if seg := s.segments[name]; seg != nil {
		p, ok := seg.versions[v]
		return p, ok
	}
	return Policy{}, false
}

// Current returns the current version of segment name.
func (s Set) Current(name string) (Policy, bool) {
	if seg := s.segments[name]; seg != nil {
		return seg.versions[seg.current], true
	}
	return Policy{}, false
}

// Select returns the policy a hand-off of lead l runs under now: the
// current version of the segment the Selector picks, or of the default
// segment when the Set does not hold that one.
func (s Set) Select(l lead.State) (Policy, bool) {
	if s.Selector != nil {
		if p, ok := s.Current(s.Selector.Segment(l)); ok {
			return p, true
		}
	}
	return s.Current("")
}

// For returns the policy lead l runs under: the segment and version its
// hand-off recorded; for a version the Set does not know, its segment's
// current version; for a lead not handed off yet, what Select picks.
func (s Set) For(l lead.State) (Policy, bool) {
	if p, ok := s.Policy(l.PolicyName, l.PolicyVersion); ok {
		return p, true
	}
	if l.PolicyVersion != 0 || l.PolicyName != "" {
		if p, ok := s.Current(l.PolicyName); ok {
			return p, true
		}
	}
	return s.Select(l)
}

// Selector picks the segment, a policy's Name, for a lead at hand-off
// from what the lead's history says about it (Source, MQLSource, Score,
// Team, Attributes). "" is the default segment.
type Selector interface {
	Segment(l lead.State) string
}

// SelectorFunc is a function used as a Selector.
type SelectorFunc func(l lead.State) string

// Segment returns f(l).
func (f SelectorFunc) Segment(l lead.State) string { return f(l) }

// Rules is a Selector written as data: the first rule that matches a
// lead names its segment; a lead no rule matches is in the default
// segment.
type Rules []Match

// Segment returns the Segment of the first rule in r that matches l, or "".
func (r Rules) Segment(l lead.State) string {
	for _, m := range r {
		if m.Matches(l) {
			return m.Segment
		}
	}
	return ""
}

// Match is one rule of Rules: the lead is in Segment when every condition
// set holds. An empty condition holds for every lead, so a Match with only
// Segment set matches all.
type Match struct {
	Segment string
	// Source, Campaign, MQLSource and Team must equal the lead's when set.
	Source    string
	Campaign  string
	MQLSource lead.MQLSource
	Team      string
	// MinScore and MaxScore bound the lead's score (fit + intent) when
	// not zero; both ends count.
	MinScore, MaxScore int
	// Attributes must all have these values among the lead's attributes.
	Attributes map[string]string
}

// Matches reports whether every condition of m holds for l.
func (m Match) Matches(l lead.State) bool {
	switch {
	case m.Source != "" && m.Source != l.Source,
		m.Campaign != "" && m.Campaign != l.Campaign,
		m.MQLSource != "" && m.MQLSource != l.MQLSource,
		m.Team != "" && m.Team != l.Team,
		m.MinScore != 0 && l.Score < m.MinScore,
		m.MaxScore != 0 && l.Score > m.MaxScore:
		return false
	}
	for k, v := range m.Attributes {
		if got, ok := l.Attributes[k]; !ok || got != v {
			return false
		}
	}
	return true
}
