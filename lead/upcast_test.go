package lead_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/lead/leadtest"
)

// The upcasters of a hypothetical past: touches were once recorded as
// "Contacted", with a medium, a result and a note (schema 1); schema 2
// renamed result to outcome and added the campaign; then the type became
// today's Touched, with medium and note renamed channel and content.
func contactedUpcasters(t testing.TB) *lead.Upcasters {
	t.Helper()
	u := lead.NewUpcasters()
	if err := u.Add("Contacted", 1, func(r *lead.Raw) error {
		r.Rename("result", "outcome")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := u.Add("Contacted", 2, func(r *lead.Raw) error {
		r.Type, r.Schema = "Touched", 1
		r.Rename("medium", "channel")
		r.Rename("note", "content")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/upcast/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(b)))
}

func TestOlderSchemasDecodeThroughTheirUpcastersToTodaysStruct(t *testing.T) {
	meta := lead.Meta{Lead: "0192f6e4-7c1a-7b3e-9d2a-5f0c8e1b2a3d", Version: 10, At: time.Date(2026, time.March, 2, 20, 0, 0, 0, time.UTC), Actor: "rep:ben"}
	d := lead.Decoder{Upcasters: contactedUpcasters(t)}
	for file, want := range map[string]lead.Event{
		"Contacted-1.json": lead.Touched{Meta: meta, Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer, Content: "intro call"},
		"Contacted-2.json": lead.Touched{Meta: meta, Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer, Content: "intro call", Campaign: "2026-q1-launch"},
	} {
		got, err := d.Decode(readGolden(t, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", file, got, want)
		}
	}
}

func TestAnOldTypeWithoutItsUpcastersIsAnUnknownEvent(t *testing.T) {
	data := readGolden(t, "Contacted-1.json")
	if _, err := lead.Decode(data); !errors.Is(err, lead.ErrUnknownEvent) {
		t.Fatalf("no upcasters: %v", err)
	}
	half := lead.NewUpcasters()
	if err := half.Add("Contacted", 1, func(r *lead.Raw) error { r.Rename("result", "outcome"); return nil }); err != nil {
		t.Fatal(err)
	}
	// The chain stops at Contacted schema 2, which nothing reads.
	if _, err := (lead.Decoder{Upcasters: half}).Decode(data); !errors.Is(err, lead.ErrUnknownEvent) {
		t.Fatalf("half a chain: %v", err)
	}
}

func TestAFieldNoUpcasterRenamedIsAnErrorNotADrop(t *testing.T) {
	u := lead.NewUpcasters()
	for from, fn := range map[int]lead.Upcast{
		1: func(r *lead.Raw) error { r.Rename("result", "outcome"); return nil },
		2: func(r *lead.Raw) error {
			r.Type, r.Schema = "Touched", 1
			r.Rename("medium", "channel") // and forgets note
			return nil
		},
	} {
		if err := u.Add("Contacted", from, fn); err != nil {
			t.Fatal(err)
		}
	}
	e, err := (lead.Decoder{Upcasters: u}).Decode(readGolden(t, "Contacted-1.json"))
	if !errors.Is(err, lead.ErrMalformed) || e != nil || !strings.Contains(err.Error(), `"note"`) {
		t.Fatalf("Decode = %#v, %v; want ErrMalformed naming note", e, err)
	}
}

func TestAnUpcasterThatGoesNowhereOrFailsMakesTheEventMalformed(t *testing.T) {
	data := []byte(`{"type":"Touched","schema":0,"lead":"l-1","version":3,"at":"2026-03-02T10:00:00Z","channel":"phone","outcome":"replied"}`)
	for name, fn := range map[string]lead.Upcast{
		"stays":  func(r *lead.Raw) error { r.Schema = 0; return nil },
		"fails":  func(r *lead.Raw) error { return errors.New("cannot read this") },
		"cycles": func(r *lead.Raw) error { r.Type = "Loop"; r.Schema = 0; return nil },
	} {
		u := lead.NewUpcasters()
		if err := u.Add("Touched", 0, fn); err != nil {
			t.Fatal(err)
		}
		// "cycles" sends Loop back to Touched schema 0, and round again.
		if err := u.Add("Loop", 0, func(r *lead.Raw) error { r.Type, r.Schema = "Touched", 0; return nil }); err != nil {
			t.Fatal(err)
		}
		e, err := (lead.Decoder{Upcasters: u}).Decode(data)
		if name == "cycles" {
			// Touched 0 -> Loop 0 is progress by type; the bound ends it.
			if !errors.Is(err, lead.ErrMalformed) || e != nil {
				t.Errorf("%s: %#v, %v", name, e, err)
			}
			continue
		}
		if !errors.Is(err, lead.ErrMalformed) || e != nil {
			t.Errorf("%s: %#v, %v; want ErrMalformed", name, e, err)
		}
	}
}

func TestUpcastersRefuseWhatTheyCannotTake(t *testing.T) {
	noop := func(*lead.Raw) error { return nil }
	u := lead.NewUpcasters()
	if err := u.Add("Contacted", 1, noop); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"nil function":    u.Add("Contacted", 3, nil),
		"empty type":      u.Add("", 1, noop),
		"negative":        u.Add("Contacted", -1, noop),
		"twice":           u.Add("Contacted", 1, noop),
		"current version": u.Add("Touched", 1, noop),
	} {
		if !errors.Is(err, lead.ErrInvalidUpcaster) {
			t.Errorf("%s: %v, want ErrInvalidUpcaster", name, err)
		}
	}
	// A clone does not see later additions.
	c := u.Clone()
	if err := u.Add("Contacted", 2, noop); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("Contacted", 2, noop); err != nil {
		t.Fatalf("the clone saw an addition to its original: %v", err)
	}
}

// Encoding an event as it is today and decoding it gives the same event,
// whatever upcasters are registered (they read older shapes only) and
// whether its personal fields are sealed or not.
func TestEncodeThenDecodeIsIdentityWithAndWithoutUpcasters(t *testing.T) {
	up := contactedUpcasters(t)
	for _, typ := range lead.EventTypes() {
		// An upcaster for a schema 0 of every type, which no event today has.
		if err := up.Add(typ, 0, func(r *lead.Raw) error { r.Fields["unexpected"] = nil; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	key := newKey(t)
	decoders := map[string]lead.Decoder{
		"built-in":   {},
		"registered": {Upcasters: up},
		"with a key": {Upcasters: up, Key: func(lead.ID) (*lead.DataKey, error) { return key, nil }},
	}
	check := func(t interface{ Fatalf(string, ...any) }, e lead.Event) {
		plain, err := lead.Encode(e)
		if err != nil {
			t.Fatalf("encode %#v: %v", e, err)
		}
		sealed, err := lead.AppendEncodeSealed(nil, e, key)
		if err != nil {
			t.Fatalf("seal %#v: %v", e, err)
		}
		for name, d := range decoders {
			for _, data := range [][]byte{plain, sealed} {
				if name != "with a key" && lead.HasPersonal(e) && string(data) == string(sealed) {
					continue
				}
				got, err := d.Decode(data)
				if err != nil {
					t.Fatalf("%s: decode %s: %v", name, data, err)
				}
				if !reflect.DeepEqual(got, e) {
					t.Fatalf("%s: round trip of %s:\n got %#v\nwant %#v", name, data, got, e)
				}
			}
		}
	}
	for _, e := range sampleEvents() {
		check(t, e)
	}
	rapid.Check(t, func(t *rapid.T) {
		for _, e := range leadtest.Histories(30).Draw(t, "history").Events {
			check(t, e)
		}
	})
}
