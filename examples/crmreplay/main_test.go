package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
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
	wantErrs := "3 rows skipped: 1 engaged date unreadable, 1 unknown stage, 1 value not an amount; -v lists them\n"
	if errs.String() != wantErrs {
		t.Errorf("stderr =\n%s\nwant\n%s", errs.String(), wantErrs)
	}
}

func TestRunVerboseListsEachSkippedRowBeforeTheSummary(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run([]string{"-v"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	want := "line 63: skipped: engaged date: \"2025-13-45\" is neither yyyy-mm-dd nor m/d/yyyy\n" +
		"line 124: skipped: value \"lots\" is not an amount\n" +
		"line 185: skipped: unknown stage \"Closing Soon\"\n" +
		"3 rows skipped: 1 engaged date unreadable, 1 unknown stage, 1 value not an amount\n"
	if errs.String() != want {
		t.Errorf("stderr =\n%s\nwant\n%s", errs.String(), want)
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
		"4 opportunities replayed (1 row skipped), 2 reps",
		"win rate       66.7% (2 won, 1 lost)",
		"sales cycle    median 10d, mean 15d", // 10 and 20 days between dates
		"average deal   2000.00",
		"open pipeline  2000.00 in 1 open opportunity", // d4 only: d1 and d2 are won, d3 lost
		"max    2     1     66.7%  4000.00",
		"customers 10", // 20,000 ÷ 2,000
		"SQL required 15 at 66.7%",
	} {
		if !strings.Contains(out.String(), want) && !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if want := "1 row skipped: 1 closed before engaged; -v lists them\n"; errs.String() != want {
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

func TestRunCountsUndatedEarlyStagesAsHandOffsNotAcceptedLeads(t *testing.T) {
	dir := t.TempDir()
	deals := filepath.Join(dir, "deals.csv")
	os.WriteFile(deals, []byte("opportunity_id,sales_agent,account,deal_stage,engage_date,close_date,close_value\n"+
		"p1,ann,Acme,Prospecting,,,\n"+
		"p2,ann,Acme,Prospecting,,,\n"+
		"p3,ben,Beta,Engaging,,,\n"+
		"w1,ann,Acme,Won,2026-01-05,2026-01-15,1000\n"+
		"l1,ben,Beta,Lost,2026-01-06,2026-01-20,0\n"+
		"w2,ben,Beta,Won,,2026-01-20,1000\n"), 0o644)
	var out, errs bytes.Buffer
	if err := run([]string{"-in", deals}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"5 opportunities replayed (1 row skipped), 2 reps",
		"3 of them handed off and not yet engaged, with no engaged date: dated 2026-01-20",
		"HandedOff 5 100.0% 100.0%",
		"SQL 2 40.0% 40.0%",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A won deal without an engaged date is still unreadable.
	if want := "1 row skipped: 1 engaged date missing; -v lists them\n"; errs.String() != want {
		t.Errorf("stderr = %q, want %q", errs.String(), want)
	}

	rows, _, err := readOpportunities([]byte("opportunity_id,sales_agent,account,deal_stage,engage_date,close_date,close_value\n"+
		"p1,ann,Acme,Prospecting,,,\np3,ben,Beta,Engaging,,,\n"), config{id: "opportunity_id", owner: "sales_agent",
		stage: "deal_stage", engaged: "engage_date", closed: "close_date", value: "close_value"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dateUndated(rows, time.Time{}); err == nil {
		t.Error("hand-offs with no date anywhere were placed without -now")
	}
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if n, at, err := dateUndated(rows, now); err != nil || n != 2 || !at.Equal(now.AddDate(0, 0, -1)) {
		t.Errorf("dateUndated = %d, %v, %v; want 2, the day before -now", n, at, err)
	}
	for _, o := range rows {
		for _, e := range o.events("") {
			if _, ok := e.(lead.Accepted); ok {
				t.Errorf("%s without an engaged date was accepted", o.id)
			}
		}
		if es := o.events(""); len(es) == 0 || es[len(es)-1].Type() != "HandedOff" {
			t.Errorf("%s does not end handed off: %v", o.id, es)
		}
	}
}

func TestRunChecksEveryFlagBeforeAnyOutput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"-share", "1.2"}, "share"},
		{[]string{"-share", "0"}, "share"},
		{[]string{"-goal", "-1"}, "goal"},
		{[]string{"-cost", "NaN"}, "cost"},
		{[]string{"-capacity", "-5"}, "capacity"},
		{[]string{"-now", "2026-13-01"}, "now"},
		{[]string{"-id", ""}, "id"},
		// The flag is checked before the missing file is read.
		{[]string{"-in", "no-such-file.csv", "-share", "2"}, "share"},
	} {
		var out, errs bytes.Buffer
		err := run(tc.args, &out, &errs)
		var fe *flagError
		if !errors.As(err, &fe) || fe.name != tc.flag {
			t.Errorf("%q: err = %v, want a bad -%s", tc.args, err, tc.flag)
		}
		if out.Len() > 0 || errs.Len() > 0 {
			t.Errorf("%q printed before failing:\nstdout: %s\nstderr: %s", tc.args, out.String(), errs.String())
		}
	}
}
