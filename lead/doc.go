// Package lead is the lead lifecycle as a pure event-sourced decider.
//
// A lead is an append-only stream of events (Captured, Scored,
// MarketingQualified, HandedOff, Accepted, ...). Its current State is a fold
// of Evolve over that stream. A Command asks for a change; Decide checks it
// against the state and the transition table and returns the events it adds,
// or an error that says why not:
//
//	events, err := lead.Decide(state, lead.Accept{Actor: "rep:ana"}, now)
//	for _, e := range events {
//		state = lead.Evolve(state, e)
//	}
//
// Nothing in this package reads a clock, the network or a global: time enters
// as the now argument. That is what makes every history replayable and every
// rule property-testable.
//
// Which command may run in which stage is one piece of data, the table that
// Transitions returns; Decide consults it, the tests enumerate it and the
// README's state diagram (Mermaid) is generated from it.
//
// Encode and Decode turn events into the versioned JSON that the event
// stores keep and that NATS consumers read (EVENTS.md). A Decoder reads
// older schema versions through Upcasters, and opens personal fields that
// AppendEncodeSealed sealed with a lead's DataKey; sealing draws its
// nonces from crypto/rand, the one outside source this package reads.
// PRIVACY.md says what erasing a lead's key protects.
package lead
