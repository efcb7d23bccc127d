package leadline

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ErrInvalidOption is matched (with errors.Is) by the error New returns
// for an option it cannot take.
var ErrInvalidOption = errors.New("leadline: invalid option")

// Option configures an Engine; pass them to New.
type Option func(*Engine) error

func optionError(option, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidOption, option, fmt.Sprintf(format, args...))
}

// WithClock sets the clock the Engine stamps events with and runs SLA
// timers on. The default is the real clock; tests pass clock.NewMock.
func WithClock(c clock.Clock) Option {
	return func(e *Engine) error {
		if c == nil {
			return optionError("WithClock", "nil clock")
		}
		e.clock = c
		return nil
	}
}

// WithRetries sets how many times a command is decided again after its
// append met a concurrent write (an ErrConflict). The default is 10.
func WithRetries(n int) Option {
	return func(e *Engine) error {
		if n < 0 {
			return optionError("WithRetries", "%d is negative", n)
		}
		e.retries = n
		return nil
	}
}

// WithCacheSize bounds how many leads' current states the Engine keeps in
// memory between commands (default 65536; 0 turns the cache off). The
// cache only saves reading and folding; the store stays the truth, and a
// cached state is brought up to date from the store before every decision.
func WithCacheSize(n int) Option {
	return func(e *Engine) error {
		if n < 0 {
			return optionError("WithCacheSize", "%d is negative", n)
		}
		e.book.maxStates = n
		return nil
	}
}

// WithBackoff sets how the Engine waits before trying again after a
// transient store error (Run) or a conflict with a concurrent writer
// (every command): first wait min, doubling up to max, with jitter. The
// waits are in real time whatever the Engine's clock, because they are
// about the store recovering, not about the SLA. Defaults: 1ms and 5s.
func WithBackoff(min, max time.Duration) Option {
	return func(e *Engine) error {
		if min <= 0 || max < min {
			return optionError("WithBackoff", "want 0 < min <= max, got %v and %v", min, max)
		}
		e.backoff = backoff{min: min, max: max}
		return nil
	}
}

// WithPolicy adds an SLA policy to its segment (p.Name, "" for the
// default segment: the one every lead is in without WithPolicies). The
// last one given of a segment is its current policy, which new hand-offs
// record and run under; earlier ones stay in force for the leads handed
// off under them, so a policy change never moves a running clock. Leads
// with no known policy version run under the current one. Without a
// policy the Engine keeps no deadlines. A version given twice for one
// segment is an error.
func WithPolicy(p sla.Policy) Option {
	return func(e *Engine) error {
		if err := e.env.Policies.Add(p); err != nil {
			return fmt.Errorf("%w: WithPolicy: %w", ErrInvalidOption, err)
		}
		return nil
	}
}

// WithPolicies sets the Engine's SLA policies to set: several segments,
// each with its versions, and the selector that picks a lead's segment at
// hand-off (see sla.Set). It replaces the policies of earlier WithPolicy
// and WithPolicies options; WithPolicy options after it add to it. A lead
// keeps the segment and version of its hand-off through reassignments and
// breach ladders; a new version of a segment applies to new hand-offs
// only. An empty set is an error.
func WithPolicies(set sla.Set) Option {
	return func(e *Engine) error {
		if set.Len() == 0 {
			return optionError("WithPolicies", "the set has no policies")
		}
		e.env.Policies = set.Clone()
		return nil
	}
}

// WithRouter sets the router that picks a rep for hand-offs without one
// and for reassignments. Without a router, a reassignment step of a breach
// ladder falls through to the next step's action.
func WithRouter(r sla.Router) Option {
	return func(e *Engine) error {
		if r == nil {
			return optionError("WithRouter", "nil router")
		}
		e.env.Router = r
		if d, ok := r.(sla.Directory); ok && e.env.Directory == nil {
			e.env.Directory = d
		}
		return nil
	}
}

// WithDirectory sets the directory of reps: hand-offs to a rep it does not
// know are refused, and escalations go to the rep's manager. A router that
// is also a Directory (sla.RoundRobin) serves as both.
func WithDirectory(d sla.Directory) Option {
	return func(e *Engine) error {
		if d == nil {
			return optionError("WithDirectory", "nil directory")
		}
		e.env.Directory = d
		return nil
	}
}

// WithLogger sets where the Engine reports what it does not return to a
// caller: records it quarantines, store errors Run retries, SLA steps it
// records. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) error {
		if l == nil {
			return optionError("WithLogger", "nil logger")
		}
		e.log = l
		return nil
	}
}

// WithFaults sets a function the Engine calls with every record it
// quarantines (see Fault): a record that is not a lead event, does not
// decode, breaks its stream's versioning or is not a legal step of the
// lifecycle. fn runs on the goroutine that read the record and must not
// block for long. Faults are also logged.
func WithFaults(fn func(Fault)) Option {
	return func(e *Engine) error {
		if fn == nil {
			return optionError("WithFaults", "nil function")
		}
		e.faults = fn
		return nil
	}
}

// WithMeterProvider has the Engine record its metrics (the Metric*
// constants) through mp: commands by kind and outcome, warnings and breach
// steps, open deadlines, time to accept and to first touch, append
// latency and conflicts, quarantined records. Without it the Engine
// records none; it never uses OpenTelemetry's global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(e *Engine) error {
		if mp == nil {
			return optionError("WithMeterProvider", "nil provider")
		}
		e.meter = mp
		return nil
	}
}

// WithKeys has the Engine seal the personal fields of lead events (see
// lead.PersonalFields) with a data key per lead, kept in ks, before they
// reach the store, and makes Erase possible (see PRIVACY.md). Every read
// of a sealed event gets the lead's key from ks; when ks cannot give it
// (unreachable, or the key lost) the read fails with an error matching
// ErrKeyUnavailable, never with plaintext or a guess. Without WithKeys
// the Engine stores personal fields in plaintext, as it always did, and
// cannot read sealed events.
func WithKeys(ks eventstore.KeyStore) Option {
	return func(e *Engine) error {
		if ks == nil {
			return optionError("WithKeys", "nil key store")
		}
		e.keys = ks
		return nil
	}
}

// WithUpcasters has the Engine read events of older schema versions and
// renamed types through u (see lead.Upcasters), which should start from
// lead.NewUpcasters so that the built-in types' own are in it. The Engine
// keeps a copy: adding to u later changes nothing. Without it the Engine
// reads with the built-in upcasters.
func WithUpcasters(u *lead.Upcasters) Option {
	return func(e *Engine) error {
		if u == nil {
			return optionError("WithUpcasters", "nil upcasters")
		}
		e.decoder.Upcasters = u.Clone()
		return nil
	}
}

// WithCheckpoints has the Engine save checkpoints to cp (see Checkpoints)
// and resume from the saved one: the first Run or Rebuild loads it and
// reads only the store's records after it, instead of the whole store.
// Run saves a checkpoint every period of real time (none when every is
// 0) and one when it stops; Engine.Checkpoint saves one at any time.
//
// A checkpoint is used only under the policies it was written under
// (WithPolicy, WithPolicies): every policy, each segment's current
// version, and the selector when it is sla.Rules. A selector of another
// kind counts by its type only, and reps' own calendars (sla.Rep.Calendar)
// do not count: after changing what such a selector does or a rep's
// hours, remove the saved checkpoint. Corrupt leads stay corrupt across a restart
// from a checkpoint, without their faults being reported again.
func WithCheckpoints(cp Checkpoints, every time.Duration) Option {
	return func(e *Engine) error {
		if cp == nil {
			return optionError("WithCheckpoints", "nil Checkpoints")
		}
		if every < 0 {
			return optionError("WithCheckpoints", "period %v is negative", every)
		}
		e.checkpoints, e.every = cp, every
		return nil
	}
}
