package lead

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// encodeReflect is Encode through encoding/json, which the hand-written
// encoder must match byte for byte; tests compare the two.
func encodeReflect(e Event) ([]byte, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil event", ErrMalformed)
	}
	if _, ok := schemaByName[e.Type()]; !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnknownEvent, e)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("lead: encode %s: %w", e.Type(), err)
	}
	// body is a JSON object; splice the header in after its '{'.
	const pre, mid = `{"type":"`, `","schema":1,`
	out := make([]byte, 0, len(pre)+len(e.Type())+len(mid)+len(body)-1)
	out = append(out, pre...)
	out = append(out, e.Type()...)
	out = append(out, mid...)
	out = append(out, body[1:]...)
	return out, nil
}

// anyString draws strings that stress JSON escaping: HTML characters,
// control bytes, U+2028/2029, invalid UTF-8, plain text.
func anyString(t *rapid.T, label string) string {
	return rapid.OneOf(
		rapid.String(),
		rapid.SampledFrom([]string{"", "a<b>&c", "\u2028\u2029", "\x00\x1f\x7f", "\"\\/", "\xff\xfe", "é中文🙂", "\b\f\n\r\t"}),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
	).Draw(t, label)
}

func anyFloat(t *rapid.T, label string) float64 {
	return rapid.OneOf(
		rapid.Float64(),
		rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e-6, 9.99e-7, 1e21, 9.99e20, 1e-300, 123456789.125, -0.5, math.MaxFloat64, math.SmallestNonzeroFloat64}),
	).Draw(t, label)
}

func anyTime(t *rapid.T, label string) time.Time {
	sec := rapid.Int64Range(-70000000000, 300000000000).Draw(t, label+".sec")
	nsec := rapid.Int64Range(0, 999999999).Draw(t, label+".nsec")
	tm := time.Unix(sec, nsec)
	switch rapid.IntRange(0, 3).Draw(t, label+".zone") {
	case 0:
		return tm.UTC()
	case 1:
		return tm.In(time.FixedZone("", rapid.IntRange(-15*3600, 15*3600).Draw(t, label+".off")))
	case 2:
		return time.Time{}
	}
	return tm
}

func anyEvent(t *rapid.T) Event {
	m := Meta{Lead: ID(anyString(t, "lead")), Version: rapid.Uint64().Draw(t, "version"), At: anyTime(t, "at"), Actor: anyString(t, "actor")}
	d := DeadlineID{Kind: DeadlineKind(anyString(t, "kind")), Since: rapid.Uint64().Draw(t, "since")}
	if rapid.Bool().Draw(t, "zeroDeadline") {
		d = DeadlineID{}
	}
	s := func(l string) string { return anyString(t, l) }
	stage := Stage(rapid.IntRange(0, int(stageCount)).Draw(t, "stage"))
	switch rapid.IntRange(0, 19).Draw(t, "type") {
	case 0:
		var attrs map[string]string
		if n := rapid.IntRange(-1, 4).Draw(t, "attrs"); n >= 0 {
			attrs = map[string]string{}
			for range n {
				attrs[s("k")] = s("v")
			}
		}
		return Captured{Meta: m, Email: s("email"), FullName: s("name"), Company: s("company"), Source: s("source"), Campaign: s("campaign"), Attributes: attrs}
	case 1:
		return Scored{Meta: m, Fit: rapid.Int().Draw(t, "fit"), Intent: rapid.Int().Draw(t, "intent"), Total: rapid.Int().Draw(t, "total")}
	case 2:
		return MarketingQualified{Meta: m, Source: MQLSource(s("src"))}
	case 3:
		return HandedOff{Meta: m, Rep: s("rep"), Team: s("team"), PolicyVersion: rapid.Int().Draw(t, "pv")}
	case 4:
		return Accepted{Meta: m}
	case 5:
		return Rejected{Meta: m, Reason: s("reason"), Disqualify: rapid.Bool().Draw(t, "dq")}
	case 6:
		return Touched{Meta: m, Channel: Channel(s("ch")), Outcome: Outcome(s("out")), Content: s("content"), Campaign: s("campaign")}
	case 7:
		return SalesQualified{Meta: m, Amount: anyFloat(t, "amount"), Currency: s("cur"), CloseDate: anyTime(t, "close"), Probability: anyFloat(t, "p")}
	case 8:
		return Stalled{Meta: m, From: stage, Reason: s("reason")}
	case 9:
		return Recycled{Meta: m, From: stage, Reason: s("reason"), Deadline: d}
	case 10:
		return Disqualified{Meta: m, Reason: s("reason")}
	case 11:
		return Won{Meta: m, Amount: anyFloat(t, "amount"), Currency: s("cur")}
	case 12:
		return Lost{Meta: m, Reason: s("reason")}
	case 13:
		return DeadlineWarned{Meta: m, Deadline: d, Fraction: anyFloat(t, "f"), Due: anyTime(t, "due")}
	case 14:
		return DeadlineBreached{Meta: m, Deadline: d, Step: rapid.Int().Draw(t, "step"), Action: Action(s("action")), Due: anyTime(t, "due"), Rep: s("rep")}
	case 15:
		return Escalated{Meta: m, Deadline: d, Rep: s("rep"), Manager: s("manager")}
	case 16:
		return Reassigned{Meta: m, Deadline: d, From: s("from"), To: s("to"), Team: s("team"), PolicyVersion: rapid.Int().Draw(t, "pv")}
	case 17:
		return Paused{Meta: m, Reason: s("reason"), Until: anyTime(t, "until")}
	case 18:
		return Erased{Meta: m, Reason: s("reason")}
	}
	return Resumed{Meta: m}
}

// The direct encoder writes exactly what encoding/json writes, and fails
// exactly when it fails, for any event, however odd its fields.
func TestEncodeMatchesEncodingJSONByteForByte(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := anyEvent(t)
		got, gotErr := Encode(e)
		want, wantErr := encodeReflect(e)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("Encode error %v, encoding/json error %v, for %#v", gotErr, wantErr, e)
		}
		if gotErr == nil && !bytes.Equal(got, want) {
			t.Fatalf("Encode and encoding/json differ for %#v\n got %s\nwant %s", e, got, want)
		}
	})
}

func TestAppendEncodeAppendsAndLeavesBOnError(t *testing.T) {
	e := Touched{Meta: Meta{Lead: "l", Version: 1}, Channel: ChannelPhone, Outcome: OutcomeReplied}
	b, err := AppendEncode([]byte("prefix:"), e)
	if err != nil || !bytes.HasPrefix(b, []byte(`prefix:{"type":"Touched"`)) {
		t.Fatalf("AppendEncode = %q, %v", b, err)
	}
	bad := Won{Meta: Meta{Lead: "l", Version: 1}, Amount: math.NaN()}
	if b, err := AppendEncode([]byte("x"), bad); err == nil || string(b) != "x" {
		t.Fatalf("AppendEncode of a NaN amount = %q, %v; want an error and b unchanged", b, err)
	}
}

// The encoder writes UTC times itself; every UTC time of a year AppendText
// takes must come out as AppendText writes it.
func TestEncodedUTCTimesAreThoseOfAppendText(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sec := rapid.Int64Range(-62135596800, 253402300799).Draw(t, "sec") // years 1..9999
		nsec := rapid.OneOf(rapid.Int64Range(0, 999999999), rapid.SampledFrom([]int64{0, 1, 10, 100000000, 120000000, 999999999})).Draw(t, "nsec")
		tm := time.Unix(sec, nsec).UTC()
		want, err := tm.AppendText(nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendUTC(nil, tm)
		if !ok || string(got) != string(want) {
			t.Fatalf("appendUTC(%v) = %q, %v; want %q", tm, got, ok, want)
		}
	})
	for _, tm := range []time.Time{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, ok := appendUTC(nil, tm); ok != (tm.Year() == 0) || ok && string(got) != "0000-01-01T00:00:00Z" {
			t.Fatalf("appendUTC(%v) = %q, %v", tm, got, ok)
		}
	}
}
