// Command crmreplay replays a CRM export of opportunities through a funnel
// Projection and prints the baseline the SLA starts from: the funnel, win
// rate, sales cycle, revenue per account, per rep and per manager, and the
// revenue plan those rates imply.
//
// Each row becomes a lead's events: captured, qualified by marketing,
// handed to its owner (the manager is the team), accepted and touched on
// the engaged date, qualified as an SQL for its value when the stage says
// the deal got that far, and won or lost on the closed date.
//
//	go run ./examples/crmreplay                        # the bundled sample
//	go run ./examples/crmreplay -in deals.csv -owner "Sales Agent" -value "Close Value" -managers teams.csv
//	go run ./examples/crmreplay -v                     # also list each skipped row
//
// A row in an early stage (Prospecting, Engaging) with no engaged date is a
// lead handed to its owner and not yet engaged: it counts as handed off,
// dated at the latest date in the export. Open pipeline is the value of the
// opportunities qualified and not yet won or lost. The export's dates have
// no time of day, so cycles are reported in whole days.
//
// Dates may be ISO (2026-03-31) or US (3/31/2026). Rows that cannot be read
// are skipped and counted by reason on one line of stderr; -v lists each
// with its line number. Every flag is checked before anything is read or
// printed.
package main

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/report"
	"github.com/leadline/leadline/lead"
)

//go:embed testdata/opportunities.csv
var sampleOpportunities []byte

//go:embed testdata/managers.csv
var sampleManagers []byte

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h printed the flags
	case err != nil:
		fmt.Fprintln(os.Stderr, "crmreplay:", err)
		os.Exit(1)
	}
}

type config struct {
	in, managers                                      string
	id, owner, account, stage, engaged, closed, value string
	goal, share, costPerLead, repCapacity             float64
	now                                               time.Time // zero: the day after the latest date
	verbose                                           bool
}

// flagError says which flag has a bad value and why.
type flagError struct {
	name, value, reason string
}

func (e *flagError) Error() string { return fmt.Sprintf("-%s %s: %s", e.name, e.value, e.reason) }

// parseFlags reads and checks every flag, so that a bad one fails the run
// before anything is read or printed.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("crmreplay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var now string
	fs.StringVar(&c.in, "in", "", "CSV export of opportunities (default: the bundled sample)")
	fs.StringVar(&c.managers, "managers", "", "optional CSV of owner,manager (default: the sample's, with the sample)")
	fs.StringVar(&c.id, "id", "opportunity_id", "column of the opportunity ID")
	fs.StringVar(&c.owner, "owner", "sales_agent", "column of the owner (rep)")
	fs.StringVar(&c.account, "account", "account", "column of the account (company); empty for none")
	fs.StringVar(&c.stage, "stage", "deal_stage", "column of the stage (Prospecting, Engaging, Won, Lost, ...)")
	fs.StringVar(&c.engaged, "engaged", "engage_date", "column of the engaged date")
	fs.StringVar(&c.closed, "closed", "close_date", "column of the closed date")
	fs.StringVar(&c.value, "value", "close_value", "column of the deal value")
	fs.Float64Var(&c.goal, "goal", 1_000_000, "revenue goal of the plan")
	fs.Float64Var(&c.share, "share", 0.7, "marketing-sourced share of the goal, in (0, 1]")
	fs.Float64Var(&c.costPerLead, "cost", 50, "cost per lead")
	fs.Float64Var(&c.repCapacity, "capacity", 30, "opportunities a rep can work per month (0 skips the capacity check)")
	fs.StringVar(&now, "now", "", "date the plan starts (default: the day after the latest date in the export)")
	fs.BoolVar(&c.verbose, "v", false, "list each skipped row on stderr")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (the export goes in -in)", fs.Arg(0))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	bad := func(name string, v float64, reason string) error {
		return &flagError{name: name, value: strconv.FormatFloat(v, 'g', -1, 64), reason: reason}
	}
	switch {
	case !finite(c.goal) || c.goal < 0:
		return c, bad("goal", c.goal, "want an amount, not negative")
	case !(c.share > 0 && c.share <= 1):
		return c, bad("share", c.share, "want a share in (0, 1]")
	case !finite(c.costPerLead) || c.costPerLead < 0:
		return c, bad("cost", c.costPerLead, "want an amount, not negative")
	case !finite(c.repCapacity) || c.repCapacity < 0:
		return c, bad("capacity", c.repCapacity, "want a number of opportunities, not negative")
	}
	for _, f := range []struct{ name, column string }{
		{"id", c.id}, {"owner", c.owner}, {"stage", c.stage}, {"engaged", c.engaged}, {"closed", c.closed}, {"value", c.value},
	} {
		if strings.TrimSpace(f.column) == "" {
			return c, &flagError{name: f.name, value: `""`, reason: "want a column name"}
		}
	}
	if now != "" {
		t, err := parseDate(now)
		if err != nil {
			return c, &flagError{name: "now", value: now, reason: err.Error()}
		}
		c.now = t
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	data, managers := sampleOpportunities, sampleManagers
	if c.in != "" {
		if data, err = os.ReadFile(c.in); err != nil {
			return err
		}
		managers = nil
	}
	if c.managers != "" {
		if managers, err = os.ReadFile(c.managers); err != nil {
			return err
		}
	}
	teams, err := readManagers(managers)
	if err != nil {
		return fmt.Errorf("managers: %w", err)
	}
	rows, skips, err := readOpportunities(data, c)
	if err != nil {
		return err
	}
	writeSkips(stderr, skips, c.verbose)
	if len(rows) == 0 {
		return errors.New("no opportunity to replay")
	}
	undated, undatedAt, err := dateUndated(rows, c.now)
	if err != nil {
		return err
	}

	var p funnel.Projection
	var pos uint64
	latest := time.Time{}
	reps := map[string]bool{}
	open, openValue := 0, 0.0
	for _, o := range rows {
		for _, e := range o.events(teams[o.owner]) {
			pos++
			if err := p.Apply(pos, e); err != nil {
				return err
			}
			latest = later(latest, e.Base().At)
		}
		reps[o.owner] = true
	}
	for _, o := range p.Opportunities(funnel.Filter{}) {
		if o.Outcome == funnel.OutcomeOpen {
			open++
			openValue += o.Amount
		}
	}
	s := p.Summary(funnel.Filter{})
	now := c.now
	if now.IsZero() {
		now = latest.Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	in := funnel.PlanInput{
		Goal: c.goal, Share: c.share, DealSize: s.AverageDeal, CostPerLead: c.costPerLead,
		Cycle: s.Cycle.Median,
	}
	if s.WinRate > 0 {
		in.Rates = []funnel.StageRate{{Stage: lead.StageSQL, Rate: s.WinRate, N: s.Won + s.Lost}}
	}
	if c.repCapacity > 0 {
		in.Reps, in.RepCapacity = len(reps), c.repCapacity
	}
	plan, err := funnel.NewPlan(in, now)
	if err != nil {
		return err
	}

	// The report is written whole or not at all.
	var w bytes.Buffer
	fmt.Fprintf(&w, "%d opportunities replayed (%d %s skipped), %d reps\n", len(rows), len(skips), plural(len(skips), "row", "rows"), len(reps))
	if undated > 0 {
		fmt.Fprintf(&w, "%d of them handed off and not yet engaged, with no engaged date: dated %s, the latest date in the export\n",
			undated, undatedAt.Format(time.DateOnly))
	}
	fmt.Fprintln(&w, "\nFunnel")
	if err := report.Conversion(&w, p.Conversion(funnel.Filter{}, lead.StageHandedOff, lead.StageSQL, lead.StageWon), report.FormatText); err != nil {
		return err
	}
	fmt.Fprintf(&w, "\nwin rate       %.1f%% (%d won, %d lost)\n", s.WinRate*100, s.Won, s.Lost)
	fmt.Fprintf(&w, "sales cycle    median %s, mean %s, p90 %s\n", days(s.Cycle.Median), days(s.Cycle.Mean), days(s.Cycle.P90))
	fmt.Fprintf(&w, "average deal   %.2f\n", s.AverageDeal)
	fmt.Fprintf(&w, "revenue        %.2f\n", s.Revenue)
	fmt.Fprintf(&w, "open pipeline  %.2f in %d open %s (qualified, not yet won or lost)\n", openValue, open, plural(open, "opportunity", "opportunities"))
	fmt.Fprintf(&w, "sales velocity %.2f per day\n", s.SalesVelocity)

	for _, b := range []struct {
		title string
		by    funnel.Dimension
		top   int
	}{{"Revenue per account (top 10)", funnel.ByAccount, 10}, {"Revenue per rep", funnel.ByRep, 0}, {"Revenue per manager", funnel.ByTeam, 0}} {
		fmt.Fprintf(&w, "\n%s\n", b.title)
		writeGroups(&w, p.Breakdown(funnel.Filter{}, b.by), b.top)
	}

	fmt.Fprintf(&w, "\nRevenue plan from %s\n", now.Format(time.DateOnly))
	if err := report.Plan(&w, plan, report.FormatText); err != nil {
		return err
	}
	_, err = stdout.Write(w.Bytes())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// dateUndated dates the hand-offs that have no engaged date at the latest
// date in the export (they were open then), or the day before now when no
// row has a date. It returns how many there were and the date they got.
func dateUndated(rows []opportunity, now time.Time) (int, time.Time, error) {
	var at time.Time
	n := 0
	for _, o := range rows {
		if o.engaged.IsZero() {
			n++
			continue
		}
		at = later(at, later(o.engaged, o.closed))
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	if at.IsZero() {
		if now.IsZero() {
			return 0, time.Time{}, errors.New("no row has a date to place the hand-offs without an engaged date at: set -now")
		}
		at = now.AddDate(0, 0, -1)
	}
	for i := range rows {
		if rows[i].engaged.IsZero() {
			rows[i].engaged = at
		}
	}
	return n, at, nil
}

// writeSkips writes one line that counts the skipped rows by reason, after
// one line per row when verbose.
func writeSkips(w io.Writer, skips []skip, verbose bool) {
	if len(skips) == 0 {
		return
	}
	by := map[string]int{}
	for _, s := range skips {
		if verbose {
			fmt.Fprintf(w, "line %d: skipped: %v\n", s.line, s.err)
		}
		by[s.err.reason]++
	}
	reasons := slices.SortedFunc(maps.Keys(by), func(a, b string) int {
		return cmp.Or(cmp.Compare(by[b], by[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", by[r], r)
	}
	hint := "; -v lists them"
	if verbose {
		hint = ""
	}
	fmt.Fprintf(w, "%d %s skipped: %s%s\n", len(skips), plural(len(skips), "row", "rows"), strings.Join(parts, ", "), hint)
}

func writeGroups(w io.Writer, gs []funnel.Group, top int) {
	t := [][]string{{"key", "won", "lost", "win rate", "revenue", "cycle (median)"}}
	for i, g := range gs {
		if top > 0 && i == top {
			break
		}
		key := g.Key
		if key == "" {
			key = "(none)"
		}
		t = append(t, []string{key, strconv.Itoa(g.Won), strconv.Itoa(g.Lost), fmt.Sprintf("%.1f%%", g.WinRate*100),
			fmt.Sprintf("%.2f", g.Revenue), days(g.Cycle.Median)})
	}
	widths := make([]int, len(t[0]))
	for _, r := range t {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range t {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", widths[i], c)
			} else {
				fmt.Fprintf(&b, "%*s", widths[i], c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// days prints d in whole days: the export has dates without a time, so
// every cycle is a whole number of days and anything finer is noise.
func days(d time.Duration) string { return fmt.Sprintf("%.0fd", math.Round(d.Hours()/24)) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// opportunity is one readable row of the export.
type opportunity struct {
	id, owner, account string
	outcome            lead.Stage // StageHandedOff, StageAccepted, StageSQL, StageWon or StageLost
	engaged, closed    time.Time
	value              float64
}

// stageOf maps a CRM stage name to how far the deal got.
func stageOf(s string) (lead.Stage, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.Contains(s, "won"):
		return lead.StageWon, true
	case strings.Contains(s, "lost"):
		return lead.StageLost, true
	case strings.Contains(s, "prospect"):
		return lead.StageHandedOff, true
	case strings.Contains(s, "engag"):
		return lead.StageAccepted, true
	case strings.Contains(s, "qualif"), strings.Contains(s, "proposal"), strings.Contains(s, "negotiat"):
		return lead.StageSQL, true
	}
	return lead.StageNone, false
}

// events turns the opportunity into a lead history: the funnel up to
// hand-off and acceptance on the engaged date, the SQL at 10:00 that same
// day for deals that got there, and the outcome at 10:00 on the closed
// date, so that a cycle between two dates is a whole number of days.
func (o opportunity) events(team string) []lead.Event {
	id := lead.ID(o.id)
	var out []lead.Event
	v := uint64(0)
	add := func(at time.Time, e func(lead.Meta) lead.Event) {
		v++
		out = append(out, e(lead.Meta{Lead: id, Version: v, At: at, Actor: "crmreplay"}))
	}
	day := o.engaged.Add(9 * time.Hour)
	add(day, func(m lead.Meta) lead.Event {
		return lead.Captured{Meta: m, Email: "contact@example.com", Company: o.account, Source: "crm"}
	})
	add(day.Add(5*time.Minute), func(m lead.Meta) lead.Event {
		return lead.MarketingQualified{Meta: m, Source: lead.SourceManual}
	})
	add(day.Add(10*time.Minute), func(m lead.Meta) lead.Event {
		return lead.HandedOff{Meta: m, Rep: o.owner, Team: team}
	})
	if o.outcome == lead.StageHandedOff {
		return out
	}
	add(day.Add(15*time.Minute), func(m lead.Meta) lead.Event { return lead.Accepted{Meta: m} })
	add(day.Add(30*time.Minute), func(m lead.Meta) lead.Event {
		return lead.Touched{Meta: m, Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}
	})
	if o.outcome == lead.StageAccepted {
		return out
	}
	add(day.Add(time.Hour), func(m lead.Meta) lead.Event {
		return lead.SalesQualified{Meta: m, Amount: o.value, Currency: "USD", Probability: 0.5}
	})
	closed := o.closed.Add(10 * time.Hour)
	switch o.outcome {
	case lead.StageWon:
		add(closed, func(m lead.Meta) lead.Event { return lead.Won{Meta: m, Amount: o.value, Currency: "USD"} })
	case lead.StageLost:
		add(closed, func(m lead.Meta) lead.Event { return lead.Lost{Meta: m, Reason: "closed lost in the CRM"} })
	}
	return out
}

// rowError says why a row of the export cannot be used. Reason is short and
// the same for every row skipped for that cause, so that rows can be
// counted by it.
type rowError struct {
	reason string
	err    error
}

func (e *rowError) Error() string { return e.err.Error() }

func (e *rowError) Unwrap() error { return e.err }

func rowErr(reason, format string, args ...any) *rowError {
	return &rowError{reason: reason, err: fmt.Errorf(format, args...)}
}

// skip is a row left out of the replay, by its line number.
type skip struct {
	line int
	err  *rowError
}

// readOpportunities reads the export and returns the rows it can use and
// those it skips; only an unreadable file or a missing column is an error.
func readOpportunities(data []byte, c config) ([]opportunity, []skip, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	need := func(flagName, name string) (int, error) {
		if i, ok := col[name]; ok {
			return i, nil
		}
		return -1, fmt.Errorf("no column %q (set -%s; the header has %s)", name, flagName, strings.Join(head, ", "))
	}
	var idx [6]int
	for i, f := range []struct{ flag, name string }{
		{"id", c.id}, {"owner", c.owner}, {"stage", c.stage}, {"engaged", c.engaged}, {"closed", c.closed}, {"value", c.value},
	} {
		if idx[i], err = need(f.flag, f.name); err != nil {
			return nil, nil, err
		}
	}
	acct := -1
	if c.account != "" {
		if i, ok := col[c.account]; ok {
			acct = i
		}
	}
	var out []opportunity
	seen := map[string]bool{}
	var skipped []skip
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				skipped = append(skipped, skip{pe.Line, &rowError{reason: "unreadable CSV", err: pe.Err}})
				continue
			}
			return nil, skipped, err
		}
		o, bad := parseRow(rec, idx, acct)
		if bad == nil && seen[o.id] {
			bad = rowErr("duplicate ID", "duplicate opportunity ID %q", o.id)
		}
		if bad != nil {
			skipped = append(skipped, skip{line, bad})
			continue
		}
		seen[o.id] = true
		out = append(out, o)
	}
	return out, skipped, nil
}

// parseRow reads one row. A row in an early stage (Prospecting, Engaging)
// with no engaged date is a lead handed to its owner and not yet engaged:
// it comes back as a hand-off with a zero engaged date.
func parseRow(rec []string, idx [6]int, acct int) (opportunity, *rowError) {
	field := func(i int) string {
		if i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	o := opportunity{id: field(idx[0]), owner: field(idx[1]), account: field(acct)}
	if o.id == "" {
		return o, rowErr("empty ID", "empty ID")
	}
	var b strings.Builder
	for _, r := range o.id {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	o.id = b.String()
	if len(o.id) > lead.MaxIDLen {
		return o, rowErr("ID too long", "ID longer than %d characters", lead.MaxIDLen)
	}
	if o.owner == "" {
		return o, rowErr("empty owner", "empty owner")
	}
	st, ok := stageOf(field(idx[2]))
	if !ok {
		return o, rowErr("unknown stage", "unknown stage %q", field(idx[2]))
	}
	o.outcome = st
	var err error
	engaged := field(idx[3])
	switch {
	case engaged == "" && (st == lead.StageHandedOff || st == lead.StageAccepted):
		o.outcome = lead.StageHandedOff
		return o, nil
	case engaged == "":
		return o, rowErr("engaged date missing", "engaged date: missing")
	}
	if o.engaged, err = parseDate(engaged); err != nil {
		return o, rowErr("engaged date unreadable", "engaged date: %w", err)
	}
	if st == lead.StageWon || st == lead.StageLost {
		closed := field(idx[4])
		if closed == "" {
			return o, rowErr("closed date missing", "closed date: missing")
		}
		if o.closed, err = parseDate(closed); err != nil {
			return o, rowErr("closed date unreadable", "closed date: %w", err)
		}
		if o.closed.Before(o.engaged) {
			return o, rowErr("closed before engaged", "closed %s before engaged %s", o.closed.Format(time.DateOnly), o.engaged.Format(time.DateOnly))
		}
	}
	if v := field(idx[5]); v != "" {
		v = strings.NewReplacer(",", "", "$", "").Replace(v)
		if o.value, err = strconv.ParseFloat(v, 64); err != nil || o.value < 0 || o.value != o.value {
			return o, rowErr("value not an amount", "value %q is not an amount", field(idx[5]))
		}
	} else if st == lead.StageWon {
		return o, rowErr("won without a value", "won without a value")
	}
	return o, nil
}

// parseDate reads an ISO (2006-01-02) or US (1/2/2006) date, as UTC midnight.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	return time.Time{}, fmt.Errorf("%q is neither yyyy-mm-dd nor m/d/yyyy", s)
}

// readManagers reads owner,manager rows (a header row is skipped when its
// second cell is "manager").
func readManagers(data []byte) (map[string]string, error) {
	teams := map[string]string{}
	if len(data) == 0 {
		return teams, nil
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if len(r) < 2 {
			return nil, fmt.Errorf("line %d: want owner,manager", i+1)
		}
		if i == 0 && strings.EqualFold(strings.TrimSpace(r[1]), "manager") {
			continue
		}
		teams[strings.TrimSpace(r[0])] = strings.TrimSpace(r[1])
	}
	return teams, nil
}
