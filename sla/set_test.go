package sla_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

func named(name string, version int) sla.Policy {
	p := sla.DefaultPolicy()
	p.Name, p.Version = name, version
	return p
}

func TestSetKeepsEachSegmentsVersionsApart(t *testing.T) {
	set, err := sla.NewSet(nil, named("", 1), named("enterprise", 1), named("enterprise", 2), named("", 2))
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Segments(); len(got) != 2 || got[0] != "" || got[1] != "enterprise" {
		t.Errorf("Segments = %q; want the default segment and enterprise", got)
	}
	if set.Len() != 4 {
		t.Errorf("Len = %d; want 4", set.Len())
	}
	if got := set.Versions("enterprise"); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf(`Versions("enterprise") = %v; want [1 2]`, got)
	}
	if got := set.Versions("smb"); len(got) != 0 {
		t.Errorf(`Versions("smb") = %v; want none`, got)
	}
	for _, name := range []string{"", "enterprise"} {
		if p, ok := set.Current(name); !ok || p.Name != name || p.Version != 2 {
			t.Errorf("Current(%q) = %q v%d, %v; want v2 of that segment, the last added", name, p.Name, p.Version, ok)
		}
	}
	if _, ok := set.Policy("smb", 1); ok {
		t.Error(`Policy("smb", 1) found a policy in a set without smb`)
	}
	// A lead handed off under enterprise v1 stays there; one under a
	// version the set lost runs under its own segment's current version.
	for _, tt := range []struct {
		name    string
		version int
		want    string
		wantV   int
	}{
		{"enterprise", 1, "enterprise", 1},
		{"enterprise", 9, "enterprise", 2},
		{"", 1, "", 1},
	} {
		p, ok := set.For(lead.State{Stage: lead.StageHandedOff, PolicyName: tt.name, PolicyVersion: tt.version})
		if !ok || p.Name != tt.want || p.Version != tt.wantV {
			t.Errorf("For(%q v%d) = %q v%d; want %q v%d", tt.name, tt.version, p.Name, p.Version, tt.want, tt.wantV)
		}
	}
}

func TestSetRefusesADuplicateVersionOfASegment(t *testing.T) {
	set, err := sla.NewSet(nil, named("enterprise", 1), named("", 1))
	if err != nil {
		t.Fatalf("the same version in two segments: %v; want no error", err)
	}
	err = set.Add(named("enterprise", 1))
	var pe *sla.PolicyError
	if !errors.As(err, &pe) || pe.Field != "Version" || !errors.Is(err, sla.ErrPolicy) {
		t.Errorf("Add of enterprise v1 again = %v; want a *PolicyError on Version", err)
	}
}

func TestPolicyNameIsValidated(t *testing.T) {
	for _, name := range []string{" enterprise", "a\nb", strings.Repeat("x", lead.MaxFieldLen+1), "\xff"} {
		err := named(name, 1).Validate()
		var pe *sla.PolicyError
		if !errors.As(err, &pe) || pe.Field != "Name" {
			t.Errorf("Validate with name %q = %v; want a *PolicyError on Name", name, err)
		}
	}
	if err := named("EMEA inbound", 1).Validate(); err != nil {
		t.Errorf("Validate with name %q = %v; want nil", "EMEA inbound", err)
	}
}

func TestRulesFirstMatchWins(t *testing.T) {
	rules := sla.Rules{
		{Segment: "enterprise", Attributes: map[string]string{"tier": "enterprise"}},
		{Segment: "hot", MinScore: 80},
		{Segment: "partner", Source: "partner", MaxScore: 50},
		{Segment: "tpq", MQLSource: lead.SourceTPQ, Team: "emea"},
	}
	for _, tt := range []struct {
		name string
		l    lead.State
		want string
	}{
		{"attribute", lead.State{Score: 90, Attributes: map[string]string{"tier": "enterprise"}}, "enterprise"},
		{"score band, inclusive", lead.State{Score: 80, Attributes: map[string]string{"tier": "smb"}}, "hot"},
		{"source and max score", lead.State{Source: "partner", Score: 50}, "partner"},
		{"over max score", lead.State{Source: "partner", Score: 51}, ""},
		{"mql source and team", lead.State{MQLSource: lead.SourceTPQ, Team: "emea"}, "tpq"},
		{"one condition of two", lead.State{MQLSource: lead.SourceTPQ, Team: "apac"}, ""},
		{"nothing", lead.State{}, ""},
	} {
		if got := rules.Segment(tt.l); got != tt.want {
			t.Errorf("%s: Segment = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestSelectFallsBackToTheDefaultSegment(t *testing.T) {
	set, err := sla.NewSet(sla.SelectorFunc(func(lead.State) string { return "nowhere" }), named("", 3))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := set.Select(lead.State{}); !ok || p.Name != "" || p.Version != 3 {
		t.Errorf("Select with an unknown segment = %q v%d, %v; want the default segment's current v3", p.Name, p.Version, ok)
	}
}

func TestCompleteHandOffRecordsTheSelectedSegment(t *testing.T) {
	set, err := sla.NewSet(sla.Rules{{Segment: "enterprise", Team: "key-accounts"}}, named("", 1), named("enterprise", 1), named("enterprise", 2))
	if err != nil {
		t.Fatal(err)
	}
	env := sla.Env{Policies: set}
	mql := lead.State{ID: "l", Version: 2, Stage: lead.StageMQL}
	got, err := sla.Complete(mql, lead.HandOff{Rep: "ana", Team: "key-accounts"}, env)
	if h := got.(lead.HandOff); err != nil || h.Policy != "enterprise" || h.PolicyVersion != 2 {
		t.Errorf("hand-off to key-accounts = %+v, %v; want enterprise v2", got, err)
	}
	got, err = sla.Complete(mql, lead.HandOff{Rep: "ben", Team: "emea"}, env)
	if h := got.(lead.HandOff); err != nil || h.Policy != "" || h.PolicyVersion != 1 {
		t.Errorf("hand-off to emea = %+v, %v; want the default segment v1", got, err)
	}
	got, err = sla.Complete(mql, lead.HandOff{Rep: "ben", Policy: "enterprise", PolicyVersion: 1}, env)
	if h := got.(lead.HandOff); err != nil || h.Policy != "enterprise" || h.PolicyVersion != 1 {
		t.Errorf("hand-off naming enterprise v1 = %+v, %v; want it kept", got, err)
	}
	for _, c := range []lead.HandOff{{Rep: "ben", Policy: "smb"}, {Rep: "ben", Policy: "enterprise", PolicyVersion: 3}} {
		_, err := sla.Complete(mql, c, env)
		var ve *lead.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("hand-off to %q v%d = %v; want a *lead.ValidationError", c.Policy, c.PolicyVersion, err)
		}
	}
	// A reassignment names a version of the lead's own segment.
	owned := lead.State{ID: "l", Version: 3, Stage: lead.StageHandedOff, Rep: "ana", PolicyName: "enterprise", PolicyVersion: 1}
	if _, err := sla.Complete(owned, lead.Reassign{To: "ben", PolicyVersion: 2}, env); err != nil {
		t.Errorf("reassignment to enterprise v2 = %v; want nil", err)
	}
	other, _ := sla.NewSet(nil, named("", 1), named("", 2), named("enterprise", 1))
	if _, err := sla.Complete(owned, lead.Reassign{To: "ben", PolicyVersion: 2}, sla.Env{Policies: other}); err == nil {
		t.Error("reassignment of an enterprise lead to v2, which only the default segment has, = nil; want an error")
	}
}

func TestPolicyFileNamesSegments(t *testing.T) {
	ps, err := sla.ParsePolicies(strings.NewReader(`{"policies": [
		{"version": 1},
		{"name": "enterprise", "version": 1, "accept": {"within": "2h"}}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].Name != "" || ps[1].Name != "enterprise" || ps[1].Accept.Within != 2*60*60*1e9 {
		t.Errorf("parsed %q and %q (accept %v); want the default segment and enterprise with 2h", ps[0].Name, ps[1].Name, ps[1].Accept.Within)
	}
	var b strings.Builder
	if err := sla.WritePolicies(&b, ps...); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"name": "enterprise"`) || strings.Count(b.String(), `"name"`) != 1 {
		t.Errorf("written file:\n%s\nwant a name for enterprise only", b.String())
	}
	_, err = sla.ParsePolicies(strings.NewReader(`{"policies": [{"name": "smb", "version": 1}, {"name": "smb", "version": 1}]}`))
	var fe *sla.FileError
	if !errors.As(err, &fe) || fe.Field != "policies[1].version" {
		t.Errorf("two smb v1 = %v; want a *FileError on policies[1].version", err)
	}
}

func TestPolicyFileSelectsSegments(t *testing.T) {
	file := `{
  "policies": [
    {"version": 1, "accept": {"within": "8h"}},
    {"name": "enterprise", "version": 1, "accept": {"within": "2h"}}
  ],
  "segments": [
    {"segment": "enterprise", "attributes": {"tier": "enterprise"}},
    {"segment": "enterprise", "min_score": 90, "max_score": 200}
  ]
}`
	set, err := sla.ParseSet(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		l    lead.State
		want string
	}{
		{lead.State{Attributes: map[string]string{"tier": "enterprise"}}, "enterprise"},
		{lead.State{Score: 95}, "enterprise"},
		{lead.State{Score: 50, Attributes: map[string]string{"tier": "smb"}}, ""},
	} {
		if p, ok := set.Select(tt.l); !ok || p.Name != tt.want {
			t.Errorf("Select(%+v) = %q, %v; want %q", tt.l.Attributes, p.Name, ok, tt.want)
		}
	}
	if _, err := sla.ParsePolicies(strings.NewReader(file)); err == nil {
		t.Error("ParsePolicies of a file with segments = nil; want an error, rather than dropping its selector")
	}
	for _, tt := range []struct{ file, field string }{
		{`{"policies": [{"version": 1}], "segments": [{"segment": "vip"}]}`, "segments[0].segment"},
		{`{"policies": [{"version": 1}], "segments": [{"segment": "", "min_score": 9, "max_score": 3}]}`, "segments[0]"},
		{`{"policies": [{"version": 1}], "segments": [{"segment": "", "attributes": {"a": "1", "a": "2"}}]}`, "segments[0].attributes.a"},
		{`{"policies": [{"version": 1}], "segments": [{"segment": "", "attributes": {"a": 1}}]}`, "segments[0].attributes.a"},
		{`{"policies": [{"version": 1}], "segments": [{"segment": "", "tier": "x"}]}`, "segments[0].tier"},
	} {
		_, err := sla.ParseSet(strings.NewReader(tt.file))
		var fe *sla.FileError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("ParseSet(%s) = %v; want a *FileError on %s", tt.file, err, tt.field)
		}
	}
}

// FuzzParseSet: whatever the input, ParseSet returns a *FileError or a
// Set whose selector picks only segments it holds.
func FuzzParseSet(f *testing.F) {
	f.Add([]byte(`{"policies": [{"version": 1}, {"name": "vip", "version": 1}], "segments": [{"segment": "vip", "team": "x", "attributes": {"tier": "vip"}}]}`))
	f.Add([]byte(`{"policies": [{"version": 1}], "segments": [{"segment": "", "min_score": 10, "max_score": 20}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := sla.ParseSet(strings.NewReader(string(data)))
		if err != nil {
			var fe *sla.FileError
			if !errors.As(err, &fe) || !errors.Is(err, sla.ErrPolicy) {
				t.Fatalf("error %T %v is not a *FileError", err, err)
			}
			return
		}
		if set.Len() == 0 {
			t.Fatal("ParseSet returned an empty set without an error")
		}
		if rules, ok := set.Selector.(sla.Rules); ok {
			for _, m := range rules {
				if _, ok := set.Current(m.Segment); !ok {
					t.Fatalf("a rule selects segment %q, which the set does not hold", m.Segment)
				}
			}
		}
	})
}
