package leadline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// WatchCommitments holds the teams to the commitments of their SLA (N MQLs
// a month, D% reached within X hours, ...): every interval on the Engine's
// clock it brings a funnel.Projection up to date with the store, reviews
// each commitment from the period containing from up to now, and calls fn
// with every alert not reported before — a pacing alert while a period can
// still be saved, a review alert after the commitment's ReviewAfter missed
// periods in a row. Each alert is reported once per commitment, kind and
// period. It is WatchAgreement without a review cadence.
//
// It returns ctx.Err() when ctx ends, fn's error if fn fails, a
// *funnel.FieldError for an invalid commitment, or the store's error.
// Records the Engine quarantines (see Fault) are skipped.
// Alerts are plain values: route them to chat, mail or a NATS subject.
func (e *Engine) WatchCommitments(ctx context.Context, from time.Time, every time.Duration, commitments []funnel.Commitment, fn func(funnel.Alert) error) error {
	if len(commitments) == 0 {
		return errors.New("leadline: WatchCommitments: no commitments")
	}
	return e.watch(ctx, "WatchCommitments", Agreement{From: from, Every: every, Commitments: commitments}, fn)
}

// Agreement is what WatchAgreement holds the teams to: the commitments of
// the SLA, measured from From and looked at every Every on the Engine's
// clock, and when the agreement itself is reviewed (a policy file's
// "review", sla.Set.Review).
type Agreement struct {
	From        time.Time
	Every       time.Duration
	Commitments []funnel.Commitment
	Review      sla.Review
}

// WatchAgreement is WatchCommitments for a whole agreement: besides the
// commitments' pacing and review alerts, it reports a
// funnel.AlertReviewDue once for each review date of a.Review from From
// on (funnel.ReviewsDue), when the Engine's clock reaches it. An
// agreement needs commitments, a review cadence, or both; an invalid
// review cadence is an error matching sla.ErrPolicy.
func (e *Engine) WatchAgreement(ctx context.Context, a Agreement, fn func(funnel.Alert) error) error {
	if len(a.Commitments) == 0 && a.Review.IsZero() {
		return errors.New("leadline: WatchAgreement: no commitments and no review cadence")
	}
	if err := a.Review.Validate(); err != nil {
		return fmt.Errorf("leadline: WatchAgreement: %w", err)
	}
	return e.watch(ctx, "WatchAgreement", a, fn)
}

func (e *Engine) watch(ctx context.Context, name string, a Agreement, fn func(funnel.Alert) error) error {
	if a.Every <= 0 {
		return fmt.Errorf("leadline: %s: interval %v is not positive", name, a.Every)
	}
	var proj funnel.Projection
	paths := map[string]lead.Lifecycle{}
	for _, c := range a.Commitments {
		if _, err := proj.Review(c, a.From, a.From); err != nil {
			return fmt.Errorf("leadline: %s: %w", name, err)
		}
	}
	type key struct {
		commitment int // -1 for the agreement's own review dates
		kind       funnel.AlertKind
		period     time.Time
	}
	reported := map[key]bool{}
	report := func(k key, al funnel.Alert) error {
		if reported[k] {
			return nil
		}
		reported[k] = true
		return fn(al)
	}
	ticker := e.clock.Ticker(a.Every) // before the first review, so no tick is missed
	defer ticker.Stop()
	review := func() error {
		if len(a.Commitments) > 0 {
			if err := e.catchUp(ctx, &proj, paths); err != nil {
				return err
			}
		}
		now := e.clock.Now()
		for i, c := range a.Commitments {
			rv, err := proj.Review(c, a.From, now)
			if err != nil {
				return err
			}
			for _, al := range rv.Alerts {
				if err := report(key{i, al.Kind, al.Period.Start}, al); err != nil {
					return err
				}
			}
		}
		for _, al := range funnel.ReviewsDue(a.Review, a.From, now) {
			if err := report(key{-1, al.Kind, al.Period.Start}, al); err != nil {
				return err
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
