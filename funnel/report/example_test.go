package report_test

import (
	"bytes"
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
	// stage  count  conversion  cumulative
	// MQL    200    100.0%      100.0%
	// SQL    50     25.0%       25.0%
	// Won    10     20.0%       5.0%
}

func ExampleCompliance() {
	c := funnel.Compliance{By: "rep", Rows: []funnel.ComplianceRow{
		{Group: "ana", Kind: lead.KindAccept, Met: 3, Breached: 1, Rate: 0.75},
	}}
	report.Compliance(os.Stdout, c, report.FormatCSV)
	// Output:
	// rep,kind,met,breached,open,rate
	// ana,accept,3,1,0,0.7500
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
