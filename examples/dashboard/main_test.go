package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// start runs the program with args on a free port and returns the
// running dashboard; the program stops when the test ends.
func launch(t *testing.T, args ...string) (served, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan served, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), &out, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("run returned %v, want context.Canceled", err)
		}
	})
	select {
	case s := <-ready:
		return s, &out
	case err := <-done:
		t.Fatalf("run returned %v before serving", err)
	}
	panic("unreachable")
}

func TestDashboardServesTheSimulatedMonthAtThePrintedURL(t *testing.T) {
	s, out := launch(t, "-leads", "60", "-days", "5", "-speed", "0")
	if !strings.Contains(out.String(), "open "+s.url+"\n") {
		t.Fatalf("the program did not print its URL %s:\n%s", s.url, out)
	}
	resp, err := http.Get(s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", s.url, resp.StatusCode)
	}
	page := string(body)
	// The simulated leads are all captured in the first days of March 2026,
	// the month the page shows at the end of the simulation.
	for _, want := range []string{
		"<h2 id=\"period\">March 2026</h2>",
		`id="tile-captured"><div class="label">Leads captured</div><div class="value">60</div>`,
		"Marketing: 150 MQLs a month",
		"Accept or reject",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`event (\d+)</span>`).FindStringSubmatch(page); m == nil || m[1] != fmt.Sprint(s.board.Position()) {
		t.Errorf("the page is at %v, the board at %d", m, s.board.Position())
	}
}

func TestDashboardPlaysTheLastDayLive(t *testing.T) {
	s, _ := launch(t, "-leads", "40", "-days", "3", "-speed", "1ms")
	// The live day goes on after the page is served: the Engine records
	// events of its working hours, which the Board follows.
	from := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	found := errors.New("found")
	err := s.engine.Subscribe(ctx, s.board.Position()+1, func(_ uint64, ev lead.Event) error {
		if ev.Base().At.After(from) {
			return found
		}
		return nil
	})
	if !errors.Is(err, found) {
		t.Fatalf("no event of the live day's working hours: %v", err)
	}
}

func TestDashboardHelpExitsCleanlyAndBadFlagsFail(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, nil); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(out.String(), "-addr") {
		t.Errorf("-h does not list -addr:\n%s", out.String())
	}
	for _, args := range [][]string{{"-leads", "0"}, {"-days", "1"}, {"-speed", "-1s"}, {"extra"}, {"-addr", "not-an-address"}} {
		if err := run(context.Background(), args, io.Discard, nil); err == nil || errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v", args, err)
		}
	}
}
