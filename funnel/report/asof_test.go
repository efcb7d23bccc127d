package report_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/report"
	"github.com/leadline/leadline/lead"
)

// marchReports writes March's conversion, compliance by rep and summary,
// as of 1 April, in every format.
func marchReports(t *testing.T, p *funnel.Projection) map[string][]byte {
	t.Helper()
	apr := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	march := funnel.Filter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: apr, AsOf: apr}
	fu := p.Conversion(march)
	comp := p.Compliance(march, funnel.ByRep)
	sum := p.Summary(march)
	out := map[string][]byte{}
	for f, ext := range map[report.Format]string{report.FormatText: "txt", report.FormatJSON: "json", report.FormatCSV: "csv"} {
		for name, write := range map[string]func(*bytes.Buffer) error{
			"conversion": func(b *bytes.Buffer) error { return report.Conversion(b, fu, f) },
			"compliance": func(b *bytes.Buffer) error { return report.Compliance(b, comp, f) },
			"summary":    func(b *bytes.Buffer) error { return report.Summary(b, sum, f) },
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			out["march."+name+"."+ext] = b.Bytes()
		}
	}
	return out
}

func TestAMonthsReportRecomputedLaterAsOfItsEndIsByteIdentical(t *testing.T) {
	w := sample(t)
	mar30 := time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC)
	w.do("M", mar30, capture("web", "", "Mu"), mql, handOff("ana", "east"))
	w.do("N", mar30, capture("ads", "", "Nu"), mql, handOff("bob", "west"), accept, touch("demo", lead.OutcomeReplied), sql(4000))
	atEnd := marchReports(t, w.p)
	for name, b := range atEnd {
		golden(t, name, b)
	}

	// April changes March's leads: a breach of a clock started in March,
	// a win and a loss of March's opportunities, a return and a new
	// qualification.
	apr := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	w.breach("M", apr, lead.KindAccept, lead.ActionNotify, "")
	w.do("N", apr.Add(hours(2)), lead.Win{Amount: 4500})
	w.do("E", apr.Add(hours(3)), lead.Recycle{Reason: "later"})
	w.do("B", apr.Add(hours(4)), mql, handOff("ana", "east"), accept, touch("demo", lead.OutcomeReplied), sql(7000))
	w.do("B", apr.Add(hours(30)), lead.Lose{Reason: "price"})
	w.do("D", apr.Add(hours(5)), mql)

	later := marchReports(t, w.p)
	for name, b := range atEnd {
		if !bytes.Equal(later[name], b) {
			t.Errorf("%s changed when recomputed in April:\n--- at the end of March\n%s\n--- later\n%s", name, b, later[name])
		}
	}
	// Up to now, the same window does move: that is what AsOf is for.
	now := funnel.Filter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	if s := w.p.Summary(now); s.SQLsWon != 2 {
		t.Errorf("March's SQLs won up to now = %d, want 2", s.SQLsWon)
	}
}
