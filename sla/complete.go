package sla

import (
	"fmt"

	"github.com/leadline/leadline/lead"
)

// Env is what completing a command needs beyond the lead: the policies in
// force, who leads go to and whom a breach escalates to, and how many
// open leads each rep holds now.
type Env struct {
	// Policies are the SLA policies known, by segment and version, and
	// the selector that picks a new hand-off's segment.
	Policies Set
	// Router picks reps for hand-offs without one and for reassignments;
	// Directory knows reps by name. Either may be nil.
	Router    Router
	Directory Directory
	// Load reports the open leads a rep holds; nil counts none.
	Load func(rep string) int
}

// PolicyFor returns the policy lead s runs under: for a lead marketing
// holds (Captured, Nurturing, MQL), the policy a hand-off would run under
// now (Set.Select), whose hand-off clock and sales-ready threshold apply;
// for a lead handed off, the segment and version its hand-off recorded
// (Set.For). When the Directory gives the rep holding the lead a
// calendar, the policy's rep clocks run in it (Policy.WithRepCalendar).
func (env Env) PolicyFor(s lead.State) (Policy, bool) {
	var p Policy
	var ok bool
	switch s.Stage {
	case lead.StageCaptured, lead.StageNurturing, lead.StageMQL:
		p, ok = env.Policies.Select(s)
	default:
		p, ok = env.Policies.For(s)
	}
	if ok && s.Rep != "" && env.Directory != nil {
		if r, found := env.Directory.Lookup(s.Rep); found && r.Calendar != nil {
			p = p.WithRepCalendar(*r.Calendar)
		}
	}
	return p, ok
}

// Complete returns cmd with what the SLA knows and its caller need not
// say: the rep a hand-off or reassignment goes to (from the router), the
// rep's team, the policy a hand-off runs under (the segment the Set's
// selector picks for the lead, with the rep and team of the hand-off, and
// that segment's current version), the manager an escalation goes to and
// the new rep of a reassignment step, the rep and segment a hand-off
// clock's route step hands the lead to, and the sales-ready threshold a
// Score is judged against (the policy's, for the lead with the new
// score); and it checks what the policy
// requires of the command: a known rep, a known segment and version, the
// fields required at SQL. A reassignment keeps the lead's segment; a
// version it names must be one of that segment's. It never changes a command's
// intent, except that a breach step whose action cannot be carried out
// (no manager to escalate to, no rep to reassign to) falls through to the
// action of the ladder's next step, or to notify when none is left; the
// recorded breach names the action taken.
//
// Complete is pure: the same lead, command and Env give the same result.
// A refused command is a *lead.ValidationError naming the field, or an
// error matching ErrNoRep. Complete does not validate the command's own
// input: lead.DecideWith does, on what Complete returns, so a NaN amount
// is reported as a bad Amount rather than as a missing one.
func Complete(s lead.State, cmd lead.Command, env Env) (lead.Command, error) {
	switch cmd := cmd.(type) {
	case lead.Score:
		if !cmd.SalesReady.IsZero() {
			return cmd, nil
		}
		at := s
		at.Fit, at.Intent, at.Score = cmd.Fit, cmd.Intent, cmd.Fit+cmd.Intent
		if p, ok := env.PolicyFor(at); ok {
			cmd.SalesReady = p.SalesReady
		}
		return cmd, nil
	case lead.HandOff:
		if cmd.Rep == "" && env.Router != nil {
			rep, err := env.Router.Route(s, env.Load, "")
			if err != nil {
				return nil, fmt.Errorf("sla: HandOff: %w", err)
			}
			cmd.Rep, cmd.Team = rep.Name, rep.Team
		}
		if err := env.known("HandOff", "Rep", cmd.Rep); err != nil {
			return nil, err
		}
		cmd.Team = env.team(cmd.Rep, cmd.Team)
		if env.Policies.Len() == 0 {
			return cmd, nil
		}
		if cmd.Policy == "" && cmd.PolicyVersion == 0 {
			at := s
			at.Rep, at.Team = cmd.Rep, cmd.Team
			if p, ok := env.Policies.Select(at); ok {
				cmd.Policy, cmd.PolicyVersion = p.Name, p.Version
			}
			return cmd, nil
		}
		if cmd.PolicyVersion == 0 {
			p, ok := env.Policies.Current(cmd.Policy)
			if !ok {
				return nil, &lead.ValidationError{Command: "HandOff", Field: "Policy", Reason: fmt.Sprintf("no policy for segment %q", cmd.Policy)}
			}
			cmd.PolicyVersion = p.Version
		}
		if err := env.version("HandOff", cmd.Policy, cmd.PolicyVersion); err != nil {
			return nil, err
		}
		return cmd, nil
	case lead.Reassign:
		if cmd.To == "" && env.Router != nil {
			rep, err := env.Router.Route(s, env.Load, s.Rep)
			if err != nil {
				return nil, fmt.Errorf("sla: Reassign: %w", err)
			}
			cmd.To, cmd.Team = rep.Name, rep.Team
		}
		if err := env.known("Reassign", "To", cmd.To); err != nil {
			return nil, err
		}
		cmd.Team = env.team(cmd.To, cmd.Team)
		// 0 keeps the lead's policy: a reassignment never moves a lead to
		// another policy unless asked to.
		if err := env.version("Reassign", s.PolicyName, cmd.PolicyVersion); err != nil {
			return nil, err
		}
		return cmd, nil
	case lead.QualifySales:
		p, ok := env.PolicyFor(s)
		if !ok {
			return cmd, nil
		}
		for _, f := range p.RequiredAtSQL {
			missing := f == FieldAmount && cmd.Amount == 0 ||
				f == FieldCloseDate && cmd.CloseDate.IsZero() ||
				f == FieldProbability && cmd.Probability == 0
			if missing {
				return nil, &lead.ValidationError{Command: "QualifySales", Field: f.commandField(), Reason: "is required by the SLA policy"}
			}
		}
		return cmd, nil
	case lead.Breach:
		return env.completeBreach(s, cmd), nil
	}
	return cmd, nil
}

// completeBreach finds the manager for an escalation and the new rep for
// a reassignment, falling through the ladder when there is none.
func (env Env) completeBreach(s lead.State, cmd lead.Breach) lead.Command {
	if cmd.Deadline.Kind == lead.KindHandOff && cmd.Policy == "" {
		if p, ok := env.PolicyFor(s); ok {
			cmd.Policy = p.Name
		}
	}
	for {
		switch cmd.Action {
		case lead.ActionRoute:
			if cmd.To != "" {
				return cmd
			}
			if env.Router != nil {
				if rep, err := env.Router.Route(s, env.Load, ""); err == nil {
					cmd.To, cmd.Team = rep.Name, rep.Team
					at := s
					at.Rep, at.Team = rep.Name, rep.Team
					if p, ok := env.Policies.Select(at); ok {
						cmd.Policy, cmd.PolicyVersion = p.Name, p.Version
					}
					return cmd
				}
			}
		case lead.ActionEscalate:
			if cmd.To != "" {
				return cmd
			}
			if env.Directory != nil {
				if rep, ok := env.Directory.Lookup(s.Rep); ok && rep.Manager != "" {
					cmd.To = rep.Manager
					return cmd
				}
			}
		case lead.ActionReassign:
			if cmd.To != "" {
				return cmd
			}
			if env.Router != nil {
				if rep, err := env.Router.Route(s, env.Load, s.Rep); err == nil {
					cmd.To, cmd.Team = rep.Name, rep.Team
					return cmd
				}
			}
		default:
			return cmd
		}
		cmd.Action = env.fallback(s, cmd)
	}
}

// fallback is the action of the first later step of cmd's ladder with
// another action, or notify.
func (env Env) fallback(s lead.State, cmd lead.Breach) lead.Action {
	p, ok := env.PolicyFor(s)
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

func (env Env) known(cmd, field, rep string) error {
	if env.Directory == nil || rep == "" {
		return nil
	}
	if _, ok := env.Directory.Lookup(rep); !ok {
		return &lead.ValidationError{Command: cmd, Field: field, Reason: fmt.Sprintf("unknown rep %q", rep)}
	}
	return nil
}

// team returns the team the command names, or the rep's from the
// directory.
func (env Env) team(rep, team string) string {
	if team == "" && env.Directory != nil {
		if r, ok := env.Directory.Lookup(rep); ok {
			return r.Team
		}
	}
	return team
}

func (env Env) version(cmd, name string, v int) error {
	if v == 0 || env.Policies.Len() == 0 {
		return nil
	}
	if _, ok := env.Policies.Policy(name, v); !ok {
		reason := fmt.Sprintf("no policy with version %d", v)
		if name != "" {
			reason = fmt.Sprintf("no policy %q with version %d", name, v)
		}
		return &lead.ValidationError{Command: cmd, Field: "PolicyVersion", Reason: reason}
	}
	return nil
}

// commandField names the lead.QualifySales field that carries f.
func (f Field) commandField() string {
	switch f {
	case FieldAmount:
		return "Amount"
	case FieldCloseDate:
		return "CloseDate"
	}
	return "Probability"
}
