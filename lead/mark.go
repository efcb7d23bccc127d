package lead

// Warned reports whether the warning at fraction f of deadline d is
// already recorded.
func (s State) Warned(d DeadlineID, f float64) bool {
	return s.Marked(d, false, warningStep(f))
}
