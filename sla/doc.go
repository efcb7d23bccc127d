// Package sla turns the one-page service level agreement between marketing
// and sales into values and pure functions.
//
// A Policy holds the rules: marketing hands an MQL off within H (else
// notify, route it automatically, or return it to nurture), a lead whose
// score crosses the sales-ready threshold becomes an MQL, sales accepts
// or rejects within A business hours,
// first touch within X, at least Y touches in the first Z days, return an
// unresponsive lead after N unanswered attempts, SQL within Q days, a stall
// window per stage, warning fractions, and for each deadline a breach
// ladder (escalate, reassign, return to marketing). A Calendar says which
// hours count.
//
// Deadlines are derived, never stored: Policy.Deadlines computes a lead's
// open clocks from its lead.State; Policy.Due lists the warnings and breach
// steps due at an instant and not yet recorded, as the lead commands that
// record them; Policy.Wake says when the next one comes. Each deadline has
// a stable identity (its kind and the version of the event that started
// it), so recording a step twice is impossible: lead.Decide adds nothing
// for a step already in the history.
//
// Router and Directory say who gets a lead and whom a breach escalates to;
// RoundRobin is both. A rep may have a calendar of their own, in which
// the clocks of the leads they hold run (Policy.WithRepCalendar).
//
// A policy has a name, its segment (a tier, an intent, a region, a
// source), and a version. A Set holds the policies of several segments and
// a Selector (Rules, first match wins) that picks a lead's segment at
// hand-off; the lead keeps that segment and version until its next
// hand-off, so a new version applies to new hand-offs only.
//
// Policies are data too: ParsePolicies, LoadPolicies and WritePolicies
// read and write them as the JSON file a sales-ops person edits (the
// format is in POLICY.md); ParseSet and LoadSet read a file with segment
// rules and a review cadence (Review) into a Set, and WriteSet writes one. Nothing here reads a clock or does I/O beyond
// the reader, writer or fs.FS those are given; time enters as an
// argument.
package sla
