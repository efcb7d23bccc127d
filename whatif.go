package leadline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ErrWhatIf is matched by the error a WhatIf returns for input it cannot
// replay: no history, or an event that is nil.
var ErrWhatIf = errors.New("leadline: what-if")

// WhatIf asks how a lead history would have gone under a draft SLA, side
// by side with the policies in force: how many warnings, breaches,
// escalations, reassignments, returns and stalls each would have
// produced, per deadline kind and team, and which leads would have ended
// differently. Compare reads the history from a store, CompareEvents from
// events held in memory (a CRM export turned into lead events, say).
//
// # What replay means
//
// A history holds two kinds of events: those the callers' commands added
// (captures, scores, hand-offs, accepts, rejections, touches, SQLs,
// stalls, recycles, pauses, outcomes) and those the SLA added
// (DeadlineWarned, DeadlineBreached and the action a breach step carried
// out: Escalated, Reassigned, Recycled or Stalled right after the
// breach). The callers' commands are facts about the world and are
// replayed; the SLA's events are consequences of a policy and are not:
// each replay derives them afresh.
//
// Each of the two replays runs an Engine on a fresh memory store, with
// its own mock clock and one of the two policy sets, and re-executes
// every caller command at the instant it was first recorded, in that
// order, with its actor and input (no command IDs: each is replayed
// once). The history's store is only read. Between two commands the clock moves to each instant at which
// a warning or breach step comes due and Tick records it, so every SLA
// step happens at its exact time. A step due at the very instant of a
// command is recorded first: a deadline has passed at its due instant
// (sla.Policy.Plan), as for an Engine that ticks before it executes.
// After the last command the clocks run on to Until.
//
// The history's hand-offs keep their rep and team. Under InForce they
// also keep the segment and version of the policy they recorded (as the
// running Engine did: a policy change never moves a running clock);
// under Draft they run under the policy the draft's selector picks for
// the lead: the draft is what would have been in force all along. The
// same goes for the version a caller's reassignment names.
//
// Under a changed SLA a command may no longer apply: a rep's accept
// after the draft returned the lead to marketing, a touch on a lead the
// draft reassigned to a rep who has not accepted it yet. Such a command is refused as the
// Engine refuses it (a *lead.TransitionError, *lead.ConditionError,
// *lead.ValidationError or sla.ErrNoRep), nothing is appended, and the
// replay goes on with the lead's next command: the refusal is part of
// the lead's outcome (LeadRun.Refused), not an error of the replay.
//
// The history is read as the Engine reads a store: a record that is not
// a lead event, does not decode or is not a legal step of the lead's
// lifecycle is skipped with the rest of its lead, and reported in
// Comparison.Skipped.
//
// The policies in force are given, not read from the history: a history
// names the segment and version each hand-off ran under, not the rules.
// Comparison.Recorded counts the SLA events the history itself holds;
// when it differs from Comparison.InForce, InForce is not the set the
// history was recorded under (or the history was not recorded by an
// Engine, as with a CRM export).
type WhatIf struct {
	// InForce is the policy set the history ran under: the set given
	// to New (WithPolicies, or the WithPolicy versions in order). An
	// empty set means the history ran without an SLA.
	InForce sla.Set
	// Draft is the policy set to try. An empty set asks what the
	// history would have been without an SLA.
	Draft sla.Set
	// Router and Directory are what WithRouter and WithDirectory give an
	// Engine, for both replays: the router picks the rep of a ladder's
	// reassignment, the directory the manager of an escalation. The two
	// replays run at once and share them, so they must be safe for
	// concurrent use, as for any Engine; sla.RoundRobin is (its choice
	// depends only on the loads each replay counts itself).
	// Without a Router, a reassignment step falls through to the next
	// step of its ladder, as in an Engine.
	Router    sla.Router
	Directory sla.Directory
	// Keys and Upcasters are what WithKeys and WithUpcasters gave the
	// Engine that wrote the history: Compare reads the store through them.
	// Without Keys, a history with sealed personal fields is an error
	// matching ErrKeyUnavailable. An erased lead's capture replays with
	// its fields erased.
	Keys      eventstore.KeyStore
	Upcasters *lead.Upcasters
	// Until is how far the SLA's clocks run after the last command: steps
	// due up to Until are recorded. The zero time means the instant of
	// the history's last event, the SLA's own included. Until before that
	// instant counts as that instant.
	Until time.Time
}

// Comparison is what a WhatIf found: the tallies of the SLA's actions
// under the policies in force and under the draft, and the leads whose
// runs differ.
type Comparison struct {
	// From and To are the instants of the first command and of the end
	// of the replay (WhatIf.Until or the history's last event).
	From, To time.Time
	// Leads and Commands are how many leads and caller commands were
	// replayed.
	Leads, Commands int
	// Recorded counts the SLA events the history holds; InForce and
	// Draft what each replay derived.
	Recorded, InForce, Draft Tally
	// Rows are the tallies per deadline kind and team, in the order of
	// lead.Kinds and then by team; a row where both replays did nothing
	// is left out.
	Rows []Row
	// Changed are the leads whose two runs differ in anything: the SLA's
	// tally, the final stage, rep or team, or the commands refused;
	// sorted by lead ID.
	Changed []LeadChange
	// Skipped are the records of the history that could not be read, and
	// so the leads left out of both replays.
	Skipped []Fault
}

// Row is one deadline kind and team of a Comparison. Team is the team of
// the lead when the SLA acted ("" for a lead without one).
type Row struct {
	Kind           lead.DeadlineKind
	Team           string
	InForce, Draft Tally
}

// Tally counts what the SLA did.
type Tally struct {
	// Warnings are the warnings recorded.
	Warnings int
	// Breaches are the deadlines that passed unmet (the first step of
	// each ladder); Steps are all the breach ladder steps, those first
	// steps included.
	Breaches, Steps int
	// Escalations, Reassignments, Returns and Stalls count the actions
	// breach steps carried out: escalated to a manager, reassigned to
	// another rep, returned to marketing, marked stalled.
	Escalations, Reassignments, Returns, Stalls int
	// Routes counts the hand-offs that breach steps of marketing's
	// hand-off clock made (lead.ActionRoute).
	Routes int
}

// add adds o to t.
func (t *Tally) add(o Tally) {
	t.Warnings += o.Warnings
	t.Routes += o.Routes
	t.Breaches += o.Breaches
	t.Steps += o.Steps
	t.Escalations += o.Escalations
	t.Reassignments += o.Reassignments
	t.Returns += o.Returns
	t.Stalls += o.Stalls
}

// LeadChange is a lead whose two replays differ.
type LeadChange struct {
	Lead           lead.ID
	InForce, Draft LeadRun
}

// LeadRun is how one lead ended in one replay.
type LeadRun struct {
	// Stage, Rep and Team are where the lead stood at the end.
	Stage lead.Stage
	Rep   string
	Team  string
	// Tally is what the SLA did to the lead.
	Tally Tally
	// Refused are the caller commands the replay refused, in order.
	Refused []Refusal
}

// Refusal is a caller command a replay refused: the name of the command,
// the instant it was first recorded at, and the Engine's error.
type Refusal struct {
	Command string
	At      time.Time
	Err     error
}

// equal reports whether two runs of a lead are the same.
func (r LeadRun) equal(o LeadRun) bool {
	return r.Stage == o.Stage && r.Rep == o.Rep && r.Team == o.Team && r.Tally == o.Tally &&
		slices.EqualFunc(r.Refused, o.Refused, func(a, b Refusal) bool { return a.Command == b.Command && a.At.Equal(b.At) })
}

// Compare replays the history in store under w.InForce and w.Draft (see
// WhatIf) and compares the two. Errors: one matching ErrWhatIf for a nil
// store, the store's when reading fails, ctx.Err() when ctx ends.
func (w WhatIf) Compare(ctx context.Context, store eventstore.Store) (*Comparison, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrWhatIf)
	}
	var opts []Option
	if w.Keys != nil {
		opts = append(opts, WithKeys(w.Keys))
	}
	if w.Upcasters != nil {
		opts = append(opts, WithUpcasters(w.Upcasters))
	}
	reader, err := New(store, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWhatIf, err)
	}
	h := newHistory()
	for from := uint64(1); ; {
		recs, err := store.Read(ctx, from, 4096)
		if err != nil {
			return nil, fmt.Errorf("leadline: what-if: read: %w", err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			from = r.Position + 1
			id := lead.ID(r.Stream)
			if h.bad[id] {
				continue
			}
			ev, err := reader.decodeRecord(ctx, r)
			if errors.Is(err, ErrKeyUnavailable) {
				return nil, fmt.Errorf("leadline: what-if: %w", err)
			}
			if err != nil {
				h.skip(id, Fault{Position: r.Position, Stream: r.Stream, Version: r.Version, Type: r.Type, Err: err})
				continue
			}
			if err := h.add(ev); err != nil {
				h.skip(id, Fault{Position: r.Position, Stream: r.Stream, Version: r.Version, Type: r.Type, Err: err})
			}
		}
	}
	return w.compare(ctx, h)
}

// CompareEvents is Compare for a history held as events: each lead's
// events in version order from 1, leads in any order or interleaved (in
// the order of a store's global order, for the same result as Compare).
// A lead whose events are not a legal history is skipped. A nil event is
// an error matching ErrWhatIf.
func (w WhatIf) CompareEvents(ctx context.Context, events []lead.Event) (*Comparison, error) {
	h := newHistory()
	for i, ev := range events {
		if ev == nil {
			return nil, fmt.Errorf("%w: event %d is nil", ErrWhatIf, i)
		}
		m := ev.Base()
		if h.bad[m.Lead] {
			continue
		}
		if err := h.add(ev); err != nil {
			h.skip(m.Lead, Fault{Stream: string(m.Lead), Version: m.Version, Type: ev.Type(), Err: err})
		}
	}
	return w.compare(ctx, h)
}

// history is a lead history read for replay: the callers' commands in
// the order to replay them, and what the SLA recorded.
type history struct {
	states   map[lead.ID]lead.State
	last     map[lead.ID]lead.Event // each lead's last event, to know a breach step's action
	steps    []replayStep
	lastAt   map[lead.ID]time.Time // of each lead's last command
	recorded map[lead.ID]Tally     // the SLA's events in the history
	end      time.Time             // the instant of the last event
	bad      map[lead.ID]bool
	skipped  []Fault
}

// replayStep is one caller command of the history: the command for each
// replay, and when it was recorded.
type replayStep struct {
	id             lead.ID
	at             time.Time
	inForce, draft lead.Command
}

type rowKey struct {
	kind lead.DeadlineKind
	team string
}

func newHistory() *history {
	return &history{states: map[lead.ID]lead.State{}, last: map[lead.ID]lead.Event{}, lastAt: map[lead.ID]time.Time{}, recorded: map[lead.ID]Tally{}, bad: map[lead.ID]bool{}}
}

// add folds ev into its lead's history, as a command to replay when it is
// a caller's, or into the recorded tally when it is the SLA's.
func (h *history) add(ev lead.Event) error {
	m := ev.Base()
	s := h.states[m.Lead]
	if s.Version == 0 {
		s.ID = m.Lead // Apply checks the event is this lead's
	}
	next, err := lead.Apply(s, ev)
	if err != nil {
		return err
	}
	h.states[m.Lead] = next
	if m.At.After(h.end) {
		h.end = m.At
	}
	prev := h.last[m.Lead]
	h.last[m.Lead] = ev
	if _, t, ok := slaTally(prev, ev); ok {
		sum := h.recorded[m.Lead]
		sum.add(t)
		h.recorded[m.Lead] = sum
		return nil
	}
	if derived(prev, ev) {
		return nil
	}
	inForce, draft, err := commandOf(ev)
	if err != nil {
		return err
	}
	// A lead's commands replay in its version order, whatever their
	// stamps say.
	at := maxTime(m.At, h.lastAt[m.Lead])
	h.lastAt[m.Lead] = at
	h.steps = append(h.steps, replayStep{id: m.Lead, at: at, inForce: inForce, draft: draft})
	return nil
}

// skip leaves lead id out of the replay, reporting f.
func (h *history) skip(id lead.ID, f Fault) {
	h.bad[id] = true
	h.skipped = append(h.skipped, f)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// slaTally reports whether ev is one of the SLA's events: a warning, a
// breach step, or the action of the breach step prev right before it;
// and if so what it counts, for which deadline kind.
func slaTally(prev, ev lead.Event) (lead.DeadlineKind, Tally, bool) {
	switch ev := ev.(type) {
	case lead.DeadlineWarned:
		return ev.Deadline.Kind, Tally{Warnings: 1}, true
	case lead.DeadlineBreached:
		t := Tally{Steps: 1}
		if ev.Step == 0 {
			t.Breaches = 1
		}
		return ev.Deadline.Kind, t, true
	}
	b, ok := prev.(lead.DeadlineBreached)
	if !ok || b.Action == lead.ActionNotify || ev.Base().Version != b.Version+1 {
		return "", Tally{}, false
	}
	switch ev.(type) {
	case lead.Escalated:
		return b.Deadline.Kind, Tally{Escalations: 1}, true
	case lead.Reassigned:
		return b.Deadline.Kind, Tally{Reassignments: 1}, true
	case lead.Recycled:
		return b.Deadline.Kind, Tally{Returns: 1}, true
	case lead.Stalled:
		return b.Deadline.Kind, Tally{Stalls: 1}, true
	case lead.HandedOff:
		return b.Deadline.Kind, Tally{Routes: 1}, true
	}
	return "", Tally{}, false
}

// derived reports whether ev is no command of its own: the
// MarketingQualified a Score appends with its Scored when the score
// crosses the policy's sales-ready threshold (each replay's policy decides
// that again), or an Erased, which a replay cannot repeat (Execute refuses
// lead.Erase) and which changes nothing the SLA runs on.
func derived(prev, ev lead.Event) bool {
	switch ev := ev.(type) {
	case lead.Erased:
		return true
	case lead.MarketingQualified:
		sc, ok := prev.(lead.Scored)
		return ok && ev.Source == lead.SourceScore && ev.Version == sc.Version+1 && ev.At.Equal(sc.At)
	}
	return false
}

// commandOf returns the command that added caller event ev, as the
// replay under the policies in force sends it and as the draft's replay
// does (without the policy version it recorded, for the draft to pick).
func commandOf(ev lead.Event) (inForce, draft lead.Command, err error) {
	actor := ev.Base().Actor
	switch ev := ev.(type) {
	case lead.Captured:
		c := lead.Capture{ID: ev.Lead, Actor: actor, Email: ev.Email, FullName: ev.FullName, Company: ev.Company,
			Source: ev.Source, Campaign: ev.Campaign, Attributes: ev.Attributes}
		return c, c, nil
	case lead.Scored:
		c := lead.Score{Actor: actor, Fit: ev.Fit, Intent: ev.Intent}
		return c, c, nil
	case lead.MarketingQualified:
		c := lead.QualifyMarketing{Actor: actor, Source: ev.Source}
		return c, c, nil
	case lead.HandedOff:
		c := lead.HandOff{Actor: actor, Rep: ev.Rep, Team: ev.Team, Policy: ev.Policy, PolicyVersion: ev.PolicyVersion}
		d := c
		d.Policy, d.PolicyVersion = "", 0
		return c, d, nil
	case lead.Accepted:
		c := lead.Accept{Actor: actor}
		return c, c, nil
	case lead.Rejected:
		c := lead.Reject{Actor: actor, Reason: ev.Reason, Disqualify: ev.Disqualify}
		return c, c, nil
	case lead.Touched:
		c := lead.Touch{Actor: actor, Channel: ev.Channel, Outcome: ev.Outcome, Content: ev.Content, Campaign: ev.Campaign}
		return c, c, nil
	case lead.SalesQualified:
		c := lead.QualifySales{Actor: actor, Amount: ev.Amount, Currency: ev.Currency, CloseDate: ev.CloseDate, Probability: ev.Probability}
		return c, c, nil
	case lead.Stalled:
		c := lead.Stall{Actor: actor, Reason: ev.Reason}
		return c, c, nil
	case lead.Recycled:
		c := lead.Recycle{Actor: actor, Reason: ev.Reason}
		return c, c, nil
	case lead.Disqualified:
		c := lead.Disqualify{Actor: actor, Reason: ev.Reason}
		return c, c, nil
	case lead.Won:
		c := lead.Win{Actor: actor, Amount: ev.Amount}
		return c, c, nil
	case lead.Lost:
		c := lead.Lose{Actor: actor, Reason: ev.Reason}
		return c, c, nil
	case lead.Reassigned:
		c := lead.Reassign{Actor: actor, To: ev.To, Team: ev.Team, PolicyVersion: ev.PolicyVersion}
		d := c
		d.PolicyVersion = 0
		return c, d, nil
	case lead.Paused:
		c := lead.Pause{Actor: actor, Reason: ev.Reason, Until: ev.Until}
		return c, c, nil
	case lead.Resumed:
		c := lead.Resume{Actor: actor}
		return c, c, nil
	}
	// Lifecycle checks let no other event through outside a breach step.
	return nil, nil, &lead.HistoryError{Lead: ev.Base().Lead, Version: ev.Base().Version, Type: ev.Type(), Reason: "is the SLA's, but follows no breach step"}
}

// compare runs both replays of h and sets them side by side.
func (w WhatIf) compare(ctx context.Context, h *history) (*Comparison, error) {
	// A lead found corrupt part way is left out whole.
	h.steps = slices.DeleteFunc(h.steps, func(st replayStep) bool { return h.bad[st.id] })
	slices.SortStableFunc(h.steps, func(a, b replayStep) int { return a.at.Compare(b.at) })
	until := maxTime(w.Until, h.end)
	c := &Comparison{To: until, Commands: len(h.steps), Skipped: h.skipped}
	if len(h.steps) > 0 {
		c.From = h.steps[0].at
	}
	for id := range h.states {
		if !h.bad[id] {
			c.Leads++
			c.Recorded.add(h.recorded[id])
		}
	}
	// The replays share nothing but the history, which they only read,
	// and the router and directory, which an Engine may call from any
	// goroutine anyway.
	var inForce, draft *run
	var inForceErr, draftErr error
	var wg sync.WaitGroup
	wg.Go(func() { inForce, inForceErr = w.replay(ctx, h, w.InForce, false, until) })
	draft, draftErr = w.replay(ctx, h, w.Draft, true, until)
	wg.Wait()
	if inForceErr != nil {
		return nil, fmt.Errorf("leadline: what-if: replay under the policies in force: %w", inForceErr)
	}
	if draftErr != nil {
		return nil, fmt.Errorf("leadline: what-if: replay under the draft: %w", draftErr)
	}
	rows := map[rowKey]*Row{}
	row := func(k rowKey) *Row {
		r := rows[k]
		if r == nil {
			r = &Row{Kind: k.kind, Team: k.team}
			rows[k] = r
		}
		return r
	}
	for k, t := range inForce.rows {
		row(k).InForce = t
		c.InForce.add(t)
	}
	for k, t := range draft.rows {
		row(k).Draft = t
		c.Draft.add(t)
	}
	order := map[lead.DeadlineKind]int{}
	for i, k := range lead.Kinds() {
		order[k] = i
	}
	for _, r := range rows {
		c.Rows = append(c.Rows, *r)
	}
	slices.SortFunc(c.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(a.Team, b.Team))
	})
	for id, a := range inForce.leads {
		if b := draft.leads[id]; !a.equal(*b) {
			c.Changed = append(c.Changed, LeadChange{Lead: id, InForce: *a, Draft: *b})
		}
	}
	slices.SortFunc(c.Changed, func(a, b LeadChange) int { return cmp.Compare(a.Lead, b.Lead) })
	return c, nil
}

// run is the outcome of one replay.
type run struct {
	rows  map[rowKey]Tally
	leads map[lead.ID]*LeadRun
}

// replayClock is a mock clock whose time the replay sets. It moves
// without the sleep clock.Mock takes on every move to let timer
// goroutines run: a replay has no timers (it calls Tick itself) and
// moves its clock tens of thousands of times.
type replayClock struct {
	*clock.Mock // timers, never fired: the replay does not Run
	now         time.Time
}

func (c *replayClock) Now() time.Time                  { return c.now }
func (c *replayClock) Since(t time.Time) time.Duration { return c.now.Sub(t) }
func (c *replayClock) Until(t time.Time) time.Duration { return t.Sub(c.now) }

// replay re-executes h's commands under set on a fresh Engine and store,
// and tallies what the SLA did.
func (w WhatIf) replay(ctx context.Context, h *history, set sla.Set, draft bool, until time.Time) (*run, error) {
	start := until
	if len(h.steps) > 0 {
		start = h.steps[0].at
	}
	clk := &replayClock{Mock: clock.NewMock(start), now: start}
	store := eventstore.NewMemory()
	opts := []Option{WithClock(clk), WithCacheSize(max(len(h.states), 1))}
	if set.Len() > 0 {
		opts = append(opts, WithPolicies(set))
	}
	if w.Router != nil {
		opts = append(opts, WithRouter(w.Router))
	}
	if w.Directory != nil {
		opts = append(opts, WithDirectory(w.Directory))
	}
	e, err := New(store, opts...)
	if err != nil {
		return nil, err
	}
	out := &run{rows: map[rowKey]Tally{}, leads: map[lead.ID]*LeadRun{}}
	for id := range h.states {
		if !h.bad[id] {
			out.leads[id] = &LeadRun{}
		}
	}
	for _, st := range h.steps {
		if err := e.tickUntil(ctx, clk, st.at); err != nil {
			return nil, err
		}
		cmd := st.inForce
		if draft {
			cmd = st.draft
		}
		if _, err := e.Execute(ctx, st.id, cmd); err != nil {
			if !refused(err) {
				return nil, fmt.Errorf("%s %s at %s: %w", cmd.Name(), st.id, st.at.Format(time.RFC3339), err)
			}
			lr := out.leads[st.id]
			lr.Refused = append(lr.Refused, Refusal{Command: cmd.Name(), At: st.at, Err: err})
		}
	}
	if err := e.tickUntil(ctx, clk, until); err != nil {
		return nil, err
	}
	return out, out.tally(ctx, e, store)
}

// refused reports whether err is the Engine refusing a command, rather
// than failing to run it.
func refused(err error) bool {
	var te *lead.TransitionError
	var ce *lead.ConditionError
	var ve *lead.ValidationError
	return errors.As(err, &te) || errors.As(err, &ce) || errors.As(err, &ve) ||
		errors.Is(err, sla.ErrNoRep) || errors.Is(err, ErrNotFound)
}

// tickUntil moves clk to each instant up to t at which something of a
// lead comes due, and records it, as Run would on a real clock; then it
// moves clk to t.
func (e *Engine) tickUntil(ctx context.Context, clk *replayClock, t time.Time) error {
	for {
		next, ok := e.book.next()
		if !ok || next.After(t) {
			break
		}
		clk.now = maxTime(clk.now, next)
		n, err := e.Tick(ctx)
		if err != nil {
			return err
		}
		if again, ok := e.book.next(); n == 0 && ok && !again.After(clk.now) {
			// Due, yet nothing to record: the queue and the plan disagree.
			return fmt.Errorf("leadline: what-if: a lead stays due at %s with nothing to record", clk.now.Format(time.RFC3339))
		}
	}
	clk.now = maxTime(clk.now, t)
	return ctx.Err()
}

// tally reads what a replay recorded and counts the SLA's events per
// deadline kind and team, and each lead's end.
func (r *run) tally(ctx context.Context, e *Engine, store eventstore.Store) error {
	recs, err := store.Read(ctx, 1, 0)
	if err != nil {
		return err
	}
	states := map[lead.ID]lead.State{}
	last := map[lead.ID]lead.Event{}
	for _, rec := range recs {
		ev, err := e.decodeRecord(ctx, rec)
		if err != nil {
			return err // the replay's own store holds what its Engine wrote
		}
		id := ev.Base().Lead
		s := states[id]
		if kind, t, ok := slaTally(last[id], ev); ok {
			k := rowKey{kind, s.Team}
			sum := r.rows[k]
			sum.add(t)
			r.rows[k] = sum
			if lr := r.leads[id]; lr != nil {
				lr.Tally.add(t)
			}
		}
		states[id] = lead.Evolve(s, ev)
		last[id] = ev
	}
	for id, lr := range r.leads {
		s := states[id]
		lr.Stage, lr.Rep, lr.Team = s.Stage, s.Rep, s.Team
	}
	return nil
}
