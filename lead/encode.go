package lead

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The encoder below writes, field by field, exactly the bytes
// encoding/json writes for the event structs (same order, same omitempty
// and omitzero rules, same escaping and number forms); a property test
// holds it to that. It exists because encoding events is on every
// command's path and reflection cost more than the rest of the append.

// AppendEncode appends the encoding of e (see Encode) to b.
func AppendEncode(b []byte, e Event) ([]byte, error) {
	w := encoder{b: b}
	w.event(e)
	if w.err != nil {
		return b, w.err
	}
	return w.b, nil
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

func (w *encoder) event(e Event) {
	if e == nil {
		w.fail(fmt.Errorf("%w: nil event", ErrMalformed))
		return
	}
	typ := e.Type()
	if _, ok := decoders[typ]; !ok {
		w.fail(fmt.Errorf("%w: %T", ErrUnknownEvent, e))
		return
	}
	m := e.Base()
	w.b = append(w.b, `{"type":"`...)
	w.b = append(w.b, typ...)
	w.b = append(w.b, `","schema":1,"lead":`...)
	w.b = appendString(w.b, string(m.Lead))
	w.b = append(w.b, `,"version":`...)
	w.b = strconv.AppendUint(w.b, m.Version, 10)
	w.time("at", m.At)
	w.omitString("actor", m.Actor)
	w.omitString("command", m.Command)
	w.omitString("correlation", m.Correlation)
	switch e := e.(type) {
	case Captured:
		w.string("email", e.Email)
		w.omitString("full_name", e.FullName)
		w.omitString("company", e.Company)
		w.omitString("source", e.Source)
		w.omitString("campaign", e.Campaign)
		if len(e.Attributes) > 0 {
			w.key("attributes")
			w.b = append(w.b, '{')
			for i, k := range slices.Sorted(mapKeys(e.Attributes)) {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.b = appendString(w.b, k)
				w.b = append(w.b, ':')
				w.b = appendString(w.b, e.Attributes[k])
			}
			w.b = append(w.b, '}')
		}
	case Scored:
		w.int("fit", e.Fit)
		w.int("intent", e.Intent)
		w.int("total", e.Total)
	case MarketingQualified:
		w.string("source", string(e.Source))
	case HandedOff:
		w.string("rep", e.Rep)
		w.omitString("team", e.Team)
		w.omitInt("policy_version", e.PolicyVersion)
	case Accepted, Resumed:
	case Rejected:
		w.string("reason", e.Reason)
		if e.Disqualify {
			w.b = append(w.b, `,"disqualify":true`...)
		}
	case Touched:
		w.string("channel", string(e.Channel))
		w.string("outcome", string(e.Outcome))
		w.omitString("content", e.Content)
		w.omitString("campaign", e.Campaign)
	case SalesQualified:
		w.float("amount", e.Amount)
		w.string("currency", e.Currency)
		if !e.CloseDate.IsZero() {
			w.time("close_date", e.CloseDate)
		}
		w.float("probability", e.Probability)
	case Stalled:
		w.stage("from", e.From)
		w.omitString("reason", e.Reason)
	case Recycled:
		w.stage("from", e.From)
		w.string("reason", e.Reason)
		if !e.Deadline.IsZero() {
			w.deadline(e.Deadline)
		}
	case Disqualified:
		w.string("reason", e.Reason)
	case Won:
		w.float("amount", e.Amount)
		w.omitString("currency", e.Currency)
	case Lost:
		w.string("reason", e.Reason)
	case DeadlineWarned:
		w.deadline(e.Deadline)
		w.float("fraction", e.Fraction)
		w.time("due", e.Due)
	case DeadlineBreached:
		w.deadline(e.Deadline)
		w.int("step", e.Step)
		w.string("action", string(e.Action))
		w.time("due", e.Due)
		w.omitString("rep", e.Rep)
	case Escalated:
		w.deadline(e.Deadline)
		w.string("rep", e.Rep)
		w.string("manager", e.Manager)
	case Reassigned:
		if !e.Deadline.IsZero() {
			w.deadline(e.Deadline)
		}
		w.string("from", e.From)
		w.string("to", e.To)
		w.omitString("team", e.Team)
		w.omitInt("policy_version", e.PolicyVersion)
	case Paused:
		w.string("reason", e.Reason)
		if !e.Until.IsZero() {
			w.time("until", e.Until)
		}
	}
	w.b = append(w.b, '}')
}

func (w *encoder) key(k string) {
	w.b = append(w.b, ',', '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *encoder) string(k, v string) {
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *encoder) omitString(k, v string) {
	if v != "" {
		w.string(k, v)
	}
}

func (w *encoder) int(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *encoder) omitInt(k string, v int) {
	if v != 0 {
		w.int(k, v)
	}
}

// float writes v as encoding/json does: like ES6, with exponents only
// below 1e-6 and from 1e21 on, and not padded. NaN and infinities have no
// JSON form.
func (w *encoder) float(k string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.fail(fmt.Errorf("lead: encode: %s is %v, which JSON cannot hold", k, v))
		return
	}
	w.key(k)
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
func (w *encoder) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	b, err := t.AppendText(w.b)
	if err != nil {
		w.fail(fmt.Errorf("lead: encode %s: %w", k, err))
		return
	}
	w.b = append(b, '"')
}

func (w *encoder) stage(k string, s Stage) {
	if s >= stageCount {
		w.fail(fmt.Errorf("lead: encode %s: invalid stage %d", k, uint8(s)))
		return
	}
	w.string(k, stageNames[s])
}

func (w *encoder) deadline(d DeadlineID) {
	w.key("deadline")
	w.b = append(w.b, `{"kind":`...)
	w.b = appendString(w.b, string(d.Kind))
	w.b = append(w.b, `,"since":`...)
	w.b = strconv.AppendUint(w.b, d.Since, 10)
	w.b = append(w.b, '}')
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
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
