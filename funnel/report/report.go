package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
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
// write alike.
type table struct {
	head []string
	rows [][]string
}

func (t table) write(w io.Writer, format Format, v any) error {
	switch format {
	case FormatText:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
		return enc.Encode(v)
	case FormatCSV:
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

// Conversion writes the conversion f as a table of stage, count,
// conversion from the previous stage and cumulative conversion, in the
// given format.
func Conversion(w io.Writer, f funnel.Conversion, format Format) error {
	t := table{head: []string{"stage", "count", "conversion", "cumulative"}}
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

// Compliance writes the compliance rows of c (group, kind, met, breached, open,
// rate) in the given format.
func Compliance(w io.Writer, c funnel.Compliance, format Format) error {
	group := c.By
	if group == "" {
		group = "group"
	}
	t := table{head: []string{group, "kind", "met", "breached", "open", "rate"}}
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
		}
		t.rows = append(t.rows, []string{g, string(r.Kind), itoa(r.Met), itoa(r.Breached), itoa(r.Open), rate})
	}
	return t.write(w, format, c)
}

// Plan writes the plan pl: its figures as name/value rows (text and CSV,
// where CSV holds plain numbers) or the Plan as JSON.
func Plan(w io.Writer, pl funnel.Plan, format Format) error {
	if format == FormatJSON {
		return table{}.write(w, FormatJSON, pl)
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
	t := table{head: []string{"figure", "value"}, rows: [][]string{
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
