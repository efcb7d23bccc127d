package lead

import (
	"encoding/json"
	"errors"
	"fmt"
)

// SchemaVersion is the newest version of the JSON event format. Each event
// type has its own schema version, none above this one (EVENTS.md lists
// them); Encode writes it and Decode reads every version up to it and
// refuses newer ones.
const SchemaVersion = 1

// ErrUnknownEvent is returned by Decode for an event type it does not know.
var ErrUnknownEvent = errors.New("lead: unknown event type")

// ErrMalformed is returned (wrapped) by Decode for bytes that are not a
// well-formed event.
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

// Decode reads an event written by Encode. Unknown types, schema versions
// newer than SchemaVersion and malformed bytes return an error; Decode
// never panics. Unknown fields are ignored, so a newer writer that only
// adds fields stays readable.
func Decode(data []byte) (Event, error) {
	e, ok := decodeFast(data)
	if !ok {
		var err error
		if e, err = decodeReflect(data); err != nil {
			return nil, err
		}
	}
	if m := e.Base(); m.Lead == "" || m.Version == 0 {
		return nil, fmt.Errorf("%w: %s has no lead ID or version", ErrMalformed, e.Type())
	}
	return e, nil
}

// decodeReflect reads any JSON spelling of an event with encoding/json.
func decodeReflect(data []byte) (Event, error) {
	var h header
	s, ver, ok := quickHeader(data)
	if ok {
		h = header{Type: s.typ, Schema: ver}
	} else {
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if s, ok = schemaByName[h.Type]; !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, h.Type)
		}
	}
	if h.Schema < 1 || h.Schema > s.ver {
		return nil, fmt.Errorf("%w: %s has schema version %d; this build reads 1..%d", ErrMalformed, h.Type, h.Schema, s.ver)
	}
	e, err := s.decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, h.Type, err)
	}
	return e, nil
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
