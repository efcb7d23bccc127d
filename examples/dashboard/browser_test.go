package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadline/leadline/internal/browsertest"

	"github.com/leadline/leadline/lead"
)

func TestBrowserSeesTheServedMonthAndANewBreachWithoutReload(t *testing.T) {
	// The program serves first, so that its server outlives the browser's
	// event stream (cleanups run last-registered first).
	s, _ := launch(t, "-leads", "60", "-days", "4", "-speed", "0")
	ctx := browsertest.Start(t)
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
