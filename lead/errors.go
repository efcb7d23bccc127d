package lead

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is matched (with errors.Is) by every *ValidationError.
var ErrInvalid = errors.New("lead: invalid command")

// ErrTransition is matched (with errors.Is) by every *TransitionError.
var ErrTransition = errors.New("lead: command not allowed in this stage")

// ValidationError says which field of a command is bad and why. Decide
// returns it before looking at the state; nothing is appended.
type ValidationError struct {
	Command string // e.g. "Capture"
	Field   string // e.g. "Email"
	Reason  string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("lead: %s.%s: %s", e.Command, e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// TransitionError says that a command is not allowed in the lead's stage,
// and which commands are.
type TransitionError struct {
	Stage   Stage
	Command string
	Allowed []string
}

func (e *TransitionError) Error() string {
	allowed := "none: the stage is final"
	if len(e.Allowed) > 0 {
		allowed = strings.Join(e.Allowed, ", ")
	}
	return fmt.Sprintf("lead: %s is not allowed in stage %s (allowed: %s)", e.Command, e.Stage, allowed)
}

// Is makes errors.Is(err, ErrTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrTransition }

// ConditionError says that a command is allowed in the lead's stage but a
// precondition on the rest of the state does not hold (resuming a lead that
// is not paused, reassigning to the current rep).
type ConditionError struct {
	Command string
	Reason  string
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("lead: %s: %s", e.Command, e.Reason)
}

// Is makes errors.Is(err, ErrTransition) true: like a stage mismatch, the
// command does not apply to the lead as it is.
func (e *ConditionError) Is(target error) bool { return target == ErrTransition }
