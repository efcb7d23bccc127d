package leadline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// ErrForeign is matched by the Err of a Fault for a record that is not a
// lead event at all: its Type is none of the lead codec's. Such records
// are most often another application's, sharing the store (or, on NATS,
// publishing on its subjects); they are reported like every other fault,
// but logged at Debug rather than Warn.
var ErrForeign = errors.New("leadline: not a lead event")

// Fault is a record the Engine quarantined: it is not a lead event
// (ErrForeign), does not decode (lead.ErrMalformed, lead.ErrUnknownEvent),
// does not follow its stream's versioning, or is not a legal step of the
// lifecycle from the state before it (both *lead.HistoryError). The
// Engine reports each once (WithFaults, and the logger), skips it, and
// answers every command and read of its lead with a *CorruptError; every
// other lead goes on being enforced. An event log cannot be edited, so a
// corrupt lead stays corrupt: its events are still in the store, for a
// person to look at.
type Fault struct {
	Position uint64 // in the store's global order; 0 when met loading one lead
	Stream   string // the record's stream: the lead ID for a lead's records
	Version  uint64 // the version the record claims (0 when it has none)
	Type     string // the record's type
	Err      error
}

// ErrCorrupt is matched by every *CorruptError.
var ErrCorrupt = errors.New("leadline: corrupt lead history")

// CorruptError is the answer for a lead whose stored history holds a
// record the Engine quarantined: the lead's state cannot be known, so no
// command is decided on it and nothing is appended.
type CorruptError struct {
	Lead     lead.ID
	Position uint64 // of the first bad record in the global order, 0 if met by a load
	Version  uint64 // the version that record claims
	Err      error  // why it was quarantined
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("leadline: lead %s is corrupt at version %d (position %d): %v", e.Lead, e.Version, e.Position, e.Err)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Unwrap returns why the record was quarantined.
func (e *CorruptError) Unwrap() error { return e.Err }

// eventTypes is the set of the codec's event types.
var eventTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range lead.EventTypes() {
		m[t] = true
	}
	return m
}()

// decodeRecord reads a stored record as a lead event, through the
// Engine's upcasters and with its key store for sealed personal fields,
// and checks that the event is where the record says: same type, lead and
// version. An error matching ErrKeyUnavailable is no fault of the record:
// callers return it rather than quarantine the lead.
func (e *Engine) decodeRecord(ctx context.Context, r eventstore.Record) (lead.Event, error) {
	if !eventTypes[r.Type] && !e.upcasts(r.Type) {
		return nil, fmt.Errorf("%w: type %q in stream %q", ErrForeign, r.Type, r.Stream)
	}
	d := e.decoder
	if e.keys != nil {
		d.Key = func(id lead.ID) (*lead.DataKey, error) { return e.dataKey(ctx, id) }
	}
	ev, err := d.Decode(r.Data)
	if errors.Is(err, lead.ErrNoKey) {
		return nil, fmt.Errorf("%w: the Engine has no key store (WithKeys): %w", ErrKeyUnavailable, err)
	}
	if err != nil {
		return nil, err
	}
	if m := ev.Base(); ev.Type() != r.Type && !e.upcasts(r.Type) || string(m.Lead) != r.Stream || m.Version != r.Version {
		return nil, &lead.HistoryError{Lead: lead.ID(r.Stream), Version: r.Version, Type: r.Type,
			Reason: fmt.Sprintf("the record holds a %s for lead %s at version %d", ev.Type(), m.Lead, m.Version)}
	}
	return ev, nil
}

// corrupt marks lead id corrupt at record r for reason err, reports the
// fault the first time, and returns the lead's CorruptError.
func (e *Engine) corrupt(id lead.ID, r eventstore.Record, err error) *CorruptError {
	ce := &CorruptError{Lead: id, Position: r.Position, Version: r.Version, Err: err}
	ce, first := e.book.markCorrupt(id, ce)
	if first {
		e.metrics.quarantine(err)
		f := Fault{Position: r.Position, Stream: r.Stream, Version: r.Version, Type: r.Type, Err: err}
		level := slog.LevelWarn
		if errors.Is(err, ErrForeign) {
			level = slog.LevelDebug
		}
		e.log.Log(context.Background(), level, "leadline: quarantined a record", "stream", f.Stream, "version", f.Version, "position", f.Position, "type", f.Type, "err", err)
		if e.faults != nil {
			e.faults(f)
		}
	}
	return ce
}

// state returns lead id's state, brought up to date from the store and
// checked event by event (lead.Apply).
func (e *Engine) state(ctx context.Context, id lead.ID) (lead.State, error) {
	s, err := e.book.state(id)
	if err != nil {
		return lead.State{}, err
	}
	newer, err := e.topUp(ctx, id, &s)
	if err != nil {
		return lead.State{}, err
	}
	if newer {
		e.book.put(s)
	}
	return s, nil
}

// entryState is state for the lead of entry en.
func (e *Engine) entryState(ctx context.Context, en *entry) (lead.State, error) {
	s, err := e.book.entryState(en)
	if err != nil {
		return lead.State{}, err
	}
	if err := e.refresh(ctx, en, &s); err != nil {
		return lead.State{}, err
	}
	return s, nil
}

// refresh folds the records of en's lead after *s into it, in place,
// and caches the result when there were any.
func (e *Engine) refresh(ctx context.Context, en *entry, s *lead.State) error {
	newer, err := e.topUp(ctx, en.id, s)
	if newer {
		e.book.putEntry(en, s)
	}
	return err
}

// topUp folds the records of lead id after *s into it, in place; newer
// says whether there were any. On an error *s is left as it was.
func (e *Engine) topUp(ctx context.Context, id lead.ID, s *lead.State) (newer bool, err error) {
	recs, err := e.store.Load(ctx, string(id), s.Version+1)
	if err != nil {
		return false, fmt.Errorf("leadline: load %s: %w", id, err)
	}
	if len(recs) == 0 {
		return false, nil
	}
	folded, err := e.fold(ctx, id, *s, recs, nil)
	if err != nil {
		return false, err
	}
	*s = folded
	return true, nil
}

// fold decodes recs, records of lead id read after state s, and folds
// them into a copy of s in place (lead.Fold), appending each event to
// *events when events is not nil. The first record it cannot take makes
// the lead corrupt; a data key it cannot get is returned as it is.
func (e *Engine) fold(ctx context.Context, id lead.ID, s lead.State, recs []eventstore.Record, events *[]lead.Event) (lead.State, error) {
	f := lead.NewFold(s)
	for _, r := range recs {
		ev, err := e.decodeRecord(ctx, r)
		if errors.Is(err, ErrKeyUnavailable) {
			return s, err
		}
		if err == nil {
			err = f.Apply(ev)
		}
		if err != nil {
			return s, e.corrupt(id, r, err)
		}
		if events != nil {
			*events = append(*events, ev)
		}
	}
	return f.State()
}
