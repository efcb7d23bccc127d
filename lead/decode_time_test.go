package lead

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// utcTime must read exactly what UnmarshalText reads, or leave the bytes
// to it.
func checkUTCTime(t interface{ Fatalf(string, ...any) }, s string) (fast bool) {
	got, ok := utcTime([]byte(s))
	var want time.Time
	err := want.UnmarshalText([]byte(s))
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("utcTime read %q, which UnmarshalText refuses: %v", s, err)
	}
	if got != want {
		t.Fatalf("utcTime read %q as %#v, UnmarshalText as %#v", s, got, want)
	}
	return true
}

func TestUTCTimeReadsWhatUnmarshalTextReads(t *testing.T) {
	for _, s := range []string{
		"2026-03-02T10:15:00Z",
		"2026-03-02T10:15:00.5Z",
		"2026-03-02T10:15:00.123456789Z",
		"2024-02-29T23:59:59Z",
		"2000-02-29T00:00:00Z",
		"0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z",
	} {
		if !checkUTCTime(t, s) {
			t.Errorf("utcTime left %q to UnmarshalText", s)
		}
	}
	for _, s := range []string{
		"2026-02-29T00:00:00Z",   // no such day
		"1900-02-29T00:00:00Z",   // nor this one
		"2026-04-31T00:00:00Z",   // nor this one
		"2026-13-01T00:00:00Z",   // month out of range
		"2026-03-02T24:00:00Z",   // hour out of range
		"2026-03-02T10:60:00Z",   // minute out of range
		"2026-03-02T10:15:60Z",   // second out of range
		"2026-03-02T10:15:00.Z",  // empty fraction
		"2026-03-02T10:15:00,5Z", // comma
		"2026-03-02t10:15:00Z",   // lower-case T
		"2026-03-02T10:15:00+01:00",
		"2026-03-02T10:15:00.1234567891Z", // ten digits: UnmarshalText's to read
		"2026-3-02T10:15:00Z",
		"+026-03-02T10:15:00Z",
	} {
		if checkUTCTime(t, s) {
			t.Errorf("utcTime read %q; it is UnmarshalText's to read or refuse", s)
		}
	}
}

func TestUTCTimeMatchesUnmarshalTextOnEncodedTimes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		at := time.Unix(rapid.Int64Range(-62135596800, 253402300799).Draw(t, "sec"), rapid.Int64Range(0, 999999999).Draw(t, "nsec")).UTC()
		b, err := at.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if !checkUTCTime(t, string(b)) {
			t.Fatalf("utcTime left %s, as Encode writes it, to UnmarshalText", b)
		}
	})
}

func FuzzUTCTimeMatchesUnmarshalText(f *testing.F) {
	f.Add("2026-03-02T10:15:00.5Z")
	f.Add("2024-02-29T23:59:59Z")
	f.Fuzz(func(t *testing.T, s string) {
		checkUTCTime(t, s)
	})
}
