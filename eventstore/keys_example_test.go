package eventstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/leadline/leadline/eventstore"
)

func ExampleNewMemoryKeys() {
	ctx := context.Background()
	keys := eventstore.NewMemoryKeys()

	k, _ := keys.Create(ctx, "lead-42")
	fmt.Println(len(k))

	_ = keys.Delete(ctx, "lead-42")
	_, err := keys.Get(ctx, "lead-42")
	fmt.Println(errors.Is(err, eventstore.ErrKeyErased))
	_, err = keys.Get(ctx, "lead-43")
	fmt.Println(errors.Is(err, eventstore.ErrKeyNotFound))
	// Output:
	// 32
	// true
	// true
}
