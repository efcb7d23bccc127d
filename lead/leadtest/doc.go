// Package leadtest provides rapid generators of valid lead commands and
// histories, for property tests of code that consumes lead events
// (projections, deadline queues, stores) and for the lead package's own
// tests.
//
// Every history Histories generates is a path of the lifecycle table: it is
// built by deciding each command with lead.Decide at a non-decreasing time
// from a fixed start and folding the events with lead.Evolve, so it holds
// only what the decider itself would have produced, SLA warnings, breaches,
// reassignments and pauses included.
//
//	func TestProjectionCountsEveryLead(t *testing.T) {
//		rapid.Check(t, func(t *rapid.T) {
//			h := leadtest.Histories(40).Draw(t, "history")
//			// feed h.Events to the code under test ...
//		})
//	}
//
// The generators never read the wall clock: all times derive from Start and
// offsets drawn from rapid's source, so a failing history replays from its
// seed.
package leadtest
