// Package funnel turns the lead event stream into the numbers a sales and
// marketing SLA is reviewed with: stage counts and flows, conversion by
// entry cohort, velocity, leakage, win rate, cycle length, pipeline,
// revenue per account, touch content, score calibration and SLA
// compliance; the SLA's commitments with pacing alerts; and the revenue
// plan that runs the funnel backwards from a goal.
//
// A Projection folds the global event order of any store (feed it from a
// subscription, with each record's position) and remembers the last
// position, so it resumes where it stopped:
//
//	var p funnel.Projection
//	err := store.Subscribe(ctx, p.Position()+1, func(r eventstore.Record) error {
//		e, err := lead.Decode(r.Data)
//		if err != nil {
//			return err
//		}
//		return p.Apply(r.Position, e)
//	})
//
// Every metric takes a Filter (a time window plus source, campaign, rep,
// team, account or policy segment) and documents exactly which leads,
// opportunities or events it counts, in which unit, over which
// denominator. Filter.AsOf computes a metric as of a cut-off, so a month
// reported when it ended gives the same numbers when recomputed later;
// the zero AsOf means up to now.
//
// Lead figures (stage counts, conversion, lead-to-revenue) count each lead
// once. Deal figures (pipeline, win rate, cycle length, SQL value,
// touches to SQL) count opportunities: each qualification cycle of a lead,
// from its entry into SQL to its win, loss, disqualification or return to
// marketing, with its own amount, dates and outcome.
//
// Time to accept and to first touch come two ways (ClockTimes): SLA time,
// measured as package sla measures the clocks, in the hours of the lead's
// policy with pauses left out (give the Projection the policy set in
// Policies), and wall time. Given the policies, SLA compliance and the
// SLA times count only the clocks a lead's policy has a rule for; without
// them, every clock the lead's lifecycle runs.
//
// Package funnel/report writes a Conversion, a Compliance table, a Summary
// or a Plan as aligned text, JSON or CSV, each with its cut-off and
// definitions, and the conversion and weekly compliance as SVG charts.
//
// The stages and SLA clocks of each lead are lead's to say: a Projection
// keeps a lead.Lifecycle per lead and folds the lead.Change of every
// event, so a new deadline kind in lead is tallied here without an edit.
//
// The package is pure: it does no I/O and never reads a clock; "now" is
// always an argument.
package funnel
