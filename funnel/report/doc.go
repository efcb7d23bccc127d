// Package report writes the figures of package funnel for people and
// programs: a Conversion, a Compliance table or a Plan as an aligned text
// table, JSON or CSV (Format), and a Conversion or a ComplianceTrend as an
// SVG chart. Each writer takes the io.Writer first and the figures to
// write, and returns the writer's error:
//
//	var p funnel.Projection
//	// ... p.Apply every event ...
//	err := report.Conversion(os.Stdout, p.Conversion(funnel.Filter{}), report.FormatText)
//
// The output of every writer is stable byte for byte (golden files in
// testdata hold it), so a report can be diffed from one run to the next.
package report
