// Package report writes the figures of package funnel for people and
// programs: a Conversion, a Compliance table, a Summary or a Plan as an
// aligned text table, JSON or CSV (Format), and a Conversion or a
// ComplianceTrend as an SVG chart. Each writer takes the io.Writer first
// and the figures to write, and returns the writer's error:
//
//	var p funnel.Projection
//	// ... p.Apply every event ...
//	err := report.Conversion(os.Stdout, p.Conversion(funnel.Filter{}), report.FormatText)
//
// Every report but a Plan says which events it counts: a text report's
// first line is "as of <cut-off>" (the figures' Filter.AsOf) or "as of
// now" when the figures were computed up to now. JSON and CSV reports
// carry what a reader needs without code: JSON writes the figures under
// "data" beside "report", "as_of" ("now" or an RFC 3339 instant) and
// "definitions" (each column's or figure's name, unit and definition);
// CSV starts with comment lines ("# as of: ...", "# <column> [<unit>]:
// <definition>") that encoding/csv skips with Reader.Comment set to '#',
// and a Summary's CSV rows carry their unit and definition as columns.
//
// The output of every writer is stable byte for byte (golden files in
// testdata hold it), so a report can be diffed from one run to the next,
// and a report with a cut-off is the same whenever it is recomputed.
package report
