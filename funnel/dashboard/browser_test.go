package dashboard_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadline/leadline/internal/browsertest"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
)

// seen is what the page shows, read from the DOM.
type seen struct {
	Period  string            `json:"period"`
	Stages  map[string]string `json:"stages"`
	Settled map[string]string `json:"settled"`
	Tiles   map[string]string `json:"tiles"`
	Risk    []string          `json:"risk"`
}

const readPage = `(() => {
  const o = {period: document.querySelector("#period").innerText, stages: {}, settled: {}, tiles: {}, risk: []};
  document.querySelectorAll("#funnel g.stage").forEach(g => o.stages[g.dataset.stage] = g.querySelector(".count").textContent.trim());
  document.querySelectorAll(".kind").forEach(k => o.settled[k.dataset.kind] = k.querySelector(".settled").innerText.trim());
  document.querySelectorAll(".tile").forEach(t => o.tiles[t.id] = t.querySelector(".value").innerText.trim());
  document.querySelectorAll("tr.risk").forEach(r => o.risk.push(r.dataset.lead));
  return o;
})()`

func TestBrowserShowsTheProjectionAndABreachWithoutReload(t *testing.T) {
	w := scenario(t)
	b, caughtUp := boardOn(t, w, dashboard.WithRefresh(50*time.Millisecond))
	srv := httptest.NewServer(b)
	// Close waits for the page's event stream, which ends when the browser
	// does: cleanups run last-registered first, so the browser goes first.
	t.Cleanup(srv.Close)
	ctx := browsertest.Start(t)

	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))
	}
	read := func() seen {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(rctx, chromedp.Evaluate[seen](readPage))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	step("load the page", chromedp.Navigate(srv.URL+"/"), poll(`document.querySelector("#live.on") !== null`))
	got := read()

	month := funnel.PeriodOf(funnel.UnitMonth, w.clock.Now(), time.UTC)
	f := funnel.Filter{From: month.Start, To: month.End}
	p := w.projection()
	if got.Period != "March 2026" {
		t.Errorf("period %q, want March 2026", got.Period)
	}
	conv := p.Conversion(f, funnel.ConversionStages...)
	for _, st := range conv.Steps {
		if got.Stages[st.Stage.String()] != strconv.Itoa(st.Count) {
			t.Errorf("funnel %s: the page shows %q, the projection %d", st.Stage, got.Stages[st.Stage.String()], st.Count)
		}
	}
	if got.Tiles["tile-captured"] != strconv.Itoa(conv.Steps[0].Count) {
		t.Errorf("leads captured: the page shows %q, the projection %d", got.Tiles["tile-captured"], conv.Steps[0].Count)
	}
	rows := p.Compliance(f, 0).Rows
	if len(rows) == 0 {
		t.Fatal("the scenario settles no deadline")
	}
	for _, r := range rows {
		if want := fmt.Sprintf("%d of %d", r.Met, r.Met+r.Breached); got.Settled[string(r.Kind)] != want {
			t.Errorf("%s: the page shows %q settled, the projection %q", r.Kind, got.Settled[string(r.Kind)], want)
		}
	}
	if want := w.dueWithin(dashboard.DefaultAtRisk); fmt.Sprint(got.Risk) != fmt.Sprint(want) {
		t.Errorf("at risk: the page shows %v, the policy's deadlines say %v", got.Risk, want)
	}

	// The SLA records breaches while the page is open: lead-5's at 17:45,
	// lead-4's (due at 18:00, the close) at Tuesday's opening.
	step("mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	breaches := w.advance(15*time.Hour + 31*time.Minute)
	caughtUp()
	if len(breaches) == 0 {
		t.Fatal("no breach by Tuesday 09:01")
	}
	last := breaches[len(breaches)-1]
	p = w.projection()
	var breached int
	for _, r := range p.Compliance(f, 0).Rows {
		breached += r.Breached
	}
	step("see the breach and the new figures",
		poll(fmt.Sprintf(`document.querySelector('#breaches li[data-lead=%q][data-kind=%q]') !== null`, last.Lead, last.Deadline.Kind)),
		poll(fmt.Sprintf(`document.querySelector("#tile-breaches .value").innerText === %q`, strconv.Itoa(breached))),
		poll(`window.notReloaded === true`),
	)
	got = read()
	if len(got.Risk) != 0 {
		t.Errorf("at risk after the breaches: %v, want none (the SLA returned them to marketing)", got.Risk)
	}

	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "dashboard.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
