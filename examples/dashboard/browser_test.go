package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadline/leadline/lead"
)

// inCI reports whether the tests run in CI, where a missing browser is a
// failure rather than a reason to skip.
func inCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// browser starts a headless Chromium with a fresh profile (as the
// dashboard package's browser test does) and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "chrome"} {
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
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

func TestBrowserSeesTheServedMonthAndANewBreachWithoutReload(t *testing.T) {
	// The program serves first, so that its server outlives the browser's
	// event stream (cleanups run last-registered first).
	s, _ := launch(t, "-leads", "60", "-days", "4", "-speed", "0")
	ctx := browser(t)
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	do("load the page", chromedp.Navigate(s.url), poll(`document.querySelector("#live.on") !== null`),
		poll(`document.querySelector("#tile-captured .value").innerText === "60"`),
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))

	// The SLA goes on: move the simulated clock a working hour at a time
	// until the Engine records a breach step, and find which.
	from := s.board.Position() + 1
	var breach lead.DeadlineBreached
	for tries := 0; breach.Lead == "" && tries < 72; tries++ {
		s.clock.Add(time.Hour)
		if _, err := s.engine.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		recs, err := s.store.Read(context.Background(), from, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			from = r.Position + 1
			if ev, err := lead.Decode(r.Data); err == nil {
				if b, ok := ev.(lead.DeadlineBreached); ok {
					breach = b
				}
			}
		}
	}
	if breach.Lead == "" {
		t.Fatal("no breach step in three simulated days")
	}
	do("see the breach", poll(fmt.Sprintf(`document.querySelector('#breaches li[data-lead=%q]') !== null`, breach.Lead)),
		poll(`window.notReloaded === true`))
}
