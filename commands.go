package leadline

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/leadline/leadline/lead"
)

// The methods below are Execute with one command each, for callers who
// prefer a method per step of the lifecycle. Each returns the errors
// Execute returns.

// Capture records a new lead and returns its ID. When c.ID is empty the
// Engine issues a UUID v7, which sorts by creation time.
func (e *Engine) Capture(ctx context.Context, c lead.Capture) (lead.ID, error) {
	if c.ID == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return "", fmt.Errorf("leadline: lead ID: %w", err)
		}
		c.ID = lead.ID(u.String())
	}
	if _, err := e.Execute(ctx, c.ID, c); err != nil {
		return "", err
	}
	return c.ID, nil
}

// Score records a new score for lead id.
func (e *Engine) Score(ctx context.Context, id lead.ID, c lead.Score) error {
	return e.run(ctx, id, c)
}

// QualifyMarketing makes lead id an MQL.
func (e *Engine) QualifyMarketing(ctx context.Context, id lead.ID, c lead.QualifyMarketing) error {
	return e.run(ctx, id, c)
}

// HandOff routes lead id to a rep. With a router configured (WithRouter)
// and c.Rep empty, the router picks the rep; the Engine records its SLA
// policy's version on the hand-off.
func (e *Engine) HandOff(ctx context.Context, id lead.ID, c lead.HandOff) error {
	return e.run(ctx, id, c)
}

// Accept records that sales accepted lead id.
func (e *Engine) Accept(ctx context.Context, id lead.ID, c lead.Accept) error {
	return e.run(ctx, id, c)
}

// Reject records that sales rejected lead id.
func (e *Engine) Reject(ctx context.Context, id lead.ID, c lead.Reject) error {
	return e.run(ctx, id, c)
}

// Touch records a sales touch on lead id.
func (e *Engine) Touch(ctx context.Context, id lead.ID, c lead.Touch) error {
	return e.run(ctx, id, c)
}

// QualifySales makes lead id an SQL. The SLA policy's required fields
// (amount, close date, probability) are checked first.
func (e *Engine) QualifySales(ctx context.Context, id lead.ID, c lead.QualifySales) error {
	return e.run(ctx, id, c)
}

// Stall marks lead id as stalled.
func (e *Engine) Stall(ctx context.Context, id lead.ID, c lead.Stall) error {
	return e.run(ctx, id, c)
}

// Recycle returns lead id to marketing's nurture.
func (e *Engine) Recycle(ctx context.Context, id lead.ID, c lead.Recycle) error {
	return e.run(ctx, id, c)
}

// Disqualify closes lead id as not a fit.
func (e *Engine) Disqualify(ctx context.Context, id lead.ID, c lead.Disqualify) error {
	return e.run(ctx, id, c)
}

// Win closes lead id as a customer.
func (e *Engine) Win(ctx context.Context, id lead.ID, c lead.Win) error {
	return e.run(ctx, id, c)
}

// Lose closes lead id without a deal.
func (e *Engine) Lose(ctx context.Context, id lead.ID, c lead.Lose) error {
	return e.run(ctx, id, c)
}

// Reassign hands lead id to another rep, who must accept it anew.
func (e *Engine) Reassign(ctx context.Context, id lead.ID, c lead.Reassign) error {
	return e.run(ctx, id, c)
}

// Pause stops lead id's SLA clocks until Resume.
func (e *Engine) Pause(ctx context.Context, id lead.ID, c lead.Pause) error {
	return e.run(ctx, id, c)
}

// Resume restarts lead id's SLA clocks.
func (e *Engine) Resume(ctx context.Context, id lead.ID, c lead.Resume) error {
	return e.run(ctx, id, c)
}

func (e *Engine) run(ctx context.Context, id lead.ID, c lead.Command) error {
	_, err := e.Execute(ctx, id, c)
	return err
}
