package dashboard

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/leadline/leadline/funnel"
)

//go:embed page.html
var files embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"when": when,
	"clock": func(t time.Time) string {
		return t.Format("15:04")
	},
}).ParseFS(files, "page.html"))

// ServeHTTP serves the dashboard. Mount it on a path ending in a slash
// (with http.StripPrefix when the path is not "/"):
//
//	mux.Handle("/sla/", http.StripPrefix("/sla", board))
//
// It answers GET (and HEAD) for:
//
//   - "/": the page. Query parameters: unit (week, month or quarter;
//     month by default) and at (a date, 2006-01-02): the period shown is
//     the unit containing at, the current one by default. A bad parameter
//     is a 400 that says which and why.
//   - "/board": the page's live part alone, which the page fetches again
//     when told to.
//   - "/events": a server-sent event stream: "breach" events carry each
//     breach step as it is applied, as an HTML list item; "update" events
//     (at most one per refresh interval, see WithRefresh) tell the page
//     that the figures changed.
func (b *Board) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "":
		// Mounted without the trailing slash: the page's relative links
		// need it.
		http.Redirect(w, r, strings.SplitN(r.RequestURI, "?", 2)[0]+"/", http.StatusMovedPermanently)
	case "/":
		b.render(w, r, "page")
	case "/board":
		b.render(w, r, "board")
	case "/events":
		b.events(w, r)
	default:
		http.NotFound(w, r)
	}
}

// render writes the page or its board for r's query.
func (b *Board) render(w http.ResponseWriter, r *http.Request, name string) {
	q, err := parseQuery(r.URL.Query(), b.loc)
	if err != nil {
		var qe *QueryError
		errors.As(err, &qe)
		http.Error(w, fmt.Sprintf("bad query parameter %s=%q: %s", qe.Param, qe.Value, qe.Reason), http.StatusBadRequest)
		return
	}
	var body bytes.Buffer
	if err := b.write(&body, q, name); err != nil {
		http.Error(w, "the dashboard could not be drawn: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body.Bytes())
}

// Render writes the dashboard's page for the period of unit u (week,
// month or quarter) containing at, the current period when at is zero: what
// ServeHTTP serves at "/". The figures are computed once per position of
// the feed and minute of the clock, and reused until either moves. A unit
// the page does not offer is a *QueryError.
func (b *Board) Render(w io.Writer, u funnel.Unit, at time.Time) error {
	switch u {
	case funnel.UnitWeek, funnel.UnitMonth, funnel.UnitQuarter:
	default:
		return &QueryError{Param: "unit", Value: u.String(), Reason: "want week, month or quarter"}
	}
	return b.write(w, query{unit: u, at: at}, "page")
}

// write executes template name (the page or its board) for q.
func (b *Board) write(w io.Writer, q query, name string) error {
	now := b.clock.Now()
	b.mu.Lock()
	pos := b.proj.Position()
	v, ok := b.cache.get(q, pos, now)
	if !ok {
		v = b.view(q, now)
		b.cache.put(q, pos, now, v)
	}
	b.mu.Unlock()
	return page.ExecuteTemplate(w, name, v)
}

// viewCache keeps the views computed at one position of the feed within
// one minute of the clock: every open page asks for the board again after
// an update, and they mostly ask for the same period.
type viewCache struct {
	pos    uint64
	minute int64
	views  map[string]view
}

func (c *viewCache) get(q query, pos uint64, now time.Time) (view, bool) {
	if c.pos != pos || c.minute != now.Unix()/60 {
		return view{}, false
	}
	v, ok := c.views[q.key()]
	return v, ok
}

func (c *viewCache) put(q query, pos uint64, now time.Time, v view) {
	if c.pos != pos || c.minute != now.Unix()/60 || len(c.views) >= 16 {
		c.pos, c.minute, c.views = pos, now.Unix()/60, map[string]view{}
	}
	c.views[q.key()] = v
}
