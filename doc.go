// Package leadline makes a sales and marketing service level agreement run.
//
// Teams write SLAs like "sales accepts or rejects every lead within 8
// business hours, or it goes back to marketing; touches each at least 5
// times in the first 10 days; turns it into an SQL within 4 days" — and
// then nobody enforces them. leadline does:
//
//   - every lead is an append-only event stream (package lead): captured,
//     scored, MQL, handed off, accepted, rejected, touched, SQL, stalled,
//     recycled, won, lost;
//   - an explicit state machine, one table of data, decides which command
//     may happen next (lead.Decide), and refuses the rest with typed errors;
//   - SLA deadlines (package sla) run on an injectable clock (package
//     clock) and warn, breach and act — escalate to the rep's manager,
//     reassign, return to marketing — exactly once, however many Engines
//     share the store;
//   - projections (package funnel) show the funnel: velocity, conversion,
//     leakage, compliance, and the revenue plan run backwards;
//   - the events live in a Store (package eventstore): in memory by
//     default, or on NATS JetStream (package eventstore/natsjs), where other
//     services subscribe to SLA breaches.
//
// The Engine is the façade a service embeds: New(store, options...),
// Execute for every command (Capture for a new lead), Lead for the current
// state, Subscribe for the event feed, and Run to enforce the SLA:
//
//	engine, err := leadline.New(eventstore.NewMemory(), leadline.WithPolicy(sla.DefaultPolicy()))
//	id, err := engine.Capture(ctx, lead.Capture{Email: "ada@example.com"}, leadline.CommandID(requestID))
//	_, err = engine.Execute(ctx, id, lead.Touch{Channel: lead.ChannelEmail}, leadline.CommandID(nextRequestID))
//	go engine.Run(ctx)
//
// A command given a CommandID is safe to retry after any error: the
// Engine records it once. Warnings and breach steps are the SLA's own:
// Execute refuses them (ErrSLACommand). A record in the store that is not
// a readable lead event is quarantined, reported once (WithFaults) and
// skipped; it never stops enforcement for other leads.
//
// Only the Engine and the stores do I/O, start goroutines or read the
// clock; lead, sla and funnel are pure, so every history can be replayed
// and every rule property-tested.
package leadline
