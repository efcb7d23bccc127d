package lead

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of s: changing the copy's slices or map leaves s
// as it was. Evolve never changes what its input holds (it adds a touch
// time in place only past the end of every list that can see it), so
// copies are only needed before code outside this package edits a State.
func (s State) Clone() State {
	s.Attributes = maps.Clone(s.Attributes)
	s.TouchTimes = slices.Clone(s.TouchTimes)
	s.UnansweredTimes = slices.Clone(s.UnansweredTimes)
	s.Pauses = slices.Clone(s.Pauses)
	s.Marks = slices.Clone(s.Marks)
	s.Recent = slices.Clone(s.Recent)
	// The copies of the touch times are in no log: a fold that owns the
	// copy must not restart the log of s.
	s.touchLog, s.unansweredLog = detach(s.touchLog), detach(s.unansweredLog)
	return s
}
