package lead

import (
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// decodeFast reads an event in exactly the layout Encode writes: one object,
// no whitespace, keys the event type knows, strings without escapes, no
// nulls. It returns ok false for anything else, and Decode then reads the
// bytes with encoding/json, which accepts every JSON spelling of an event.
// Whatever decodeFast accepts, encoding/json reads the same way; tests
// and a fuzz target hold it to that. Sealed personal fields need a key, so
// decodeFast leaves them to Decoder.Decode.
func decodeFast(data []byte) (ev Event, ok bool) {
	s, ver, ok := quickHeader(data)
	if !ok || ver != s.ver {
		return nil, false
	}
	e, ok, err := s.decodeFast(data, nil)
	if err != nil {
		return nil, false
	}
	return e, ok
}

// decodeAt reads data into the event at ev. It takes the fields s.plan
// names, each at most once, and for a type with personal fields a
// "sealed" one in their stead, whose text it returns; any other key, and
// a repeated one (encoding/json merges or overwrites those), returns
// false.
func (s *typeSchema) decodeAt(data []byte, ev unsafe.Pointer) (sealed []byte, ok bool) {
	p := parser{data: data}
	var seen uint64
	keys, next := 0, 0
	ok = p.object(func(key []byte) bool {
		keys++
		if keys <= 2 {
			// Encode writes "type" and "schema" first, and quickHeader
			// has read them; anywhere else they are repeats.
			return (keys == 1 && string(key) == "type" || keys == 2 && string(key) == "schema") && p.skipScalar()
		}
		i := s.lookup(key, next)
		if i < 0 {
			if sealed != nil || len(s.personal) == 0 || string(key) != sealedKey {
				return false
			}
			var ok bool
			sealed, ok = p.rawString()
			return ok
		}
		if seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		next = i + 1
		f := &s.plan[i]
		return p.field(f, unsafe.Add(ev, f.off))
	})
	if sealed != nil && seen&s.personalSet != 0 {
		return nil, false // sealed and plaintext at once: Decode says why
	}
	return sealed, ok && p.i == len(data)
}

// lookup returns the index of key in s.plan, or -1. It looks at next
// first: Encode writes the fields in the plan's order.
func (s *typeSchema) lookup(key []byte, next int) int {
	if next < len(s.plan) && s.plan[next].name == string(key) {
		return next
	}
	for i := range s.plan {
		if s.plan[i].name == string(key) {
			return i
		}
	}
	return -1
}

// field reads the value of f into v.
func (p *parser) field(f *field, v unsafe.Pointer) bool {
	var ok bool
	switch f.kind {
	case kindString:
		*(*string)(v), ok = p.str()
	case kindInt:
		var n int64
		n, ok = p.int()
		*(*int)(v) = int(n)
	case kindUint:
		*(*uint64)(v), ok = p.uint()
	case kindFloat:
		*(*float64)(v), ok = p.float()
	case kindBool:
		*(*bool)(v), ok = p.bool()
	case kindTime:
		*(*time.Time)(v), ok = p.time()
	case kindStage:
		var name string
		if name, ok = p.str(); ok {
			st, err := ParseStage(name)
			*(*Stage)(v), ok = st, err == nil
		}
	case kindDeadline:
		*(*DeadlineID)(v), ok = p.deadline()
	case kindAttrs:
		*(*map[string]string)(v), ok = p.attrs()
	}
	return ok
}

// normalise makes the event at ev, as encoding/json read it, what the
// fast path reads from Encode's output. Encode omits empty attributes, so
// "attributes":{} must read as none: otherwise one event would have two
// decodings, and replays of the same history two States.
func (s *typeSchema) normalise(ev unsafe.Pointer) {
	for i := range s.plan {
		if f := &s.plan[i]; f.kind == kindAttrs {
			if m := (*map[string]string)(unsafe.Add(ev, f.off)); *m != nil && len(*m) == 0 {
				*m = nil
			}
		}
	}
}

// parser reads the compact JSON Encode writes. Every method returns false
// on anything outside that layout.
type parser struct {
	data []byte
	i    int
}

// object reads {"key":value,...}, calling field with each key when the
// parser stands at the value; field must read the value.
func (p *parser) object(field func(key []byte) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return true
	}
	for {
		key, ok := p.rawString()
		if !ok || !p.byte(':') || !field(key) {
			return false
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

func (p *parser) peek() byte {
	if p.i < len(p.data) {
		return p.data[p.i]
	}
	return 0
}

func (p *parser) byte(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// rawString reads a string without escapes or control bytes and returns
// its bytes.
func (p *parser) rawString() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			s := p.data[start:p.i]
			p.i++
			return s, true
		}
		if c == '\\' || c < 0x20 {
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// checkedString turns raw string bytes into a string when encoding/json
// would read them unchanged: valid UTF-8 (it replaces invalid bytes).
func (p *parser) checkedString(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

func (p *parser) str() (string, bool) {
	b, ok := p.rawString()
	if !ok {
		return "", false
	}
	return p.checkedString(b)
}

// number returns the bytes of a JSON number.
func (p *parser) number() ([]byte, bool) {
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	n := p.data[start:p.i]
	return n, len(n) > 0 && validNumber(n)
}

// validNumber checks the JSON number grammar, which strconv is more
// lenient than (it takes "+1", "01", ".5").
func validNumber(n []byte) bool {
	i := 0
	if n[i] == '-' {
		i++
	}
	if i == len(n) {
		return false
	}
	if n[i] == '0' {
		i++
	} else if n[i] >= '1' && n[i] <= '9' {
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		d := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		d := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(n)
}

func (p *parser) int() (int64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(n), 10, strconv.IntSize)
	return v, err == nil
}

func (p *parser) uint() (uint64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	return v, err == nil
}

func (p *parser) float() (float64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(n), 64)
	return v, err == nil
}

func (p *parser) bool() (bool, bool) {
	rest := p.data[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

func (p *parser) time() (time.Time, bool) {
	b, ok := p.rawString()
	if !ok {
		return time.Time{}, false
	}
	var t time.Time
	return t, t.UnmarshalText(b) == nil
}

// deadline reads {"kind":…,"since":…}, either key optional.
func (p *parser) deadline() (DeadlineID, bool) {
	var d DeadlineID
	ok := p.object(func(k []byte) bool {
		switch string(k) {
		case "kind":
			s, ok := p.str()
			d.Kind = DeadlineKind(s)
			return ok
		case "since":
			v, ok := p.uint()
			d.Since = v
			return ok
		}
		return false
	})
	return d, ok
}

// attrs reads an object of strings; an empty one reads as nil, as
// decodeJSON normalises it.
func (p *parser) attrs() (map[string]string, bool) {
	var m map[string]string
	ok := p.object(func(k []byte) bool {
		key, ok := p.checkedString(k)
		if !ok {
			return false
		}
		v, ok := p.str()
		if m == nil {
			m = map[string]string{}
		}
		m[key] = v
		return ok
	})
	return m, ok
}

// skipScalar passes over a string or a number.
func (p *parser) skipScalar() bool {
	if p.peek() == '"' {
		_, ok := p.rawString()
		return ok
	}
	_, ok := p.number()
	return ok
}
