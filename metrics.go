package leadline

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// The instruments an Engine records through WithMeterProvider. Names
// follow OpenTelemetry's conventions; attributes are in brackets.
const (
	// MetricCommands counts commands given to Execute and Capture
	// [command, outcome]: outcome is "applied" (events appended),
	// "unchanged" (decided, nothing to add), "retried" (recognised by its
	// command ID), "invalid", "refused" (not allowed now) or "failed" (a
	// store error or a corrupt lead).
	MetricCommands = "leadline.commands"
	// MetricWarnings counts the warnings recorded [deadline, segment,
	// policy (the version), team].
	MetricWarnings = "leadline.sla.warnings"
	// MetricBreachSteps counts the breach steps recorded [deadline,
	// action, segment, policy (the version), team].
	MetricBreachSteps = "leadline.sla.breach_steps"
	// MetricOpenDeadlines observes how many leads have a warning or a
	// breach step coming due.
	MetricOpenDeadlines = "leadline.sla.open_deadlines"
	// MetricTimeToAccept is the wall time from hand-off to acceptance, in
	// seconds [team].
	MetricTimeToAccept = "leadline.lead.time_to_accept"
	// MetricTimeToFirstTouch is the wall time from acceptance to the first
	// touch, in seconds [team].
	MetricTimeToFirstTouch = "leadline.lead.time_to_first_touch"
	// MetricAppendDuration is the store's append latency, in seconds
	// [outcome: "ok", "conflict", "error"].
	MetricAppendDuration = "leadline.store.append.duration"
	// MetricConflicts counts appends that met a concurrent writer.
	MetricConflicts = "leadline.store.conflicts"
	// MetricQuarantined counts records quarantined [reason: "foreign",
	// "malformed", "corrupt"].
	MetricQuarantined = "leadline.quarantined"
)

// instruments are the Engine's; with no MeterProvider they are no-ops.
type instruments struct {
	commands      metric.Int64Counter
	warnings      metric.Int64Counter
	breaches      metric.Int64Counter
	toAccept      metric.Float64Histogram
	toFirstTouch  metric.Float64Histogram
	appendLatency metric.Float64Histogram
	conflicts     metric.Int64Counter
	quarantined   metric.Int64Counter
	on            bool

	// sets caches attribute sets of commands and outcomes, so a recorded
	// command allocates nothing.
	sets sync.Map // [4]string -> metric.MeasurementOption
}

func (m *instruments) init(mp metric.MeterProvider, open func() int) error {
	if mp == nil {
		mp = noop.NewMeterProvider()
	} else {
		m.on = true
	}
	meter := mp.Meter("github.com/leadline/leadline")
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	m.commands, err = meter.Int64Counter(MetricCommands, metric.WithDescription("Commands given to the Engine, by kind and outcome."))
	add(err)
	m.warnings, err = meter.Int64Counter(MetricWarnings, metric.WithDescription("SLA warnings recorded."))
	add(err)
	m.breaches, err = meter.Int64Counter(MetricBreachSteps, metric.WithDescription("SLA breach steps recorded."))
	add(err)
	m.toAccept, err = meter.Float64Histogram(MetricTimeToAccept, metric.WithUnit("s"), metric.WithDescription("Wall time from hand-off to acceptance."))
	add(err)
	m.toFirstTouch, err = meter.Float64Histogram(MetricTimeToFirstTouch, metric.WithUnit("s"), metric.WithDescription("Wall time from acceptance to the first touch."))
	add(err)
	m.appendLatency, err = meter.Float64Histogram(MetricAppendDuration, metric.WithUnit("s"), metric.WithDescription("Store append latency."))
	add(err)
	m.conflicts, err = meter.Int64Counter(MetricConflicts, metric.WithDescription("Appends that met a concurrent writer."))
	add(err)
	m.quarantined, err = meter.Int64Counter(MetricQuarantined, metric.WithDescription("Records the Engine quarantined."))
	add(err)
	_, err = meter.Int64ObservableGauge(MetricOpenDeadlines, metric.WithDescription("Leads with a warning or breach step coming due."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(open()))
			return nil
		}))
	add(err)
	return errors.Join(errs...)
}

// pair returns the cached attribute option for attributes k1=v1 and,
// unless k2 is empty, k2=v2.
func (m *instruments) pair(k1, v1, k2, v2 string) metric.MeasurementOption {
	key := [4]string{k1, v1, k2, v2}
	if o, ok := m.sets.Load(key); ok {
		return o.(metric.MeasurementOption)
	}
	kv := []attribute.KeyValue{attribute.String(k1, v1)}
	if k2 != "" {
		kv = append(kv, attribute.String(k2, v2))
	}
	o := metric.WithAttributeSet(attribute.NewSet(kv...))
	m.sets.Store(key, o)
	return o
}

// command records one command's outcome.
func (m *instruments) command(name string, events []lead.Event, err error) {
	if !m.on {
		return
	}
	outcome := "applied"
	switch {
	case err == nil && len(events) == 0:
		outcome = "unchanged"
	case errors.Is(err, lead.ErrInvalid):
		outcome = "invalid"
	case errors.Is(err, lead.ErrTransition), errors.Is(err, ErrSLACommand), errors.Is(err, ErrCommandIDReused):
		outcome = "refused"
	case err != nil:
		outcome = "failed"
	}
	m.commands.Add(context.Background(), 1, m.pair("command", name, "outcome", outcome))
}

// retried records a command recognised by its ID.
func (m *instruments) retried(name string) {
	if m.on {
		m.commands.Add(context.Background(), 1, m.pair("command", name, "outcome", "retried"))
	}
}

// event records what one appended event says: an SLA step, the time to
// accept or to the first touch. s is the lead's state before it.
func (m *instruments) event(s *lead.State, ev lead.Event) {
	if !m.on {
		return
	}
	ctx := context.Background()
	switch ev := ev.(type) {
	case lead.DeadlineWarned:
		m.warnings.Add(ctx, 1, metric.WithAttributes(attribute.String("deadline", string(ev.Deadline.Kind)),
			attribute.String("segment", s.PolicyName), attribute.String("policy", strconv.Itoa(s.PolicyVersion)),
			attribute.String("team", s.Team)))
	case lead.DeadlineBreached:
		m.breaches.Add(ctx, 1, metric.WithAttributes(attribute.String("deadline", string(ev.Deadline.Kind)),
			attribute.String("action", string(ev.Action)), attribute.String("segment", s.PolicyName),
			attribute.String("policy", strconv.Itoa(s.PolicyVersion)), attribute.String("team", s.Team)))
	case lead.Accepted:
		if !s.HandedOffAt.IsZero() {
			m.toAccept.Record(ctx, ev.At.Sub(s.HandedOffAt).Seconds(), m.pair("team", s.Team, "", ""))
		}
	case lead.Touched:
		if s.Touches == 0 && !s.AcceptedAt.IsZero() {
			m.toFirstTouch.Record(ctx, ev.At.Sub(s.AcceptedAt).Seconds(), m.pair("team", s.Team, "", ""))
		}
	}
}

// appendDone records one append's latency and outcome.
func (m *instruments) appendDone(start time.Time, err error) {
	if !m.on {
		return
	}
	outcome := "ok"
	switch {
	case errors.Is(err, eventstore.ErrConflict):
		outcome = "conflict"
		m.conflicts.Add(context.Background(), 1)
	case err != nil:
		outcome = "error"
	}
	m.appendLatency.Record(context.Background(), time.Since(start).Seconds(), m.pair("outcome", outcome, "", ""))
}

// quarantine records one quarantined record.
func (m *instruments) quarantine(err error) {
	if !m.on {
		return
	}
	reason := "corrupt"
	switch {
	case errors.Is(err, ErrForeign):
		reason = "foreign"
	case errors.Is(err, lead.ErrMalformed), errors.Is(err, lead.ErrUnknownEvent):
		reason = "malformed"
	}
	m.quarantined.Add(context.Background(), 1, m.pair("reason", reason, "", ""))
}
