package dashboard_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/dashboard"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String()
}

// boardOn returns a Board on w's clock and policy, caught up with w.
func boardOn(t *testing.T, w *world, opts ...dashboard.Option) (*dashboard.Board, func()) {
	t.Helper()
	b, err := dashboard.New(append([]dashboard.Option{dashboard.WithPolicy(w.policy), dashboard.WithClock(w.clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	caughtUp := follow(t, b, w)
	caughtUp()
	return b, caughtUp
}

// attrs returns the values of attribute name on the elements of page whose
// opening tag starts with open, in order.
func attrs(page, open, name string) []string {
	re := regexp.MustCompile(regexp.QuoteMeta(open) + `[^>]*?` + name + `="([^"]*)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestAtRiskListsTheDeadlinesDueWithinTheWindowSoonestFirst(t *testing.T) {
	w := scenario(t)
	b, caughtUp := boardOn(t, w, dashboard.WithAtRisk(2*time.Hour))
	want := w.dueWithin(2 * time.Hour)
	if fmt.Sprint(want) != "[lead-5 lead-4]" {
		t.Fatalf("the scenario has %v due within 2 h, want lead-5 then lead-4", want)
	}
	_, page := get(t, b, "/")
	if got := attrs(page, `<tr class="risk`, "data-lead"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("at risk: %v, want %v", got, want)
	}
	if !strings.Contains(page, `id="tile-at-risk"`) || !regexp.MustCompile(`id="tile-at-risk".*?<div class="value">`+fmt.Sprint(len(want))+`<`).MatchString(page) {
		t.Errorf("the at-risk tile does not say %d", len(want))
	}

	// Accepting lead-4 meets its accept deadline: it leaves the list.
	w.do("lead-4", lead.Accept{})
	caughtUp()
	_, page = get(t, b, "/")
	for _, id := range attrs(page, `<tr class="risk`, "data-lead") {
		if id == "lead-4" {
			t.Fatal("lead-4 is still at risk after its rep accepted it")
		}
	}
}

func TestOverdueCountsBreachedDeadlinesStillRunning(t *testing.T) {
	w := scenario(t)
	// lead-4 was due at 18:00, the close of business: its breach step
	// comes at the next opening, 09:00 on Tuesday. lead-5's came at 17:45.
	w.advance(time.Hour)
	b, _ := boardOn(t, w)
	_, page := get(t, b, "/")
	if !regexp.MustCompile(`id="tile-overdue".*?<div class="value">1<`).MatchString(page) {
		t.Fatalf("the overdue tile does not say 1:\n%s", between(page, `id="tile-overdue"`, "</div></div>"))
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j+len(to)]
	}
	return s
}

func TestComplianceShowsTheProjectionsCountsAndTheTarget(t *testing.T) {
	w := scenario(t)
	b, _ := boardOn(t, w, dashboard.WithTarget(lead.KindAccept, 0.8))
	_, page := get(t, b, "/")
	month := funnel.PeriodOf(funnel.UnitMonth, w.clock.Now(), time.UTC)
	c := w.projection().Compliance(funnel.Filter{From: month.Start, To: month.End}, 0)
	for _, r := range c.Rows {
		card := between(page, `<div class="kind" data-kind="`+string(r.Kind)+`"`, "</svg>")
		if card == "" {
			t.Errorf("no chart for %s", r.Kind)
			continue
		}
		if want := fmt.Sprintf("%d of %d</span> settled", r.Met, r.Met+r.Breached); !strings.Contains(card, want) {
			t.Errorf("%s: the chart lacks %q", r.Kind, want)
		}
		if strings.Contains(card, "<h4>"+string(r.Kind)+"</h4>") {
			t.Errorf("%s: labelled with its internal name", r.Kind)
		}
	}
	accept := between(page, `<div class="kind" data-kind="accept"`, "</svg>")
	if !strings.Contains(accept, "target 80%") || !strings.Contains(accept, `stroke-dasharray="5 4"`) {
		t.Error("the accept chart has no 80% target line")
	}
	// Every point with deadlines carries its n.
	for _, n := range attrs(accept, `<g class="point"`, "data-n") {
		if n != "0" && !strings.Contains(accept, ">n="+n+"<") {
			t.Errorf("a point of %s deadlines shows no n=%s", n, n)
		}
	}
}

func TestComplianceByTeamAndRepMatchesTheProjection(t *testing.T) {
	w := scenario(t)
	b, _ := boardOn(t, w)
	_, page := get(t, b, "/")
	month := funnel.PeriodOf(funnel.UnitMonth, w.clock.Now(), time.UTC)
	p := w.projection()
	for by, d := range map[string]funnel.Dimension{"team": funnel.ByTeam, "rep": funnel.ByRep} {
		table := between(page, `id="by-`+by+`"`, "</section>")
		rows := p.Compliance(funnel.Filter{From: month.Start, To: month.End}, d).Rows
		if len(rows) == 0 {
			t.Fatalf("the scenario has no compliance by %s", by)
		}
		for _, r := range rows {
			row := between(table, `<tr data-group="`+r.Group+`"`, "</tr>")
			cellText := between(row, `data-kind="`+string(r.Kind)+`"`, "</td>")
			want := fmt.Sprintf("n=%d<", r.Met+r.Breached)
			if r.Met+r.Breached == 0 {
				want = "–" // nothing settled: no rate to give
			}
			if !strings.Contains(cellText, want) {
				t.Errorf("by %s, %s, %s: cell %q lacks %q", by, r.Group, r.Kind, cellText, want)
			}
		}
	}
}

func TestBreachFeedKeepsTheLatestStepsNewestFirst(t *testing.T) {
	w := scenario(t)
	b, caughtUp := boardOn(t, w, dashboard.WithFeed(2))
	breaches := w.advance(15*time.Hour + 31*time.Minute) // lead-5 breaches at 17:45, lead-4 at 09:00 on Tuesday
	caughtUp()
	if len(breaches) < 2 {
		t.Fatalf("%d breach steps by Tuesday 09:01, want at least 2", len(breaches))
	}
	_, page := get(t, b, "/")
	got := attrs(between(page, `<ul class="feed"`, "</ul>"), "<li", "data-lead")
	want := []string{string(breaches[len(breaches)-1].Lead), string(breaches[len(breaches)-2].Lead)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("feed %v, want the last two, newest first: %v", got, want)
	}
}

func TestBreachIsPushedToAnOpenPageAsItHappens(t *testing.T) {
	w := scenario(t)
	b, _ := boardOn(t, w)
	srv := httptest.NewServer(b)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // the stream opens with its retry interval
	// lead-5 breaches at 17:45, lead-4 at 09:00 on Tuesday.
	breaches := w.advance(15*time.Hour + 31*time.Minute)
	if len(breaches) == 0 {
		t.Fatal("no breach by Tuesday 09:01")
	}
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && event == "breach" {
			if !strings.Contains(d, `data-lead="`+string(breaches[0].Lead)+`"`) || !strings.Contains(d, "Accept or reject") {
				t.Fatalf("the first breach pushed is %s, want %s's accept deadline", d, breaches[0].Lead)
			}
			return
		}
	}
	t.Fatalf("the stream ended without a breach: %v", sc.Err())
}

func TestBadQueryParameterIsABadRequestThatSaysWhich(t *testing.T) {
	w := scenario(t)
	b, _ := boardOn(t, w)
	for _, q := range []string{"/?unit=year", "/?at=yesterday", "/board?unit=fortnight"} {
		code, body := get(t, b, q)
		if code != http.StatusBadRequest || !strings.Contains(body, "bad query parameter") {
			t.Errorf("%s: %d %q", q, code, body)
		}
	}
	if code, _ := get(t, b, "/nope"); code != http.StatusNotFound {
		t.Errorf("/nope: %d", code)
	}
	rec := httptest.NewRecorder()
	b.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestPeriodSwitchShowsTheChosenWeekWithHumanLabels(t *testing.T) {
	w := scenario(t)
	b, _ := boardOn(t, w)
	code, page := get(t, b, "/?unit=week&at=2026-03-04")
	if code != http.StatusOK {
		t.Fatal(code)
	}
	for _, want := range []string{"<h2 id=\"period\">Week of 2 Mar 2026</h2>", "‹ Week of 23 Feb 2026", ">Mon 2<"} {
		if !strings.Contains(page, want) {
			t.Errorf("the week page lacks %q", want)
		}
	}
	for _, internal := range []string{"2026-W10", ">first_touch<", ">accept<"} {
		if strings.Contains(page, internal) {
			t.Errorf("the page shows the internal label %q", internal)
		}
	}
	// A week with no leads draws no funnel bars but still renders.
	if code, page := get(t, b, "/?unit=week&at=2026-02-16"); code != http.StatusOK || !strings.Contains(page, "No SLA clock started") {
		t.Errorf("an empty week: %d", code)
	}
}

func TestMountedWithoutTheSlashRedirectsToIt(t *testing.T) {
	w := scenario(t)
	b, _ := boardOn(t, w)
	mux := http.NewServeMux()
	mux.Handle("/sla/", http.StripPrefix("/sla", b))
	mux.Handle("/sla", http.StripPrefix("/sla", b))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/sla?unit=week")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/sla/" {
		t.Fatalf("ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for name, o := range map[string]dashboard.Option{
		"target above 1":   dashboard.WithTarget(lead.KindAccept, 1.5),
		"zero at-risk":     dashboard.WithAtRisk(0),
		"nil clock":        dashboard.WithClock(nil),
		"nil location":     dashboard.WithLocation(nil),
		"empty policy set": dashboard.WithPolicies(sla.Set{}),
		"bad commitment":   dashboard.WithCommitments(funnel.Commitment{Kind: funnel.CommitmentReach, Target: 2}),
		"zero feed":        dashboard.WithFeed(0),
		"empty title":      dashboard.WithTitle(""),
	} {
		if _, err := dashboard.New(o); !errors.Is(err, dashboard.ErrInvalidOption) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRenderRefusesAUnitThePageDoesNotOffer(t *testing.T) {
	b, err := dashboard.New()
	if err != nil {
		t.Fatal(err)
	}
	var qe *dashboard.QueryError
	if err := b.Render(&strings.Builder{}, funnel.UnitDay, time.Time{}); !errors.As(err, &qe) || qe.Param != "unit" {
		t.Fatalf("Render with a day: %v", err)
	}
}

func TestBoardServesPagesWhileItIsFed(t *testing.T) {
	w := scenario(t)
	b, caughtUp := boardOn(t, w, dashboard.WithRefresh(0))
	srv := httptest.NewServer(b)
	defer srv.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(srv.URL + "/board")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	for i := range 20 {
		id := lead.ID(fmt.Sprintf("late-%d", i))
		w.capture(id, "webinar")
		w.do(id, lead.HandOff{Rep: "ana", Team: "emea"})
		w.advance(10 * time.Minute)
	}
	caughtUp()
	close(stop)
	wg.Wait()
	_, page := get(t, b, "/")
	if !strings.Contains(page, fmt.Sprintf("%d leads", 28)) {
		t.Errorf("the page does not count 28 leads: %s", between(page, `class="asof"`, "</span>"))
	}
}

func TestComplianceShowsNoHandOffChartUnderAPolicyWithoutAHandOffClock(t *testing.T) {
	w := scenario(t) // the default policy has no hand-off clock
	b, _ := boardOn(t, w)
	_, page := get(t, b, "/")
	if strings.Contains(page, `<div class="kind" data-kind="hand_off"`) {
		t.Error("a hand_off chart for a hand-off clock the policy does not have")
	}
	if table := between(page, `id="by-team"`, "</section>"); strings.Contains(table, `data-kind="hand_off"`) {
		t.Error("a hand_off column by team for a hand-off clock the policy does not have")
	}

	p := sla.DefaultPolicy()
	p.HandOff = sla.Rule{Within: 4 * time.Hour}
	w = newWorld(t, p, monday)
	w.capture("lead-1", "webinar")
	w.do("lead-1", lead.HandOff{Rep: "ana", Team: "emea"})
	b, _ = boardOn(t, w)
	_, page = get(t, b, "/")
	if card := between(page, `<div class="kind" data-kind="hand_off"`, "</svg>"); !strings.Contains(card, "1 of 1</span> settled") {
		t.Errorf("no hand_off chart with the met hand-off under a policy with the clock:\n%s", card)
	}
}
