package dashboard

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ErrInvalidOption is matched (with errors.Is) by the error New returns
// for an option it cannot take.
var ErrInvalidOption = errors.New("dashboard: invalid option")

// Option configures a Board; pass them to New.
type Option func(*Board) error

func optionError(option, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidOption, option, fmt.Sprintf(format, args...))
}

// The defaults of the options.
const (
	// DefaultTarget is the share of deadlines of each kind the SLA is
	// expected to meet, drawn as the target line, unless WithTarget says
	// otherwise for the kind.
	DefaultTarget = 0.9
	// DefaultAtRisk is how far ahead a deadline puts its lead among the
	// leads at risk.
	DefaultAtRisk = 4 * time.Hour
	// DefaultRefresh is the least wall time between two update notices an
	// open page receives while events arrive.
	DefaultRefresh = time.Second
	// DefaultFeed is how many breach steps the breach feed keeps.
	DefaultFeed = 50
)

// WithPolicy adds an SLA policy to its segment, as leadline.WithPolicy
// does for the Engine: the Board derives the deadlines of the leads at
// risk from the policy each lead's hand-off recorded, and counts in its
// compliance figures only the clocks the lead's policy has a rule for
// (funnel.Projection.Policies). Give the Board the policies the Engine
// runs; without any, no lead is shown at risk and every clock counts.
func WithPolicy(p sla.Policy) Option {
	return func(b *Board) error {
		if err := b.policies.Add(p); err != nil {
			return fmt.Errorf("%w: WithPolicy: %w", ErrInvalidOption, err)
		}
		return nil
	}
}

// WithPolicies sets the Board's SLA policies to set (see WithPolicy). An
// empty set is an error.
func WithPolicies(set sla.Set) Option {
	return func(b *Board) error {
		if set.Len() == 0 {
			return optionError("WithPolicies", "the set has no policies")
		}
		b.policies = set.Clone()
		return nil
	}
}

// WithClock sets the clock "now" is read from: the leads at risk, the
// current period and the pacing of commitments depend on it. The default
// is the real clock.
func WithClock(c clock.Clock) Option {
	return func(b *Board) error {
		if c == nil {
			return optionError("WithClock", "nil clock")
		}
		b.clock = c
		return nil
	}
}

// WithLocation sets the time zone of the days, weeks, months and quarters
// shown, and of the times in the tables. The default is UTC.
func WithLocation(loc *time.Location) Option {
	return func(b *Board) error {
		if loc == nil {
			return optionError("WithLocation", "nil location")
		}
		b.loc = loc
		return nil
	}
}

// WithTarget sets the share in (0, 1] of deadlines of kind k the SLA is
// expected to meet, drawn as the target line of the kind's compliance
// chart and used to colour the tables (DefaultTarget otherwise).
func WithTarget(k lead.DeadlineKind, share float64) Option {
	return func(b *Board) error {
		if !(share > 0 && share <= 1) {
			return optionError("WithTarget", "%s: target %v is not a share in (0, 1]", k, share)
		}
		b.targets[k] = share
		return nil
	}
}

// WithCommitments sets the SLA's commitments the Board paces (see
// funnel.Commitment and funnel.Projection.Review). A commitment that
// Review refuses is an error here already.
func WithCommitments(cs ...funnel.Commitment) Option {
	return func(b *Board) error {
		var p funnel.Projection
		for i, c := range cs {
			if _, err := p.Review(c, time.Unix(0, 0), time.Unix(0, 0)); err != nil {
				return fmt.Errorf("%w: WithCommitments: commitment %d (%q): %w", ErrInvalidOption, i, c.Name, err)
			}
		}
		b.commitments = append(b.commitments[:0:0], cs...)
		return nil
	}
}

// WithAtRisk sets how far ahead of its deadline a lead is shown at risk
// (DefaultAtRisk otherwise).
func WithAtRisk(d time.Duration) Option {
	return func(b *Board) error {
		if d <= 0 {
			return optionError("WithAtRisk", "%v is not a positive duration", d)
		}
		b.atRisk = d
		return nil
	}
}

// WithRefresh sets the least wall time between two update notices an open
// page receives (DefaultRefresh otherwise): each notice makes the page
// fetch the board again, so a busy feed does not turn into a busy server.
// Breach steps are pushed as they happen regardless.
func WithRefresh(d time.Duration) Option {
	return func(b *Board) error {
		if d < 0 || d > time.Hour {
			return optionError("WithRefresh", "%v is not between 0 and an hour", d)
		}
		b.refresh = d
		return nil
	}
}

// WithFeed sets how many of the latest breach steps the breach feed keeps
// (DefaultFeed otherwise).
func WithFeed(n int) Option {
	return func(b *Board) error {
		if n < 1 || n > math.MaxInt32 {
			return optionError("WithFeed", "%d is not a positive count", n)
		}
		b.feedSize = n
		return nil
	}
}

// WithTitle sets the page's title (default "Sales & marketing SLA").
func WithTitle(title string) Option {
	return func(b *Board) error {
		if title == "" {
			return optionError("WithTitle", "empty title")
		}
		b.title = title
		return nil
	}
}
