package main

import "testing"

// BenchmarkLeadline and BenchmarkPeer run each operation of ops; use
// -benchtime with a count (e.g. 3000x): the cold appends set up one
// aggregate per iteration.
func BenchmarkLeadline(b *testing.B) {
	for _, o := range ops {
		b.Run(o.name, o.leadline)
	}
}

func BenchmarkPeer(b *testing.B) {
	for _, o := range ops {
		b.Run(o.name, o.peer)
	}
}
