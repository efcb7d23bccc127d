package leadline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline"
	"github.com/leadline/leadline/clock"
	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/natsjs"
	"github.com/leadline/leadline/funnel"
	"github.com/leadline/leadline/funnel/report"
	"github.com/leadline/leadline/internal/natstest"
	"github.com/leadline/leadline/lead"
)

type person struct{ email, name, company string }

var people = []person{
	{"ana.lima@example.com", "Ana Lima", "Acme GmbH"},
	{"bo.berg@example.org", "Bo Berg", "Berg AB"},
	{"cy.chen@example.net", "Cy Chen", "Chen Ltd"},
}

// figures subscribes a funnel projection to e until it has read the
// store's last record, and renders what a funnel and a compliance report
// show: conversion, compliance by rep and per account, the summary; and
// the email and name of each Captured event the subscriber saw.
func figures(t *testing.T, e *leadline.Engine, store eventstore.Store) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	recs, err := store.Read(ctx, 1, 0)
	must(t, err)
	last := recs[len(recs)-1].Position
	var p funnel.Projection
	var contacts []string
	stop := errors.New("read it all")
	err = e.Subscribe(ctx, 1, func(pos uint64, ev lead.Event) error {
		must(t, p.Apply(pos, ev))
		if c, ok := ev.(lead.Captured); ok {
			contacts = append(contacts, c.Email+" "+c.FullName)
		}
		if pos >= last {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("subscribe: %v", err)
	}
	var b bytes.Buffer
	must(t, report.Conversion(&b, p.Conversion(funnel.Filter{}, lead.StageMQL, lead.StageHandedOff, lead.StageAccepted, lead.StageSQL, lead.StageWon), report.FormatText))
	must(t, report.Compliance(&b, p.Compliance(funnel.Filter{}, funnel.ByRep), report.FormatText))
	must(t, report.Compliance(&b, p.Compliance(funnel.Filter{}, funnel.ByAccount), report.FormatText))
	fmt.Fprintf(&b, "%+v\n%+v\n", p.Summary(funnel.Filter{}), p.Breakdown(funnel.Filter{}, funnel.ByAccount))
	return b.String(), contacts
}

// rawMessages returns the data of every message in the JetStream stream,
// as a plain NATS consumer reads it.
func rawMessages(t *testing.T, js jetstream.JetStream, stream string) map[string][][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	must(t, err)
	info, err := s.Info(ctx)
	must(t, err)
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	must(t, err)
	out := map[string][][]byte{}
	for n := uint64(0); n < info.State.Msgs; {
		batch, err := c.Fetch(int(info.State.Msgs-n), jetstream.FetchMaxWait(5*time.Second))
		must(t, err)
		for m := range batch.Messages() {
			out[m.Subject()] = append(out[m.Subject()], m.Data())
			n++
		}
		must(t, batch.Error())
	}
	return out
}

// The test: leads with personal data captured on JetStream, one
// erased, the Engine (and the server) restarted; the stored messages of
// the erased lead hold no plaintext personal field, every reader sees
// the erased marker, the funnel and compliance figures are byte for byte
// what they were, and the other leads still decrypt.
func TestErasedLeadOnJetStreamLeavesNoPlaintextAndEveryFigureAsItWas(t *testing.T) {
	ctx := context.Background()
	node := natstest.RunNode(t)
	mock := clock.NewMock(monday)
	open := func() (*leadline.Engine, *natsjs.Store, *natsjs.Keys, jetstream.JetStream) {
		_, js := natstest.Connect(t, node.ClientURL())
		store, err := natsjs.New(ctx, js, natsjs.WithStream("ERASE"))
		must(t, err)
		keys, err := natsjs.NewKeys(ctx, js)
		must(t, err)
		e, err := leadline.New(store, leadline.WithClock(mock), leadline.WithPolicy(ladderPolicy()),
			leadline.WithRouter(directory(t)), leadline.WithKeys(keys))
		must(t, err)
		return e, store, keys, js
	}
	e, store, _, _ := open()
	ids := make([]lead.ID, len(people))
	for i, p := range people {
		id, err := e.Capture(ctx, lead.Capture{Email: p.email, FullName: p.name, Company: p.company, Source: "webinar"})
		must(t, err)
		ids[i] = id
		must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
		must(t, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
	}
	// Lead 0 is won, late on its first touch; lead 1 is never accepted and
	// goes down its accept ladder; lead 2 is accepted and touched in time.
	must(t, run(e, ctx, ids[0], lead.Accept{}))
	must(t, run(e, ctx, ids[2], lead.Accept{}))
	must(t, run(e, ctx, ids[2], lead.Touch{Channel: lead.ChannelPhone, Outcome: lead.OutcomeConnected}))
	advance(t, e, mock, 5*time.Hour)
	must(t, run(e, ctx, ids[0], lead.Touch{Channel: lead.ChannelEmail, Outcome: lead.OutcomeReplied}))
	must(t, run(e, ctx, ids[0], lead.QualifySales{Amount: 12500, Currency: "EUR", Probability: 0.5}))
	must(t, run(e, ctx, ids[0], lead.Win{}))
	advance(t, e, mock, 10*time.Hour)
	before, _ := figures(t, e, store)
	if !strings.Contains(before, "Acme GmbH") || !strings.Contains(before, "12500") {
		t.Fatalf("the figures miss the won lead's account or amount:\n%s", before)
	}
	wonBefore, err := e.Lead(ctx, ids[0])
	must(t, err)
	if wonBefore.Email != people[0].email {
		t.Fatalf("before erasure the lead reads %q", wonBefore.Email)
	}

	must(t, e.Erase(ctx, ids[0], "erasure request 2026-0042 (GDPR art. 17)"))
	n, err := e.History(ctx, ids[0])
	must(t, err)
	must(t, e.Erase(ctx, ids[0], "erasure request 2026-0042, sent twice"))
	again, err := e.History(ctx, ids[0])
	must(t, err)
	if len(again) != len(n) {
		t.Fatalf("a second Erase appended %d events", len(again)-len(n))
	}

	// Restart the server and the Engine: a new connection, store, key
	// store and Engine, as a new process would have.
	node.Shutdown()
	node.Restart()
	e2, store2, keys2, js2 := open()
	_, err = e2.Rebuild(ctx)
	must(t, err)

	raw := rawMessages(t, js2, "ERASE")
	erasedSubjects := 0
	for subject, msgs := range raw {
		for _, data := range msgs {
			for _, p := range people {
				for _, secret := range []string{p.email, p.name} {
					if bytes.Contains(data, []byte(secret)) {
						t.Errorf("%s holds %q in plaintext: %s", subject, secret, data)
					}
				}
			}
		}
		if strings.Contains(subject, "."+string(ids[0])+".") {
			erasedSubjects++
		}
	}
	if erasedSubjects == 0 {
		t.Fatal("no message of the erased lead in the stream")
	}

	st, err := e2.Lead(ctx, ids[0])
	must(t, err)
	if st.Email != lead.ErasedField || st.FullName != lead.ErasedField || !st.Erased {
		t.Errorf("Lead: email %q, name %q, erased %v", st.Email, st.FullName, st.Erased)
	}
	if st.Stage != wonBefore.Stage || st.WonAmount != wonBefore.WonAmount || !st.ClosedAt.Equal(wonBefore.ClosedAt) || st.Company != people[0].company {
		t.Errorf("Lead after erasure: stage %s won %v closed %v company %q; before %s %v %v", st.Stage, st.WonAmount, st.ClosedAt, st.Company, wonBefore.Stage, wonBefore.WonAmount, wonBefore.ClosedAt)
	}
	hist, err := e2.History(ctx, ids[0])
	must(t, err)
	if c := hist[0].(lead.Captured); c.Email != lead.ErasedField || c.FullName != lead.ErasedField {
		t.Errorf("History: %+v", c)
	}
	if _, ok := hist[len(hist)-1].(lead.Erased); !ok {
		t.Errorf("History ends with %T, want lead.Erased", hist[len(hist)-1])
	}
	// A NATS consumer of the raw messages, with the key store, decodes
	// the marker; without it, only sealed bytes.
	consumer := lead.Decoder{Key: func(id lead.ID) (*lead.DataKey, error) {
		k, err := keys2.Get(ctx, string(id))
		if errors.Is(err, eventstore.ErrKeyErased) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return lead.NewDataKey(k)
	}}
	for subject, msgs := range raw {
		if !strings.HasSuffix(subject, ".Captured") {
			continue
		}
		ev, err := consumer.Decode(msgs[0])
		must(t, err)
		c := ev.(lead.Captured)
		want := people[slicesIndex(ids, c.Lead)].email
		if c.Lead == ids[0] {
			want = lead.ErasedField
		}
		if c.Email != want {
			t.Errorf("raw consumer reads %s's email as %q, want %q", c.Lead, c.Email, want)
		}
		if _, err := lead.Decode(msgs[0]); !errors.Is(err, lead.ErrNoKey) {
			t.Errorf("a consumer without keys: %v", err)
		}
	}

	after, contacts := figures(t, e2, store2)
	if after != before {
		t.Errorf("the figures moved with the erasure:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	wantContacts := []string{lead.ErasedField + " " + lead.ErasedField, people[1].email + " " + people[1].name, people[2].email + " " + people[2].name}
	if strings.Join(contacts, "|") != strings.Join(wantContacts, "|") {
		t.Errorf("a subscriber saw the contacts %q, want %q", contacts, wantContacts)
	}
	// Erasing again after the restart is a no-op.
	h1, err := e2.History(ctx, ids[0])
	must(t, err)
	must(t, e2.Erase(ctx, ids[0], "erasure request 2026-0042, once more"))
	h2, err := e2.History(ctx, ids[0])
	must(t, err)
	if len(h2) != len(h1) {
		t.Errorf("Erase after the restart appended %d events", len(h2)-len(h1))
	}

	for i, id := range ids[1:] {
		s, err := e2.Lead(ctx, id)
		must(t, err)
		if p := people[i+1]; s.Email != p.email || s.FullName != p.name {
			t.Errorf("lead %d reads %q %q, want %q %q", i+1, s.Email, s.FullName, p.email, p.name)
		}
	}
}

func slicesIndex(ids []lead.ID, id lead.ID) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

func TestWithoutKeysPersonalFieldsAreStoredInPlaintextAndEraseIsRefused(t *testing.T) {
	e, _, store := newEngine(t)
	ctx := context.Background()
	id := capture(t, e)
	recs, err := store.Load(ctx, string(id), 1)
	must(t, err)
	if !bytes.Contains(recs[0].Data, []byte(`"email":"ada@example.com"`)) {
		t.Errorf("without WithKeys the email is not in plaintext: %s", recs[0].Data)
	}
	if err := e.Erase(ctx, id, "request"); !errors.Is(err, leadline.ErrNoKeys) {
		t.Errorf("Erase without keys: %v", err)
	}
	if _, err := e.Execute(ctx, id, lead.Erase{Reason: "request"}); !errors.Is(err, leadline.ErrEraseCommand) {
		t.Errorf("Execute(lead.Erase): %v", err)
	}
	// A lead captured in plaintext cannot be shredded by a later key store.
	withKeys, err := leadline.New(store, leadline.WithKeys(eventstore.NewMemoryKeys()))
	must(t, err)
	if err := withKeys.Erase(ctx, id, "request"); !errors.Is(err, leadline.ErrNotSealed) {
		t.Errorf("Erase of a plaintext lead: %v", err)
	}
	h, err := withKeys.History(ctx, id)
	must(t, err)
	if len(h) != 1 {
		t.Errorf("a refused Erase appended: %d events", len(h))
	}
}

// flakyKeys is a key store that fails while down is set.
type flakyKeys struct {
	eventstore.KeyStore
	down atomic.Bool
}

var errKeysDown = errors.New("key store down")

func (f *flakyKeys) Get(ctx context.Context, s string) ([]byte, error) {
	if f.down.Load() {
		return nil, errKeysDown
	}
	return f.KeyStore.Get(ctx, s)
}

func (f *flakyKeys) Delete(ctx context.Context, s string) error {
	if f.down.Load() {
		return errKeysDown
	}
	return f.KeyStore.Delete(ctx, s)
}

func TestAnUnreachableOrLostKeyStoreIsATypedErrorNeverPlaintextNorCorruption(t *testing.T) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	keys := &flakyKeys{KeyStore: eventstore.NewMemoryKeys()}
	e, err := leadline.New(store, leadline.WithKeys(keys), leadline.WithCacheSize(0))
	must(t, err)
	id, err := e.Capture(ctx, lead.Capture{Email: "ada@example.com", FullName: "Ada L"})
	must(t, err)

	keys.down.Store(true)
	if _, err := e.Lead(ctx, id); !errors.Is(err, leadline.ErrKeyUnavailable) || !errors.Is(err, errKeysDown) || errors.Is(err, leadline.ErrCorrupt) {
		t.Errorf("Lead with the key store down: %v", err)
	}
	if _, err := e.History(ctx, id); !errors.Is(err, leadline.ErrKeyUnavailable) {
		t.Errorf("History with the key store down: %v", err)
	}
	if err := e.Erase(ctx, id, "request"); !errors.Is(err, leadline.ErrKeyUnavailable) {
		t.Errorf("Erase with the key store down: %v", err)
	}
	keys.down.Store(false)
	s, err := e.Lead(ctx, id)
	if err != nil || s.Email != "ada@example.com" || s.Erased {
		t.Fatalf("after the key store is back: %+v, %v", s, err)
	}

	// A key store that lost the key (an empty one) is not an erasure.
	lost, err := leadline.New(store, leadline.WithKeys(eventstore.NewMemoryKeys()))
	must(t, err)
	if _, err := lost.Lead(ctx, id); !errors.Is(err, leadline.ErrKeyUnavailable) || !errors.Is(err, eventstore.ErrKeyNotFound) {
		t.Errorf("Lead with the key lost: %v", err)
	}
	// And an Engine without a key store does not read sealed fields.
	none, err := leadline.New(store)
	must(t, err)
	if _, err := none.Lead(ctx, id); !errors.Is(err, leadline.ErrKeyUnavailable) || !errors.Is(err, lead.ErrNoKey) {
		t.Errorf("Lead without a key store: %v", err)
	}
}

func TestEngineReadsAnOldTypeThroughItsUpcasters(t *testing.T) {
	ctx := context.Background()
	store := eventstore.NewMemory()
	e, err := leadline.New(store)
	must(t, err)
	id := capture(t, e)
	must(t, run(e, ctx, id, lead.QualifyMarketing{Source: lead.SourceScore}))
	must(t, run(e, ctx, id, lead.HandOff{Rep: "ana"}))
	must(t, run(e, ctx, id, lead.Accept{}))
	old := fmt.Sprintf(`{"type":"Contacted","schema":1,"lead":%q,"version":5,"at":"2026-03-02T10:00:00Z","medium":"phone","result":"replied"}`, id)
	_, err = store.Append(ctx, string(id), 4, eventstore.Record{ID: "old-5", Type: "Contacted", Data: []byte(old)})
	must(t, err)

	u := lead.NewUpcasters()
	must(t, u.Add("Contacted", 1, func(r *lead.Raw) error {
		r.Type, r.Schema = "Touched", 1
		r.Rename("medium", "channel")
		r.Rename("result", "outcome")
		return nil
	}))
	reader, err := leadline.New(store, leadline.WithUpcasters(u))
	must(t, err)
	s, err := reader.Lead(ctx, id)
	must(t, err)
	if s.Touches != 1 || s.Version != 5 {
		t.Errorf("with the upcaster: %d touches at version %d", s.Touches, s.Version)
	}
	// Without it the record is another application's, and the lead corrupt.
	if _, err := leadline.New(store); err != nil {
		t.Fatal(err)
	}
	plain, _ := leadline.New(store)
	if _, err := plain.Lead(ctx, id); !errors.Is(err, leadline.ErrCorrupt) || !errors.Is(err, leadline.ErrForeign) {
		t.Errorf("without the upcaster: %v", err)
	}
}

// BenchmarkEngineCaptureAndRead is the path sealing is on: a Capture with
// personal fields, then a read of the lead from the store (no state
// cache), with and without a key store (WithKeys, in memory).
func BenchmarkEngineCaptureAndRead(b *testing.B) {
	for _, keys := range []bool{false, true} {
		b.Run(fmt.Sprintf("keys=%v", keys), func(b *testing.B) {
			ctx := context.Background()
			opts := []leadline.Option{leadline.WithCacheSize(0)}
			if keys {
				opts = append(opts, leadline.WithKeys(eventstore.NewMemoryKeys()))
			}
			e, _, _ := newEngine(b, opts...)
			b.ReportAllocs()
			for b.Loop() {
				id, err := e.Capture(ctx, lead.Capture{Email: "ana.lima@example.com", FullName: "Ana Lima", Company: "Acme GmbH", Source: "webinar"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Lead(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
