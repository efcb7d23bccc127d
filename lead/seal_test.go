package lead_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/leadline/leadline/lead"
)

func newKey(t testing.TB) *lead.DataKey {
	t.Helper()
	b := make([]byte, lead.DataKeySize)
	rand.Read(b)
	k, err := lead.NewDataKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyOf(k *lead.DataKey) lead.KeyFunc {
	return func(lead.ID) (*lead.DataKey, error) { return k, nil }
}

var contactEvent = lead.Captured{Meta: lead.Meta{Lead: "l-1", Version: 1, At: t0, Actor: "form"},
	Email: "ana.lima@example.com", FullName: `Ana "Nana" Lima & Söhne`, Company: "Acme <GmbH>", Source: "webinar",
	Campaign: "2026-q1-launch", Attributes: map[string]string{"territory": "DACH"}}

func TestPersonalFieldsAreTheContactsEmailAndName(t *testing.T) {
	if got := lead.PersonalFields("Captured"); !slices.Equal(got, []string{"email", "full_name"}) {
		t.Errorf("PersonalFields(Captured) = %v", got)
	}
	for _, typ := range lead.EventTypes() {
		if typ != "Captured" && len(lead.PersonalFields(typ)) > 0 {
			t.Errorf("%s has personal fields %v", typ, lead.PersonalFields(typ))
		}
	}
}

func TestSealedEventHoldsNoPersonalFieldInPlaintextAndOpensWithItsKey(t *testing.T) {
	k := newKey(t)
	data, err := lead.AppendEncodeSealed(nil, contactEvent, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ana.lima", "Nana", "Lima", `"email"`, `"full_name"`} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("sealed bytes hold %q: %s", secret, data)
		}
	}
	for _, open := range []string{`"company":"Acme \u003cGmbH\u003e"`, `"source":"webinar"`, `"campaign":"2026-q1-launch"`, `"territory":"DACH"`, `"sealed":"`} {
		if !bytes.Contains(data, []byte(open)) {
			t.Errorf("sealed bytes lack %s: %s", open, data)
		}
	}
	if !json.Valid(data) {
		t.Fatalf("not JSON: %s", data)
	}
	got, err := lead.Decoder{Key: keyOf(k)}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, contactEvent) {
		t.Fatalf("got %#v\nwant %#v", got, contactEvent)
	}
	// The same bytes in another spelling take the encoding/json path.
	spaced := bytes.Replace(data, []byte(`,"sealed":`), []byte(`, "sealed" : `), 1)
	if got, err := (lead.Decoder{Key: keyOf(k)}).Decode(spaced); err != nil || !reflect.DeepEqual(got, contactEvent) {
		t.Fatalf("other spelling: %#v, %v", got, err)
	}
}

func TestErasedLeadsPersonalFieldsReadAsTheMarkerAndTheRestStays(t *testing.T) {
	data, err := lead.AppendEncodeSealed(nil, contactEvent, newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	erased := func(lead.ID) (*lead.DataKey, error) { return nil, nil }
	got, err := lead.Decoder{Key: erased}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := contactEvent
	want.Email, want.FullName = lead.ErasedField, lead.ErasedField
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestSealedFieldsNeverFallBackToPlaintext(t *testing.T) {
	k := newKey(t)
	data, err := lead.AppendEncodeSealed(nil, contactEvent, k)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := lead.Decode(data); !errors.Is(err, lead.ErrNoKey) || e != nil {
		t.Errorf("no key function: %#v, %v", e, err)
	}
	unreachable := errors.New("key store unreachable")
	if e, err := (lead.Decoder{Key: func(lead.ID) (*lead.DataKey, error) { return nil, unreachable }}).Decode(data); !errors.Is(err, unreachable) || e != nil {
		t.Errorf("key store error: %#v, %v", e, err)
	}
	if e, err := (lead.Decoder{Key: keyOf(newKey(t))}).Decode(data); !errors.Is(err, lead.ErrMalformed) || e != nil {
		t.Errorf("another lead's key: %#v, %v", e, err)
	}
	// Sealed bytes moved to another version (or lead, or type) do not open.
	moved := bytes.Replace(data, []byte(`"version":1`), []byte(`"version":2`), 1)
	if e, err := (lead.Decoder{Key: keyOf(k)}).Decode(moved); !errors.Is(err, lead.ErrMalformed) || e != nil {
		t.Errorf("moved to version 2: %#v, %v", e, err)
	}
	both := bytes.Replace(data, []byte(`,"sealed":`), []byte(`,"email":"x@y.z","sealed":`), 1)
	if e, err := (lead.Decoder{Key: keyOf(k)}).Decode(both); !errors.Is(err, lead.ErrMalformed) || e != nil {
		t.Errorf("sealed and plaintext at once: %#v, %v", e, err)
	}
}

func TestAPlaintextEventDecodesWithOrWithoutAKey(t *testing.T) {
	data, err := lead.Encode(contactEvent)
	if err != nil {
		t.Fatal(err)
	}
	called := false
	got, err := lead.Decoder{Key: func(lead.ID) (*lead.DataKey, error) { called = true; return nil, nil }}.Decode(data)
	if err != nil || !reflect.DeepEqual(got, contactEvent) || called {
		t.Fatalf("%#v, %v, key asked for: %v", got, err, called)
	}
}

func TestNewDataKeyTakesThirtyTwoBytes(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := lead.NewDataKey(make([]byte, n)); err == nil || !strings.Contains(err.Error(), "32") {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
}

// FuzzDecodeSealed checks that a Decoder with a key and upcasters never
// panics, fails only with the codec's errors, and that whatever it
// accepts seals and opens again to the same event.
func FuzzDecodeSealed(f *testing.F) {
	k, err := lead.NewDataKey(make([]byte, lead.DataKeySize))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range sampleEvents() {
		b, err := lead.AppendEncodeSealed(nil, e, k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"Contacted","schema":1,"lead":"l","version":1,"at":"2026-03-02T10:00:00Z","medium":"phone","result":"replied"}`))
	f.Add([]byte(`{"type":"Captured","schema":1,"lead":"l","version":1,"at":"2026-03-02T10:00:00Z","SEALED":"AAAA"}`))
	up := lead.NewUpcasters()
	if err := up.Add("Contacted", 1, func(r *lead.Raw) error {
		r.Type, r.Schema = "Touched", 1
		r.Rename("medium", "channel")
		r.Rename("result", "outcome")
		return nil
	}); err != nil {
		f.Fatal(err)
	}
	d := lead.Decoder{Upcasters: up, Key: keyOf(k)}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := d.Decode(data)
		if err != nil {
			if e != nil {
				t.Fatalf("an event with the error %v", err)
			}
			if !errors.Is(err, lead.ErrMalformed) && !errors.Is(err, lead.ErrUnknownEvent) {
				t.Fatalf("error matches neither ErrMalformed nor ErrUnknownEvent: %v", err)
			}
			return
		}
		b, err := lead.AppendEncodeSealed(nil, e, k)
		if err != nil {
			t.Fatalf("Decode accepted %q but sealing refuses %#v: %v", data, e, err)
		}
		again, err := d.Decode(b)
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("second trip: %#v, %v; want %#v", again, err, e)
		}
	})
}
