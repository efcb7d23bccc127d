package lead

import "slices"

// MaxOriginLen is the longest command ID or correlation ID an Origin may
// carry.
const MaxOriginLen = 128

// MaxRemembered is how many identified commands a State remembers: the
// lead's last MaxRemembered commands that carried an Origin.Command.
const MaxRemembered = 16

// Origin says where a command came from. Command is the caller's ID for
// the command (an HTTP Idempotency-Key, a NATS message ID, a job ID): two
// commands with the same Command on one lead are one request sent twice,
// and the second must not be recorded again. Correlation is passed
// through untouched, for tracing a request across services. Both are
// optional, 0 to MaxOriginLen bytes of printable ASCII without spaces;
// DecideWith copies them into the Meta of every event it adds.
type Origin struct {
	Command     string
	Correlation string
}

// Applied is a command with an ID that a lead's history holds: the events
// it added are versions From to From+Count-1.
type Applied struct {
	ID      string // the command's Origin.Command
	Command string // the command's name, e.g. "Touch"
	From    uint64
	Count   int
}

// Applied returns the command with ID id among the lead's last
// MaxRemembered identified commands, if it is there.
func (s State) Applied(id string) (Applied, bool) {
	if id == "" {
		return Applied{}, false
	}
	for i := len(s.Recent) - 1; i >= 0; i-- {
		if s.Recent[i].ID == id {
			return s.Recent[i], true
		}
	}
	return Applied{}, false
}

// remember folds an event's command ID into the applied commands: the
// event extends the last one when it carries the same ID and follows it,
// and starts a new one otherwise, forgetting the oldest beyond
// MaxRemembered.
func (s *State) remember(e Event, m *Meta, owned bool) {
	if m.Command == "" {
		return
	}
	if n := len(s.Recent); n > 0 {
		if last := &s.Recent[n-1]; last.ID == m.Command && last.From+uint64(last.Count) == m.Version {
			if !owned {
				s.Recent = slices.Clone(s.Recent)
				last = &s.Recent[n-1]
			}
			last.Count++
			return
		}
	}
	a := Applied{ID: m.Command, Command: commandOf(e), From: m.Version, Count: 1}
	if len(s.Recent) < MaxRemembered {
		s.Recent = append(clip(s.Recent, owned, 4), a)
		return
	}
	recent := s.Recent
	if !owned {
		recent = make([]Applied, MaxRemembered)
	}
	copy(recent, s.Recent[1:])
	recent[MaxRemembered-1] = a
	s.Recent = recent
}

func (c *checker) origin(o Origin) {
	c.printable("Origin.Command", o.Command)
	c.printable("Origin.Correlation", o.Correlation)
}

func (c *checker) printable(field, v string) {
	if len(v) > MaxOriginLen {
		c.fail(field, "is %d bytes, over the limit of %d", len(v), MaxOriginLen)
		return
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b <= ' ' || b > '~' {
			c.fail(field, "holds byte %#02x; it must be printable ASCII without spaces", b)
			return
		}
	}
}
