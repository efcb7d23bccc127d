// Package clock is the injectable clock leadline's Engine runs its SLA
// timers on: the real wall clock in production, a mock clock that tests
// advance by hand.
//
// It re-exports github.com/benbjohnson/clock so users import one package.
// Only the Engine reads a clock; the domain packages (lead, sla, funnel)
// take the time as an argument instead.
package clock

import (
	"time"

	bclock "github.com/benbjohnson/clock"
)

// Clock is the time source: Now, timers, tickers and sleeps.
type Clock = bclock.Clock

// Mock is a clock that moves only when a test calls Add or Set.
// Timers and tickers created on it fire as the mock time passes them.
type Mock = bclock.Mock

// Timer is a timer created by a Clock.
type Timer = bclock.Timer

// Ticker is a ticker created by a Clock.
type Ticker = bclock.Ticker

// New returns the real clock, backed by package time.
func New() Clock { return bclock.New() }

// NewMock returns a mock clock set to at. Unlike the underlying package's
// mock, which starts at the Unix epoch, it starts where the test says.
func NewMock(at time.Time) *Mock {
	m := bclock.NewMock()
	m.Set(at)
	return m
}
