package leadline_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
)

// collected reads every instrument through a manual reader: sums and
// gauges by "name{attr=value,...}", histograms as their count and sum.
func collected(t *testing.T, r *sdkmetric.ManualReader) map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	must(t, r.Collect(context.Background(), &rm))
	out := map[string]float64{}
	key := func(name string, set attribute.Set) string {
		var kv []string
		for _, a := range set.ToSlice() {
			kv = append(kv, string(a.Key)+"="+a.Value.Emit())
		}
		sort.Strings(kv)
		return name + "{" + strings.Join(kv, ",") + "}"
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)+" count"] = float64(p.Count)
					out[key(m.Name, p.Attributes)+" sum"] = p.Sum
				}
			}
		}
	}
	return out
}

// A scripted day: two leads handed off, one accepted in 30 minutes and
// touched 15 minutes later, one left to breach; a retried command, an
// invalid one, one the stage refuses, a forged SLA step, a foreign record.
func TestMetricsCountAScriptedDay(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	store := eventstore.NewMemory()
	mock := clock.NewMock(monday)
	e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(shortLadder()),
		leadline.WithRouter(team(t)), leadline.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	must(t, err)

	a, b := handedOff(t, e, "ana"), handedOff(t, e, "ben")
	mock.Add(30 * time.Minute)
	must(t, run(e, ctx, a, lead.Accept{Actor: "ana"}, leadline.CommandID("acc-1")))
	must(t, run(e, ctx, a, lead.Accept{Actor: "ana"}, leadline.CommandID("acc-1"))) // retried
	mock.Add(15 * time.Minute)
	must(t, run(e, ctx, a, lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}))
	must(t, run(e, ctx, a, lead.Touch{Channel: lead.ChannelEmail, Outcome: lead.OutcomeNoAnswer}))
	if err := run(e, ctx, a, lead.Touch{Channel: "fax"}); !errors.Is(err, lead.ErrInvalid) {
		t.Fatalf("Touch by fax = %v", err)
	}
	if err := run(e, ctx, b, lead.Win{Amount: 1}); !errors.Is(err, lead.ErrTransition) {
		t.Fatalf("Win on a handed-off lead = %v", err)
	}
	if err := run(e, ctx, b, lead.Breach{Deadline: lead.DeadlineID{Kind: lead.KindAccept, Since: 3}, Action: lead.ActionReturn}); !errors.Is(err, leadline.ErrSLACommand) {
		t.Fatalf("forged Breach = %v", err)
	}
	got := collected(t, reader)
	if got["leadline.sla.open_deadlines{}"] != 1 {
		t.Errorf("open deadlines = %v; want 1 (lead b's accept clock)", got["leadline.sla.open_deadlines{}"])
	}
	advance(t, e, mock, 30*time.Minute) // b's accept deadline: escalate
	advance(t, e, mock, time.Hour)      // and return to marketing
	_, err = store.Append(ctx, "invoice-1", 0, eventstore.Record{ID: "inv-1", Type: "InvoiceIssued", Data: []byte(`{}`)})
	must(t, err)
	_, err = e.Rebuild(ctx)
	must(t, err)

	got = collected(t, reader)
	want := map[string]float64{
		"leadline.commands{command=Capture,outcome=applied}":                                     2,
		"leadline.commands{command=QualifyMarketing,outcome=applied}":                            2,
		"leadline.commands{command=HandOff,outcome=applied}":                                     2,
		"leadline.commands{command=Accept,outcome=applied}":                                      1,
		"leadline.commands{command=Accept,outcome=retried}":                                      1,
		"leadline.commands{command=Touch,outcome=applied}":                                       2,
		"leadline.commands{command=Touch,outcome=invalid}":                                       1,
		"leadline.commands{command=Win,outcome=refused}":                                         1,
		"leadline.commands{command=Breach,outcome=refused}":                                      1,
		"leadline.sla.breach_steps{action=escalate,deadline=accept,policy=1,segment=,team=emea}": 1,
		"leadline.sla.breach_steps{action=return,deadline=accept,policy=1,segment=,team=emea}":   1,
		"leadline.lead.time_to_accept{team=emea} count":                                          1,
		"leadline.lead.time_to_accept{team=emea} sum":                                            1800,
		"leadline.lead.time_to_first_touch{team=emea} count":                                     1,
		"leadline.lead.time_to_first_touch{team=emea} sum":                                       900,
		"leadline.store.append.duration{outcome=ok} count":                                       11,
		"leadline.quarantined{reason=foreign}":                                                   1,
		"leadline.sla.open_deadlines{}":                                                          0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v", k, got[k], v)
		}
	}
	var names []string
	for k := range got {
		names = append(names, k)
	}
	sort.Strings(names)
	if t.Failed() {
		t.Log(fmt.Sprint(names))
	}
}

// Without WithMeterProvider the Engine records nothing and needs nothing.
func TestNewRefusesANilMeterProvider(t *testing.T) {
	if _, err := leadline.New(eventstore.NewMemory(), leadline.WithMeterProvider(nil)); !errors.Is(err, leadline.ErrInvalidOption) {
		t.Fatalf("New(WithMeterProvider(nil)) = %v; want ErrInvalidOption", err)
	}
}
