package lead

import (
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// anyText draws text around the checker's rules: printable ASCII of
// lengths at and around the limits, the same with one byte or rune the
// checker refuses or treats apart anywhere in it, and anyString's mix.
func anyText(t *rapid.T, label string) string {
	ascii := rapid.Custom(func(t *rapid.T) string {
		n := rapid.OneOf(
			rapid.IntRange(0, 40),
			rapid.SampledFrom([]int{MaxFieldLen - 1, MaxFieldLen, MaxFieldLen + 1, MaxTextLen - 1, MaxTextLen, MaxTextLen + 1}),
		).Draw(t, "len")
		return string(rapid.SliceOfN(rapid.ByteRange(0x20, 0x7e), n, n).Draw(t, "bytes"))
	})
	odd := rapid.SampledFrom([]string{"\x00", "\x1f", "\x7f", "\u0080", "\u009f", "\t", "\n", "\r", "\u202e", "\u2066", "\u061c", "\u2028", "é", "\xff"})
	return rapid.OneOf(
		ascii,
		rapid.Custom(func(t *rapid.T) string {
			s := ascii.Draw(t, "text")
			i := rapid.IntRange(0, len(s)).Draw(t, "at")
			return s[:i] + odd.Draw(t, "odd") + s[i:]
		}),
		rapid.Custom(func(t *rapid.T) string { return anyString(t, "any") }),
	).Draw(t, label)
}

// The quick pass of the text check takes exactly the text that is
// printable ASCII within the limit; all of it passes the checker.
func TestPrintableIsPrintableASCIIWithinTheLimitAndPassesTheChecker(t *testing.T) {
	// Every byte, at every place of the first two words and a tail.
	for c := range 256 {
		for at := range 19 {
			b := []byte(strings.Repeat("a", 19))
			b[at] = byte(c)
			if got, want := printable(string(b), MaxFieldLen), c >= 0x20 && c <= 0x7e; got != want {
				t.Fatalf("printable(%q) = %v, want %v", b, got, want)
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		v := anyText(t, "v")
		max := rapid.SampledFrom([]int{MaxFieldLen, MaxTextLen, 0, 7, 8, 9}).Draw(t, "max")
		want := len(v) <= max && strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0
		if got := printable(v, max); got != want {
			t.Fatalf("printable(%q, %d) = %v, want %v", v, max, got, want)
		}
		if !want {
			return
		}
		for _, lines := range []bool{false, true} {
			c := checker{cmd: "X"}
			if c.check("f", v, max, false, lines); c.err != nil {
				t.Fatalf("printable passes %q, which the checker refuses: %v", v, c.err)
			}
		}
	})
}

// The text check of a stored event says what the checker says of each
// field, in the schema's order, with or without its quick pass.
func TestTextCheckSaysWhatTheCheckerSays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := withTexts(t, anyEvent(t))
		s := schemaByName[e.Type()]
		got := s.check(e)
		v := reflect.New(reflect.TypeOf(e))
		v.Elem().Set(reflect.ValueOf(e))
		want := s.checkSlow(v.UnsafePointer())
		if c, ok := e.(Captured); ok && len(c.Attributes) > 1 {
			// Which of several bad attributes is named first follows the
			// map's order.
			if (got == nil) != (want == nil) {
				t.Fatalf("check: %v; the checker: %v", got, want)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("check of %#v: %v; the checker: %v", e, got, want)
		}
	})
}

// withTexts sets every string field of e that the text check reads, and
// the attributes' keys and values, to anyText.
func withTexts(t *rapid.T, e Event) Event {
	v := reflect.New(reflect.TypeOf(e)).Elem()
	v.Set(reflect.ValueOf(e))
	for _, f := range schemaByName[e.Type()].texts {
		fv := v.FieldByName(f.goName)
		if !fv.IsValid() {
			fv = v.FieldByName("Meta").FieldByName(f.goName)
		}
		switch f.kind {
		case kindString:
			fv.SetString(anyText(t, f.name))
		case kindAttrs:
			m := map[string]string{}
			for i := range rapid.IntRange(0, 3).Draw(t, "attrs") {
				m[anyText(t, "key")+strings.Repeat("k", i)] = anyText(t, "value")
			}
			fv.Set(reflect.ValueOf(m))
		}
	}
	return v.Interface().(Event)
}

// plainID takes exactly the lead IDs the checker takes.
func TestPlainIDTakesWhatTheCheckerTakes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		id := ID(rapid.OneOf(
			rapid.StringMatching(`[A-Za-z0-9_-]{0,70}`),
			rapid.Custom(func(t *rapid.T) string {
				// One byte or rune at the edge of the ranges an ID may hold.
				bad := rapid.SampledFrom([]string{".", " ", "/", ":", "@", "[", "`", "{", "~", "\x00", "\x7f", "é", "\xff"}).Draw(t, "bad")
				return rapid.StringMatching(`[A-Za-z0-9_-]{0,10}`).Draw(t, "before") + bad + rapid.StringMatching(`[A-Za-z0-9_-]{0,10}`).Draw(t, "after")
			}),
			rapid.String(),
		).Draw(t, "id"))
		var c checker
		c.id("Lead", id)
		if got, want := plainID(id), c.err == nil; got != want {
			t.Fatalf("plainID(%q) = %v, the checker: %v", id, got, c.err)
		}
	})
}

// The stage changes the check permits for an event type are those
// Permits gives one of the commands that add it, for every pair of
// stages, known or not.
func TestRulesPermitWhatTheTablePermits(t *testing.T) {
	if len(rulesByType) != len(addedBy) {
		t.Fatalf("rules for %d types, addedBy names %d", len(rulesByType), len(addedBy))
	}
	for typ, commands := range addedBy {
		r := rulesByType[typ]
		if r.schema == nil || r.schema.typ != typ {
			t.Fatalf("rules of %s have the schema %v", typ, r.schema)
		}
		for from := range stageCount + 2 {
			for to := range stageCount + 2 {
				want := false
				for _, c := range commands {
					want = want || Permits(from, c, to)
				}
				if got := r.permits(from, to); got != want {
					t.Errorf("%s from %s to %s: permits %v, the table %v", typ, from, to, got, want)
				}
			}
		}
	}
}
