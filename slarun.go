package leadline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// slaConfig is the Engine's SLA: the policies it knows by version, who
// leads are routed to, and the queue of leads with something coming due.
type slaConfig struct {
	policies map[int]sla.Policy
	current  int // version of the policy new hand-offs run under; 0 = none
	router   sla.Router
	dir      sla.Directory
	log      *slog.Logger
	retry    time.Duration

	ticking sync.Mutex // held by Tick

	mu    sync.Mutex
	queue sla.Queue
	leads map[lead.ID]tracked
	load  map[string]int // open leads per rep
	kick  chan struct{}  // wakes Run when the queue's head moves earlier
}

// tracked is what the Engine remembers of a lead with open work: the
// version it last saw and the rep holding it while open.
type tracked struct {
	version uint64
	rep     string
}

func defaultSLA() slaConfig {
	return slaConfig{policies: map[int]sla.Policy{}, retry: 5 * time.Second}
}

func (c *slaConfig) init() {
	c.leads = make(map[lead.ID]tracked)
	c.load = make(map[string]int)
	c.kick = make(chan struct{}, 1)
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
}

// WithPolicy adds an SLA policy. The last one given is the current policy,
// which new hand-offs record and run under; earlier ones stay in force for
// the leads handed off under them, so a policy change never moves a
// running clock. Leads with no known policy version run under the current
// one. Without a policy the Engine keeps no deadlines.
func WithPolicy(p sla.Policy) Option {
	return func(e *Engine) error {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("leadline: WithPolicy: %w", err)
		}
		p.Warnings = append([]float64(nil), p.Warnings...)
		e.sla.policies[p.Version] = p
		e.sla.current = p.Version
		return nil
	}
}

// WithRouter sets the router that picks a rep for hand-offs without one
// and for reassignments. Without a router, a reassignment step of a breach
// ladder falls through to the next step's action.
func WithRouter(r sla.Router) Option {
	return func(e *Engine) error {
		e.sla.router = r
		if d, ok := r.(sla.Directory); ok && e.sla.dir == nil {
			e.sla.dir = d
		}
		return nil
	}
}

// WithDirectory sets the directory of reps: hand-offs to a rep it does not
// know are refused, and escalations go to the rep's manager. A router that
// is also a Directory (sla.RoundRobin) serves as both.
func WithDirectory(d sla.Directory) Option {
	return func(e *Engine) error {
		e.sla.dir = d
		return nil
	}
}

// WithLogger sets where Run reports what it could not do (a store error
// while recording a breach, which it retries). The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) error {
		if l == nil {
			return errors.New("leadline: WithLogger: nil logger")
		}
		e.sla.log = l
		return nil
	}
}

// policyFor returns the policy lead s runs under, if any.
func (c *slaConfig) policyFor(s lead.State) (sla.Policy, bool) {
	if p, ok := c.policies[s.PolicyVersion]; ok {
		return p, true
	}
	p, ok := c.policies[c.current]
	return p, ok
}

func (c *slaConfig) loadOf(rep string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.load[rep]
}

// complete fills in what the Engine knows and the caller need not: the
// rep from the router, the policy version, the manager to escalate to; and
// checks what the policy requires. It never changes a command's intent.
func (c *slaConfig) complete(s lead.State, cmd lead.Command) (lead.Command, error) {
	switch cmd := cmd.(type) {
	case lead.HandOff:
		if cmd.Rep == "" && c.router != nil {
			rep, err := c.router.Route(s, c.loadOf, "")
			if err != nil {
				return nil, fmt.Errorf("leadline: HandOff: %w", err)
			}
			cmd.Rep, cmd.Team = rep.Name, rep.Team
		}
		if err := c.known("HandOff", "Rep", cmd.Rep); err != nil {
			return nil, err
		}
		if cmd.Team == "" && c.dir != nil {
			if rep, ok := c.dir.Lookup(cmd.Rep); ok {
				cmd.Team = rep.Team
			}
		}
		if cmd.PolicyVersion == 0 {
			cmd.PolicyVersion = c.current
		} else if _, ok := c.policies[cmd.PolicyVersion]; !ok && len(c.policies) > 0 {
			return nil, &lead.ValidationError{Command: "HandOff", Field: "PolicyVersion", Reason: fmt.Sprintf("no policy with version %d", cmd.PolicyVersion)}
		}
		return cmd, nil
	case lead.Reassign:
		if cmd.To == "" && c.router != nil {
			rep, err := c.router.Route(s, c.loadOf, s.Rep)
			if err != nil {
				return nil, fmt.Errorf("leadline: Reassign: %w", err)
			}
			cmd.To, cmd.Team = rep.Name, rep.Team
		}
		if err := c.known("Reassign", "To", cmd.To); err != nil {
			return nil, err
		}
		if cmd.PolicyVersion == 0 {
			cmd.PolicyVersion = c.current
		}
		return cmd, nil
	case lead.QualifySales:
		p, ok := c.policyFor(s)
		if !ok {
			return cmd, nil
		}
		for _, f := range p.RequiredAtSQL {
			missing := f == sla.FieldAmount && cmd.Amount == 0 ||
				f == sla.FieldCloseDate && cmd.CloseDate.IsZero() ||
				f == sla.FieldProbability && cmd.Probability == 0
			if missing {
				return nil, &lead.ValidationError{Command: "QualifySales", Field: fieldName(f), Reason: "is required by the SLA policy"}
			}
		}
		return cmd, nil
	case lead.Breach:
		return c.completeBreach(s, cmd), nil
	}
	return cmd, nil
}

// completeBreach finds the manager for an escalation and the new rep for a
// reassignment. When there is none, the step falls through to the action
// of the ladder's next step (or to notify when it is the last), and the
// recorded breach says which action was taken.
func (c *slaConfig) completeBreach(s lead.State, cmd lead.Breach) lead.Command {
	for {
		switch cmd.Action {
		case lead.ActionEscalate:
			if cmd.To != "" {
				return cmd
			}
			if c.dir != nil {
				if rep, ok := c.dir.Lookup(s.Rep); ok && rep.Manager != "" {
					cmd.To = rep.Manager
					return cmd
				}
			}
		case lead.ActionReassign:
			if cmd.To != "" {
				return cmd
			}
			if c.router != nil {
				if rep, err := c.router.Route(s, c.loadOf, s.Rep); err == nil {
					cmd.To, cmd.Team, cmd.PolicyVersion = rep.Name, rep.Team, c.current
					return cmd
				}
			}
		default:
			return cmd
		}
		cmd.Action = c.fallback(s, cmd)
	}
}

func (c *slaConfig) fallback(s lead.State, cmd lead.Breach) lead.Action {
	p, ok := c.policyFor(s)
	if !ok {
		return lead.ActionNotify
	}
	for _, d := range p.Deadlines(s) {
		if d.ID != cmd.Deadline {
			continue
		}
		for _, st := range d.Steps {
			if st.Step > cmd.Step && st.Action != cmd.Action {
				return st.Action
			}
		}
	}
	return lead.ActionNotify
}

func (c *slaConfig) known(cmd, field, rep string) error {
	if c.dir == nil || rep == "" {
		return nil
	}
	if _, ok := c.dir.Lookup(rep); !ok {
		return &lead.ValidationError{Command: cmd, Field: field, Reason: fmt.Sprintf("unknown rep %q", rep)}
	}
	return nil
}

func fieldName(f sla.Field) string {
	switch f {
	case sla.FieldAmount:
		return "Amount"
	case sla.FieldCloseDate:
		return "CloseDate"
	}
	return "Probability"
}

// observe records lead s as the Engine last saw it: the rep's load and the
// lead's place in the deadline queue. Older versions than one already seen
// are ignored, so observing from commands and from the subscription in any
// order gives the same result.
func (c *slaConfig) observe(s lead.State) {
	if s.ID == "" {
		return
	}
	var wake time.Time
	if p, ok := c.policyFor(s); ok {
		wake = p.Wake(s)
	}
	c.schedule(s, wake)
}

// schedule is observe with the lead's wake instant already known.
func (c *slaConfig) schedule(s lead.State, wake time.Time) {
	rep := ""
	if s.Stage.Owner() == "sales" {
		rep = s.Rep
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, seen := c.leads[s.ID]
	if seen && t.version > s.Version {
		return
	}
	if t.rep != rep {
		if t.rep != "" {
			c.load[t.rep]--
			if c.load[t.rep] <= 0 {
				delete(c.load, t.rep)
			}
		}
		if rep != "" {
			c.load[rep]++
		}
	}
	if rep == "" && wake.IsZero() {
		delete(c.leads, s.ID)
	} else {
		c.leads[s.ID] = tracked{version: s.Version, rep: rep}
	}
	_, head, had := c.queue.Peek()
	c.queue.Set(s.ID, wake)
	if !wake.IsZero() && (!had || wake.Before(head)) {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// Tick records every warning and breach step that is due at the clock's
// current time, for the leads this Engine has seen (through its own
// commands, or through Run's subscription to the store), and returns how
// many events it appended. When it returns without error, everything due
// when it was called is recorded: Ticks of one Engine run one at a time,
// so a Tick never returns while another holds due leads. Run calls it
// whenever the next deadline comes; tests that advance a mock clock call
// it directly to act at once.
func (e *Engine) Tick(ctx context.Context) (int, error) {
	e.sla.ticking.Lock()
	defer e.sla.ticking.Unlock()
	now := e.clock.Now()
	e.sla.mu.Lock()
	ids := e.sla.queue.PopDue(now, nil)
	e.sla.mu.Unlock()
	appended := 0
	var errs []error
	for _, id := range ids {
		n, err := e.fire(ctx, id, now)
		appended += n
		if err != nil {
			if ctx.Err() != nil {
				return appended, ctx.Err()
			}
			errs = append(errs, err)
			e.sla.log.Error("leadline: recording SLA events failed; retrying", "lead", id, "err", err)
			e.sla.mu.Lock()
			e.sla.queue.Set(id, now.Add(e.sla.retry))
			e.sla.mu.Unlock()
		}
	}
	return appended, errors.Join(errs...)
}

// fire records what is due for one lead, one command at a time, deciding
// each against the freshly loaded state.
func (e *Engine) fire(ctx context.Context, id lead.ID, now time.Time) (int, error) {
	appended := 0
	s, err := e.state(ctx, id)
	if err != nil {
		return 0, err
	}
	p, ok := e.sla.policyFor(s)
	if !ok {
		return 0, nil
	}
	// Each round records at least one event or stops; a ladder has at
	// most MaxStepsInLadder steps and a few warnings per clock.
	for range 8 * lead.MaxStepsInLadder {
		due, wake := p.Plan(s, now)
		if len(due) == 0 {
			e.sla.schedule(s, wake)
			return appended, nil
		}
		var events []lead.Event
		events, s, err = e.execute(ctx, id, due[0], execNoSchedule, &s)
		if err != nil {
			return appended, err
		}
		appended += len(events)
		if len(events) == 0 {
			// Another Engine recorded it first; its state says what is
			// left, and the next round plans from it.
			continue
		}
	}
	e.sla.observe(s)
	return appended, nil
}

// Run enforces the SLA until ctx ends. It first rebuilds its deadline
// queue from the store (nothing about timers lives only in memory), then
// follows the store's global order so that commands from other Engines
// schedule deadlines here too, and sleeps on the clock until the earliest
// deadline, where it records warnings and breach steps through Decide with
// the expected version. Several Engines may Run on one store, and an Engine
// may be restarted at any point: each due warning and step is recorded
// exactly once.
//
// Run returns ctx.Err() when ctx ends, or the store's error if following
// it fails. Give the Engine a cache (WithCacheSize) at least as large as the
// number of open leads, or following the store reloads leads it evicted.
func (e *Engine) Run(ctx context.Context) error {
	last, err := e.Rebuild(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	followed := make(chan error, 1)
	go func() {
		err := e.store.Subscribe(ctx, last+1, e.follow(ctx))
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		followed <- err
	}()
	for {
		if _, err := e.Tick(ctx); ctx.Err() != nil {
			return ctx.Err()
		} else if err != nil {
			e.sla.log.Error("leadline: SLA tick", "err", err)
		}
		e.sla.mu.Lock()
		_, next, ok := e.sla.queue.Peek()
		e.sla.mu.Unlock()
		var timer *clock.Timer
		var fire <-chan time.Time
		if ok {
			timer = e.clock.Timer(max(next.Sub(e.clock.Now()), 0))
			fire = timer.C
		}
		select {
		case <-ctx.Done():
		case err := <-followed:
			if ok {
				timer.Stop()
			}
			return fmt.Errorf("leadline: following the store: %w", err)
		case <-e.sla.kick:
		case <-fire:
		}
		if ok {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// Rebuild reads the store's whole global order, brings the Engine's view
// of every lead up to date and queues each lead's next deadline. It returns
// the position of the last record read. Run calls it first; call it
// directly to prepare an Engine that will only Tick.
func (e *Engine) Rebuild(ctx context.Context) (uint64, error) {
	var last uint64
	seen := map[lead.ID]uint64{} // lead -> the last version read
	for {
		recs, err := e.store.Read(ctx, last+1, 4096)
		if err != nil {
			return last, fmt.Errorf("leadline: rebuild: %w", err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if _, err := e.apply(ctx, r); err != nil {
				return last, fmt.Errorf("leadline: rebuild: %w", err)
			}
			seen[lead.ID(r.Stream)] = r.Version
			last = r.Position
		}
	}
	// Schedule each lead once, on the state just folded; only a lead the
	// cache has evicted meanwhile is read from the store again.
	for id, version := range seen {
		s, ok := e.cache.get(id)
		if !ok || s.Version < version {
			var err error
			if s, err = e.state(ctx, id); err != nil {
				return last, fmt.Errorf("leadline: rebuild: %w", err)
			}
		}
		e.sla.observe(s)
	}
	return last, nil
}

// follow returns the function that folds one record of the global order
// into the Engine's view of its lead and schedules the lead.
func (e *Engine) follow(ctx context.Context) func(eventstore.Record) error {
	return func(r eventstore.Record) error {
		s, err := e.apply(ctx, r)
		if err == nil && s.Version == r.Version {
			e.sla.observe(s)
		}
		return err
	}
}

// apply folds record r into the Engine's cached view of its lead and
// returns the lead's state, at r's version or later.
func (e *Engine) apply(ctx context.Context, r eventstore.Record) (lead.State, error) {
	id := lead.ID(r.Stream)
	s, _ := e.cache.get(id)
	switch {
	case s.Version+1 == r.Version:
		ev, err := decodeRecord(r)
		if err != nil {
			return s, err
		}
		s = lead.Evolve(s, ev)
		e.cache.put(id, s)
	case s.Version < r.Version:
		return e.state(ctx, id)
	}
	return s, nil
}
