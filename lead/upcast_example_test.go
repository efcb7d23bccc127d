package lead_test

import (
	"fmt"

	"github.com/leadline/leadline/lead"
)

// An event type that was once called Contacted, with a field called
// medium, is read as today's Touched through an upcaster.
func ExampleUpcasters() {
	u := lead.NewUpcasters()
	err := u.Add("Contacted", 1, func(r *lead.Raw) error {
		r.Type, r.Schema = "Touched", 1
		r.Rename("medium", "channel")
		r.Rename("result", "outcome")
		return nil
	})
	if err != nil {
		panic(err)
	}
	old := []byte(`{"type":"Contacted","schema":1,"lead":"l-1","version":7,"at":"2026-03-02T10:00:00Z","medium":"phone","result":"replied"}`)

	e, err := lead.Decoder{Upcasters: u}.Decode(old)
	fmt.Printf("%T %s %s %v\n", e, e.(lead.Touched).Channel, e.(lead.Touched).Outcome, err)

	_, err = lead.Decode(old)
	fmt.Println(err)
	// Output:
	// lead.Touched phone replied <nil>
	// lead: unknown event type: "Contacted"
}

// Sealed personal fields open with the lead's data key, and read as
// erased once the key is gone.
func ExampleAppendEncodeSealed() {
	key, err := lead.NewDataKey([]byte("0123456789abcdef0123456789abcdef")) // from a key store
	if err != nil {
		panic(err)
	}
	e := lead.Captured{Meta: lead.Meta{Lead: "l-1", Version: 1}, Email: "ada@example.com", FullName: "Ada Lovelace", Source: "webinar"}
	data, err := lead.AppendEncodeSealed(nil, e, key)
	if err != nil {
		panic(err)
	}
	fmt.Println(lead.PersonalFields("Captured"))

	withKey := lead.Decoder{Key: func(lead.ID) (*lead.DataKey, error) { return key, nil }}
	got, _ := withKey.Decode(data)
	fmt.Println(got.(lead.Captured).Email)

	erased := lead.Decoder{Key: func(lead.ID) (*lead.DataKey, error) { return nil, nil }}
	got, _ = erased.Decode(data)
	fmt.Println(got.(lead.Captured).Email, got.(lead.Captured).Source)

	_, err = lead.Decode(data)
	fmt.Println(err != nil)
	// Output:
	// [email full_name]
	// ada@example.com
	// [erased] webinar
	// true
}
