package report

import (
	"io"
	"strconv"

	"github.com/leadline/leadline/funnel"
)

// figure is one row of the Summary report.
type figure struct {
	def  Definition
	text string // for people
	cell string // for spreadsheets: a plain number
}

// Summary writes the headline figures s as name/value rows, headed by its
// cut-off (s.AsOf): text for people; CSV with plain numbers and, per row,
// the figure's unit and definition; or JSON with the Summary under
// "data".
func Summary(w io.Writer, s funnel.Summary, format Format) error {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	count := func(name, unit, meaning string, n int) figure {
		return figure{Definition{name, unit, meaning}, itoa(n), itoa(n)}
	}
	share := func(name, meaning string, v float64) figure {
		return figure{Definition{name, "share", meaning}, percent(v), num(v)}
	}
	money := func(name, unit, meaning string, v float64) figure {
		return figure{Definition{name, unit, meaning}, amount(v), num(v)}
	}
	hours := func(name, meaning string, d interface{ Hours() float64 }, text string) figure {
		return figure{Definition{name, "hours", meaning}, text, num(d.Hours())}
	}
	figs := []figure{
		count("leads", "leads", "leads first captured in the window", s.Leads),
		count("mqls", "leads", "leads that first became MQL in the window", s.MQLs),
		count("sqls", "opportunities", "opportunities opened (entries into SQL) in the window; a lead qualified again is a new one", s.SQLs),
		count("won", "opportunities", "opportunities won in the window", s.Won),
		count("lost", "opportunities", "opportunities lost in the window", s.Lost),
		share("win_rate", "won ÷ (won + lost)", s.WinRate),
		money("revenue", "currency units", "amount won by the opportunities won in the window", s.Revenue),
		money("average_deal", "currency units", "revenue ÷ won", s.AverageDeal),
		count("cycle_n", "opportunities", "won opportunities with a sales cycle (SQL to win)", s.Cycle.N),
		hours("cycle_median", "median wall time from an opportunity's SQL to its win", s.Cycle.Median, s.Cycle.Median.String()),
		hours("cycle_mean", "mean wall time from an opportunity's SQL to its win", s.Cycle.Mean, s.Cycle.Mean.String()),
		money("pipeline", "currency units", "sum of the amounts at SQL of the opportunities opened in the window (value of SQLs sourced)", s.Pipeline),
		count("sqls_won", "opportunities", "of the window's SQLs, those won by the cut-off", s.SQLsWon),
		{Definition{"sqls_per_customer", "SQLs per customer (a ratio, not a share)", "sqls ÷ sqls_won, 0 when none was won"}, num(round2(s.SQLsPerCustomer)), num(s.SQLsPerCustomer)},
		share("lead_to_revenue", "leads first captured in the window that were won by the cut-off ÷ leads", s.LeadToRevenue),
		{Definition{"touches_to_sql_mean", "touches per SQL", "mean touches of an opportunity's own cycle before its SQL"}, num(round2(s.TouchesToSQL.Mean)), num(s.TouchesToSQL.Mean)},
		money("sales_velocity", "currency units per day", "sqls × win_rate × average_deal ÷ mean cycle in days", s.SalesVelocity),
	}
	t := table{name: "summary", asOf: s.AsOf, head: []string{"figure", "value"}}
	for _, f := range figs {
		t.defs = append(t.defs, f.def)
		if format == FormatCSV {
			t.rows = append(t.rows, []string{f.def.Name, f.cell, f.def.Unit, f.def.Meaning})
		} else {
			t.rows = append(t.rows, []string{f.def.Name, f.text})
		}
	}
	if format == FormatCSV {
		// Each row carries its unit and definition: the comment lines
		// would repeat them.
		t.head = []string{"figure", "value", "unit", "definition"}
		t.defs = nil
	}
	return t.write(w, format, s)
}
