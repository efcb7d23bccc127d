package report_test

import (
	"bytes"
	"flag"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/report"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestReportsMatchGoldenFiles(t *testing.T) {
	w := sample(t)
	w.do("G", t0.AddDate(0, 0, 7), capture("web", "", "Gamma & <Sons>"), mql, handOff("ana", "east"))
	w.breach("G", t0.AddDate(0, 0, 8), lead.KindAccept, lead.ActionNotify, "")
	p := w.p
	fu := p.Conversion(funnel.Filter{})
	fu.Label = "March 2026"
	comp := p.Compliance(funnel.Filter{}, funnel.ByRep)
	trend := p.ComplianceTrend(funnel.Filter{From: w10, To: w10.AddDate(0, 0, 21)}, funnel.UnitWeek, lead.KindAccept, lead.KindFirstTouch, lead.KindStall)
	plan, err := funnel.NewPlan(funnel.PlanInput{Goal: 10000, Share: 0.7, DealSize: 1000,
		Rates:       []funnel.StageRate{{Stage: lead.StageMQL, Rate: 0.25}, {Stage: lead.StageSQL, Rate: 0.1}},
		CostPerLead: 50, Reps: 2, RepCapacity: 30, Cycle: 30 * 24 * time.Hour}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	reports := []struct {
		name  string
		write func(*bytes.Buffer, report.Format) error
	}{
		{"funnel", func(b *bytes.Buffer, f report.Format) error { return report.Conversion(b, fu, f) }},
		{"compliance", func(b *bytes.Buffer, f report.Format) error { return report.Compliance(b, comp, f) }},
		{"plan", func(b *bytes.Buffer, f report.Format) error { return report.Plan(b, plan, f) }},
	}
	formats := map[report.Format]string{report.FormatText: "txt", report.FormatJSON: "json", report.FormatCSV: "csv"}
	for _, r := range reports {
		for f, ext := range formats {
			t.Run(r.name+"."+ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := r.write(&b, f); err != nil {
					t.Fatal(err)
				}
				golden(t, r.name+"."+ext, b.Bytes())
			})
		}
	}
	t.Run("funnel.svg", func(t *testing.T) {
		var b bytes.Buffer
		if err := report.ConversionSVG(&b, fu); err != nil {
			t.Fatal(err)
		}
		golden(t, "funnel.svg", b.Bytes())
	})
	t.Run("compliance.svg", func(t *testing.T) {
		var b bytes.Buffer
		if err := report.ComplianceSVG(&b, trend); err != nil {
			t.Fatal(err)
		}
		golden(t, "compliance.svg", b.Bytes())
	})
	if err := report.ComplianceSVG(&bytes.Buffer{}, comp); err != report.ErrNoTrend {
		t.Errorf("ComplianceSVG of a non-trend = %v, want ErrNoTrend", err)
	}
}

func TestSVGEscapesText(t *testing.T) {
	fu := funnel.Conversion{Label: `<script>&"'`, Steps: []funnel.ConversionStep{{Stage: lead.StageMQL, Count: 1, Conversion: 1, Cumulative: 1}}}
	var b bytes.Buffer
	if err := report.ConversionSVG(&b, fu); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("<script>")) || !bytes.Contains(b.Bytes(), []byte("&lt;script&gt;&amp;&quot;&#39;")) {
		t.Errorf("label not escaped:\n%s", b.String())
	}
}

func TestComplianceByPolicyNamesTheDefaultSegment(t *testing.T) {
	w := newWorld(t)
	w.do("E", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", Policy: "enterprise", PolicyVersion: 1})
	w.do("S", t0, capture("web", "", ""), mql, lead.HandOff{Rep: "ana", PolicyVersion: 1})
	var b bytes.Buffer
	if err := report.Compliance(&b, w.p.Compliance(funnel.Filter{}, funnel.ByPolicy), report.FormatText); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"policy      kind", "(default)   accept", "enterprise  accept"} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
