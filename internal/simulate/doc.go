// Package simulate is the month of leads the example programs run: a few
// hundred leads captured over a number of days, each with a scripted
// life (scored, qualified by marketing, handed off, accepted late or on
// time, touched, qualified by sales, won or lost), played on an Engine
// over the in-memory store on a mock clock. The randomness is seeded, so
// a seed always tells the same story.
//
// Script plans the steps; New builds the Engine, its store, clock and
// reps around a script, and Month.PlayUntil plays it, moving the clock at
// most an hour at a time so that the Engine records every warning and
// breach step that comes due on the way. The SLA may overtake the plan:
// a rep who accepts a lead already returned to marketing is refused, as
// in a service, and the refusal is reported to Month.Refused.
//
// The package sits above the Engine, beside the examples it serves; the
// library itself never imports it.
package simulate
