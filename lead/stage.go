package lead

import "fmt"

// Stage is where a lead stands in the demand waterfall.
type Stage uint8

// The stages of a lead. StageNone is the state of a lead that has not been
// captured yet (an empty stream).
const (
	StageNone         Stage = iota
	StageCaptured           // an inquiry: contact data and source known (marketing)
	StageNurturing          // back with marketing after a return or recycle
	StageMQL                // marketing qualified: sales-ready by score or by hand
	StageHandedOff          // routed to a rep; the accept/reject clock runs
	StageAccepted           // sales accepted (SAL); touch and qualify clocks run
	StageSQL                // sales qualified: amount, close date, probability known
	StageStalled            // no progress within the stall window
	StageWon                // closed as a customer
	StageLost               // closed without a deal; may be recycled
	StageDisqualified       // not a fit; final
	stageCount
)

var stageNames = [...]string{
	StageNone:         "None",
	StageCaptured:     "Captured",
	StageNurturing:    "Nurturing",
	StageMQL:          "MQL",
	StageHandedOff:    "HandedOff",
	StageAccepted:     "Accepted",
	StageSQL:          "SQL",
	StageStalled:      "Stalled",
	StageWon:          "Won",
	StageLost:         "Lost",
	StageDisqualified: "Disqualified",
}

// Stages returns every stage a captured lead can be in, in funnel order.
func Stages() []Stage {
	s := make([]Stage, 0, stageCount-1)
	for st := StageCaptured; st < stageCount; st++ {
		s = append(s, st)
	}
	return s
}

// String returns the stage's name, as used in the codec and the diagram.
func (s Stage) String() string {
	if s < stageCount {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// ParseStage returns the stage named name (as String writes it).
func ParseStage(name string) (Stage, error) {
	for st, n := range stageNames {
		if n == name {
			return Stage(st), nil
		}
	}
	return StageNone, fmt.Errorf("lead: unknown stage %q", name)
}

// MarshalText encodes the stage as its name.
func (s Stage) MarshalText() ([]byte, error) {
	if s >= stageCount {
		return nil, fmt.Errorf("lead: invalid stage %d", uint8(s))
	}
	return []byte(stageNames[s]), nil
}

// UnmarshalText decodes a stage name.
func (s *Stage) UnmarshalText(b []byte) error {
	st, err := ParseStage(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}

// Owner says which team holds a lead in stage s: "marketing", "sales", or
// "" for outcomes and StageNone.
func (s Stage) Owner() string {
	switch s {
	case StageCaptured, StageNurturing, StageMQL:
		return "marketing"
	case StageHandedOff, StageAccepted, StageSQL, StageStalled:
		return "sales"
	}
	return ""
}

// Closed reports whether s is an outcome (Won, Lost or Disqualified).
func (s Stage) Closed() bool {
	return s == StageWon || s == StageLost || s == StageDisqualified
}
