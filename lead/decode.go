package lead

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
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
	// data stays the caller's, who may reuse it: the strings are copied
	// out of it, all of the event's into one allocation (copyTexts).
	p := parser{data: data, collect: true}
	if !p.byte('{') {
		return nil, false
	}
	var seen uint64
	keys, next := 0, 0
	for p.peek() != '}' || keys > 0 {
		keys++
		i := -1
		if f := &s.plan[min(next, len(s.plan)-1)]; keys > 2 && next < len(s.plan) && hasPrefix(p.data[p.i:], f.quoted) {
			// The key Encode writes next, with its colon, read at once.
			i = next
			p.i += len(f.quoted)
		} else {
			key, ok := p.rawString()
			if !ok || !p.byte(':') {
				return nil, false
			}
			switch {
			case keys <= 2:
				// Encode writes "type" and "schema" first, and
				// quickHeader has read them; anywhere else they are
				// repeats.
				if !(keys == 1 && string(key) == "type" || keys == 2 && string(key) == "schema") || !p.skipScalar() {
					return nil, false
				}
			case string(key) == sealedKey && len(s.personal) > 0 && sealed == nil:
				if sealed, ok = p.rawString(); !ok {
					return nil, false
				}
			default:
				if i = s.lookup(key, next); i < 0 {
					return nil, false
				}
			}
		}
		if i >= 0 {
			if seen&(1<<i) != 0 {
				return nil, false
			}
			seen |= 1 << i
			next = i + 1
			if !p.fieldAt(&s.plan[i], ev, s.plan[i].off) {
				return nil, false
			}
		}
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	if !p.byte('}') || p.i != len(data) {
		return nil, false
	}
	if sealed != nil && seen&s.personalSet != 0 {
		return nil, false // sealed and plaintext at once: Decode says why
	}
	p.copyTexts(ev)
	return sealed, true
}

// hasPrefix reports whether b starts with prefix.
func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
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
	return p.fieldAt(f, v, 0)
}

// fieldAt reads the value of f into the event at ev, off bytes from its
// start.
func (p *parser) fieldAt(f *field, ev unsafe.Pointer, off uintptr) bool {
	v := unsafe.Add(ev, off)
	var ok bool
	switch f.kind {
	case kindString:
		var b []byte
		if b, ok = p.textBytes(); ok {
			p.setText(ev, off, b, f.values)
		}
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
		*(*Stage)(v), ok = p.stage()
	case kindDeadline:
		ok = p.deadline(ev, off)
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
	// collect says that the strings read from data (which stays the
	// caller's) are collected in texts, to be copied out all together,
	// into one allocation, by copyTexts. Otherwise each string is copied
	// by itself.
	collect bool
	texts   [maxTexts]text
	ntexts  int
}

// maxTexts is the most strings of one event that copyTexts copies
// together, more than any event type has; more would be copied one by
// one.
const maxTexts = 16

// text is a string the parser read and collected: its bytes in p.data,
// and where it goes in the event.
type text struct {
	off        uintptr // of the string, from the start of the event
	start, end uint32  // of its bytes in data
}

// setText sets the string off bytes into the event at ev to b, the bytes
// of the string just read: to one of values when b spells it (the values
// of enums such as channels and actions are shared, not copied), and
// otherwise to a copy of b, which copyTexts makes when p collects.
func (p *parser) setText(ev unsafe.Pointer, off uintptr, b []byte, values []string) {
	dst := (*string)(unsafe.Add(ev, off))
	if len(b) == 0 {
		*dst = ""
		return
	}
	for _, v := range values {
		if string(b) == v {
			*dst = v
			return
		}
	}
	if p.collect && p.ntexts < len(p.texts) && len(p.data) <= math.MaxUint32 {
		// The string just read ends right before the quote before p.i.
		end := p.i - 1
		p.texts[p.ntexts] = text{off: off, start: uint32(end - len(b)), end: uint32(end)}
		p.ntexts++
		return
	}
	*dst = string(b)
}

// copyTexts copies the strings p collected out of p.data into one
// allocation, and sets them in the event at ev.
func (p *parser) copyTexts(ev unsafe.Pointer) {
	n := 0
	for _, t := range p.texts[:p.ntexts] {
		n += int(t.end - t.start)
	}
	if n == 0 {
		return
	}
	// A Builder grows without clearing the memory it is about to fill.
	var buf strings.Builder
	buf.Grow(n)
	for _, t := range p.texts[:p.ntexts] {
		buf.Write(p.data[t.start:t.end])
	}
	all := buf.String()
	at := 0
	for _, t := range p.texts[:p.ntexts] {
		n := int(t.end - t.start)
		*(*string)(unsafe.Add(ev, t.off)) = all[at : at+n]
		at += n
	}
	p.ntexts = 0
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
	b, _, ok := p.scanString()
	return b, ok
}

// scanString is rawString, and reports whether the string is all ASCII.
func (p *parser) scanString() (b []byte, ascii, ok bool) {
	if !p.byte('"') {
		return nil, false, false
	}
	start := p.i
	// Eight bytes at a time while none of them ends the string or is a
	// byte it may not hold; then byte by byte from the first that might.
	var high uint64
	for p.i+8 <= len(p.data) {
		x := binary.LittleEndian.Uint64(p.data[p.i:])
		if special(x) {
			break
		}
		high |= x
		p.i += 8
	}
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			s := p.data[start:p.i]
			p.i++
			return s, high&highBits == 0, true
		}
		if c == '\\' || c < 0x20 {
			return nil, false, false
		}
		high |= uint64(c)
		p.i++
	}
	return nil, false, false
}

const (
	lowBits  = 0x0101010101010101 // the low bit of each byte of a word
	highBits = 0x8080808080808080 // the high bit of each byte
)

// special reports whether one of the eight bytes of x is a quote, a
// backslash or a control byte (below 0x20). It may report a word that has
// none (when a byte at or above 0x80 borrows into its neighbour), never
// miss one: the byte-by-byte loop after it decides.
func special(x uint64) bool {
	quote := x ^ ('"' * lowBits)
	backslash := x ^ ('\\' * lowBits)
	return ((x-0x20*lowBits)|(quote-lowBits)|(backslash-lowBits))&highBits != 0
}

// textBytes reads a string that encoding/json would read unchanged:
// valid UTF-8 (it replaces invalid bytes), and returns its bytes.
func (p *parser) textBytes() ([]byte, bool) {
	b, ascii, ok := p.scanString()
	if !ok || !ascii && !utf8.Valid(b) {
		return nil, false
	}
	return b, true
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
	b, ok := p.textBytes()
	if !ok {
		return "", false
	}
	return string(b), true
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
	if len(n) > 1 && n[0] == '-' {
		if v, ok := digits(n[1:]); ok {
			return -int64(v), true
		}
	} else if v, ok := digits(n); ok {
		return int64(v), true
	}
	v, err := strconv.ParseInt(string(n), 10, strconv.IntSize)
	return v, err == nil
}

func (p *parser) uint() (uint64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	if v, ok := digits(n); ok {
		return v, true
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	return v, err == nil
}

// digits reads n when it is only decimal digits, at most 18 of them (a
// value no int can overflow with); anything else is strconv's to read.
func digits(n []byte) (uint64, bool) {
	if len(n) == 0 || len(n) > 18 {
		return 0, false
	}
	var v uint64
	for _, c := range n {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
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

// time reads an RFC 3339 time as time.Time's UnmarshalText does.
func (p *parser) time() (time.Time, bool) {
	b, ok := p.rawString()
	if !ok {
		return time.Time{}, false
	}
	if t, ok := utcTime(b); ok {
		return t, true
	}
	var t time.Time
	return t, t.UnmarshalText(b) == nil
}

// utcTime reads the form in which Encode writes UTC times,
// 2006-01-02T15:04:05Z with an optional fraction of 1 to 9 digits, to the
// time UnmarshalText reads from it. Anything else, including a date or
// clock out of range, returns false, for UnmarshalText to read or refuse.
func utcTime(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[len(b)-1] != 'Z' {
		return time.Time{}, false
	}
	year, ok1 := twoDigits(b[0:2])
	century := year
	year, ok2 := twoDigits(b[2:4])
	year += 100 * century
	month, ok3 := twoDigits(b[5:7])
	day, ok4 := twoDigits(b[8:10])
	hour, ok5 := twoDigits(b[11:13])
	minute, ok6 := twoDigits(b[14:16])
	sec, ok7 := twoDigits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		for _, c := range frac[1:] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			nsec = nsec*10 + int(c-'0')
		}
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// twoDigits reads two decimal digits.
func twoDigits(b []byte) (int, bool) {
	hi, lo := b[0]-'0', b[1]-'0'
	return int(hi)*10 + int(lo), hi <= 9 && lo <= 9
}

// daysIn returns the number of days in month of year.
func daysIn(month, year int) int {
	switch {
	case month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0):
		return 29
	case month == 2:
		return 28
	case month == 4 || month == 6 || month == 9 || month == 11:
		return 30
	}
	return 31
}

// stage reads a stage name as ParseStage does, without making a string
// of it.
func (p *parser) stage() (Stage, bool) {
	b, ok := p.rawString()
	if !ok {
		return StageNone, false
	}
	for st, n := range stageNames {
		if string(b) == n {
			return Stage(st), true
		}
	}
	return StageNone, false
}

// deadline reads {"kind":…,"since":…} into the DeadlineID off bytes into
// the event at ev, either key optional, neither repeated.
func (p *parser) deadline(ev unsafe.Pointer, off uintptr) bool {
	d := (*DeadlineID)(unsafe.Add(ev, off))
	var kind, since bool
	return p.object(func(k []byte) bool {
		switch {
		case string(k) == "kind" && !kind:
			kind = true
			b, ok := p.textBytes()
			if ok {
				p.setText(ev, off+unsafe.Offsetof(d.Kind), b, deadlineKinds)
			}
			return ok
		case string(k) == "since" && !since:
			since = true
			v, ok := p.uint()
			d.Since = v
			return ok
		}
		return false
	})
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
