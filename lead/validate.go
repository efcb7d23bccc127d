package lead

import (
	"fmt"
	"math"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Size limits on command fields. Longer input is rejected with a
// *ValidationError rather than truncated.
const (
	MaxIDLen         = 64   // lead IDs: letters, digits, '-' and '_'
	MaxEmailLen      = 254  // RFC 5321's limit on a forward path
	MaxFieldLen      = 256  // names, sources, campaigns, reps, teams, actors
	MaxTextLen       = 2048 // reasons and content descriptions
	MaxAttributes    = 32   // entries in Capture.Attributes
	MaxScore         = 100  // Fit and Intent each run 0..MaxScore
	MaxStepsInLadder = 16   // the highest breach step is MaxStepsInLadder-1
)

type checker struct {
	cmd string
	err error
}

func (c *checker) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = &ValidationError{Command: c.cmd, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
}

// text checks a one-line field: a name, rep, team, source or actor.
func (c *checker) text(field, v string, max int, required bool) {
	c.check(field, v, max, required, false)
}

// prose checks a field that may run over several lines: a reason, a
// content description. Tabs and line breaks are allowed there.
func (c *checker) prose(field, v string, required bool) {
	c.check(field, v, MaxTextLen, required, true)
}

func (c *checker) check(field, v string, max int, required, lines bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		c.fail(field, "must not be empty or only spaces")
	case len(v) > max:
		c.fail(field, "is %d bytes, over the limit of %d", len(v), max)
	case !utf8.ValidString(v):
		c.fail(field, "is not valid UTF-8")
	default:
		if r, ok := unsafeRune(v, lines); ok {
			c.fail(field, "holds %U; control characters and bidirectional overrides are not allowed", r)
		}
	}
}

// unsafeRune returns the first rune of v that could forge what a log line,
// a terminal or a report shows: C0 and C1 control characters (tabs and
// line breaks allowed only with lines), DEL, line and paragraph
// separators, and the bidirectional embeddings, overrides, isolates and
// marks.
func unsafeRune(v string, lines bool) (rune, bool) {
	for _, r := range v {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			if !lines {
				return r, true
			}
		case r < 0x20, r >= 0x7f && r < 0xa0,
			r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}

// time checks that t, when set, is an instant the event codec can write:
// years 1 to 9999 (RFC 3339).
func (c *checker) time(field string, t time.Time, required bool) {
	if t.IsZero() {
		if required {
			c.fail(field, "must be set")
		}
		return
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		c.fail(field, "year %d is outside 1..9999", y)
	}
}

func (c *checker) id(field string, v ID) {
	if v == "" {
		c.fail(field, "must not be empty")
		return
	}
	if len(v) > MaxIDLen {
		c.fail(field, "is %d bytes, over the limit of %d", len(v), MaxIDLen)
		return
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			c.fail(field, "may hold only letters, digits, '-' and '_', not %q", r)
			return
		}
	}
}

func (c *checker) email(field, v string) {
	if v == "" {
		c.fail(field, "must not be empty")
		return
	}
	if len(v) > MaxEmailLen {
		c.fail(field, "is %d bytes, over the limit of %d", len(v), MaxEmailLen)
		return
	}
	if r, ok := unsafeRune(v, false); ok {
		c.fail(field, "holds %U; control characters and bidirectional overrides are not allowed", r)
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		c.fail(field, "%q is not a plain email address", v)
		return
	}
	at := strings.LastIndexByte(v, '@')
	if domain := v[at+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		c.fail(field, "%q has no valid domain", v)
	}
}

func (c *checker) amount(field string, v float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.fail(field, "must be a finite number, not %v", v)
	case v < 0:
		c.fail(field, "must not be negative, got %v", v)
	}
}

func (c *checker) currency(field, v string, required bool) {
	if v == "" {
		if required {
			c.fail(field, "must not be empty")
		}
		return
	}
	if len(v) != 3 || strings.ToUpper(v) != v || strings.IndexFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		c.fail(field, "%q is not an ISO 4217 code like EUR or USD", v)
	}
}

func (c *checker) fraction(field string, v float64, open bool) {
	bad := math.IsNaN(v) || v < 0 || v > 1
	if open {
		bad = bad || v == 0 || v == 1
	}
	if bad {
		if open {
			c.fail(field, "must be in (0, 1), got %v", v)
		} else {
			c.fail(field, "must be in [0, 1], got %v", v)
		}
	}
}

func (c *checker) score(field string, v int) {
	if v < 0 || v > MaxScore {
		c.fail(field, "must be in 0..%d, got %d", MaxScore, v)
	}
}

// notBeforeDay fails when t falls on a calendar day (UTC) before now's.
func (c *checker) notBeforeDay(field string, t, now time.Time) {
	if t.IsZero() {
		return
	}
	if c.time(field, t, false); c.err != nil {
		return
	}
	ty, tm, td := t.UTC().Date()
	ny, nm, nd := now.UTC().Date()
	if time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Before(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) {
		c.fail(field, "%s is in the past", t.UTC().Format(time.DateOnly))
	}
}
