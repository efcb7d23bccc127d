package lead_test

import (
	"strings"
	"testing"

	"github.com/leadline/leadline/lead"
)

func TestHandOffRecordsSegmentAndReassignmentsKeepIt(t *testing.T) {
	h := handOff
	h.Policy = "enterprise"
	l := script(t, capture, qualifyMQL, h)
	if l.State.PolicyName != "enterprise" || l.State.PolicyVersion != 1 {
		t.Fatalf("after hand-off: policy %q v%d; want enterprise v1", l.State.PolicyName, l.State.PolicyVersion)
	}
	l.Do(lead.Reassign{Actor: "ops:sam", To: "rep:ben", PolicyVersion: 2})
	if l.State.PolicyName != "enterprise" || l.State.PolicyVersion != 2 {
		t.Fatalf("after reassignment: policy %q v%d; want enterprise v2", l.State.PolicyName, l.State.PolicyVersion)
	}
	events := l.Do(lead.Breach{Actor: "sla", Deadline: runningDeadline(l.State, lead.KindAccept), Action: lead.ActionReassign, To: "rep:cho", Due: l.Now})
	b := events[0].(lead.DeadlineBreached)
	if b.Policy != "enterprise" {
		t.Errorf("breach records policy %q; want the lead's segment, enterprise", b.Policy)
	}
	if l.State.PolicyName != "enterprise" {
		t.Errorf("after a ladder reassignment the lead is in segment %q; want enterprise", l.State.PolicyName)
	}
	for _, e := range append([]lead.Event{l.Events[2]}, b) {
		data, err := lead.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := lead.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if back != e {
			t.Errorf("%s round trip: got %+v; want %+v", e.Type(), back, e)
		}
	}
}

func TestDefaultSegmentIsOmittedOnTheWire(t *testing.T) {
	l := script(t, capture, qualifyMQL, handOff)
	data, err := lead.Encode(l.Events[2])
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); strings.Contains(got, `"policy"`) {
		t.Errorf("HandedOff in the default segment encodes as %s; want no policy field", got)
	}
}
