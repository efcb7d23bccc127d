package sla_test

import (
	"testing"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// BenchmarkSetFor is the policy look-up the Engine does for every lead it
// schedules: a handed-off lead of one of three segments, with two
// versions each.
func BenchmarkSetFor(b *testing.B) {
	var ps []sla.Policy
	for _, name := range []string{"", "enterprise", "smb"} {
		for v := 1; v <= 2; v++ {
			ps = append(ps, named(name, v))
		}
	}
	set, err := sla.NewSet(sla.Rules{{Segment: "enterprise", Team: "key-accounts"}}, ps...)
	if err != nil {
		b.Fatal(err)
	}
	s := lead.State{Stage: lead.StageHandedOff, PolicyName: "enterprise", PolicyVersion: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := set.For(s); !ok {
			b.Fatal("no policy")
		}
	}
}
