// Package browsertest starts the headless Chromium that the dashboard's
// browser tests drive (with chromedp). It is for tests only: nothing in
// the library imports it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// names are the names a Chromium is installed under, Debian's first.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "chrome"}

// InCI reports whether the tests run in CI (CI set, and not "false" or
// "0"), where a missing browser is a failure rather than a reason to skip.
func InCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// Start starts a headless Chromium with a fresh profile and no network
// beyond what the page asks of 127.0.0.1, and returns its context; the
// browser stops when the test ends. Without a Chromium on PATH it skips
// the test with a one-line how-to, or fails it in CI.
func Start(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if InCI() {
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
