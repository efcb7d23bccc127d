package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
)

// kindLabels name the SLA's clocks the way a sales-ops person says them.
var kindLabels = map[lead.DeadlineKind]string{
	lead.KindHandOff:      "Hand off to sales",
	lead.KindAccept:       "Accept or reject",
	lead.KindFirstTouch:   "First touch",
	lead.KindCadence:      "Touch cadence",
	lead.KindUnresponsive: "Unanswered attempts",
	lead.KindQualify:      "Qualify to SQL",
	lead.KindStall:        "Keep moving (stall)",
}

// kindLabel returns the label of kind k; a kind the dashboard does not
// know yet is shown by its name with spaces.
func kindLabel(k lead.DeadlineKind) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	s := strings.ReplaceAll(string(k), "_", " ")
	if s == "" {
		return "Deadline"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// stageLabels name the funnel's stages as the seed documents' waterfall does.
var stageLabels = map[lead.Stage]string{
	lead.StageCaptured:     "Inquiries",
	lead.StageNurturing:    "Nurturing",
	lead.StageMQL:          "Marketing qualified (MQL)",
	lead.StageHandedOff:    "Handed to sales",
	lead.StageAccepted:     "Accepted by sales (SAL)",
	lead.StageSQL:          "Sales qualified (SQL)",
	lead.StageStalled:      "Stalled",
	lead.StageWon:          "Won",
	lead.StageLost:         "Lost",
	lead.StageDisqualified: "Disqualified",
}

func stageLabel(s lead.Stage) string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return s.String()
}

// actionLabels say what a breach step did, as a sentence's predicate.
var actionLabels = map[lead.Action]string{
	lead.ActionNotify:   "flagged",
	lead.ActionEscalate: "escalated to the manager",
	lead.ActionReassign: "reassigned to another rep",
	lead.ActionReturn:   "returned to marketing",
	lead.ActionStall:    "marked stalled",
}

func actionLabel(a lead.Action) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

// unitLabels name the period units in the period switcher.
var unitLabels = map[funnel.Unit]string{
	funnel.UnitDay:     "Day",
	funnel.UnitWeek:    "Week",
	funnel.UnitMonth:   "Month",
	funnel.UnitQuarter: "Quarter",
}

// periodLabel names a period in full: "March 2026", "Week of 2 Mar 2026",
// "Q1 2026", "Mon 2 Mar 2026".
func periodLabel(p funnel.Period) string {
	switch p.Unit {
	case funnel.UnitDay:
		return p.Start.Format("Mon 2 Jan 2006")
	case funnel.UnitWeek:
		return "Week of " + p.Start.Format("2 Jan 2006")
	case funnel.UnitQuarter:
		return fmt.Sprintf("Q%d %d", (int(p.Start.Month())-1)/3+1, p.Start.Year())
	}
	return p.Start.Format("January 2006")
}

// pointLabel names a period under a chart's point: "2 Mar" for a week
// (its Monday), "Mon 2" for a day, "Mar" for a month.
func pointLabel(p funnel.Period) string {
	switch p.Unit {
	case funnel.UnitDay:
		return p.Start.Format("Mon 2")
	case funnel.UnitWeek:
		return p.Start.Format("2 Jan")
	}
	return p.Start.Format("Jan")
}

// percent formats a share as a whole percentage.
func percent(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

// span says how long d is, roughly: "3 min", "2 h 5 min", "4 days".
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days := int(d / (24 * time.Hour))
	if days == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// when formats an instant for a table: "Tue 3 Mar 14:05".
func when(t time.Time) string { return t.Format("Mon 2 Jan 15:04") }
