package report_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/report"
	"github.com/leadline/leadline/lead"
)

var conversion = funnel.Conversion{Steps: []funnel.ConversionStep{
	{Stage: lead.StageMQL, Count: 200, Conversion: 1, Cumulative: 1},
	{Stage: lead.StageSQL, Count: 50, Conversion: 0.25, Cumulative: 0.25},
	{Stage: lead.StageWon, Count: 10, Conversion: 0.2, Cumulative: 0.05},
}}

func ExampleConversion() {
	report.Conversion(os.Stdout, conversion, report.FormatText)
	// Output:
	// as of now (every event applied up to now)
	// stage  count  conversion  cumulative
	// MQL    200    100.0%      100.0%
	// SQL    50     25.0%       25.0%
	// Won    10     20.0%       5.0%
}

func ExampleCompliance() {
	c := funnel.Compliance{By: "rep", AsOf: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Rows: []funnel.ComplianceRow{
		{Group: "ana", Kind: lead.KindAccept, Met: 3, Breached: 1, Rate: 0.75},
	}}
	// The comment lines carry the cut-off and the definitions; a reader
	// with Comment set to '#' skips them.
	var b bytes.Buffer
	report.Compliance(&b, c, report.FormatCSV)
	r := csv.NewReader(&b)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		panic(err)
	}
	fmt.Println(rows)
	report.Compliance(os.Stdout, c, report.FormatText)
	// Output:
	// [[rep kind met breached open rate] [ana accept 3 1 0 0.7500]]
	// as of 2026-04-01T00:00:00Z (events before this instant)
	// rep  kind    met  breached  open  rate
	// ana  accept  3    1         0     75.0%
}

func ExampleSummary() {
	s := funnel.Summary{SQLs: 15, Won: 4, Lost: 4, WinRate: 0.5, Revenue: 20000, AverageDeal: 5000, SQLsWon: 4, SQLsPerCustomer: 3.75}
	var b bytes.Buffer
	report.Summary(&b, s, report.FormatCSV)
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "sqls_per_customer") || strings.HasPrefix(line, "#") {
			fmt.Println(line)
		}
	}
	// Output:
	// # report: summary
	// # as of: now (every event applied up to now)
	// sqls_per_customer,3.75,"SQLs per customer (a ratio, not a share)","sqls ÷ sqls_won, 0 when none was won"
}

func ExamplePlan() {
	pl, err := funnel.NewPlan(funnel.PlanInput{Goal: 10000, Share: 0.7, DealSize: 1000,
		Rates: []funnel.StageRate{{Stage: lead.StageSQL, Rate: 0.1}}}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	report.Plan(&b, pl, report.FormatText)
	fmt.Println(strings.Split(b.String(), "\n")[0])
	// Output: goal             10000.00
}

func ExampleConversionSVG() {
	var b bytes.Buffer
	if err := report.ConversionSVG(&b, conversion); err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(b.String(), "<svg"))
	// Output: true
}

func ExampleComplianceSVG() {
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var p funnel.Projection
	trend := p.ComplianceTrend(funnel.Filter{From: from, To: from.AddDate(0, 0, 14)}, funnel.UnitWeek, lead.KindAccept)
	byRep := funnel.Compliance{By: "rep", Rows: []funnel.ComplianceRow{{Group: "ana", Kind: lead.KindAccept, Met: 1, Rate: 1}}}
	if err := report.ComplianceSVG(io.Discard, byRep); err == report.ErrNoTrend {
		fmt.Println("not a trend")
	}
	var b bytes.Buffer
	fmt.Println(report.ComplianceSVG(&b, trend), len(trend.Rows))
	// Output:
	// not a trend
	// <nil> 2
}

func ExampleFormat_String() {
	fmt.Println(report.FormatText, report.FormatJSON, report.FormatCSV)
	// Output: text json csv
}
