package leadline

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// ErrKeyUnavailable is matched by the error of a read or command that
// needs a lead's data key (WithKeys) and cannot get it: the key store does
// not answer, lost the key, or the Engine has none. Nothing is read in
// plaintext instead and nothing is appended; the lead is not corrupt, and
// the same call succeeds once the key store answers again.
var ErrKeyUnavailable = errors.New("leadline: data key unavailable")

// ErrNoKeys is matched by the error Erase returns on an Engine without a
// key store (WithKeys): its leads' personal fields are plaintext in the
// store, which an event log cannot forget.
var ErrNoKeys = errors.New("leadline: no key store (WithKeys)")

// ErrNotSealed is matched by the error Erase returns for a lead whose
// personal fields are stored in plaintext (captured before the Engine had
// WithKeys): deleting a key would not make them unreadable, so nothing is
// erased.
var ErrNotSealed = errors.New("leadline: the lead's personal fields are not sealed")

// ErrEraseCommand is matched by the error Execute returns for a
// lead.Erase: recording an erasure without deleting the lead's key would
// say the data is gone while it is not. Use Engine.Erase.
var ErrEraseCommand = errors.New("leadline: erasures are made by Engine.Erase")

// Erase forgets the personal data of lead id, for a request such as one
// under GDPR article 17. It deletes the lead's data key from the key
// store, so that every copy of the lead's sealed personal fields (in the
// store, its backups, any consumer's copy of the raw messages) can no
// longer be read, and every read of the lead from then on (Lead, History,
// Subscribe and the projections it feeds) sees them as lead.ErasedField;
// then it appends a lead.Erased event with reason, which must not hold
// personal data itself. Stages, times, amounts and the SLA record stay, so
// funnel and compliance figures do not move.
//
// Erase is idempotent: erasing an erased lead appends nothing and returns
// nil, and calling it again after an error finishes the erasure. The
// options are Execute's (CommandID, CorrelationID).
//
// Errors: ErrNoKeys without WithKeys; ErrNotFound; ErrNotSealed for a lead
// captured without a key store; an error matching ErrKeyUnavailable when
// the key store fails (then nothing is appended); a *lead.ValidationError
// for a bad reason; a *CorruptError; and the store's, as for Execute.
func (e *Engine) Erase(ctx context.Context, id lead.ID, reason string, opts ...CommandOption) error {
	cmd := lead.Erase{Reason: reason}
	err := e.prepareErase(ctx, id, cmd)
	if err != nil {
		e.counted(cmd, nil, false, err)
		return err
	}
	events, _, retried, err := e.run(ctx, id, cmd, origin(opts), nil, true)
	e.counted(cmd, events, retried, err)
	return err
}

// prepareErase checks that lead id can be erased and deletes its key.
func (e *Engine) prepareErase(ctx context.Context, id lead.ID, cmd lead.Erase) error {
	if e.keys == nil {
		return fmt.Errorf("%w: Erase %s", ErrNoKeys, id)
	}
	if err := lead.Validate(cmd, e.clock.Now()); err != nil {
		return err
	}
	s, err := e.state(ctx, id)
	if err != nil {
		return err
	}
	if s.Version == 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if !s.Erased {
		if err := e.sealed(ctx, id); err != nil {
			return err
		}
	}
	// The key goes first: an erasure that stops half-way has forgotten
	// the data and not yet said so, and the next Erase says so.
	if err := e.keys.Delete(ctx, string(id)); err != nil {
		return fmt.Errorf("%w: erase lead %s: %w", ErrKeyUnavailable, id, err)
	}
	return nil
}

// sealed checks that lead id's personal fields are sealed: that reading
// its first event with personal fields asks for the lead's key.
func (e *Engine) sealed(ctx context.Context, id lead.ID) error {
	recs, err := e.store.Load(ctx, string(id), 1)
	if err != nil {
		return fmt.Errorf("leadline: load %s: %w", id, err)
	}
	for _, r := range recs {
		if len(lead.PersonalFields(r.Type)) == 0 {
			continue
		}
		asked := false
		d := e.decoder
		d.Key = func(lead.ID) (*lead.DataKey, error) { asked = true; return nil, nil }
		if _, err := d.Decode(r.Data); err != nil {
			return e.corrupt(id, r, err)
		}
		if !asked {
			return fmt.Errorf("%w: lead %s was captured without a key store; its %s record at version %d holds them in plaintext", ErrNotSealed, id, r.Type, r.Version)
		}
	}
	return nil
}

// dataKey returns lead id's data key for a read, nil when the lead is
// erased.
func (e *Engine) dataKey(ctx context.Context, id lead.ID) (*lead.DataKey, error) {
	k, err := e.keys.Get(ctx, string(id))
	if errors.Is(err, eventstore.ErrKeyErased) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: lead %s: %w", ErrKeyUnavailable, id, err)
	}
	dk, err := lead.NewDataKey(k)
	if err != nil {
		return nil, fmt.Errorf("%w: lead %s: %w", ErrKeyUnavailable, id, err)
	}
	return dk, nil
}

// newDataKey returns lead id's data key for a write, making it when the
// lead has none.
func (e *Engine) newDataKey(ctx context.Context, id lead.ID) (*lead.DataKey, error) {
	k, err := e.keys.Create(ctx, string(id))
	if err != nil {
		return nil, fmt.Errorf("%w: lead %s: %w", ErrKeyUnavailable, id, err)
	}
	dk, err := lead.NewDataKey(k)
	if err != nil {
		return nil, fmt.Errorf("%w: lead %s: %w", ErrKeyUnavailable, id, err)
	}
	return dk, nil
}

// upcasts reports whether the Engine's upcasters read records of type
// typ, an old type name.
func (e *Engine) upcasts(typ string) bool {
	return e.decoder.Upcasters.Reads(typ)
}
