package natsjs_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leadline/leadline/eventstore/natsjs"
)

// BenchmarkCheckpoints saves and loads a checkpoint the size an Engine
// writes for 10k, 100k and 1M leads (17 bytes a lead) in a key-value bucket
// on the benchmarks' server.
func BenchmarkCheckpoints(b *testing.B) {
	js := benchJS(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, leads := range []int{10_000, 100_000, 1_000_000} {
		data := make([]byte, 17*leads)
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		cp, err := natsjs.NewCheckpoints(ctx, js, "BENCH_CHECKPOINTS", fmt.Sprintf("leads-%d", leads))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("save/leads=%d", leads), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				if err := cp.Save(ctx, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("load/leads=%d", leads), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				got, err := cp.Load(ctx)
				if err != nil || !bytes.Equal(got, data) {
					b.Fatalf("Load = %d bytes, %v", len(got), err)
				}
			}
		})
	}
}
