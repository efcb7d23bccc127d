package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadline/leadline/funnel"
)

// Format is a report's output format.
type Format uint8

// The report formats: an aligned text table for people, JSON for
// services, CSV for spreadsheets.
const (
	FormatText Format = iota + 1
	FormatJSON
	FormatCSV
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case FormatText:
		return "text"
	case FormatJSON:
		return "json"
	case FormatCSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// table is a report as a header and rows of cells, which Text and CSV
// write alike, with what a reader needs to know to read it: the report's
// name, its cut-off and the definition of each column or figure.
type table struct {
	name string
	// asOf is the report's cut-off; zero for "up to now". Reports that
	// have none (a Plan) set noAsOf.
	asOf   time.Time
	noAsOf bool
	defs   []Definition
	head   []string
	rows   [][]string
}

// Definition says what one column or figure of a report holds, in which
// unit. JSON reports list them under "definitions"; CSV reports in
// comment lines before the table.
type Definition struct {
	Name    string `json:"name"`
	Unit    string `json:"unit"`
	Meaning string `json:"definition"`
}

// document is a JSON report: the figures under "data", with the report's
// name, cut-off and definitions.
type document struct {
	Report      string       `json:"report"`
	AsOf        string       `json:"as_of,omitempty"`
	Definitions []Definition `json:"definitions"`
	Data        any          `json:"data"`
}

// asOfLine says which events a report counts.
func asOfLine(t time.Time) string {
	if t.IsZero() {
		return "now (every event applied up to now)"
	}
	return t.Format(time.RFC3339) + " (events before this instant)"
}

func (t table) asOfValue() string {
	if t.noAsOf {
		return ""
	}
	if t.asOf.IsZero() {
		return "now"
	}
	return t.asOf.Format(time.RFC3339)
}

func (t table) write(w io.Writer, format Format, v any) error {
	switch format {
	case FormatText:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if !t.noAsOf {
			io.WriteString(tw, "as of "+asOfLine(t.asOf)+"\n")
		}
		line := func(cells []string) {
			io.WriteString(tw, strings.Join(cells, "\t")+"\n")
		}
		line(t.head)
		for _, r := range t.rows {
			line(r)
		}
		return tw.Flush()
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(document{Report: t.name, AsOf: t.asOfValue(), Definitions: t.defs, Data: v})
	case FormatCSV:
		// Comment lines: encoding/csv reads past them with Reader.Comment
		// set to '#', and a spreadsheet shows them above the table.
		var b strings.Builder
		b.WriteString("# report: " + t.name + "\n")
		if !t.noAsOf {
			b.WriteString("# as of: " + asOfLine(t.asOf) + "\n")
		}
		for _, d := range t.defs {
			b.WriteString("# " + d.Name + " [" + d.Unit + "]: " + d.Meaning + "\n")
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.Write(t.head)
		cw.WriteAll(t.rows)
		return cw.Error()
	}
	return fmt.Errorf("report: unknown report format %v", format)
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

func amount(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func itoa(n int) string { return strconv.Itoa(n) }

var conversionDefs = []Definition{
	{"stage", "stage", "the funnel stage; the first is the cohort's entry stage"},
	{"count", "leads", "the number of leads of the cohort (leads that first entered the first stage in the window) that entered this stage before the cut-off"},
	{"conversion", "share", "count ÷ the previous stage's count; for the first stage 1, or 0 for an empty cohort"},
	{"cumulative", "share", "count ÷ the first stage's count (0 for an empty cohort)"},
}

// Conversion writes the conversion f as a table of stage, count,
// conversion from the previous stage and cumulative conversion, in the
// given format, headed by its cut-off (f.AsOf).
func Conversion(w io.Writer, f funnel.Conversion, format Format) error {
	t := table{name: "conversion", asOf: f.AsOf, defs: conversionDefs, head: []string{"stage", "count", "conversion", "cumulative"}}
	for _, s := range f.Steps {
		t.rows = append(t.rows, []string{s.Stage.String(), itoa(s.Count), percent(s.Conversion), percent(s.Cumulative)})
	}
	if format == FormatCSV {
		for i := range t.rows {
			s := f.Steps[i]
			t.rows[i][2], t.rows[i][3] = ratioCell(s.Conversion), ratioCell(s.Cumulative)
		}
	}
	return t.write(w, format, f)
}

// ratioCell writes a share for CSV: a plain decimal a spreadsheet reads.
func ratioCell(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

var complianceDefs = []Definition{
	{"group", "label", "the rep, team, policy segment or period the row counts; empty (\"all\" in text) for every lead"},
	{"kind", "deadline kind", "the SLA deadline: accept, first_touch, cadence, unresponsive, qualify or stall"},
	{"met", "deadlines", "the number of deadlines whose clock started in the window and stopped in time, by the cut-off"},
	{"breached", "deadlines", "the number of those deadlines breached by the cut-off"},
	{"open", "deadlines", "the number of those deadlines still running at the cut-off"},
	{"rate", "share", "met ÷ (met + breached); \"-\" in text when none is settled"},
}

// Compliance writes the compliance rows of c (group, kind, met, breached, open,
// rate) in the given format, headed by its cut-off (c.AsOf).
func Compliance(w io.Writer, c funnel.Compliance, format Format) error {
	group := c.By
	if group == "" {
		group = "group"
	}
	defs := slices.Clone(complianceDefs)
	defs[0].Name = group
	t := table{name: "compliance", asOf: c.AsOf, defs: defs, head: []string{group, "kind", "met", "breached", "open", "rate"}}
	for _, r := range c.Rows {
		rate := percent(r.Rate)
		if format == FormatCSV {
			rate = ratioCell(r.Rate)
		} else if r.Met+r.Breached == 0 {
			rate = "-"
		}
		g := r.Group
		if g == "" && format == FormatText {
			g = "all"
			if c.By == funnel.ByPolicy.String() {
				g = "(default)"
			}
		}
		t.rows = append(t.rows, []string{g, string(r.Kind), itoa(r.Met), itoa(r.Breached), itoa(r.Open), rate})
	}
	return t.write(w, format, c)
}

var planDefs = []Definition{
	{"goal", "currency units", "the revenue goal"},
	{"marketing share", "share", "the part of the goal marketing's leads are to bring"},
	{"deal size", "currency units", "the average deal"},
	{"rates", "label", "where the stage rates come from: the history, or the default lead-to-revenue rate"},
	{"customers", "customers", "goal × marketing share ÷ deal size, rounded up"},
	{"<stage> rate", "share", "the share of the stage's leads that convert into the next stage"},
	{"<stage> required", "leads", "the next stage's required ÷ this stage's rate, rounded up"},
	{"leads", "leads", "the top stage's required"},
	{"budget", "currency units", "leads × cost per lead"},
	{"capacity stage", "stage", "the stage whose leads the reps work"},
	{"load per month", "leads per month", "the capacity stage's required ÷ the months of the goal"},
	{"capacity per month", "leads per month", "reps × the leads one rep works a month"},
	{"spare", "leads per month", "capacity − load, negative when over capacity"},
	{"over capacity", "true/false", "whether load exceeds capacity"},
	{"reps needed", "reps", "load ÷ one rep's capacity, rounded up"},
	{"reachable", "date", "the earliest date the goal can be reached: the reps work the leads at full capacity and the last closes one sales cycle later"},
}

// Plan writes the plan pl: its figures as name/value rows (text and CSV,
// where CSV holds plain numbers) or the Plan as JSON; JSON and CSV carry
// the definitions of the figures.
func Plan(w io.Writer, pl funnel.Plan, format Format) error {
	if format == FormatJSON {
		return table{name: "plan", noAsOf: true, defs: planDefs}.write(w, FormatJSON, pl)
	}
	csvFormat := format == FormatCSV
	num := func(v float64) string { return strconv.FormatFloat(round2(v), 'f', -1, 64) }
	share := func(v float64) string {
		if csvFormat {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return percent(v)
	}
	money := amount
	if csvFormat {
		money = num
	}
	rates := "history"
	if pl.DefaultRate {
		rates = "default " + percent(funnel.DefaultLeadToRevenue)
	}
	t := table{name: "plan", noAsOf: true, defs: planDefs, head: []string{"figure", "value"}, rows: [][]string{
		{"goal", money(pl.Input.Goal)},
		{"marketing share", share(pl.Input.Share)},
		{"deal size", money(pl.Input.DealSize)},
		{"rates", rates},
		{"customers", itoa(pl.Customers)},
	}}
	for _, s := range pl.Stages[:len(pl.Stages)-1] {
		if csvFormat {
			t.rows = append(t.rows, []string{s.Stage.String() + " rate", share(s.Rate)}, []string{s.Stage.String() + " required", itoa(s.Required)})
		} else {
			t.rows = append(t.rows, []string{s.Stage.String() + " required", itoa(s.Required) + " at " + percent(s.Rate)})
		}
	}
	t.rows = append(t.rows, []string{"leads", itoa(pl.Leads)}, []string{"budget", money(pl.Budget)})
	if pl.Input.Reps > 0 {
		spare := num(pl.Spare)
		if !csvFormat {
			if pl.OverCapacity {
				spare += " (over capacity)"
			} else {
				spare += " (within capacity)"
			}
		}
		t.rows = append(t.rows,
			[]string{"capacity stage", pl.CapacityStage.String()},
			[]string{"load per month", num(pl.Load)},
			[]string{"capacity per month", num(pl.Capacity)},
			[]string{"spare", spare},
			[]string{"over capacity", strconv.FormatBool(pl.OverCapacity)},
			[]string{"reps needed", itoa(pl.RepsNeeded)},
		)
	}
	t.rows = append(t.rows, []string{"reachable", pl.Reachable.UTC().Format(time.DateOnly)})
	if format == FormatText {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, r := range t.rows {
			fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
		}
		return tw.Flush()
	}
	return t.write(w, format, pl)
}

func round2(v float64) float64 { return float64(int64(v*100+0.5*sign(v))) / 100 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}
