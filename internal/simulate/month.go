package simulate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Month is a scripted month on an Engine: the Engine, the store it writes
// to, the mock clock it runs on, the router of the four reps, and the
// steps not played yet.
type Month struct {
	Engine *leadline.Engine
	Store  *eventstore.Memory
	Clock  *clock.Mock
	// Router routes the hand-offs among ana and ben (territory emea,
	// manager mia) and cai and dee (amer, max), 40 leads each at most.
	Router *sla.RoundRobin
	// Refused, when not nil, is called with each step the Engine refuses
	// and its error: the SLA moved the lead on first (lead.ErrTransition)
	// or no rep had room (sla.ErrNoRep). Other errors stop PlayUntil.
	Refused func(Step, error)

	plan []Step
}

// New scripts the month c and builds the Engine that plays it, with the
// clock at c.Start, the Month's router, and opts (the policies). Nothing
// is played yet.
func New(c Config, opts ...leadline.Option) (*Month, error) {
	plan, err := Script(c)
	if err != nil {
		return nil, err
	}
	router, err := sla.NewRoundRobin("territory",
		sla.Rep{Name: "ana", Team: "emea", Manager: "mia", Capacity: 40, Territories: []string{"emea"}},
		sla.Rep{Name: "ben", Team: "emea", Manager: "mia", Capacity: 40, Territories: []string{"emea"}},
		sla.Rep{Name: "cai", Team: "amer", Manager: "max", Capacity: 40, Territories: []string{"amer"}},
		sla.Rep{Name: "dee", Team: "amer", Manager: "max", Capacity: 40, Territories: []string{"amer"}},
	)
	if err != nil {
		return nil, err
	}
	m := &Month{Store: eventstore.NewMemory(), Clock: clock.NewMock(c.Start), Router: router, plan: plan}
	m.Engine, err = leadline.New(m.Store, append([]leadline.Option{leadline.WithClock(m.Clock), leadline.WithRouter(router)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Left returns how many scripted steps are not played yet.
func (m *Month) Left() int { return len(m.plan) }

// PlayUntil executes the steps due up to until, in order, and leaves the
// clock at until (or where it was, if later). It moves the clock an hour
// at most at a time and ticks the Engine after each move, so the Engine
// records every warning and breach step that comes due on the way, as
// engine.Run would on the real clock.
func (m *Month) PlayUntil(ctx context.Context, until time.Time) error {
	for len(m.plan) > 0 && !m.plan[0].At.After(until) {
		s := m.plan[0]
		m.plan = m.plan[1:]
		if err := m.advance(ctx, s.At); err != nil {
			return err
		}
		if _, err := m.Engine.Execute(ctx, s.Lead, s.Cmd); err != nil {
			if !errors.Is(err, lead.ErrTransition) && !errors.Is(err, sla.ErrNoRep) {
				return fmt.Errorf("%s %s: %w", s.Cmd.Name(), s.Lead, err)
			}
			if m.Refused != nil {
				m.Refused(s, err)
			}
		}
	}
	return m.advance(ctx, until)
}

func (m *Month) advance(ctx context.Context, t time.Time) error {
	for m.Clock.Now().Before(t) {
		m.Clock.Add(min(t.Sub(m.Clock.Now()), time.Hour))
		if _, err := m.Engine.Tick(ctx); err != nil {
			return err
		}
	}
	return nil
}
