package sla

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline/lead"
)

// setsEqual reports whether a and b hold equal policies under the same
// names and versions, the same current versions, equal Rules and the same
// Review.
func setsEqual(a, b Set) bool {
	if !reflect.DeepEqual(a.Segments(), b.Segments()) || a.Len() != b.Len() || a.Review != b.Review {
		return false
	}
	for _, name := range a.Segments() {
		for v, p := range a.segments[name].versions {
			q, ok := b.Policy(name, v)
			if !ok || !p.Equal(q) {
				return false
			}
		}
		if a.segments[name].current != b.segments[name].current {
			return false
		}
	}
	ra, _ := a.Selector.(Rules)
	rb, _ := b.Selector.(Rules)
	return (a.Selector == nil) == (b.Selector == nil) && reflect.DeepEqual(ra, rb)
}

func TestWrittenSetsParseBackEqual(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var set Set
		for i := range rapid.IntRange(1, 5).Draw(t, "policies") {
			p := fileDrawPolicy(t, 1+rapid.IntRange(0, 3).Draw(t, "version"))
			if _, dup := set.Policy(p.Name, p.Version); dup {
				continue
			}
			if err := set.Add(p); err != nil {
				t.Fatalf("policy %d: %v", i, err)
			}
		}
		names := set.Segments()
		var rules Rules
		for range rapid.IntRange(0, 3).Draw(t, "rules") {
			m := Match{Segment: rapid.SampledFrom(names).Draw(t, "segment"),
				Source:    rapid.SampledFrom([]string{"", "webinar", "ads"}).Draw(t, "source"),
				MQLSource: rapid.SampledFrom([]lead.MQLSource{"", lead.SourceScore, lead.SourceTPQ}).Draw(t, "mqlSource"),
				Team:      rapid.SampledFrom([]string{"", "emea"}).Draw(t, "team"),
				MinScore:  rapid.IntRange(0, 100).Draw(t, "min"),
			}
			if rapid.Bool().Draw(t, "max") {
				m.MaxScore = m.MinScore + rapid.IntRange(0, 100).Draw(t, "band")
			}
			if rapid.Bool().Draw(t, "attr") {
				m.Attributes = map[string]string{"tier": rapid.SampledFrom([]string{"enterprise", "smb"}).Draw(t, "tier")}
			}
			rules = append(rules, m)
		}
		if len(rules) > 0 {
			set.Selector = rules
		}
		if rapid.Bool().Draw(t, "review") {
			first := time.Date(rapid.IntRange(2000, 2100).Draw(t, "year"), 1, 1, 0, 0, 0, 0, time.UTC)
			set.Review = Review{Effective: DateOf(first.AddDate(0, 0, rapid.IntRange(0, 365).Draw(t, "day"))), Months: rapid.IntRange(1, 120).Draw(t, "months")}
		}
		var file bytes.Buffer
		if err := WriteSet(&file, set); err != nil {
			t.Fatal(err)
		}
		got, err := ParseSet(bytes.NewReader(file.Bytes()))
		if err != nil {
			t.Fatalf("%v\n%s", err, file.Bytes())
		}
		if !setsEqual(got, set) {
			t.Fatalf("read back another set from\n%s", file.Bytes())
		}
		var again bytes.Buffer
		if err := WriteSet(&again, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), file.Bytes()) {
			t.Fatalf("writing what was read gives another file:\n%s\nwant\n%s", again.Bytes(), file.Bytes())
		}
	})
}

func TestWriteSetRefusesASelectorItCannotWrite(t *testing.T) {
	set, err := NewSet(SelectorFunc(func(lead.State) string { return "" }), DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	err = WriteSet(&b, set)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Field != "segments" || b.Len() != 0 {
		t.Fatalf("err = %v, %d bytes written; want a FileError on segments and nothing written", err, b.Len())
	}
	set.Selector = Rules{{Segment: "enterprise"}}
	if err := WriteSet(&b, set); !errors.As(err, &fe) || fe.Field != "segments[0].segment" {
		t.Fatalf("err = %v, want a FileError on a rule naming a segment the set lacks", err)
	}
}

func TestPolicyFileReviewIsCheckedAndOnlyParseSetReadsIt(t *testing.T) {
	for _, tt := range []struct{ file, field string }{
		{`{"policies": [{"version": 1}], "review": {"effective": "2026-02-30", "months": 6}}`, "review.effective"},
		{`{"policies": [{"version": 1}], "review": {"effective": "2026-01-05", "months": 0}}`, "review.months"},
		{`{"policies": [{"version": 1}], "review": {"effective": "5 Jan 2026", "months": 6}}`, "review.effective"},
		{`{"policies": [{"version": 1}], "review": {"effective": "2026-01-05", "every": 6}}`, "review.every"},
	} {
		_, err := ParseSet(strings.NewReader(tt.file))
		var fe *FileError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: err = %v, want a FileError on %s", tt.file, err, tt.field)
		}
	}
	ok := `{"policies": [{"version": 1}], "review": {"effective": "2026-01-05", "months": 6}}`
	set, err := ParseSet(strings.NewReader(ok))
	if err != nil || set.Review != (Review{Effective: Date{2026, time.January, 5}, Months: 6}) {
		t.Fatalf("ParseSet = %+v, %v", set.Review, err)
	}
	if _, err := ParsePolicies(strings.NewReader(ok)); err == nil {
		t.Fatal("ParsePolicies dropped the review cadence without an error")
	}
}

func TestReviewDatesKeepTheDayOrTheMonthsLast(t *testing.T) {
	r := Review{Effective: Date{2026, time.January, 31}, Months: 1}
	var got []string
	for n := 1; n <= 3; n++ {
		got = append(got, r.Date(n).String())
	}
	if want := []string{"2026-02-28", "2026-03-31", "2026-04-30"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("dates = %v, want %v", got, want)
	}
	half := Review{Effective: Date{2026, time.January, 5}, Months: 6}
	due := half.Due(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2027, 7, 4, 23, 0, 0, 0, time.UTC))
	if len(due) != 2 || due[0].String() != "2026-07-05" || due[1].String() != "2027-01-05" {
		t.Fatalf("Due = %v, want 2026-07-05 and 2027-01-05", due)
	}
}
