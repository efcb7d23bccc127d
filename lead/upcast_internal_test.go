package lead

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// Every schema version a built-in type ever had is read: the current one
// from the golden file, each older one from testdata/upcast/<Type>-<N>.json
// through the built-in upcaster that reads it.
func TestEveryBuiltInSchemaVersionHasGoldenBytesThatDecode(t *testing.T) {
	b, err := os.ReadFile("testdata/events.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden []json.RawMessage
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	current := map[string]bool{}
	for _, g := range golden {
		var h header
		if err := json.Unmarshal(g, &h); err != nil {
			t.Fatal(err)
		}
		if s := schemaByName[h.Type]; s != nil && s.ver == h.Schema {
			current[h.Type] = true
		}
	}
	for _, s := range schemas {
		if !current[s.typ] {
			t.Errorf("%s: no golden bytes of schema %d", s.typ, s.ver)
		}
		for v := 1; v < s.ver; v++ {
			data, err := os.ReadFile(fmt.Sprintf("testdata/upcast/%s-%d.json", s.typ, v))
			if err != nil {
				t.Errorf("%s schema %d: %v", s.typ, v, err)
				continue
			}
			if !builtin.has(s.typ, v) {
				t.Errorf("%s schema %d: no built-in upcaster", s.typ, v)
			}
			if _, err := Decode(data); err != nil {
				t.Errorf("%s schema %d: %v", s.typ, v, err)
			}
		}
	}
	for k := range builtinUpcasters {
		if _, err := os.Stat(fmt.Sprintf("testdata/upcast/%s-%d.json", k.typ, k.from)); err != nil {
			t.Errorf("built-in upcaster of %s schema %d: %v", k.typ, k.from, err)
		}
	}
}
