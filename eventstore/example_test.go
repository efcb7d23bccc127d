package eventstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadline/leadline/eventstore"
)

func ExampleNewMemory() {
	ctx := context.Background()
	store := eventstore.NewMemory()

	// A new stream is at version 0.
	v, err := store.Append(ctx, "lead-42", 0,
		eventstore.Record{ID: "evt-1", Type: "Captured", Data: []byte(`{"email":"ada@example.com"}`)},
		eventstore.Record{ID: "evt-2", Type: "Scored", Data: []byte(`{"score":71}`)},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version after append:", v)

	recs, err := store.Load(ctx, "lead-42", 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		fmt.Printf("%s v%d %s %s\n", r.Stream, r.Version, r.Type, r.Data)
	}
	// Output:
	// version after append: 2
	// lead-42 v1 Captured {"email":"ada@example.com"}
	// lead-42 v2 Scored {"score":71}
}

func ExampleMemory_Append_conflict() {
	ctx := context.Background()
	store := eventstore.NewMemory()
	captured := eventstore.Record{ID: "evt-1", Type: "Captured"}
	if _, err := store.Append(ctx, "lead-42", 0, captured); err != nil {
		fmt.Println(err)
		return
	}

	// A second writer still believes the stream is new.
	_, err := store.Append(ctx, "lead-42", 0, eventstore.Record{ID: "evt-2", Type: "Captured"})
	fmt.Println("conflict:", errors.Is(err, eventstore.ErrConflict))
	var ce *eventstore.ConflictError
	if errors.As(err, &ce) {
		fmt.Printf("expected %d, stream is at %d\n", ce.Expected, ce.Actual)
	}

	// Retrying the first append is not a conflict: the store already holds
	// evt-1 and returns its version.
	v, err := store.Append(ctx, "lead-42", 0, captured)
	fmt.Println("retry:", v, err)
	// Output:
	// conflict: true
	// expected 0, stream is at 1
	// retry: 1 <nil>
}

func ExampleMemory_Subscribe() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := eventstore.NewMemory()
	for i, stream := range []string{"lead-1", "lead-2", "lead-1"} {
		expected := store.Version(stream)
		id := fmt.Sprintf("evt-%d", i+1)
		if _, err := store.Append(ctx, stream, expected, eventstore.Record{ID: id, Type: "Touched"}); err != nil {
			fmt.Println(err)
			return
		}
	}

	// Catch up from the start of the global order; stop after three records.
	seen := 0
	err := store.Subscribe(ctx, 0, func(r eventstore.Record) error {
		fmt.Printf("position %d: %s v%d %s\n", r.Position, r.Stream, r.Version, r.ID)
		if seen++; seen == 3 {
			cancel()
		}
		return nil
	})
	fmt.Println(err)
	// Output:
	// position 1: lead-1 v1 evt-1
	// position 2: lead-2 v1 evt-2
	// position 3: lead-1 v2 evt-3
	// context canceled
}

func ExampleMemory_ReadInto() {
	ctx := context.Background()
	store := eventstore.NewMemory()
	for _, stream := range []string{"lead-1", "lead-2", "lead-3"} {
		if _, err := store.Append(ctx, stream, 0,
			eventstore.Record{ID: stream + "-a", Type: "Captured"},
			eventstore.Record{ID: stream + "-b", Type: "Scored"},
		); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Read the global order in pages of 4 into one reused buffer.
	var pr eventstore.PageReader = store
	fmt.Println("streams:", pr.Streams())
	page := make([]eventstore.Record, 4)
	for from := uint64(1); ; {
		n, err := pr.ReadInto(ctx, from, page)
		if err != nil {
			fmt.Println(err)
			return
		}
		if n == 0 {
			break
		}
		for _, r := range page[:n] {
			fmt.Printf("%d %s v%d %s\n", r.Position, r.Stream, r.Version, r.Type)
		}
		from = page[n-1].Position + 1
	}
	// Output:
	// streams: 3
	// 1 lead-1 v1 Captured
	// 2 lead-1 v2 Scored
	// 3 lead-2 v1 Captured
	// 4 lead-2 v2 Scored
	// 5 lead-3 v1 Captured
	// 6 lead-3 v2 Scored
}
