package lead

import (
	"encoding/json"
	"errors"
	"fmt"
)

// SchemaVersion is the newest version of the JSON event format. Each event
// type has its own schema version, none above this one (EVENTS.md lists
// them); Encode writes each type's, and Decode reads it, older ones
// through upcasters (Upcasters), and refuses the rest.
const SchemaVersion = 1

// ErrUnknownEvent is returned by Decode for an event type it does not know.
var ErrUnknownEvent = errors.New("lead: unknown event type")

// ErrMalformed is returned (wrapped) by Decode for bytes that are not a
// well-formed event, including a field its type does not have.
var ErrMalformed = errors.New("lead: malformed event")

// Encode returns the JSON form of e: one flat object whose "type" and
// "schema" fields say how to read the rest, then the Meta fields and the
// event's own fields, e.g.
//
//	{"type":"Touched","schema":1,"lead":"0192…","version":7,"at":"2026-03-02T10:15:00Z","actor":"rep:ana","channel":"phone","outcome":"no_answer"}
func Encode(e Event) ([]byte, error) {
	return AppendEncode(make([]byte, 0, 256), e)
}

// EventType returns the "type" field of an encoded event without decoding
// the rest, for stores and consumers that route by type.
func EventType(data []byte) (string, error) {
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return h.Type, nil
}

type header struct {
	Type   string `json:"type"`
	Schema int    `json:"schema"`
}

// Decode reads an event written by Encode, with the built-in upcasters
// and no data keys: it is the zero Decoder's Decode.
func Decode(data []byte) (Event, error) {
	return Decoder{}.Decode(data)
}

// Decoder reads events written by Encode or AppendEncodeSealed, of the
// current schema version of their type or, through its upcasters, of an
// older one or an older type name. The zero Decoder reads what Decode
// reads. A Decoder is a value: safe for concurrent use as long as its
// Upcasters are not added to meanwhile.
type Decoder struct {
	// Upcasters read events of older schema versions and renamed types;
	// nil means the built-in ones (NewUpcasters).
	Upcasters *Upcasters
	// Key gives the data key of a lead whose event has sealed personal
	// fields (see DataKey); nil refuses such events with ErrNoKey.
	Key KeyFunc
}

// Decode reads one event. Unknown types, schema versions no upcaster
// reads, fields the type does not have (unless an upcaster took them
// away) and malformed bytes return an error matching ErrUnknownEvent or
// ErrMalformed; sealed personal fields that cannot be opened return
// ErrNoKey without a key function, or the key function's error. Decode
// never panics.
func (d Decoder) Decode(data []byte) (Event, error) {
	if s, ver, ok := quickHeader(data); ok && ver == s.ver {
		// The fast path checks the lead ID and version itself.
		if e, done, err := s.decodeFast(data, d.Key); done {
			return e, err
		}
	}
	e, err := d.decodeSlow(data)
	if err != nil {
		return nil, err
	}
	if m := e.Base(); m.Lead == "" || m.Version == 0 {
		return nil, errNoLead(e.Type())
	}
	return e, nil
}

// errNoLead is Decode's error for an event of type typ without a lead ID
// or version.
func errNoLead(typ string) error {
	return fmt.Errorf("%w: %s has no lead ID or version", ErrMalformed, typ)
}

// decodeReflect reads any JSON spelling of an event with encoding/json.
func decodeReflect(data []byte) (Event, error) {
	return Decoder{}.decodeSlow(data)
}

// decodeSlow reads any JSON spelling of an event with encoding/json,
// through the upcasters when its type and schema are not a current one.
func (d Decoder) decodeSlow(data []byte) (Event, error) {
	var h header
	s, ver, ok := quickHeader(data)
	if ok {
		h = header{Type: s.typ, Schema: ver}
	} else {
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		s, ok = schemaByName[h.Type]
	}
	if ok && h.Schema == s.ver {
		return s.decodeJSON(data, d.Key)
	}
	if up := d.Upcasters.orBuiltin(); up.has(h.Type, h.Schema) {
		return up.upcast(data, h, d.Key)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, h.Type)
	}
	return nil, fmt.Errorf("%w: %s has schema version %d; this build reads %d, and older ones through upcasters", ErrMalformed, h.Type, h.Schema, s.ver)
}

// quickHeader reads the header the way Encode writes it,
// {"type":"Name","schema":N, without a full JSON parse, and returns the
// schema of the type it names. Anything else (other field order, spacing,
// escapes, an unknown type) returns ok false and is parsed in full; the
// body's own parse still checks the whole object.
func quickHeader(data []byte) (s *typeSchema, ver int, ok bool) {
	const pre, mid = `{"type":"`, `","schema":`
	if len(data) < len(pre) || string(data[:len(pre)]) != pre {
		return nil, 0, false
	}
	rest := data[len(pre):]
	end := 0
	for end < len(rest) && rest[end] != '"' {
		c := rest[end]
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return nil, 0, false
		}
		end++
	}
	name := rest[:end]
	rest = rest[end:]
	if len(rest) < len(mid)+2 || string(rest[:len(mid)]) != mid {
		return nil, 0, false
	}
	d := rest[len(mid)]
	if d < '1' || d > '9' || (rest[len(mid)+1] != ',' && rest[len(mid)+1] != '}') {
		return nil, 0, false
	}
	s, ok = schemaByName[string(name)]
	return s, int(d - '0'), ok
}
