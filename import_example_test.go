package leadline_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// A service loads a CRM export: one lead per row, the CRM's ID of each
// row in an attribute. A row with a bad email fails alone. The service
// retries the import (a timeout, a restart): the same import ID and rows
// find the leads captured the first time, and capture none twice.
func ExampleEngine_Import() {
	ctx := context.Background()
	store := eventstore.NewMemory()
	engine, err := leadline.New(store)
	if err != nil {
		panic(err)
	}
	rows := []lead.Capture{
		{Email: "ada@example.com", Source: "crm", Attributes: map[string]string{"crm_id": "00Q1"}},
		{Email: "not an email", Source: "crm", Attributes: map[string]string{"crm_id": "00Q2"}},
		{Email: "grace@example.com", Source: "crm", Attributes: map[string]string{"crm_id": "00Q3"}},
	}
	opts := []leadline.ImportOption{
		leadline.ImportID("export-2026-03-02"),
		leadline.ImportKey(func(c lead.Capture) string { return c.Attributes["crm_id"] }),
	}
	first, err := engine.Import(ctx, rows, opts...)
	if err != nil {
		panic(err)
	}
	for _, r := range first {
		var ie *leadline.ImportError
		if errors.As(r.Err, &ie) {
			fmt.Printf("row %d (%s): invalid: %v\n", ie.Row, ie.Key, errors.Is(r.Err, lead.ErrInvalid))
			continue
		}
		s, _ := engine.Lead(ctx, r.Lead)
		fmt.Println("captured", s.Email)
	}

	again, err := engine.Import(ctx, rows, opts...)
	if err != nil {
		panic(err)
	}
	for i, r := range again {
		if r.Err == nil {
			fmt.Printf("row %d: same lead %v, retried %v\n", i, r.Lead == first[i].Lead, r.Retried)
		}
	}
	recs, _ := store.Read(ctx, 1, 0)
	fmt.Println("events stored:", len(recs))
	// Output:
	// captured ada@example.com
	// row 1 (00Q2): invalid: true
	// captured grace@example.com
	// row 0: same lead true, retried true
	// row 2: same lead true, retried true
	// events stored: 2
}
