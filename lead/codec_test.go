package lead_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

var update = flag.Bool("update", false, "rewrite testdata/events.golden.json from the encoder")

// sampleEvents is one event of every type with every field set, in the
// order a lead might meet them. It is the golden file's content.
func sampleEvents() []lead.Event {
	at := func(v uint64) lead.Meta {
		return lead.Meta{Lead: "0192f6e4-7c1a-7b3e-9d2a-5f0c8e1b2a3d", Version: v, At: t0.Add(time.Duration(v) * time.Hour), Actor: "rep:ana"}
	}
	accept := lead.DeadlineID{Kind: lead.KindAccept, Since: 4}
	stall := lead.DeadlineID{Kind: lead.KindStall, Since: 9}
	return []lead.Event{
		lead.Captured{Meta: at(1), Email: "ana.lima@example.com", FullName: "Ana Lima", Company: "Acme GmbH", Source: "webinar",
			Campaign: "2026-q1-launch", Attributes: map[string]string{"segment": "mid-market", "territory": "DACH"}},
		lead.Scored{Meta: at(2), Fit: 40, Intent: 35, Total: 75},
		lead.MarketingQualified{Meta: at(3), Source: lead.SourceScore},
		lead.HandedOff{Meta: at(4), Rep: "rep:ana", Team: "emea", PolicyVersion: 3},
		lead.DeadlineWarned{Meta: at(5), Deadline: accept, Fraction: 0.75, Due: t0.Add(12 * time.Hour)},
		lead.DeadlineBreached{Meta: at(6), Deadline: accept, Step: 1, Action: lead.ActionEscalate, Due: t0.Add(12 * time.Hour), Rep: "rep:ana"},
		lead.Escalated{Meta: at(7), Deadline: accept, Rep: "rep:ana", Manager: "mgr:ida"},
		lead.Reassigned{Meta: at(8), Deadline: accept, From: "rep:ana", To: "rep:ben", Team: "na-east", PolicyVersion: 4},
		lead.Accepted{Meta: at(9)},
		lead.Touched{Meta: at(10), Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer, Content: "intro call", Campaign: "2026-q1-launch"},
		lead.Paused{Meta: at(11), Reason: "prospect at a trade fair", Until: t0.AddDate(0, 0, 14)},
		lead.Resumed{Meta: at(12)},
		lead.SalesQualified{Meta: at(13), Amount: 12500.5, Currency: "EUR", CloseDate: time.Date(2026, time.June, 30, 0, 0, 0, 0, time.UTC), Probability: 0.4},
		lead.Stalled{Meta: at(14), From: lead.StageSQL, Reason: "sla: stall deadline breached"},
		lead.Recycled{Meta: at(15), From: lead.StageStalled, Reason: "sla: stall deadline breached", Deadline: stall},
		lead.Rejected{Meta: at(16), Reason: "wrong persona", Disqualify: true},
		lead.Disqualified{Meta: at(17), Reason: "student"},
		lead.Won{Meta: at(18), Amount: 12000, Currency: "EUR"},
		lead.Lost{Meta: at(19), Reason: "went with a competitor"},
		lead.Erased{Meta: at(20), Reason: "erasure request 2026-0042 (GDPR art. 17)"},
	}
}

func TestSampleEventsCoverEveryEventType(t *testing.T) {
	var types []string
	for _, e := range sampleEvents() {
		types = append(types, e.Type())
	}
	slices.Sort(types)
	if !slices.Equal(types, lead.EventTypes()) {
		t.Fatalf("samples %v, codec knows %v", types, lead.EventTypes())
	}
}

func TestEncodeThenDecodeReturnsTheSameEventForEveryType(t *testing.T) {
	for _, e := range sampleEvents() {
		t.Run(e.Type(), func(t *testing.T) {
			b, err := lead.Encode(e)
			if err != nil {
				t.Fatal(err)
			}
			if prefix := `{"type":"` + e.Type() + `","schema":1,`; !bytes.HasPrefix(b, []byte(prefix)) {
				t.Fatalf("encoding %s does not start with %s", b, prefix)
			}
			if !json.Valid(b) {
				t.Fatalf("not JSON: %s", b)
			}
			if typ, err := lead.EventType(b); err != nil || typ != e.Type() {
				t.Fatalf("EventType = %q, %v", typ, err)
			}
			got, err := lead.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, e)
			}
			// No field is lost: every non-zero field shows up in the JSON.
			var fields map[string]any
			if err := json.Unmarshal(b, &fields); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"lead", "version", "at", "actor"} {
				if _, ok := fields[k]; !ok {
					t.Errorf("no %q in %s", k, b)
				}
			}
		})
	}
}

func TestEncodedEventsMatchTheGoldenFile(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, e := range sampleEvents() {
		b, err := lead.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("  ")
		buf.Write(b)
		if i < len(sampleEvents())-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	path := filepath.Join("testdata", "events.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./lead -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("the wire format changed; if that is intended, bump SchemaVersion where needed and run go test ./lead -update\n got:\n%s\nwant:\n%s", buf.Bytes(), want)
	}
	// Consumers read the file as documentation: every entry decodes.
	var raws []json.RawMessage
	if err := json.Unmarshal(want, &raws); err != nil {
		t.Fatal(err)
	}
	for _, r := range raws {
		if _, err := lead.Decode(r); err != nil {
			t.Errorf("golden entry %s: %v", r, err)
		}
	}
}

func TestDecodeRefusesWhatItCannotRead(t *testing.T) {
	touched := `{"type":"Touched","schema":1,"lead":"l-1","version":7,"at":"2026-03-02T10:15:00Z","channel":"phone","outcome":"no_answer"}`
	if _, err := lead.Decode([]byte(touched)); err != nil {
		t.Fatalf("the valid base case fails: %v", err)
	}
	tests := []struct {
		name string
		data string
		want error
	}{
		{"unknown type", strings.Replace(touched, "Touched", "Teleported", 1), lead.ErrUnknownEvent},
		{"empty type", strings.Replace(touched, `"Touched"`, `""`, 1), lead.ErrUnknownEvent},
		{"no type", `{"schema":1,"lead":"l-1","version":7}`, lead.ErrUnknownEvent},
		{"schema 0", strings.Replace(touched, `"schema":1`, `"schema":0`, 1), lead.ErrMalformed},
		{"schema 2", strings.Replace(touched, `"schema":1`, `"schema":2`, 1), lead.ErrMalformed},
		{"no schema", strings.Replace(touched, `"schema":1,`, ``, 1), lead.ErrMalformed},
		{"schema as string", strings.Replace(touched, `"schema":1`, `"schema":"1"`, 1), lead.ErrMalformed},
		{"empty input", ``, lead.ErrMalformed},
		{"null", `null`, lead.ErrUnknownEvent},
		{"array", `[1,2]`, lead.ErrMalformed},
		{"truncated", touched[:len(touched)-10], lead.ErrMalformed},
		{"truncated after header", `{"type":"Touched","schema":1,`, lead.ErrMalformed},
		{"trailing garbage", touched + "x", lead.ErrMalformed},
		{"version as string", strings.Replace(touched, `"version":7`, `"version":"7"`, 1), lead.ErrMalformed},
		{"negative version", strings.Replace(touched, `"version":7`, `"version":-7`, 1), lead.ErrMalformed},
		{"fractional version", strings.Replace(touched, `"version":7`, `"version":7.5`, 1), lead.ErrMalformed},
		{"time not RFC 3339", strings.Replace(touched, `"2026-03-02T10:15:00Z"`, `"yesterday"`, 1), lead.ErrMalformed},
		{"channel as number", strings.Replace(touched, `"phone"`, `3`, 1), lead.ErrMalformed},
		{"missing lead", strings.Replace(touched, `"lead":"l-1",`, ``, 1), lead.ErrMalformed},
		{"empty lead", strings.Replace(touched, `"lead":"l-1"`, `"lead":""`, 1), lead.ErrMalformed},
		{"missing version", strings.Replace(touched, `"version":7,`, ``, 1), lead.ErrMalformed},
		{"version 0", strings.Replace(touched, `"version":7`, `"version":0`, 1), lead.ErrMalformed},
		{"unknown stage", `{"type":"Stalled","schema":1,"lead":"l-1","version":7,"at":"2026-03-02T10:15:00Z","from":"Limbo"}`, lead.ErrMalformed},
		{"amount as string", `{"type":"Won","schema":1,"lead":"l-1","version":7,"at":"2026-03-02T10:15:00Z","amount":"12"}`, lead.ErrMalformed},
		{"amount out of float range", `{"type":"Won","schema":1,"lead":"l-1","version":7,"at":"2026-03-02T10:15:00Z","amount":1e999}`, lead.ErrMalformed},
		{"attributes as list", `{"type":"Captured","schema":1,"lead":"l-1","version":1,"at":"2026-03-02T10:15:00Z","email":"a@b.co","attributes":["x"]}`, lead.ErrMalformed},
		{"deadline as string", `{"type":"DeadlineWarned","schema":1,"lead":"l-1","version":5,"at":"2026-03-02T10:15:00Z","deadline":"accept@4","fraction":0.5}`, lead.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := lead.Decode([]byte(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if e != nil {
				t.Fatalf("an event with the error: %#v", e)
			}
		})
	}
}

func TestDecodeRefusesAFieldItsTypeDoesNotHave(t *testing.T) {
	for _, data := range []string{
		`{"type":"Accepted","schema":1,"lead":"l-1","version":5,"at":"2026-03-02T10:15:00Z","actor":"rep:ana","mood":"great"}`,
		// A renamed field: read as the old name, it would be an empty channel.
		`{"type":"Touched","schema":1,"lead":"l-1","version":7,"at":"2026-03-02T10:15:00Z","medium":"phone","outcome":"no_answer"}`,
		// Any spelling: the fallback decoder refuses it too.
		`{"schema":1,"type":"Accepted","lead":"l-1","version":5,"at":"2026-03-02T10:15:00Z","Mood":"great"}`,
		// Sealed fields on a type without personal fields.
		`{"type":"Accepted","schema":1,"lead":"l-1","version":5,"at":"2026-03-02T10:15:00Z","sealed":"AAAA"}`,
	} {
		e, err := lead.Decode([]byte(data))
		if !errors.Is(err, lead.ErrMalformed) || e != nil {
			t.Errorf("Decode(%s) = %#v, %v; want ErrMalformed", data, e, err)
		}
	}
	// encoding/json matches keys case-insensitively; so does the check.
	data := `{"type":"Accepted","schema":1,"LEAD":"l-1","Version":5,"at":"2026-03-02T10:15:00Z"}`
	if _, err := lead.Decode([]byte(data)); err != nil {
		t.Errorf("Decode(%s): %v", data, err)
	}
}

type strangeEvent struct{ lead.Meta }

func (strangeEvent) Type() string { return "Strange" }

func TestEncodeRefusesNilAndForeignEvents(t *testing.T) {
	if _, err := lead.Encode(nil); !errors.Is(err, lead.ErrMalformed) {
		t.Errorf("Encode(nil): %v", err)
	}
	if _, err := lead.Encode(strangeEvent{}); !errors.Is(err, lead.ErrUnknownEvent) {
		t.Errorf("Encode(foreign): %v", err)
	}
}

func TestEventTypeReadsOnlyTheHeader(t *testing.T) {
	typ, err := lead.EventType([]byte(`{"type":"Won","schema":9,"amount":"not checked"}`))
	if err != nil || typ != "Won" {
		t.Fatalf("%q, %v", typ, err)
	}
	if _, err := lead.EventType([]byte(`{"type":`)); !errors.Is(err, lead.ErrMalformed) {
		t.Fatalf("truncated: %v", err)
	}
}

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// survives a second trip through the codec unchanged.
func FuzzDecode(f *testing.F) {
	for _, e := range sampleEvents() {
		b, err := lead.Encode(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"Touched","schema":1,"lead":"l","version":1}`))
	f.Add([]byte(`{"type":"Captured","schema":1,"lead":"l","version":1,"attributes":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := lead.Decode(data)
		if err != nil {
			if e != nil {
				t.Fatalf("an event with the error %v", err)
			}
			if !errors.Is(err, lead.ErrMalformed) && !errors.Is(err, lead.ErrUnknownEvent) && !errors.Is(err, lead.ErrNoKey) {
				t.Fatalf("error matches none of ErrMalformed, ErrUnknownEvent, ErrNoKey: %v", err)
			}
			return
		}
		b, err := lead.Encode(e)
		if err != nil {
			t.Fatalf("Decode accepted %q but Encode refuses %#v: %v", data, e, err)
		}
		again, err := lead.Decode(b)
		if err != nil {
			t.Fatalf("Decode refuses what Encode wrote (%s): %v", b, err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("second trip changed the event:\n%#v\n%#v", e, again)
		}
		if b2, _ := lead.Encode(again); !bytes.Equal(b, b2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", b, b2)
		}
		_ = fmt.Sprint(lead.Evolve(lead.State{}, e).Stage)
	})
}
