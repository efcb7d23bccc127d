package dashboard

import (
	"cmp"
	"slices"
	"time"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// openLeads are the leads in sales' hands (handed off, accepted, SQL or
// stalled), whose sales clocks the board lists. Marketing's hand-off clock
// is not listed: its policy is picked from the lead's capture attributes,
// which the board does not keep for every lead. Each keeps its state,
// without the contact data, so that its deadlines can be derived again at
// its next event (sla.Policy.Deadlines is a function of the state); a lead
// leaves when it returns to marketing or closes. A lead enters with the
// hand-off that starts its accept clock, which also resets every field its
// clocks run from: a feed need not hold the lead's earlier history.
type openLeads struct {
	index map[lead.ID]int32
	leads []openLead
}

// openLead is one lead in sales and its running deadlines, derived at its
// last event.
type openLead struct {
	state lead.State
	dues  []due
}

// due is one running deadline: when it breaches and what its first breach
// step does.
type due struct {
	kind lead.DeadlineKind
	at   int64 // unix ns
	then lead.Action
}

func (o *openLeads) init() { o.index = map[lead.ID]int32{} }

// inSales reports whether a lead in stage s is in sales' hands, where
// its sales clocks can run.
func inSales(s lead.Stage) bool {
	switch s {
	case lead.StageHandedOff, lead.StageAccepted, lead.StageSQL, lead.StageStalled:
		return true
	}
	return false
}

// apply follows ev: it admits a lead handed to sales, steps an open lead
// and derives its deadlines under its policy in set, and lets a lead that
// left sales go.
func (o *openLeads) apply(ev lead.Event, set sla.Set) {
	m := ev.Base()
	i, ok := o.index[m.Lead]
	if !ok {
		switch ev.(type) {
		case lead.HandedOff, lead.Reassigned:
		default:
			return
		}
		s := lead.Evolve(lead.State{ID: m.Lead, Version: m.Version - 1}, ev)
		if s.Stage != lead.StageHandedOff {
			return
		}
		i = int32(len(o.leads))
		o.leads = append(o.leads, openLead{})
		o.index[m.Lead] = i
		o.leads[i].state.ID = m.Lead
	}
	l := &o.leads[i]
	if m.Version <= l.state.Version {
		return
	}
	l.state = lead.Evolve(l.state, ev)
	if !inSales(l.state.Stage) {
		o.remove(m.Lead, i)
		return
	}
	// What deadlines do not read, and a long-lived board should not hold.
	l.state.Email, l.state.FullName, l.state.Reason, l.state.Recent = "", "", "", nil
	switch ev.(type) {
	case lead.DeadlineWarned, lead.Escalated:
		return // marks and notices move no deadline
	}
	l.dues = l.dues[:0]
	p, ok := set.For(l.state)
	if !ok {
		return
	}
	for _, d := range p.Deadlines(l.state) {
		var then lead.Action
		if len(d.Steps) > 0 {
			then = d.Steps[0].Action
		}
		l.dues = append(l.dues, due{kind: d.ID.Kind, at: d.Due.UnixNano(), then: then})
	}
}

// remove drops lead id, at index i, moving the last lead into its place.
func (o *openLeads) remove(id lead.ID, i int32) {
	last := int32(len(o.leads) - 1)
	if i != last {
		o.leads[i] = o.leads[last]
		o.index[o.leads[i].state.ID] = i
	}
	o.leads[last] = openLead{}
	o.leads = o.leads[:last]
	delete(o.index, id)
}

// team returns the team of open lead id, "" when it is not open.
func (o *openLeads) team(id lead.ID) string {
	if i, ok := o.index[id]; ok {
		return o.leads[i].state.Team
	}
	return ""
}

// riskRow is a lead whose deadline comes due soon.
type riskRow struct {
	Lead            lead.ID
	Rep, Team       string
	Stage           string
	Kind            lead.DeadlineKind
	KindLabel       string
	Due             time.Time
	In              string // "1 h 20 min"
	Then            string // what the breach does
	Overdue, Urgent bool
}

// atRisk returns the deadlines due in (now, now+ahead], earliest first, at
// most limit of them, with how many there are in all and how many running
// deadlines are past due (breached and still open).
func (o *openLeads) atRisk(now time.Time, ahead time.Duration, limit int) (rows []riskRow, total, overdue int) {
	lo, hi := now.UnixNano(), now.Add(ahead).UnixNano()
	type hit struct {
		at   int64
		lead int32
		due  int8
	}
	var hits []hit
	for i := range o.leads {
		for j, d := range o.leads[i].dues {
			switch {
			case d.at <= lo:
				overdue++
			case d.at <= hi:
				hits = append(hits, hit{d.at, int32(i), int8(j)})
			}
		}
	}
	total = len(hits)
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(o.leads[a.lead].state.ID, o.leads[b.lead].state.ID))
	})
	top := hits[:min(limit, len(hits))]
	for _, h := range top {
		l := &o.leads[h.lead]
		d := l.dues[h.due]
		at := time.Unix(0, d.at)
		rows = append(rows, riskRow{
			Lead: l.state.ID, Rep: l.state.Rep, Team: l.state.Team, Stage: stageLabel(l.state.Stage),
			Kind: d.kind, KindLabel: kindLabel(d.kind), Due: at, In: span(at.Sub(now)),
			Then: actionLabel(d.then), Urgent: at.Sub(now) <= time.Hour,
		})
	}
	return rows, total, overdue
}

// stalledRow is a lead that is Stalled now.
type stalledRow struct {
	Lead      lead.ID
	Rep, Team string
	From      string
	Since     time.Time
	For       string
}

// stalled returns the stalled leads, longest stalled first, at most limit,
// and how many there are.
func (o *openLeads) stalled(now time.Time, limit int) ([]stalledRow, int) {
	var idx []int32
	for i := range o.leads {
		if o.leads[i].state.Stage == lead.StageStalled {
			idx = append(idx, int32(i))
		}
	}
	slices.SortFunc(idx, func(a, b int32) int {
		sa, sb := &o.leads[a].state, &o.leads[b].state
		return cmp.Or(sa.Entered.Compare(sb.Entered), cmp.Compare(sa.ID, sb.ID))
	})
	rows := make([]stalledRow, 0, min(limit, len(idx)))
	for _, i := range idx[:min(limit, len(idx))] {
		s := &o.leads[i].state
		rows = append(rows, stalledRow{Lead: s.ID, Rep: s.Rep, Team: s.Team, From: stageLabel(s.StalledFrom), Since: s.Entered, For: span(now.Sub(s.Entered))})
	}
	return rows, len(idx)
}
