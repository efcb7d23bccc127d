package lead

import (
	"bufio"
	"bytes"
	"os"
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// Whatever the fast decoder accepts, encoding/json reads the same way.
func checkFastMatchesReflect(t interface{ Fatalf(string, ...any) }, data []byte) (fast bool) {
	e, ok := decodeFast(data)
	if !ok {
		return false
	}
	want, err := decodeReflect(data)
	if err != nil {
		t.Fatalf("fast decoder accepted what encoding/json refuses (%v):\n%s", err, data)
	}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("fast decoder and encoding/json differ on\n%s\n fast %#v\n json %#v", data, e, want)
	}
	return true
}

func TestDecodeFastMatchesEncodingJSONOnEncodedEvents(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data, err := Encode(anyEvent(t))
		if err != nil {
			t.Skip("not encodable")
		}
		checkFastMatchesReflect(t, data)
	})
}

// Every event type, as Encode writes it, takes the fast path: otherwise it
// would be a fallback in name only.
func TestDecodeFastReadsEveryTypeAsEncoded(t *testing.T) {
	f, err := os.Open("testdata/events.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	types := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := bytes.TrimSuffix(bytes.TrimSpace(sc.Bytes()), []byte(","))
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		if !checkFastMatchesReflect(t, line) {
			t.Fatalf("fast decoder refused an event as Encode writes it:\n%s", line)
		}
		e, _ := decodeFast(line)
		types[e.Type()] = true
	}
	if len(types) != len(schemas) {
		t.Fatalf("golden file covers %d types, the codec has %d", len(types), len(schemas))
	}
}

func TestDecodeFastLeavesOtherSpellingsToEncodingJSON(t *testing.T) {
	for _, data := range []string{
		`{"type":"Touched","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","Channel":"phone"}`,                                                         // case-insensitive key
		`{"type":"Touched","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","content":"a\nb"}`,                                                          // escape
		`{"type":"Touched","schema":1, "lead":"l","version":1,"at":"2026-01-01T00:00:00Z"}`,                                                                          // whitespace
		`{"type":"Touched","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","content":null}`,                                                            // null
		`{"type":"Touched","schema":1,"lead":"l","version":1,"type":"Accepted","at":"2026-01-01T00:00:00Z"}`,                                                         // repeated type
		`{"type":"Scored","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","fit":01}`,                                                                   // bad number
		`{"type":"DeadlineWarned","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","deadline":{"kind":"accept","since":4},"deadline":{"kind":"stall"}}`, // repeated object: encoding/json merges it
		"{\"type\":\"Lost\",\"schema\":1,\"lead\":\"l\",\"version\":1,\"at\":\"2026-01-01T00:00:00Z\",\"reason\":\"\xff\"}",                                          // invalid UTF-8
	} {
		if _, ok := decodeFast([]byte(data)); ok {
			t.Errorf("fast decoder accepted %s", data)
		}
	}
}

func FuzzDecodeFastMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"type":"Captured","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","email":"a@b.co","attributes":{"territory":"emea"}}`))
	f.Add([]byte(`{"type":"DeadlineBreached","schema":1,"lead":"l","version":6,"at":"2026-03-02T18:00:00Z","actor":"sla","deadline":{"kind":"accept","since":4},"step":0,"action":"escalate","due":"2026-03-02T18:00:00Z","rep":"ana"}`))
	f.Add([]byte(`{"type":"SalesQualified","schema":1,"lead":"l","version":7,"at":"2026-03-02T18:00:00+02:00","amount":1e21,"currency":"EUR","probability":0.5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastMatchesReflect(t, data)
	})
}
