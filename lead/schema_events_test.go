package lead_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/leadline/leadline/lead"
)

// EVENTS.md is the wire format for consumers in any language; it is
// generated from the schema table, with the golden events as examples.
func TestEVENTSmdIsGeneratedFromTheSchema(t *testing.T) {
	examples := map[string][]byte{}
	for _, e := range sampleEvents() {
		b, err := lead.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		examples[e.Type()] = b
	}
	got := lead.EventsDoc(examples)
	if *update {
		if err := os.WriteFile("EVENTS.md", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("EVENTS.md")
	if err != nil {
		t.Fatalf("%v (run go test ./lead -run EVENTS -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("EVENTS.md is not what the schema says; run go test ./lead -run EVENTS -update\n got:\n%s", got)
	}
}
