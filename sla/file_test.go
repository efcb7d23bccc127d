package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo

	"github.com/leadline/leadline/lead"
	"pgregory.net/rapid"
)

// fileDrawDuration draws durations of every shape the format must carry:
// whole days, hours and minutes, odd seconds and nanoseconds.
func fileDrawDuration(t *rapid.T, label string) time.Duration {
	unit := rapid.SampledFrom([]time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second, time.Nanosecond}).Draw(t, label+"Unit")
	return time.Duration(rapid.Int64Range(0, int64(2000*time.Hour/unit)).Draw(t, label)) * unit
}

// fileDrawLadder draws a ladder Validate accepts for a clock of kind.
func fileDrawLadder(t *rapid.T, kind lead.DeadlineKind, label string) []Step {
	var ok, last []lead.Action
	for _, a := range []lead.Action{lead.ActionNotify, lead.ActionEscalate, lead.ActionReassign, lead.ActionRoute, lead.ActionReturn, lead.ActionStall} {
		if actionApplies(kind, a) {
			last = append(last, a)
			if !ends(kind, a) {
				ok = append(ok, a)
			}
		}
	}
	n := rapid.IntRange(0, 4).Draw(t, label+"Steps")
	var l []Step
	var after time.Duration
	for i := range n {
		if i > 0 {
			after += 1 + fileDrawDuration(t, label+"Gap")
		} else {
			after = fileDrawDuration(t, label+"First")
		}
		actions := ok
		if i == n-1 {
			actions = last
		}
		l = append(l, Step{After: after, Action: rapid.SampledFrom(actions).Draw(t, label+"Action")})
	}
	return l
}

func fileDrawCalendar(t *rapid.T) Calendar {
	var c Calendar
	switch zone := rapid.SampledFrom(append([]string{""}, calZones...)).Draw(t, "zone"); zone {
	case "":
		// nil Location: UTC.
	default:
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		c.Location = loc
	}
	unit := rapid.SampledFrom([]time.Duration{time.Hour, time.Minute, time.Second, time.Nanosecond}).Draw(t, "spanUnit")
	steps := int64(24 * time.Hour / unit)
	for d := range c.Week {
		n := rapid.IntRange(0, 3).Draw(t, "spans")
		b := rapid.SliceOfNDistinct(rapid.Int64Range(0, steps), 2*n, 2*n, rapid.ID).Draw(t, "bounds")
		slices.Sort(b)
		for i := 0; i < len(b); i += 2 {
			c.Week[d] = append(c.Week[d], Span{TimeOfDay(time.Duration(b[i]) * unit), TimeOfDay(time.Duration(b[i+1]) * unit)})
		}
	}
	for range rapid.IntRange(0, 5).Draw(t, "holidays") {
		first := time.Date(rapid.IntRange(1900, 2200).Draw(t, "year"), time.January, 1, 12, 0, 0, 0, time.UTC)
		c.Holidays = append(c.Holidays, DateOf(first.AddDate(0, 0, rapid.IntRange(0, 365).Draw(t, "yearDay"))))
	}
	return c
}

// fileDrawPolicy draws a policy that passes Validate, with every rule
// possibly off.
func fileDrawPolicy(t *rapid.T, version int) Policy {
	rule := func(kind lead.DeadlineKind, label string) Rule {
		return Rule{Within: fileDrawDuration(t, label+"Within"), Business: rapid.Bool().Draw(t, label+"Business"), Ladder: fileDrawLadder(t, kind, label)}
	}
	p := Policy{
		Name:    rapid.SampledFrom([]string{"", "enterprise", "smb", "EMEA inbound"}).Draw(t, "name"),
		Version: version,
		HandOff: rule(lead.KindHandOff, "handOff"),
		SalesReady: lead.Threshold{Fit: rapid.IntRange(0, lead.MaxScore).Draw(t, "readyFit"), Intent: rapid.IntRange(0, lead.MaxScore).Draw(t, "readyIntent"),
			Total: rapid.IntRange(0, 2*lead.MaxScore).Draw(t, "readyTotal")},
		Accept:     rule(lead.KindAccept, "accept"),
		FirstTouch: rule(lead.KindFirstTouch, "firstTouch"),
		Qualify:    rule(lead.KindQualify, "qualify"),
		Stall: Stall{
			Accepted: fileDrawDuration(t, "stallAccepted"),
			SQL:      fileDrawDuration(t, "stallSQL"),
			Grace:    fileDrawDuration(t, "stallGrace"),
			Business: rapid.Bool().Draw(t, "stallBusiness"),
			Ladder:   fileDrawLadder(t, lead.KindStall, "stall"),
		},
		RequiredAtSQL: rapid.SliceOfN(rapid.SampledFrom([]Field{FieldAmount, FieldCloseDate, FieldProbability}), 0, 4).Draw(t, "required"),
		Calendar:      fileDrawCalendar(t),
	}
	if n := rapid.IntRange(0, lead.MaxTrackedTouches).Draw(t, "touches"); n > 0 {
		within := 1 + fileDrawDuration(t, "cadenceWithin")
		gap := time.Duration(0)
		if n > 1 {
			gap = time.Duration(rapid.Int64Range(0, int64(within)/int64(n-1)).Draw(t, "cadenceGap"))
		}
		p.Cadence = Cadence{Touches: n, Within: within, Gap: gap, Business: rapid.Bool().Draw(t, "cadenceBusiness"), Ladder: fileDrawLadder(t, lead.KindCadence, "cadence")}
	}
	if n := rapid.IntRange(0, lead.MaxTrackedTouches).Draw(t, "attempts"); n > 0 {
		p.Unresponsive = Unresponsive{Attempts: n, Within: fileDrawDuration(t, "unresponsiveWithin"), Business: rapid.Bool().Draw(t, "unresponsiveBusiness"), Ladder: fileDrawLadder(t, lead.KindUnresponsive, "unresponsive")}
	}
	fs := rapid.SliceOfNDistinct(rapid.Float64Range(0, 1), 0, 4, rapid.ID).Draw(t, "warnings")
	slices.Sort(fs)
	for _, f := range fs {
		if f > 0 && f < 1 {
			p.Warnings = append(p.Warnings, f)
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the generator drew an invalid policy: %v", err)
	}
	return p
}

func TestWrittenPoliciesParseBackEqual(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		versions := rapid.SliceOfNDistinct(rapid.IntRange(1, 1<<40), 1, 3, rapid.ID).Draw(t, "versions")
		var ps []Policy
		for _, v := range versions {
			ps = append(ps, fileDrawPolicy(t, v))
		}
		var file bytes.Buffer
		if err := WritePolicies(&file, ps...); err != nil {
			t.Fatal(err)
		}
		got, err := ParsePolicies(bytes.NewReader(file.Bytes()))
		if err != nil {
			t.Fatalf("%v\n%s", err, file.Bytes())
		}
		if len(got) != len(ps) {
			t.Fatalf("wrote %d policies, read %d", len(ps), len(got))
		}
		for i := range ps {
			if !got[i].Equal(ps[i]) {
				t.Fatalf("policies[%d] read back as\n%+v\nwant\n%+v\nfile:\n%s", i, got[i], ps[i], file.Bytes())
			}
		}
		var again bytes.Buffer
		if err := WritePolicies(&again, got...); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), file.Bytes()) {
			t.Fatalf("writing what was read gives another file:\n%s\nwant\n%s", again.Bytes(), file.Bytes())
		}

		// The JSON methods carry one policy the same way.
		b, err := json.Marshal(ps[0])
		if err != nil {
			t.Fatal(err)
		}
		var one Policy
		if err := json.Unmarshal(b, &one); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		if !one.Equal(ps[0]) {
			t.Fatalf("json.Unmarshal(json.Marshal(p)) = %+v, want %+v", one, ps[0])
		}
	})
}

func TestCalendarKeepsItsZoneThroughJSON(t *testing.T) {
	berlin := calLoad(t, "Europe/Berlin")
	c := BusinessHours(berlin, At(9, 0), At(17, 30))
	c.Holidays = []Date{{2026, time.December, 25}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"zone":"Europe/Berlin","week":{"mon":["09:00-17:30"],"tue":["09:00-17:30"],"wed":["09:00-17:30"],"thu":["09:00-17:30"],"fri":["09:00-17:30"]},"holidays":["2026-12-25"]}`
	if string(b) != want {
		t.Fatalf("json.Marshal = %s, want %s", b, want)
	}
	var got Calendar
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Location.String() != "Europe/Berlin" || !got.Equal(c) {
		t.Fatalf("read back %v %+v, want %+v", got.Location, got, c)
	}
	// Thursday 24 December 2026, 16:00 in Berlin: 1h30m left that day,
	// then Christmas, then Monday.
	from := time.Date(2026, time.December, 24, 16, 0, 0, 0, berlin)
	if a, b := got.Add(from, 3*time.Hour), c.Add(from, 3*time.Hour); !a.Equal(b) || a.Format("Mon 15:04") != "Mon 10:30" {
		t.Fatalf("Add after the round trip = %v, before = %v, want Monday 10:30", a, b)
	}
}

func TestParseErrorsNameFieldAndLine(t *testing.T) {
	const ok = `{"version": 1}`
	for _, tc := range []struct {
		name, file string
		field      string
		line       int
		reason     string
	}{
		{"syntax", "{\"policies\": [\n{\"version\": 1,}\n]}", "", 2, "invalid character '}'"},
		{"empty file", "", "", 1, "empty"},
		{"cut short", "{\"policies\": [\n" + ok, "", 2, "ends inside"},
		{"trailing data", `{"policies": [` + ok + "]}\n{}", "", 2, "data after"},
		{"no policies", `{"policies": []}`, "policies", 1, "no policies"},
		{"unknown top-level field", "{\"policies\": [" + ok + "],\n\"policy\": 1}", "policy", 2, "unknown field"},
		{"unknown nested field", "{\"policies\": [\n" + ok + ",\n{\"version\": 2, \"accept\": {\"within\": \"8h\",\n\"ladder\": [{\"after\": \"1h\", \"when\": \"now\"}]}}]}",
			"policies[1].accept.ladder[0].when", 4, "unknown field"},
		{"unknown weekday", `{"policies": [{"version": 1, "calendar": {"zone": "UTC", "week": {"monday": []}}}]}`, "policies[0].calendar.week.monday", 1, "unknown field"},
		{"field given twice", "{\"policies\": [{\"version\": 1,\n\"version\": 2}]}", "policies[0].version", 2, "twice"},
		{"number for a duration", "{\"policies\": [{\"version\": 1,\n\"accept\": {\"within\": 8}}]}", "policies[0].accept.within", 2, "must be a string, not a number"},
		{"fraction for a count", `{"policies": [{"version": 1, "cadence": {"touches": 1.5}}]}`, "policies[0].cadence.touches", 1, "whole number"},
		{"string for a flag", `{"policies": [{"version": 1, "accept": {"business": "yes"}}]}`, "policies[0].accept.business", 1, "true or false"},
		{"object for a list", `{"policies": {"version": 1}}`, "policies", 1, "must be an array"},
		{"not a duration", "{\"policies\": [{\"version\": 1,\n\"qualify\": {\n\"within\": \"4 days\"}}]}", "policies[0].qualify.within", 3, `"4 days" is not a Go duration`},
		{"ladder out of order", "{\"policies\": [" + ok + ",\n{\"version\": 2,\n\"accept\": {\"within\": \"8h\", \"ladder\": [\n{\"after\": \"0s\", \"action\": \"escalate\"},\n{\"after\": \"4h\", \"action\": \"reassign\"},\n{\"after\": \"2h\", \"action\": \"return\"}]}}]}",
			"policies[1].accept.ladder[2].after", 6, "steps must come in order"},
		{"unknown action", `{"policies": [{"version": 1, "first_touch": {"within": "4h", "ladder": [{"after": "0s", "action": "shout"}]}}]}`, "policies[0].first_touch.ladder[0].action", 1, `unknown action "shout"`},
		{"version missing", `{"policies": [{"accept": {"within": "8h"}}]}`, "policies[0].version", 1, "must be >= 1"},
		{"duplicate versions", "{\"policies\": [" + ok + ",\n" + ok + "]}", "policies[1].version", 2, "already the version of policies[0]"},
		{"warning out of range", "{\"policies\": [{\"version\": 1,\n\"warnings\": [0.5, 1.5]}]}", "policies[0].warnings[1]", 2, "must be in (0, 1)"},
		{"unknown required field", `{"policies": [{"version": 1, "required_at_sql": ["budget"]}]}`, "policies[0].required_at_sql[0]", 1, `unknown field "budget"`},
		{"cadence without within", "{\"policies\": [{\"version\": 1,\n\"cadence\": {\"touches\": 3}}]}", "policies[0].cadence", 2, "go together"},
		{"zone missing", "{\"policies\": [{\"version\": 1,\n\"calendar\": {\"week\": {}}}]}", "policies[0].calendar.zone", 2, "missing"},
		{"zone unknown", "{\"policies\": [{\"version\": 1,\n\"calendar\": {\n\"zone\": \"Europe/Atlantis\"}}]}", "policies[0].calendar.zone", 3, "Europe/Atlantis"},
		{"zone Local", `{"policies": [{"version": 1, "calendar": {"zone": "Local"}}]}`, "policies[0].calendar.zone", 1, "each machine's own zone"},
		{"not a span", `{"policies": [{"version": 1, "calendar": {"zone": "UTC", "week": {"mon": ["9-5"]}}}]}`, "policies[0].calendar.week.mon[0]", 1, "not a time of day"},
		{"span past midnight", `{"policies": [{"version": 1, "calendar": {"zone": "UTC", "week": {"tue": ["09:00-24:30"]}}}]}`, "policies[0].calendar.week.tue[0]", 1, "not a time of day"},
		{"spans overlap", "{\"policies\": [{\"version\": 1, \"calendar\": {\"zone\": \"UTC\", \"week\": {\n\"mon\": [\"09:00-13:00\",\n\"12:00-17:00\"]}}}]}", "policies[0].calendar.week.mon[1]", 3, "starts before the previous span"},
		{"span backwards", `{"policies": [{"version": 1, "calendar": {"zone": "UTC", "week": {"sun": ["18:00-09:00"]}}}]}`, "policies[0].calendar.week.sun[0]", 1, "does not end after it starts"},
		{"not a date", `{"policies": [{"version": 1, "calendar": {"zone": "UTC", "holidays": ["25.12.2026"]}}]}`, "policies[0].calendar.holidays[0]", 1, "not a date such as"},
		{"no such day", "{\"policies\": [{\"version\": 1, \"calendar\": {\"zone\": \"UTC\", \"holidays\": [\n\"2026-12-25\",\n\"2026-02-30\"]}}]}", "policies[0].calendar.holidays[1]", 3, "2026-02-30 is not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := ParsePolicies(strings.NewReader(tc.file))
			if err == nil {
				t.Fatalf("parsed %+v", ps)
			}
			if !errors.Is(err, ErrPolicy) {
				t.Errorf("errors.Is(%v, ErrPolicy) = false", err)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("%T %v is not a *FileError", err, err)
			}
			if fe.Field != tc.field || fe.Line != tc.line {
				t.Errorf("field %q line %d, want %q line %d (%v)", fe.Field, fe.Line, tc.field, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q does not say %q", err, tc.reason)
			}
		})
	}
}

func TestParseSkipsAByteOrderMark(t *testing.T) {
	ps, err := ParsePolicies(strings.NewReader("\ufeff{\"policies\": [{\"version\": 7}]}"))
	if err != nil || len(ps) != 1 || ps[0].Version != 7 {
		t.Fatalf("ParsePolicies = %+v, %v; want version 7", ps, err)
	}
	_, err = ParsePolicies(strings.NewReader("\ufeff{\"policies\": [\n{\"version\": 0}]}"))
	if fe, ok := err.(*FileError); !ok || fe.Line != 2 {
		t.Fatalf("error %v, want one on line 2", err)
	}
}

func TestParseErrorWrapsTheValidateError(t *testing.T) {
	_, err := ParsePolicies(strings.NewReader(`{"policies": [{"version": 1, "calendar": {"zone": "UTC", "holidays": ["2026-02-30"]}}]}`))
	var ce *CalendarError
	if !errors.As(err, &ce) || ce.Field != "Holidays[0]" {
		t.Fatalf("%v does not wrap the calendar's error", err)
	}
	var pe *PolicyError
	if !errors.As(err, &pe) || pe.Field != "Calendar" {
		t.Fatalf("%v does not wrap the policy's error", err)
	}
	want := "sla: policy file line 1: policies[0].calendar.holidays[0]: 2026-02-30 is not a date"
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

func TestLoadPoliciesNamesTheFile(t *testing.T) {
	fsys := fstest.MapFS{"sla.json": {Data: []byte("{\"policies\": [\n{\"version\": 0}]}")}}
	_, err := LoadPolicies(fsys, "sla.json")
	if want := "sla: policy file sla.json:2: policies[0].version: must be >= 1, got 0"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	_, err = LoadPolicies(fsys, "missing.json")
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != "missing.json" || !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrPolicy) {
		t.Fatalf("error %#v does not name the missing file", err)
	}
}

func TestWriteRefusesWhatParseWouldRefuse(t *testing.T) {
	bad := DefaultPolicy()
	bad.Accept.Ladder[1].After = -time.Hour
	fixed := DefaultPolicy()
	fixed.Calendar.Location = time.FixedZone("UTC+1", 3600)
	local := DefaultPolicy()
	local.Calendar.Location = time.Local
	year := DefaultPolicy()
	year.Calendar.Holidays = []Date{{2026, time.May, 1}, {12026, time.May, 1}}
	for _, tc := range []struct {
		name     string
		policies []Policy
		field    string
	}{
		{"none", nil, "policies"},
		{"invalid", []Policy{DefaultPolicy(), bad}, "policies[1].accept.ladder[1].after"},
		{"same version twice", []Policy{DefaultPolicy(), DefaultPolicy()}, "policies[1].version"},
		{"fixed zone", []Policy{fixed}, "policies[0].calendar.zone"},
		{"local zone", []Policy{local}, "policies[0].calendar.zone"},
		{"five-digit year", []Policy{year}, "policies[0].calendar.holidays[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WritePolicies(&b, tc.policies...)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrPolicy) {
				t.Fatalf("error %v, want a *FileError for %s", err, tc.field)
			}
			if b.Len() != 0 {
				t.Fatalf("wrote %q before failing", b.Bytes())
			}
		})
	}
}

func TestTimeOfDayParsesWhatStringWrites(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := TimeOfDay(rapid.Int64Range(0, int64(EndOfDay)).Draw(t, "tod"))
		got, err := parseTimeOfDay(d.String())
		if err != nil || got != d {
			t.Fatalf("parseTimeOfDay(%q) = %v, %v; want %v", d.String(), got, err, d)
		}
	})
	for _, s := range []string{"9:00", "09:0", "09:60", "24:01", "25:00", "09:00:60", "09:00:00.", "09:00:00.0000000001", "09:00:00.x", "09-00", "+9:00"} {
		if _, err := parseTimeOfDay(s); err == nil {
			t.Errorf("parseTimeOfDay(%q) accepted", s)
		}
	}
}

func TestSeedFileIsTheDefaultPolicyAsWritten(t *testing.T) {
	ps, err := LoadPolicies(os.DirFS("testdata"), "seed-sla.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !ps[0].Equal(DefaultPolicy()) {
		t.Fatalf("seed file holds %+v, want DefaultPolicy() %+v", ps, DefaultPolicy())
	}
	// The seed file is what WritePolicies writes, so the format's layout
	// is pinned down here too.
	seed, err := os.ReadFile("testdata/seed-sla.json")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePolicies(&b, DefaultPolicy()); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(seed) {
		t.Fatalf("WritePolicies(DefaultPolicy()) =\n%s\nthe seed file holds\n%s", b.Bytes(), seed)
	}
}

func TestSnakeCaseOfGoFieldNames(t *testing.T) {
	for in, want := range map[string]string{
		"Version": "version", "FirstTouch": "first_touch", "RequiredAtSQL": "required_at_sql", "SQL": "sql", "Within": "within",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParsePolicies: whatever the input, ParsePolicies returns a
// *FileError or valid policies that write and read back equal.
func FuzzParsePolicies(f *testing.F) {
	seed, err := os.ReadFile("testdata/seed-sla.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"policies": [{"version": 2, "calendar": {"zone": "Europe/Berlin", "week": {"mon": ["09:00-12:00", "13:00-17:00"]}, "holidays": ["2026-12-25"]}}]}`))
	f.Add([]byte(`{"policies": [{"version": 1, "accept": {"within": "8h", "ladder": [{"after": "1h", "action": "return"}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParsePolicies(bytes.NewReader(data))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, ErrPolicy) {
				t.Fatalf("error %T %v is not a *FileError", err, err)
			}
			return
		}
		var b bytes.Buffer
		if err := WritePolicies(&b, ps...); err != nil {
			t.Fatalf("parsed policies do not write: %v", err)
		}
		again, err := ParsePolicies(&b)
		if err != nil {
			t.Fatalf("written policies do not parse: %v\n%s", err, b.Bytes())
		}
		for i := range ps {
			if !again[i].Equal(ps[i]) {
				t.Fatalf("policies[%d] changed on the way: %+v, want %+v", i, again[i], ps[i])
			}
		}
	})
}

func BenchmarkParsePolicies(b *testing.B) {
	seed, err := os.ReadFile("testdata/seed-sla.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(seed)))
	for b.Loop() {
		if _, err := ParsePolicies(bytes.NewReader(seed)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWritePolicies(b *testing.B) {
	p := DefaultPolicy()
	for b.Loop() {
		if err := WritePolicies(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}
