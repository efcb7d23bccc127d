package leadline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
)

// WatchCommitments holds the teams to the commitments of their SLA (N MQLs
// a month, D% reached within X hours, ...): every interval on the Engine's
// clock it brings a funnel.Projection up to date with the store, reviews
// each commitment from the period containing from up to now, and calls fn
// with every alert not reported before — a pacing alert while a period can
// still be saved, a review alert after ReviewAfter missed periods in a
// row. Each alert is reported once per commitment, kind and period.
//
// It returns ctx.Err() when ctx ends, fn's error if fn fails, a
// *funnel.FieldError for an invalid commitment, or the store's error.
// Records the Engine quarantines (see Fault) are skipped.
// Alerts are plain values: route them to chat, mail or a NATS subject.
func (e *Engine) WatchCommitments(ctx context.Context, from time.Time, every time.Duration, commitments []funnel.Commitment, fn func(funnel.Alert) error) error {
	if every <= 0 {
		return fmt.Errorf("leadline: WatchCommitments: interval %v is not positive", every)
	}
	if len(commitments) == 0 {
		return errors.New("leadline: WatchCommitments: no commitments")
	}
	var proj funnel.Projection
	paths := map[string]lead.Lifecycle{}
	for _, c := range commitments {
		if _, err := proj.Review(c, from, from); err != nil {
			return fmt.Errorf("leadline: WatchCommitments: %w", err)
		}
	}
	type key struct {
		commitment int
		kind       funnel.AlertKind
		period     time.Time
	}
	reported := map[key]bool{}
	ticker := e.clock.Ticker(every) // before the first review, so no tick is missed
	defer ticker.Stop()
	review := func() error {
		if err := e.catchUp(ctx, &proj, paths); err != nil {
			return err
		}
		now := e.clock.Now()
		for i, c := range commitments {
			rv, err := proj.Review(c, from, now)
			if err != nil {
				return err
			}
			for _, a := range rv.Alerts {
				k := key{i, a.Kind, a.Period.Start}
				if reported[k] {
					continue
				}
				reported[k] = true
				if err := fn(a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for {
		if err := review(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// catchUp applies every record after the projection's position; records
// the Engine quarantines are skipped.
func (e *Engine) catchUp(ctx context.Context, p *funnel.Projection, paths map[string]lead.Lifecycle) error {
	for from := p.Position() + 1; ; {
		recs, err := e.store.Read(ctx, from, 4096)
		if err != nil || len(recs) == 0 {
			return err
		}
		for _, r := range recs {
			from = r.Position + 1
			ev, ok, err := e.readable(ctx, r, paths)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := p.Apply(r.Position, ev); err != nil {
				return err
			}
		}
	}
}
