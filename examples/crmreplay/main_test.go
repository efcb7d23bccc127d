package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunOnTheSample(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(nil, &out, &errs); err != nil {
		t.Fatal(err)
	}
	// Count the outcomes straight from the file, leaving out the three
	// malformed rows.
	rows, err := csv.NewReader(bytes.NewReader(sampleOpportunities)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	won, lost := 0, 0
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[0], "OPP-9") {
			continue
		}
		switch r[3] {
		case "Won":
			won++
		case "Lost":
			lost++
		}
	}
	for _, want := range []string{
		"240 opportunities replayed (3 rows skipped), 8 reps",
		fmt.Sprintf("win rate       %.1f%% (%d won, %d lost)", 100*float64(won)/float64(won+lost), won, lost),
		"Revenue per manager",
		"Noah Reyes", "Maya Stone", "Olga Ivanova",
		"customers           125", // 1,000,000 × 70% ÷ 5,635.38
		"SQL required        304 at 41.1%",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	wantErrs := "line 63: skipped: engaged date: \"2025-13-45\" is neither yyyy-mm-dd nor m/d/yyyy\n" +
		"line 124: skipped: value \"lots\" is not an amount\n" +
		"line 185: skipped: unknown stage \"Closing Soon\"\n"
	if errs.String() != wantErrs {
		t.Errorf("stderr =\n%s\nwant\n%s", errs.String(), wantErrs)
	}
}

func TestRunMapsColumnsAndReadsBothDateForms(t *testing.T) {
	dir := t.TempDir()
	deals := filepath.Join(dir, "deals.csv")
	os.WriteFile(deals, []byte("Deal,Agent,Company,Stage,Engaged,Closed,Amount\n"+
		"d1,ann,Acme,Closed Won,2026-01-05,2026-01-15,1000\n"+
		"d2,ann,Acme,Closed Won,1/5/2026,1/25/2026,\"3,000\"\n"+
		"d3,ben,Beta,Closed Lost,1/6/2026,1/8/2026,0\n"+
		"d4,ben,Beta,Negotiation,1/7/2026,,2000\n"+
		"d5,ben,Beta,Won,1/9/2026,1/1/2026,500\n"), 0o644)
	teams := filepath.Join(dir, "teams.csv")
	os.WriteFile(teams, []byte("owner,manager\nann,max\nben,max\n"), 0o644)
	var out, errs bytes.Buffer
	err := run([]string{"-in", deals, "-managers", teams, "-id", "Deal", "-owner", "Agent", "-account", "Company",
		"-stage", "Stage", "-engaged", "Engaged", "-closed", "Closed", "-value", "Amount", "-goal", "20000", "-share", "1", "-capacity", "0"}, &out, &errs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"4 opportunities replayed (1 rows skipped), 2 reps",
		"win rate       66.7% (2 won, 1 lost)",
		"sales cycle    median 10.3d, mean 15.3d", // engaged 10:00, closed 17:00
		"average deal   2000.00",
		"pipeline       6000.00 in 4 opportunities",
		"max    2     1     66.7%  4000.00",
		"customers 10", // 20,000 ÷ 2,000
		"SQL required 15 at 66.7%",
	} {
		if !strings.Contains(out.String(), want) && !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if want := "line 6: skipped: closed 2026-01-01 before engaged 2026-01-09\n"; errs.String() != want {
		t.Errorf("stderr = %q, want %q", errs.String(), want)
	}
}

func TestRunNamesAMissingColumn(t *testing.T) {
	dir := t.TempDir()
	deals := filepath.Join(dir, "deals.csv")
	os.WriteFile(deals, []byte("id,owner\n1,ann\n"), 0o644)
	err := run([]string{"-in", deals}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `no column "opportunity_id" (set -id`) {
		t.Errorf("err = %v", err)
	}
}
