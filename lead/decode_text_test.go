package lead

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// Every byte, at every place of a string's first words and its tail, is
// read by the fast decoder as encoding/json reads it, or left to it; the
// bytes a string may hold as they are (printable ASCII but the quote and
// the backslash) take the fast path.
func TestDecodeFastReadsEveryByteOfAStringAsEncodingJSONDoes(t *testing.T) {
	for c := range 256 {
		for at := range 19 {
			b := []byte(strings.Repeat("a", 19))
			b[at] = byte(c)
			data := []byte(`{"type":"Lost","schema":1,"lead":"l","version":1,"at":"2026-01-01T00:00:00Z","reason":"` + string(b) + `"}`)
			fast := checkFastMatchesReflect(t, data)
			if want := c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; fast != want {
				t.Errorf("byte %#02x at %d: fast path %v, want %v", c, at, fast, want)
			}
		}
	}
}

// A decoded event shares no memory with the bytes it was read from: a
// store or a consumer may reuse its buffer for the next record.
func TestDecodedEventsOutliveTheirBytes(t *testing.T) {
	k, err := NewDataKey(bytes.Repeat([]byte{7}, DataKeySize))
	if err != nil {
		t.Fatal(err)
	}
	d := Decoder{Key: func(ID) (*DataKey, error) { return k, nil }}
	rapid.Check(t, func(t *rapid.T) {
		e := anyEvent(t)
		var key *DataKey
		if rapid.Bool().Draw(t, "sealed") {
			key = k
		}
		data, err := AppendEncodeSealed(nil, e, key)
		if err != nil {
			t.Skip("not encodable")
		}
		want, err := d.Decode(bytes.Clone(data))
		if err != nil {
			t.Skip("not decodable")
		}
		got, err := d.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		for i := range data {
			data[i] = 'x'
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("the event changed with the bytes it was read from:\n got %#v\nwant %#v", got, want)
		}
	})
}
