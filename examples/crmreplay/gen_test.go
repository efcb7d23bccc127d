package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

var gen = flag.Bool("gen", false, "regenerate testdata/opportunities.csv and testdata/managers.csv")

// TestGenerateSample writes the bundled sample when run with -gen: a
// seeded, made-up export of 240 opportunities of 8 reps under 3 managers,
// with dates in both formats and three malformed rows.
func TestGenerateSample(t *testing.T) {
	if !*gen {
		t.Skip("run with -gen to regenerate the sample")
	}
	rng := rand.New(rand.NewPCG(2026, 4))
	reps := []string{"Anna Lee", "Boris Kim", "Carla Diaz", "Dev Patel", "Elif Sahin", "Femi Okoro", "Greta Berg", "Hiro Sato"}
	managers := []string{"Maya Stone", "Maya Stone", "Maya Stone", "Noah Reyes", "Noah Reyes", "Noah Reyes", "Olga Ivanova", "Olga Ivanova"}
	var b strings.Builder
	b.WriteString("opportunity_id,sales_agent,account,deal_stage,engage_date,close_date,close_value\n")
	start := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := range 240 {
		rep := rng.IntN(len(reps))
		account := fmt.Sprintf("Account %02d", 1+rng.IntN(40))
		engaged := start.AddDate(0, 0, rng.IntN(150))
		date := func(t time.Time) string {
			if rng.IntN(2) == 0 {
				return t.Format("1/2/2006")
			}
			return t.Format(time.DateOnly)
		}
		stage, closed, value := "", "", ""
		price := float64(500+rng.IntN(40)*250) * (1 + 0.2*float64(rep%3))
		switch r := rng.Float64(); {
		case r < 0.15:
			stage = "Prospecting"
		case r < 0.30:
			stage = "Engaging"
		case r < 0.65-0.03*float64(rep%4):
			stage = "Won"
			closed = date(engaged.AddDate(0, 0, 5+rng.IntN(60)+rep*3))
			value = fmt.Sprintf("%.0f", price)
		default:
			stage = "Lost"
			closed = date(engaged.AddDate(0, 0, 3+rng.IntN(45)))
			value = "0"
		}
		fmt.Fprintf(&b, "OPP-%04d,%s,%s,%s,%s,%s,%s\n", i+1, reps[rep], account, stage, date(engaged), closed, value)
		switch i {
		case 60:
			b.WriteString("OPP-9001,Anna Lee,Account 07,Won,2025-13-45,2026-01-10,1000\n")
		case 120:
			b.WriteString("OPP-9002,Boris Kim,Account 11,Won,11/3/2025,12/1/2025,lots\n")
		case 180:
			b.WriteString("OPP-9003,Carla Diaz,Account 02,Closing Soon,11/3/2025,,\n")
		}
	}
	if err := os.WriteFile("testdata/opportunities.csv", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var m strings.Builder
	m.WriteString("owner,manager\n")
	for i, r := range reps {
		fmt.Fprintf(&m, "%s,%s\n", r, managers[i])
	}
	if err := os.WriteFile("testdata/managers.csv", []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
