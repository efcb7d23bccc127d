package lead

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An event type's fields change only by raising its schema version, and a
// stored event is never rewritten: a reader meets every version ever
// written. Upcasters turn an old shape into the next one, chained, until
// the event has the shape of a current type; only then is it decoded, and
// as strictly as a current event: a field the type does not have is an
// error, so a renamed field an upcaster forgot is found, never dropped.

// ErrInvalidUpcaster is matched by the error Upcasters.Add returns for an
// upcaster it cannot take.
var ErrInvalidUpcaster = errors.New("lead: invalid upcaster")

// maxUpcasts bounds a chain of upcasters, so that two that undo each
// other end in an error rather than a loop.
const maxUpcasts = 32

// Raw is an event on its way through upcasters: its type name, schema
// version and fields by wire name, as JSON ("type" and "schema" are not
// among them).
type Raw struct {
	Type   string
	Schema int
	Fields map[string]json.RawMessage
}

// Rename moves field from to the name to, if the event has it.
func (r *Raw) Rename(from, to string) {
	if v, ok := r.Fields[from]; ok {
		delete(r.Fields, from)
		r.Fields[to] = v
	}
}

// Upcast turns an event of an older shape into the next one. It is called
// with r.Schema already raised by one; it changes r.Fields (renames,
// removes, converts), and r.Type when the type was renamed, and may set
// r.Schema itself. It must leave r at a later (type, schema) than it was
// given. An error makes the event malformed.
type Upcast func(r *Raw) error

type upcastKey struct {
	typ  string
	from int
}

// Upcasters is a set of upcasters, each for one (type, schema version):
// the function that reads events of that shape into the next one. Build
// it with NewUpcasters and Add, then hand it to a Decoder or the Engine;
// it is not safe to Add while it is being read.
type Upcasters struct {
	fns map[upcastKey]Upcast
}

// builtinUpcasters are the upcasters of the built-in event types, by the
// type and schema version they read; they live beside the schema table,
// and every version they read has golden bytes in testdata/upcast. Every
// built-in type is still at its first schema version, so there are none
// yet.
var builtinUpcasters = map[upcastKey]Upcast{}

// builtin is the set a Decoder without Upcasters uses; it is never added
// to.
var builtin = &Upcasters{fns: builtinUpcasters}

// NewUpcasters returns a set holding the built-in event types' own
// upcasters, for the caller's to be added to.
func NewUpcasters() *Upcasters {
	u := &Upcasters{fns: make(map[upcastKey]Upcast, len(builtinUpcasters))}
	for k, fn := range builtinUpcasters {
		u.fns[k] = fn
	}
	return u
}

// Add registers fn as the upcaster of events of type typ written at
// schema version from. It returns an error matching ErrInvalidUpcaster
// for a nil fn, an empty type, a negative version, a (type, version) that
// already has an upcaster, or the current version (or a newer one) of a
// type the codec knows: those are read as they are.
func (u *Upcasters) Add(typ string, from int, fn Upcast) error {
	switch s, known := schemaByName[typ]; {
	case fn == nil:
		return fmt.Errorf("%w: nil function for %s schema %d", ErrInvalidUpcaster, typ, from)
	case typ == "":
		return fmt.Errorf("%w: empty type name", ErrInvalidUpcaster)
	case from < 0:
		return fmt.Errorf("%w: %s schema %d is negative", ErrInvalidUpcaster, typ, from)
	case known && from >= s.ver:
		return fmt.Errorf("%w: %s schema %d is not older than the current %d", ErrInvalidUpcaster, typ, from, s.ver)
	}
	if u.fns == nil {
		u.fns = map[upcastKey]Upcast{}
	}
	k := upcastKey{typ, from}
	if _, dup := u.fns[k]; dup {
		return fmt.Errorf("%w: %s schema %d has an upcaster already", ErrInvalidUpcaster, typ, from)
	}
	u.fns[k] = fn
	return nil
}

// Clone returns a copy of u that later Adds to u do not change.
func (u *Upcasters) Clone() *Upcasters {
	c := &Upcasters{fns: make(map[upcastKey]Upcast, len(u.orBuiltin().fns))}
	for k, fn := range u.orBuiltin().fns {
		c.fns[k] = fn
	}
	return c
}

func (u *Upcasters) orBuiltin() *Upcasters {
	if u == nil {
		return builtin
	}
	return u
}

func (u *Upcasters) has(typ string, from int) bool {
	_, ok := u.fns[upcastKey{typ, from}]
	return ok
}

// upcast reads data, an event of h's type and schema, through the chain
// of upcasters that starts there, then decodes the result as the current
// type it names.
func (u *Upcasters) upcast(data []byte, h header, key KeyFunc) (Event, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for k := range fields {
		// encoding/json read the header from any spelling of these keys.
		if strings.EqualFold(k, "type") || strings.EqualFold(k, "schema") {
			delete(fields, k)
		}
	}
	r := Raw{Type: h.Type, Schema: h.Schema, Fields: fields}
	var s *typeSchema
	for step := 0; ; step++ {
		var ok bool
		if s, ok = schemaByName[r.Type]; ok && r.Schema == s.ver {
			break
		}
		fn, found := u.fns[upcastKey{r.Type, r.Schema}]
		switch {
		case !found && !ok:
			return nil, fmt.Errorf("%w: %q schema %d (no upcaster reads it)", ErrUnknownEvent, r.Type, r.Schema)
		case !found:
			return nil, fmt.Errorf("%w: %s has schema version %d; this build reads %d, and no upcaster reads %d", ErrMalformed, r.Type, r.Schema, s.ver, r.Schema)
		case step == maxUpcasts:
			return nil, fmt.Errorf("%w: %s schema %d: more than %d upcasters in a row", ErrMalformed, h.Type, h.Schema, maxUpcasts)
		}
		typ, from := r.Type, r.Schema
		r.Schema++
		if err := fn(&r); err != nil {
			return nil, fmt.Errorf("%w: upcasting %s schema %d: %v", ErrMalformed, typ, from, err)
		}
		if r.Type == typ && r.Schema <= from {
			return nil, fmt.Errorf("%w: the upcaster of %s schema %d left it at schema %d", ErrMalformed, typ, from, r.Schema)
		}
	}
	if r.Fields == nil {
		r.Fields = map[string]json.RawMessage{}
	}
	name, err := json.Marshal(r.Type)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	r.Fields["type"], r.Fields["schema"] = name, json.RawMessage(strconv.Itoa(r.Schema))
	b, err := json.Marshal(r.Fields)
	if err != nil {
		return nil, fmt.Errorf("%w: upcast %s: %v", ErrMalformed, h.Type, err)
	}
	return s.decodeJSON(b, key)
}

// Reads reports whether u has an upcaster for some schema version of type
// typ: a record of an old type name is then a lead event, not a foreign one.
func (u *Upcasters) Reads(typ string) bool {
	for k := range u.orBuiltin().fns {
		if k.typ == typ {
			return true
		}
	}
	return false
}
