package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/lead"
)

// Events a caller got back from Execute, from History and in a Subscribe
// callback stay as they were while later commands on other leads (sharing
// the Engine's reused encode buffers) run: nothing handed out refers to
// those buffers.
func TestEventsHandedOutStayTheSameWhileCommandsReuseBuffers(t *testing.T) {
	ctx := context.Background()
	e, _, _ := newEngine(t)
	type kept struct {
		got  []lead.Event
		want string
	}
	var all []kept
	keep := func(evs []lead.Event) {
		all = append(all, kept{evs, fmt.Sprintf("%#v", evs)})
	}
	ids := make([]lead.ID, 400)
	for i := range ids {
		id, err := e.Capture(ctx, lead.Capture{Email: fmt.Sprintf("lead%d@example.com", i), FullName: fmt.Sprintf("Name %d", i)},
			leadline.CommandID(fmt.Sprintf("cap-%d", i)))
		must(t, err)
		ids[i] = id
		evs, err := e.Execute(ctx, id, lead.Score{Fit: i % 90, Intent: 1}, leadline.CommandID(fmt.Sprintf("score-%d", i)))
		must(t, err)
		keep(evs)
		h, err := e.History(ctx, id)
		must(t, err)
		keep(h)
	}
	var subscribed []lead.Event
	errEnough := errors.New("enough")
	err := e.Subscribe(ctx, 0, func(_ uint64, ev lead.Event) error {
		subscribed = append(subscribed, ev)
		if len(subscribed) == 2*len(ids) {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatal(err)
	}
	keep(subscribed)
	// More commands on every lead, and retries of the first ones.
	for i, id := range ids {
		_, err := e.Execute(ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}, leadline.CommandID(fmt.Sprintf("mql-%d", i)))
		must(t, err)
		evs, err := e.Execute(ctx, id, lead.Score{Fit: i % 90, Intent: 1}, leadline.CommandID(fmt.Sprintf("score-%d", i)))
		must(t, err)
		if len(evs) != 1 || evs[0].Base().Version != 2 {
			t.Fatalf("the retry of score-%d returned %+v, want its event at version 2", i, evs)
		}
	}
	for k, x := range all {
		if got := fmt.Sprintf("%#v", x.got); got != x.want {
			t.Fatalf("events handed out (set %d) changed:\n%s\nwas\n%s", k, got, x.want)
		}
	}
	for i, id := range ids {
		h, err := e.History(ctx, id)
		must(t, err)
		if len(h) != 3 || !reflect.DeepEqual(h[1], all[2*i].got[0]) {
			t.Fatalf("history of lead %d: %+v", i, h)
		}
	}
}
