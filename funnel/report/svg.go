package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/lead"
)

var svgEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func esc(s string) string { return svgEscaper.Replace(s) }

// palette colours the bars and lines; it is readable for the common forms
// of colour blindness (Okabe–Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

const svgFont = `font-family="Helvetica, Arial, sans-serif"`

// ConversionSVG draws the conversion f as an SVG image: one centred bar per stage,
// its width proportional to the count, labelled with the stage and count,
// and the conversion from each stage to the next between the bars.
func ConversionSVG(w io.Writer, f funnel.Conversion) error {
	const (
		width    = 720
		left     = 150 // bars area starts here
		barsW    = 540
		top      = 56
		barH     = 34
		gap      = 24
		minWidth = 3.0
	)
	height := top + len(f.Steps)*(barH+gap) + 10
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>`+"\n", width, height, width, height, svgFont)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	title := "Funnel"
	if f.Label != "" {
		title += " — " + f.Label
	}
	fmt.Fprintf(bw, `<text x="%d" y="30" font-size="18" font-weight="bold" fill="#222">%s</text>`+"\n", 20, esc(title))
	most := 0
	for _, s := range f.Steps {
		most = max(most, s.Count)
	}
	center := float64(left) + barsW/2
	for i, s := range f.Steps {
		y := top + i*(barH+gap)
		bar := 0.0
		if most > 0 && s.Count > 0 {
			bar = max(float64(barsW)*float64(s.Count)/float64(most), minWidth)
		}
		colour := palette[i%len(palette)]
		fmt.Fprintf(bw, `<text x="20" y="%d" font-size="14" fill="#222">%s</text>`+"\n", y+barH/2+5, esc(s.Stage.String()))
		fmt.Fprintf(bw, `<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="3" fill="%s"><title>%s: %d</title></rect>`+"\n",
			center-bar/2, y, bar, barH, colour, esc(s.Stage.String()), s.Count)
		label := fmt.Sprintf("%d", s.Count)
		if bar >= 60 {
			fmt.Fprintf(bw, `<text x="%.1f" y="%d" font-size="14" font-weight="bold" fill="#fff" text-anchor="middle">%s</text>`+"\n", center, y+barH/2+5, esc(label))
		} else {
			fmt.Fprintf(bw, `<text x="%.1f" y="%d" font-size="14" font-weight="bold" fill="#222">%s</text>`+"\n", center+bar/2+6, y+barH/2+5, esc(label))
		}
		if i+1 < len(f.Steps) {
			next := f.Steps[i+1]
			fmt.Fprintf(bw, `<text x="%.1f" y="%d" font-size="12" fill="#555" text-anchor="middle">↓ %s to %s</text>`+"\n",
				center, y+barH+gap/2+5, esc(percent(next.Conversion)), esc(next.Stage.String()))
		}
	}
	if len(f.Steps) > 0 {
		last := f.Steps[len(f.Steps)-1]
		fmt.Fprintf(bw, `<text x="%d" y="30" font-size="12" fill="#555" text-anchor="end">%s → %s: %s</text>`+"\n",
			width-20, esc(f.Steps[0].Stage.String()), esc(last.Stage.String()), esc(percent(last.Cumulative)))
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// ErrNoTrend is returned by ComplianceSVG for rows that are not a
// ComplianceTrend.
var ErrNoTrend = errors.New("report: compliance chart needs the rows of ComplianceTrend")

// ComplianceSVG draws c, the rows of a ComplianceTrend, as an SVG line
// chart: one line per deadline kind, the share of deadlines met per period
// (0–100%), with a gap where a period settled no deadline of that kind. Rows that are not
// from ComplianceTrend return ErrNoTrend.
func ComplianceSVG(w io.Writer, c funnel.Compliance) error {
	var periods []string
	var kindsSeen []lead.DeadlineKind
	rates := map[lead.DeadlineKind]map[string]funnel.ComplianceRow{}
	for _, r := range c.Rows {
		if r.Period == nil {
			return ErrNoTrend
		}
		if len(periods) == 0 || periods[len(periods)-1] != r.Group {
			periods = append(periods, r.Group)
		}
		if rates[r.Kind] == nil {
			rates[r.Kind] = map[string]funnel.ComplianceRow{}
			kindsSeen = append(kindsSeen, r.Kind)
		}
		rates[r.Kind][r.Group] = r
	}
	const (
		width, height = 760, 380
		plotL, plotR  = 64, 580
		plotT, plotB  = 50, 300
		legendX       = 600
	)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>`+"\n", width, height, width, height, svgFont)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	by := c.By
	if by == "" {
		by = "period"
	}
	fmt.Fprintf(bw, `<text x="20" y="30" font-size="18" font-weight="bold" fill="#222">%s</text>`+"\n", esc("SLA compliance per "+by))
	for i := 0; i <= 4; i++ {
		y := plotB - float64(i)*(plotB-plotT)/4
		fmt.Fprintf(bw, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotL, y, plotR, y)
		fmt.Fprintf(bw, `<text x="%d" y="%.1f" font-size="11" fill="#555" text-anchor="end">%d%%</text>`+"\n", plotL-6, y+4, i*25)
	}
	fmt.Fprintf(bw, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`+"\n", plotL, plotB, plotR, plotB)
	x := func(i int) float64 {
		if len(periods) <= 1 {
			return (plotL + plotR) / 2
		}
		return plotL + 16 + float64(i)*float64(plotR-plotL-32)/float64(len(periods)-1)
	}
	y := func(rate float64) float64 { return plotB - rate*(plotB-plotT) }
	for i, per := range periods {
		fmt.Fprintf(bw, `<text x="%.1f" y="%d" font-size="11" fill="#555" text-anchor="end" transform="rotate(-40 %.1f %d)">%s</text>`+"\n",
			x(i), plotB+16, x(i), plotB+16, esc(per))
	}
	for k, kind := range kindsSeen {
		colour := palette[k%len(palette)]
		var path strings.Builder
		pen := false
		for i, per := range periods {
			r, ok := rates[kind][per]
			if !ok || r.Met+r.Breached == 0 {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y(r.Rate))
			pen = true
		}
		if path.Len() > 0 {
			fmt.Fprintf(bw, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.TrimSpace(path.String()), colour)
		}
		for i, per := range periods {
			r, ok := rates[kind][per]
			if !ok || r.Met+r.Breached == 0 {
				continue
			}
			fmt.Fprintf(bw, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s %s: %s (%d met, %d breached)</title></circle>`+"\n",
				x(i), y(r.Rate), colour, esc(string(kind)), esc(per), esc(percent(r.Rate)), r.Met, r.Breached)
		}
		ly := plotT + k*22
		fmt.Fprintf(bw, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/>`+"\n", legendX, ly, colour)
		fmt.Fprintf(bw, `<text x="%d" y="%d" font-size="13" fill="#222">%s</text>`+"\n", legendX+20, ly+12, esc(string(kind)))
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}
