package sla_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func TestNewRoundRobinRejectsBadReps(t *testing.T) {
	tests := []struct {
		name string
		reps []sla.Rep
		want string
	}{
		{"no reps", nil, "no reps"},
		{"unnamed rep", []sla.Rep{{Name: "ana"}, {}}, "rep 1 has no name"},
		{"duplicate name", []sla.Rep{{Name: "ana"}, {Name: "ben"}, {Name: "ana"}}, `"ana" appears twice`},
		{"negative capacity", []sla.Rep{{Name: "ana", Capacity: -1}}, "negative capacity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr, err := sla.NewRoundRobin("", tt.reps...)
			if err == nil || rr != nil {
				t.Fatalf("NewRoundRobin = %v, %v; want an error", rr, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func mustRoundRobin(t *testing.T, attribute string, reps ...sla.Rep) *sla.RoundRobin {
	t.Helper()
	rr, err := sla.NewRoundRobin(attribute, reps...)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// route routes n leads in s and returns who got them. With load nil it
// counts the leads it routes, as the Engine does.
func route(t *testing.T, rr *sla.RoundRobin, s lead.State, n int, load func(string) int, exclude string) []string {
	t.Helper()
	routed := map[string]int{}
	if load == nil {
		load = func(rep string) int { return routed[rep] }
	}
	var got []string
	for range n {
		rep, err := rr.Route(s, load, exclude)
		if err != nil {
			t.Fatalf("Route: %v", err)
		}
		routed[rep.Name]++
		got = append(got, rep.Name)
	}
	return got
}

func TestRoundRobinTakesTurns(t *testing.T) {
	rr := mustRoundRobin(t, "", sla.Rep{Name: "ana"}, sla.Rep{Name: "ben"}, sla.Rep{Name: "chloe"})
	got := route(t, rr, lead.State{}, 7, nil, "")
	want := []string{"ana", "ben", "chloe", "ana", "ben", "chloe", "ana"}
	if !slices.Equal(got, want) {
		t.Errorf("Route order = %v, want %v", got, want)
	}
}

func TestRoundRobinRespectsCapacity(t *testing.T) {
	rr := mustRoundRobin(t, "", sla.Rep{Name: "ana", Capacity: 2}, sla.Rep{Name: "ben", Capacity: 1}, sla.Rep{Name: "chloe"})
	open := map[string]int{"ana": 1}
	load := func(rep string) int { return open[rep] }
	var got []string
	for range 6 {
		rep, err := rr.Route(lead.State{}, load, "")
		if err != nil {
			t.Fatal(err)
		}
		open[rep.Name]++
		got = append(got, rep.Name)
	}
	// ana holds one and has room for one more, ben for one; chloe has no
	// cap: the least loaded goes first, ties in list order.
	want := []string{"ben", "chloe", "ana", "chloe", "chloe", "chloe"}
	if !slices.Equal(got, want) {
		t.Errorf("Route order = %v, want %v", got, want)
	}

	rr = mustRoundRobin(t, "", sla.Rep{Name: "ana", Capacity: 1})
	if _, err := rr.Route(lead.State{}, func(string) int { return 1 }, ""); !errors.Is(err, sla.ErrNoRep) {
		t.Errorf("Route with everyone at capacity = %v, want ErrNoRep", err)
	}
	if rep, err := rr.Route(lead.State{}, nil, ""); err != nil || rep.Name != "ana" {
		t.Errorf("Route without a load func = %v, %v; want ana (no load, no cap)", rep, err)
	}
}

func TestRoundRobinRoutesByTerritory(t *testing.T) {
	in := func(region string) lead.State {
		if region == "" {
			return lead.State{}
		}
		return lead.State{Attributes: map[string]string{"region": region}}
	}
	tests := []struct {
		region string
		want   []string
	}{
		{"emea", []string{"ana", "chloe", "ana"}},
		{"apac", []string{"ben", "chloe", "ben"}},
		{"latam", []string{"chloe", "chloe"}},
		{"", []string{"ana", "ben", "chloe"}},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			rr := mustRoundRobin(t, "region",
				sla.Rep{Name: "ana", Territories: []string{"emea"}},
				sla.Rep{Name: "ben", Territories: []string{"amer", "apac"}},
				sla.Rep{Name: "chloe"}, // every territory
			)
			if got := route(t, rr, in(tt.region), len(tt.want), nil, ""); !slices.Equal(got, tt.want) {
				t.Errorf("Route = %v, want %v", got, tt.want)
			}
		})
	}

	// Without an attribute, territories are ignored.
	plain := mustRoundRobin(t, "", sla.Rep{Name: "ana", Territories: []string{"emea"}}, sla.Rep{Name: "ben", Territories: []string{"amer"}})
	if got := route(t, plain, in("amer"), 2, nil, ""); !slices.Equal(got, []string{"ana", "ben"}) {
		t.Errorf("Route without an attribute = %v, want [ana ben]", got)
	}
}

func TestRoundRobinSkipsUnavailableReps(t *testing.T) {
	rr := mustRoundRobin(t, "", sla.Rep{Name: "ana"}, sla.Rep{Name: "ben", Unavailable: true}, sla.Rep{Name: "chloe"})
	if got := route(t, rr, lead.State{}, 3, nil, ""); !slices.Equal(got, []string{"ana", "chloe", "ana"}) {
		t.Fatalf("Route = %v, want [ana chloe ana]", got)
	}
	if err := rr.SetAvailable("ana", false); err != nil {
		t.Fatal(err)
	}
	if err := rr.SetAvailable("ben", true); err != nil {
		t.Fatal(err)
	}
	if got := route(t, rr, lead.State{}, 3, nil, ""); !slices.Equal(got, []string{"ben", "chloe", "ben"}) {
		t.Fatalf("Route after ana left and ben came back = %v, want [ben chloe ben]", got)
	}
	if err := rr.SetAvailable("dev", true); err == nil {
		t.Error("SetAvailable of an unknown rep = nil, want an error")
	}
	for _, name := range []string{"ben", "chloe"} {
		if err := rr.SetAvailable(name, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rr.Route(lead.State{}, nil, ""); !errors.Is(err, sla.ErrNoRep) {
		t.Errorf("Route with nobody available = %v, want ErrNoRep", err)
	}
}

func TestRoundRobinNeverPicksTheExcludedRep(t *testing.T) {
	rr := mustRoundRobin(t, "", sla.Rep{Name: "ana"}, sla.Rep{Name: "ben"}, sla.Rep{Name: "chloe"})
	for _, name := range route(t, rr, lead.State{}, 10, nil, "ben") {
		if name == "ben" {
			t.Fatal("Route picked the excluded rep")
		}
	}
	solo := mustRoundRobin(t, "", sla.Rep{Name: "ana"})
	if rep, err := solo.Route(lead.State{}, nil, "ana"); !errors.Is(err, sla.ErrNoRep) || rep.Name != "" {
		t.Errorf("Route excluding the only rep = %v, %v; want ErrNoRep", rep, err)
	}
}

func TestRoundRobinLookup(t *testing.T) {
	terr := []string{"emea"}
	rr := mustRoundRobin(t, "", sla.Rep{Name: "ana", Team: "emea", Manager: "maria", Territories: terr}, sla.Rep{Name: "ben"})
	terr[0] = "changed" // the router keeps its own copy
	rep, ok := rr.Lookup("ana")
	if !ok || rep.Team != "emea" || rep.Manager != "maria" || !slices.Equal(rep.Territories, []string{"emea"}) {
		t.Fatalf("Lookup(ana) = %+v, %v", rep, ok)
	}
	rep.Territories[0] = "mutated" // nor does a caller's change leak back
	if again, _ := rr.Lookup("ana"); again.Territories[0] != "emea" {
		t.Errorf("Lookup returned the router's own slice: %v", again.Territories)
	}
	if _, ok := rr.Lookup("zoe"); ok {
		t.Error("Lookup(zoe) found a rep that does not exist")
	}
	var _ sla.Router = rr
	var _ sla.Directory = rr
}

func TestRoundRobinIsSafeForConcurrentUse(t *testing.T) {
	rr := mustRoundRobin(t, "", sla.Rep{Name: "ana"}, sla.Rep{Name: "ben"})
	var mu sync.Mutex
	total := map[string]int{}
	load := func(rep string) int {
		mu.Lock()
		defer mu.Unlock()
		return total[rep]
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				rep, err := rr.Route(lead.State{}, load, "")
				if err != nil {
					t.Errorf("Route: %v", err)
					return
				}
				mu.Lock()
				total[rep.Name]++
				mu.Unlock()
				_ = rr.SetAvailable("ben", (g+i)%7 != 0)
				_ = rr.SetAvailable("ben", true)
				rr.Lookup("ana")
			}
		}()
	}
	wg.Wait()
	if total["ana"]+total["ben"] != 400 || total["ben"] == 0 || total["ana"] == 0 {
		t.Errorf("routed %v, want 400 leads spread over both", total)
	}
}
