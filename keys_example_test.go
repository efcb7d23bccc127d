package leadline_test

import (
	"context"
	"fmt"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// With a key store, a lead's email and name are sealed before they reach
// the store; erasing the lead deletes its key, and from then on every
// reader sees them as erased, while its stage stays.
func ExampleEngine_Erase() {
	ctx := context.Background()
	store := eventstore.NewMemory()
	engine, err := leadline.New(store, leadline.WithKeys(eventstore.NewMemoryKeys()))
	if err != nil {
		panic(err)
	}
	id, err := engine.Capture(ctx, lead.Capture{Email: "ada@example.com", FullName: "Ada Lovelace", Company: "Analytical Engines Ltd"})
	if err != nil {
		panic(err)
	}
	if _, err := engine.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceManual}); err != nil {
		panic(err)
	}
	s, _ := engine.Lead(ctx, id)
	fmt.Println(s.Email, s.Stage)

	if err := engine.Erase(ctx, id, "erasure request 2026-0042"); err != nil {
		panic(err)
	}
	s, _ = engine.Lead(ctx, id)
	fmt.Println(s.Email, s.FullName, s.Company, s.Stage, s.Erased)

	history, _ := engine.History(ctx, id)
	fmt.Println(history[0].(lead.Captured).Email, history[len(history)-1].Type())
	// Output:
	// ada@example.com MQL
	// [erased] [erased] Analytical Engines Ltd MQL true
	// [erased] Erased
}
