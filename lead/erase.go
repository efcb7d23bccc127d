package lead

import "time"

// Erase records that the lead's personal data was erased (an Erased
// event). Decide only records the fact: what makes the data unreadable is
// deleting the lead's data key, which the Engine's Erase does first. On a
// lead already erased it adds nothing, so a retried erasure is harmless.
type Erase struct {
	Actor string
	// Reason says why, e.g. the erasure request it answers. It is stored
	// in plaintext and must not hold personal data itself.
	Reason string
}

func (Erase) Name() string { return "Erase" }

func (c Erase) validate(time.Time) error {
	v := checker{cmd: "Erase"}
	v.text("Actor", c.Actor, MaxFieldLen, false)
	v.prose("Reason", c.Reason, true)
	return v.err
}

func (c Erase) decide(s State, m Meta) ([]Event, Stage, error) {
	return []Event{Erased{Meta: m.by(c.Actor), Reason: c.Reason}}, s.Stage, nil
}

func (c Erase) settled(s State) bool { return s.Erased }
