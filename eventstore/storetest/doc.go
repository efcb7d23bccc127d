// Package storetest is the conformance suite every eventstore.Store runs, so
// that stores cannot drift apart: the memory store, the JetStream store and
// any store a user writes pass the same tests.
//
// A store author calls Run from an ordinary test, with a function that
// returns a fresh, empty store for each subtest and registers its cleanup
// with t:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) eventstore.Store {
//			s, err := mystore.Open(t.Context(), mystore.Config{Prefix: t.Name()})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The subtests are named for the behaviour they check
// (Append/ConflictingBatchWritesNothing, Subscribe/CatchesUpThenFollowsLiveAppends,
// ...), so `go test -run 'Conformance/Subscribe'` runs a part of the suite.
// They run one after another, never in parallel, and keep event counts
// modest so that a store where every append is a network round trip still
// finishes in seconds. Every wait is bounded: a store that loses a record or
// ignores a cancelled context fails the test instead of hanging it.
//
// The suite checks the eventstore.Store contract and the input rules of
// eventstore.ValidateStream and eventstore.ValidateAppend, plus what the
// contract implies though it does not spell it out: a store keeps its own
// copy of appended Data, Load refuses a bad stream name with ErrInvalid, a
// ConflictError (when a store returns one) names the stream and both
// versions, Subscribe does not call its handler again after it failed, and
// an Append whose context is already cancelled writes nothing. It does not
// assume that positions are contiguous, only that they increase.
package storetest
