package lead

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// checkTags checks that the struct fields of t after its embedded Meta are
// exactly fs, in order, and that their JSON tags (which the encoding/json
// fallback reads) say what the schema says.
func checkTags(t *testing.T, typ reflect.Type, fs []field) {
	t.Helper()
	var got []reflect.StructField
	for i := range typ.NumField() {
		if sf := typ.Field(i); !sf.Anonymous {
			got = append(got, sf)
		}
	}
	if len(got) != len(fs) {
		names := make([]string, len(got))
		for i, sf := range got {
			names[i] = sf.Name
		}
		t.Fatalf("%s has fields %v; its schema lists %d", typ.Name(), names, len(fs))
	}
	for i, f := range fs {
		sf := got[i]
		if sf.Name != f.goName {
			t.Errorf("%s: field %d is %s, the schema says %s", typ.Name(), i, sf.Name, f.goName)
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name != f.name {
			t.Errorf("%s.%s: JSON tag name %q, schema wire name %q", typ.Name(), sf.Name, name, f.name)
		}
		want := ""
		if f.optional {
			// omitempty does nothing for structs; omitzero on a map
			// would write an empty one.
			want = "omitempty"
			if f.kind == kindTime || f.kind == kindDeadline {
				want = "omitzero"
			}
		}
		if opts != want {
			t.Errorf("%s.%s: JSON tag options %q; the schema says optional=%v, so %q", typ.Name(), sf.Name, opts, f.optional, want)
		}
		if f.doc == "" {
			t.Errorf("%s.%s has no description in the schema", typ.Name(), sf.Name)
		}
	}
}

func TestSchemaListsEveryStructFieldWithItsJSONTag(t *testing.T) {
	checkTags(t, reflect.TypeFor[Meta](), metaFields)
	for _, s := range schemas {
		e, err := s.decodeJSON([]byte(`{}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		typ := reflect.TypeOf(e)
		if typ.Name() != s.typ || e.Type() != s.typ {
			t.Errorf("schema %s describes %s, whose Type is %s", s.typ, typ.Name(), e.Type())
		}
		checkTags(t, typ, s.fields)
	}
}

func TestSchemaVersionIsTheNewestOfTheTypes(t *testing.T) {
	newest := 0
	for _, s := range schemas {
		if s.ver < 1 || s.ver > SchemaVersion {
			t.Errorf("%s has schema version %d, outside 1..%d", s.typ, s.ver, SchemaVersion)
		}
		newest = max(newest, s.ver)
	}
	if newest != SchemaVersion {
		t.Errorf("SchemaVersion is %d, the newest type is at %d", SchemaVersion, newest)
	}
}

func TestSchemaRefusesAStructFieldItCannotWrite(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    field
	}{
		{"missing", wire("no_such", "NoSuchField", optional, "x")},
		{"promoted from Meta", wire("actor", "Actor", optional, "x")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Fatal("no panic")
				}
			}()
			schema[Touched](1, "x", tt.f)
		})
	}
	type odd struct {
		Meta
		List []string
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "cannot write") {
			t.Fatalf("recovered %v", r)
		}
	}()
	resolve(reflect.TypeFor[odd](), "odd", []field{wire("list", "List", optional, "x")})
}

// A type that only claims an event's name, as a pointer to an event
// struct does, is not written as that event.
func TestEncodeRefusesAPointerToAnEvent(t *testing.T) {
	e := &Touched{Meta: Meta{Lead: "l", Version: 1}, Channel: ChannelPhone, Outcome: OutcomeReplied}
	if b, err := Encode(e); !errors.Is(err, ErrUnknownEvent) {
		t.Fatalf("Encode(%T) = %s, %v; want ErrUnknownEvent", e, b, err)
	}
}
