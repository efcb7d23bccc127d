// Package dashboard is leadline's live SLA dashboard: an http.Handler that
// shows a sales-ops person, on one server-rendered page, where the SLA
// stands now and how the period went, and keeps the page current as
// events arrive.
//
// The page shows, for the week, month or quarter chosen (the current one
// by default):
//
//   - the leads at risk now: running deadlines due within the next hours
//     (WithAtRisk), soonest first, with the rep and what the breach will
//     do, and how many deadlines are already past due;
//   - the breach feed: each breach step as the SLA records it, pushed to
//     the open page without a reload;
//   - SLA compliance per deadline kind, one small chart per kind with the
//     number of deadlines on every point and the target (WithTarget) as a
//     line, and per team and per rep;
//   - the funnel of the leads captured in the period;
//   - the SLA's commitments with their pacing (WithCommitments);
//   - the leads stalled now, and how many leads left sales without an
//     outcome in the period.
//
// A Board is fed the store's global order of lead events: Follow takes a
// Source, such as leadline's Engine.Subscribe, and Apply takes one event
// at a time from a feed of your own. It folds them into a
// funnel.Projection and into a small read model of the leads in sales'
// hands, whose deadlines it derives from the policies it is given
// (sla.Policy.Deadlines), so the page is computed from the events alone.
//
//	board, err := dashboard.New(dashboard.WithPolicy(policy))
//	go board.Follow(ctx, engine.Subscribe)
//	http.Handle("/sla/", http.StripPrefix("/sla", board))
//
// The page is plain HTML with inline SVG and a few lines of script: an
// EventSource on the Board's event stream prepends each breach to the
// feed and fetches the page's figures again after an update (at most one
// per WithRefresh interval). The figures of a page are computed once per
// feed position and minute, however many people have it open.
//
// Like the Engine, a Board reads "now" from a clock (WithClock), so a
// dashboard of a simulated or replayed history shows that history's
// present.
package dashboard
