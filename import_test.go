package leadline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/internal/natstest"
	"github.com/leadline/leadline/lead"
)

// batchFaulty is a BatchAppender over a store that has one: each append
// of an AppendBatch call asks plan what to do (plan nil: nothing), so an
// import can land only in part.
type batchFaulty struct {
	eventstore.Store
	mu      sync.Mutex
	plan    func() fault
	batches int // AppendBatch calls
	after   map[string]bool
}

func (f *batchFaulty) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	f.mu.Lock()
	f.batches++
	faults := make([]fault, len(appends))
	for i := range appends {
		if f.plan != nil {
			faults[i] = f.plan()
		}
	}
	f.mu.Unlock()
	out := make([]eventstore.AppendResult, len(appends))
	var pass []eventstore.Append
	var at []int
	for i, a := range appends {
		if faults[i] == faultBefore {
			out[i].Err = errFlaky
			continue
		}
		pass = append(pass, a)
		at = append(at, i)
	}
	if len(pass) > 0 {
		for j, r := range f.Store.(eventstore.BatchAppender).AppendBatch(ctx, pass) {
			out[at[j]] = r
			if r.Err == nil && faults[at[j]] == faultAfter {
				// Stored, but the acknowledgement is lost.
				out[at[j]] = eventstore.AppendResult{Err: errFlaky}
			}
		}
	}
	return out
}

// every3 fails one append in three before storing it and one in three
// after, in turn.
func every3() func() fault {
	n := 0
	return func() fault {
		n++
		return fault(n % 3)
	}
}

// crmRows are n rows of a CRM export, each with its CRM ID in an
// attribute.
func crmRows(n int) []lead.Capture {
	rows := make([]lead.Capture, n)
	for i := range rows {
		rows[i] = lead.Capture{
			Email:      fmt.Sprintf("contact%d@example.com", i),
			FullName:   fmt.Sprintf("Contact %d", i),
			Source:     "crm",
			Attributes: map[string]string{"crm_id": fmt.Sprintf("C-%05d", i)},
		}
	}
	return rows
}

func crmID(c lead.Capture) string { return c.Attributes["crm_id"] }

// storedCaptures counts the records of the store's global order per
// stream.
func storedCaptures(t *testing.T, s eventstore.Store) map[string]int {
	t.Helper()
	recs, err := s.Read(context.Background(), 1, 0)
	must(t, err)
	per := map[string]int{}
	for _, r := range recs {
		per[r.Stream]++
	}
	return per
}

// importRetry imports rows through an Engine on store wrapped so that
// one append in three fails before it is stored and one in three after
// (an unknown outcome), then retries the import with the same ImportID,
// on a new Engine when restart is set (a service restarted) and on the
// same one otherwise, and checks that every lead is captured once with
// the ID the first attempt reported.
func importRetry(t *testing.T, inner eventstore.Store, wrap func(eventstore.Store, func() fault) eventstore.Store, restart bool) {
	ctx := context.Background()
	mock := clock.NewMock(monday)
	rows := crmRows(700)
	healed := false
	every := every3()
	plan := func() fault {
		if healed {
			return faultNone
		}
		return every()
	}
	first, err := leadline.New(wrap(inner, plan), leadline.WithClock(mock))
	must(t, err)
	opts := []leadline.ImportOption{leadline.ImportID("export-2026-03"), leadline.ImportKey(crmID)}
	res, err := first.Import(ctx, rows, opts...)
	must(t, err)
	if len(res) != len(rows) {
		t.Fatalf("%d results for %d rows", len(res), len(rows))
	}
	failed := 0
	for i, r := range res {
		if r.Lead == "" {
			t.Fatalf("row %d has no lead ID: %+v", i, r)
		}
		if r.Err == nil {
			continue
		}
		failed++
		var ie *leadline.ImportError
		if !errors.As(r.Err, &ie) || ie.Row != i || ie.Key != crmID(rows[i]) || ie.Lead != r.Lead {
			t.Fatalf("row %d: error %v does not name the row", i, r.Err)
		}
		if !errors.Is(r.Err, eventstore.ErrUnknownOutcome) {
			t.Fatalf("row %d: %v, want an unknown outcome", i, r.Err)
		}
	}
	if failed < len(rows)/2 {
		t.Fatalf("%d rows failed of %d; the fault plan fails two in three", failed, len(rows))
	}
	landed := storedCaptures(t, inner)
	if len(landed) == 0 || len(landed) == len(rows) {
		t.Fatalf("%d of %d leads stored by the first attempt, want a part", len(landed), len(rows))
	}

	again := first // the same Engine, the store healthy again
	healed = true
	if restart {
		again, err = leadline.New(inner, leadline.WithClock(mock))
		must(t, err)
	}
	mock.Add(2 * time.Minute)
	res2, err := again.Import(ctx, rows, opts...)
	must(t, err)
	for i, r := range res2 {
		if r.Err != nil {
			t.Fatalf("row %d on retry: %v", i, r.Err)
		}
		if r.Lead != res[i].Lead {
			t.Fatalf("row %d: lead %s on retry, %s the first time", i, r.Lead, res[i].Lead)
		}
		if want := landed[string(r.Lead)] == 1; r.Retried != want {
			t.Fatalf("row %d: Retried = %v; stored by the first attempt: %v", i, r.Retried, want)
		}
	}
	stored := storedCaptures(t, inner)
	if len(stored) != len(rows) {
		t.Fatalf("%d leads stored, want %d", len(stored), len(rows))
	}
	for id, n := range stored {
		if n != 1 {
			t.Fatalf("lead %s has %d records, want its one Captured", id, n)
		}
	}
	for i := range 5 {
		s, err := again.Lead(ctx, res2[i].Lead)
		must(t, err)
		if s.Email != rows[i].Email || s.Stage != lead.StageCaptured {
			t.Fatalf("row %d: lead is %s %q", i, s.Stage, s.Email)
		}
	}
}

func wrapBatch(s eventstore.Store, plan func() fault) eventstore.Store {
	return &batchFaulty{Store: s, plan: plan}
}

func wrapSingle(s eventstore.Store, plan func() fault) eventstore.Store {
	return &faulty{Store: s, plan: plan}
}

func TestRetriedImportAfterPartialLandingCapturesEachLeadOnceWithTheSameIDs(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched/restart=%v", restart), func(t *testing.T) {
			importRetry(t, eventstore.NewMemory(), wrapBatch, restart)
		})
		t.Run(fmt.Sprintf("one append per row/restart=%v", restart), func(t *testing.T) {
			importRetry(t, eventstore.NewMemory(), wrapSingle, restart)
		})
	}
}

func TestRetriedImportOnJetStreamCapturesEachLeadOnceWithTheSameIDs(t *testing.T) {
	ctx := context.Background()
	srv := natstest.RunServer(t)
	for i, restart := range []bool{false, true} {
		_, js := natstest.Connect(t, srv.ClientURL())
		store, err := natsjs.New(ctx, js, natsjs.WithStream(fmt.Sprintf("IMPORT%d", i)), natsjs.WithSubjectPrefix(fmt.Sprintf("import%d", i)))
		must(t, err)
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			importRetry(t, store, wrapBatch, restart)
		})
	}
}

// The rows go to a BatchAppender in batches, not one append each.
func TestImportAppendsRowsInBatches(t *testing.T) {
	store := &batchFaulty{Store: eventstore.NewMemory()}
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)))
	must(t, err)
	res, err := e.Import(context.Background(), crmRows(600), leadline.ImportKey(crmID))
	must(t, err)
	for i, r := range res {
		must(t, r.Err)
		if r.Retried {
			t.Fatalf("row %d reported as retried on its first import", i)
		}
	}
	if store.batches == 0 || store.batches > 2 {
		t.Fatalf("600 rows went to the store in %d AppendBatch calls", store.batches)
	}
	if n := len(storedCaptures(t, store)); n != 600 {
		t.Fatalf("%d leads stored, want 600", n)
	}
}

// A row that fails gets its own error, naming it; the other rows are
// captured, and Import itself returns no error.
func TestImportRowErrorsNameTheRowAndSpareTheOthers(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		store eventstore.Store
	}{
		{"batched", eventstore.NewMemory()},
		{"one append per row", &faulty{Store: eventstore.NewMemory()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := leadline.New(tc.store, leadline.WithClock(clock.NewMock(monday)))
			must(t, err)
			existing, err := e.Capture(ctx, lead.Capture{Email: "old@example.com"})
			must(t, err)
			rows := crmRows(7)
			rows[1].Email = "not an email"
			rows[3].Attributes = map[string]string{"crm_id": "C-00000"} // row 0's key again
			rows[4].ID = existing
			rows[6].Attributes = map[string]string{"crm_id": "C 6"} // no command ID can hold it
			res, err := e.Import(ctx, rows, leadline.ImportID("x"), leadline.ImportKey(crmID))
			must(t, err)
			wantRow := func(i int, target error) {
				t.Helper()
				var ie *leadline.ImportError
				if !errors.As(res[i].Err, &ie) || ie.Row != i {
					t.Fatalf("row %d: error %v, want an *ImportError naming row %d", i, res[i].Err, i)
				}
				if target != nil && !errors.Is(res[i].Err, target) {
					t.Fatalf("row %d: error %v, want one matching %v", i, res[i].Err, target)
				}
			}
			wantRow(1, lead.ErrInvalid)
			var ve *lead.ValidationError
			if !errors.As(res[1].Err, &ve) || ve.Field != "Email" {
				t.Fatalf("row 1: %v, want a validation error of Email", res[1].Err)
			}
			wantRow(3, leadline.ErrDuplicateRow)
			if res[3].Lead != res[0].Lead {
				t.Fatalf("row 3 repeats row 0's key but names lead %s, not %s", res[3].Lead, res[0].Lead)
			}
			wantRow(4, lead.ErrTransition)
			wantRow(6, lead.ErrInvalid)
			if !errors.As(res[6].Err, &ve) || ve.Field != "Origin.Command" {
				t.Fatalf("row 6: %v, want a validation error of its command ID", res[6].Err)
			}
			for _, i := range []int{0, 2, 5} {
				must(t, res[i].Err)
				s, err := e.Lead(ctx, res[i].Lead)
				must(t, err)
				if s.Email != rows[i].Email {
					t.Fatalf("row %d: lead has email %q, want %q", i, s.Email, rows[i].Email)
				}
			}
			if hist, err := e.History(ctx, existing); err != nil || len(hist) != 1 {
				t.Fatalf("the existing lead has %d events (%v), want 1", len(hist), err)
			}
			for _, i := range []int{1, 6} {
				if hist, _ := e.History(ctx, res[i].Lead); len(hist) != 0 {
					t.Fatalf("row %d's lead was stored", i)
				}
			}
		})
	}
}

// An import row is the Capture with the command ID "import/<import
// ID>/<key>": a Capture with that ID after the import finds the lead the
// import captured.
func TestImportRowIsTheCaptureWithItsImportCommandID(t *testing.T) {
	ctx := context.Background()
	e, _, store := newEngine(t)
	rows := crmRows(3)
	res, err := e.Import(ctx, rows, leadline.ImportID("export-7"), leadline.ImportKey(crmID))
	must(t, err)
	id, err := e.Capture(ctx, rows[1], leadline.CommandID("import/export-7/C-00001"))
	must(t, err)
	if id != res[1].Lead {
		t.Fatalf("Capture with the row's import command ID made lead %s; the import made %s", id, res[1].Lead)
	}
	if v := store.Version(string(id)); v != 1 {
		t.Fatalf("lead at version %d, want 1", v)
	}
}

// Without an ImportID, a row's lead ID is its key: importing it again
// finds the lead.
func TestImportWithoutImportIDIsRetrySafeByTheRowsLeadIDs(t *testing.T) {
	ctx := context.Background()
	e, _, store := newEngine(t)
	rows := crmRows(4)
	for i := range rows {
		rows[i].ID = lead.ID(fmt.Sprintf("crm-%d", i))
	}
	_, err := e.Import(ctx, rows[:2])
	must(t, err)
	res, err := e.Import(ctx, rows)
	must(t, err)
	for i, r := range res {
		must(t, r.Err)
		if r.Lead != rows[i].ID || r.Retried != (i < 2) {
			t.Fatalf("row %d: %+v", i, r)
		}
		if v := store.Version(string(r.Lead)); v != 1 {
			t.Fatalf("row %d: lead at version %d, want 1", i, v)
		}
	}
}

// When ctx ends mid-import, Import returns its error, and the rows it
// did not reach say so.
func TestImportStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := &cancelling{Store: eventstore.NewMemory(), cancel: cancel}
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)))
	must(t, err)
	rows := crmRows(600)
	res, err := e.Import(ctx, rows, leadline.ImportKey(crmID))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Import = %v, want context.Canceled", err)
	}
	captured := 0
	for i, r := range res {
		switch {
		case r.Err == nil:
			captured++
		case !errors.Is(r.Err, context.Canceled):
			t.Fatalf("row %d: %v", i, r.Err)
		}
	}
	if captured == 0 || captured == len(rows) {
		t.Fatalf("%d rows captured; the context ended after the first batch", captured)
	}
	if n := len(storedCaptures(t, store)); n != captured {
		t.Fatalf("%d leads stored, %d reported captured", n, captured)
	}
}

// cancelling ends a context once its first AppendBatch is done.
type cancelling struct {
	eventstore.Store
	cancel context.CancelFunc
}

func (c *cancelling) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	defer c.cancel()
	return c.Store.(eventstore.BatchAppender).AppendBatch(ctx, appends)
}

func TestImportRefusesAnUnusableImportID(t *testing.T) {
	e, _, _ := newEngine(t)
	for _, id := range []string{"", "has space", string(bytes.Repeat([]byte("x"), lead.MaxOriginLen+1))} {
		res, err := e.Import(context.Background(), crmRows(1), leadline.ImportID(id))
		if !errors.Is(err, leadline.ErrInvalidOption) || res != nil {
			t.Fatalf("ImportID(%q): %v, %d results; want ErrInvalidOption and none", id, err, len(res))
		}
	}
}

// With a key store, an imported lead's personal fields are sealed in the
// store, as a Capture's are.
func TestImportSealsPersonalFieldsWithKeys(t *testing.T) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)), leadline.WithKeys(eventstore.NewMemoryKeys()))
	must(t, err)
	rows := crmRows(3)
	res, err := e.Import(ctx, rows, leadline.ImportKey(crmID))
	must(t, err)
	for i, r := range res {
		must(t, r.Err)
		recs, err := store.Load(ctx, string(r.Lead), 1)
		must(t, err)
		if len(recs) != 1 || bytes.Contains(recs[0].Data, []byte(rows[i].Email)) || bytes.Contains(recs[0].Data, []byte(rows[i].FullName)) {
			t.Fatalf("row %d: stored in plaintext: %s", i, recs[0].Data)
		}
		s, err := e.Lead(ctx, r.Lead)
		must(t, err)
		if s.Email != rows[i].Email {
			t.Fatalf("row %d: email reads %q, want %q", i, s.Email, rows[i].Email)
		}
	}
}

// Each row is counted in the metrics as a Capture is: applied, invalid,
// and retried when the import is retried.
func TestImportCountsEachRowInTheMetrics(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	e, err := leadline.New(eventstore.NewMemory(), leadline.WithClock(clock.NewMock(monday)),
		leadline.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	must(t, err)
	rows := crmRows(4)
	rows[2].Email = "nobody"
	for range 2 {
		_, err := e.Import(ctx, rows, leadline.ImportID("m"), leadline.ImportKey(crmID))
		must(t, err)
	}
	got := collected(t, reader)
	for k, want := range map[string]float64{
		"leadline.commands{command=Capture,outcome=applied}": 3,
		"leadline.commands{command=Capture,outcome=retried}": 3,
		"leadline.commands{command=Capture,outcome=invalid}": 2,
	} {
		if got[k] != want {
			t.Fatalf("%s = %v, want %v", k, got[k], want)
		}
	}
}

// A row whose lead another writer captures between Import's read and its
// append meets the conflict and is decided again, on Capture's own path:
// it fails as a row for a lead that exists already does.
func TestImportRowCapturedMeanwhileByAnotherWriterIsDecidedAgain(t *testing.T) {
	ctx := context.Background()
	store := &racing{Store: eventstore.NewMemory()}
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)))
	must(t, err)
	rows := crmRows(3)
	for i := range rows {
		rows[i].ID = lead.ID(fmt.Sprintf("crm-%d", i))
	}
	res, err := e.Import(ctx, rows)
	must(t, err)
	if !errors.Is(res[0].Err, lead.ErrTransition) {
		t.Fatalf("row 0, captured meanwhile by another writer: %v, want a transition error", res[0].Err)
	}
	for _, r := range res[1:] {
		must(t, r.Err)
	}
	hist, err := e.History(ctx, "crm-0")
	must(t, err)
	if len(hist) != 1 || hist[0].(lead.Captured).Email != "other@example.com" {
		t.Fatalf("crm-0's history is %v, want the other writer's capture alone", hist)
	}
}

// racing is a store where another Engine captures the lead of the first
// append of the first AppendBatch call just before it.
type racing struct {
	eventstore.Store
	done bool
}

func (r *racing) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	if !r.done {
		r.done = true
		other, err := leadline.New(r.Store)
		if err == nil {
			_, err = other.Capture(ctx, lead.Capture{ID: lead.ID(appends[0].Stream), Email: "other@example.com"})
		}
		if err != nil {
			panic(err)
		}
	}
	return r.Store.(eventstore.BatchAppender).AppendBatch(ctx, appends)
}

// An imported lead is in the Engine's cache, as a captured one is:
// reading it loads only the records after its capture.
func TestImportedLeadsAreCached(t *testing.T) {
	ctx := context.Background()
	store := &loadLog{Store: eventstore.NewMemory()}
	e, err := leadline.New(store, leadline.WithClock(clock.NewMock(monday)))
	must(t, err)
	res, err := e.Import(ctx, crmRows(3), leadline.ImportKey(crmID))
	must(t, err)
	for _, r := range res {
		must(t, r.Err)
		store.from = nil
		_, err := e.Lead(ctx, r.Lead)
		must(t, err)
		if fmt.Sprint(store.from) != "[2]" {
			t.Fatalf("reading imported lead %s loaded from versions %v, want [2]: after its cached capture", r.Lead, store.from)
		}
	}
}

// loadLog records the version each Load starts from.
type loadLog struct {
	eventstore.Store
	mu   sync.Mutex
	from []uint64
}

func (l *loadLog) Load(ctx context.Context, stream string, from uint64) ([]eventstore.Record, error) {
	l.mu.Lock()
	l.from = append(l.from, from)
	l.mu.Unlock()
	return l.Store.Load(ctx, stream, from)
}

func (l *loadLog) AppendBatch(ctx context.Context, appends []eventstore.Append) []eventstore.AppendResult {
	return l.Store.(eventstore.BatchAppender).AppendBatch(ctx, appends)
}
