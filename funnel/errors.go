package funnel

import "fmt"

// FieldError says which field of an input (a PlanInput, a Commitment) is
// bad and why. Match it with errors.As.
type FieldError struct {
	// Field names the field, as in "PlanInput.DealSize".
	Field string
	// Value is the bad value.
	Value any
	// Reason says what is wrong with it.
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("funnel: %s: %s, got %v", e.Field, e.Reason, e.Value)
}
