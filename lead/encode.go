package lead

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The encoder below writes, field by field as the schema lists them
// (schema.go), exactly the bytes
// encoding/json writes for the event structs (same order, same omitempty
// and omitzero rules, same escaping and number forms); a property test
// holds it to that. It exists because encoding events is on every
// command's path and reflection cost more than the rest of the append.

// AppendEncode appends the encoding of e (see Encode) to b.
func AppendEncode(b []byte, e Event) ([]byte, error) {
	if e == nil {
		return b, fmt.Errorf("%w: nil event", ErrMalformed)
	}
	s, ok := schemaByName[e.Type()]
	if !ok {
		return b, fmt.Errorf("%w: %T", ErrUnknownEvent, e)
	}
	out, err := s.encode(b, e, nil)
	if err != nil {
		return b, err
	}
	return out, nil
}

type encoder struct {
	b   []byte
	err error
}

func (w *encoder) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// encodeAt appends the event at ev as s says: the header, the Meta fields,
// the event's own fields; with a data key k, the personal fields sealed
// into one field where the first of them would be.
func (s *typeSchema) encodeAt(b []byte, ev unsafe.Pointer, k *DataKey) ([]byte, error) {
	w := encoder{b: append(b, s.header...)}
	if k == nil || len(s.personal) == 0 {
		for i := range s.plan {
			w.field(&s.plan[i], unsafe.Add(ev, s.plan[i].off))
		}
		w.b = append(w.b, '}')
		return w.b, w.err
	}
	for i := range s.plan {
		switch f := &s.plan[i]; {
		case i == s.personal[0]:
			w.seal(s, ev, k)
		case !f.personal:
			w.field(f, unsafe.Add(ev, f.off))
		}
	}
	w.b = append(w.b, '}')
	return w.b, w.err
}

// field writes f, whose value is at v, or nothing when f is optional and
// the value zero.
func (w *encoder) field(f *field, v unsafe.Pointer) {
	switch f.kind {
	case kindString:
		s := *(*string)(v)
		if f.optional && s == "" {
			return
		}
		w.b = append(w.b, f.key...)
		w.b = appendString(w.b, s)
	case kindInt:
		n := *(*int)(v)
		if f.optional && n == 0 {
			return
		}
		w.b = append(w.b, f.key...)
		w.b = strconv.AppendInt(w.b, int64(n), 10)
	case kindUint:
		n := *(*uint64)(v)
		if f.optional && n == 0 {
			return
		}
		w.b = append(w.b, f.key...)
		w.b = strconv.AppendUint(w.b, n, 10)
	case kindFloat:
		x := *(*float64)(v)
		if f.optional && x == 0 {
			return
		}
		w.float(f.name, f.key, x)
	case kindBool:
		t := *(*bool)(v)
		if f.optional && !t {
			return
		}
		w.b = append(w.b, f.key...)
		w.b = strconv.AppendBool(w.b, t)
	case kindTime:
		t := (*time.Time)(v)
		if f.optional && t.IsZero() {
			return
		}
		w.time(f.name, f.key, *t)
	case kindStage:
		st := *(*Stage)(v)
		if f.optional && st == 0 {
			return
		}
		w.stage(f.name, f.key, st)
	case kindDeadline:
		d := *(*DeadlineID)(v)
		if f.optional && d.IsZero() {
			return
		}
		w.deadline(f.key, d)
	case kindAttrs:
		m := *(*map[string]string)(v)
		if f.optional && len(m) == 0 {
			return
		}
		w.attrs(f.key, m)
	}
}

// float writes v as encoding/json does: like ES6, with exponents only
// below 1e-6 and from 1e21 on, and not padded. NaN and infinities have no
// JSON form.
func (w *encoder) float(name, key string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.fail(fmt.Errorf("lead: encode: %s is %v, which JSON cannot hold", name, v))
		return
	}
	w.b = append(w.b, key...)
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, v, format, -1, 64)
	if n := len(w.b); format == 'e' && n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
		w.b[n-2] = w.b[n-1]
		w.b = w.b[:n-1]
	}
}

// time writes t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, refusing years outside 0..9999).
func (w *encoder) time(name, key string, t time.Time) {
	w.b = append(w.b, key...)
	w.b = append(w.b, '"')
	if b, ok := appendUTC(w.b, t); ok {
		w.b = append(b, '"')
		return
	}
	b, err := t.AppendText(w.b)
	if err != nil {
		w.fail(fmt.Errorf("lead: encode %s: %w", name, err))
		return
	}
	w.b = append(b, '"')
}

// appendUTC appends t as AppendText does when t is in UTC (as DecideWith
// stamps events) and its year in 0..9999, digit by digit, and reports
// whether it did; other times go through AppendText.
func appendUTC(b []byte, t time.Time) ([]byte, bool) {
	if t.Location() != time.UTC {
		return b, false
	}
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return b, false
	}
	hour, minute, sec := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(b, byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T')
	b = append(b, byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':')
	b = append(b, byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		// Nine digits, without the trailing zeros.
		var frac [9]byte
		for i := 8; i >= 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 9
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, '.')
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z'), true
}

func (w *encoder) stage(name, key string, s Stage) {
	if s >= stageCount {
		w.fail(fmt.Errorf("lead: encode %s: invalid stage %d", name, uint8(s)))
		return
	}
	w.b = append(w.b, key...)
	w.b = appendString(w.b, stageNames[s])
}

func (w *encoder) deadline(key string, d DeadlineID) {
	w.b = append(w.b, key...)
	w.b = append(w.b, `{"kind":`...)
	w.b = appendString(w.b, string(d.Kind))
	w.b = append(w.b, `,"since":`...)
	w.b = strconv.AppendUint(w.b, d.Since, 10)
	w.b = append(w.b, '}')
}

// attrs writes m with its keys sorted, as encoding/json does.
func (w *encoder) attrs(key string, m map[string]string) {
	w.b = append(w.b, key...)
	w.b = append(w.b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendString(w.b, k)
		w.b = append(w.b, ':')
		w.b = appendString(w.b, m[k])
	}
	w.b = append(w.b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does, HTML
// escaping included: <, > and & as \u003c, \u003e, \u0026; invalid UTF-8 as
// \ufffd; U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
