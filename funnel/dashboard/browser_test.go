package dashboard_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
)

// browsers are the names a Chromium is installed under, Debian's first.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "chrome"}

// inCI reports whether the tests run in CI, where a missing browser is a
// failure rather than a reason to skip.
func inCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// browser starts a headless Chromium with a fresh profile and no network
// beyond what the page asks of 127.0.0.1, and returns its context. It
// skips the test when none is installed, outside CI.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if inCI() {
			t.Fatal("no Chromium found, and CI must run the browser test: install Debian's chromium (.ci/run does)")
		}
		t.Skip("no Chromium found: apt-get install chromium (or put chromium on PATH) to run the browser test")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first action starts the browser, on a context with no deadline:
	// a deadline on it would stop the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

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
	ctx := browser(t)

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
