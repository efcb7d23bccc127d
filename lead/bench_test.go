package lead_test

import (
	"testing"
	"time"

	"github.com/leadline/leadline/lead"
)

// realisticHistory is a 50-event lead: captured and scored, an MQL handed
// off, an accept-ladder escalation and reassignment, accepted, a dozen
// touches with warnings on the way, a pause, qualified, a stall and its
// recovery, and won.
func realisticHistory(tb testing.TB) []lead.Event {
	s := script(tb, capture, score, score, qualifyMQL, handOff)
	acceptClock := runningDeadline(s.State, lead.KindAccept)
	s.Do(lead.Warn{Deadline: acceptClock, Fraction: 0.5, Due: t0})
	s.Do(lead.Warn{Deadline: acceptClock, Fraction: 0.75, Due: t0})
	s.Do(lead.Breach{Deadline: acceptClock, Action: lead.ActionEscalate, To: "mgr:ida", Due: t0})
	s.Do(lead.Breach{Deadline: acceptClock, Step: 1, Action: lead.ActionReassign, To: "rep:ben", Due: t0})
	s.Do(accept)
	for i := range 12 {
		if i%4 == 3 {
			s.Do(touchYes)
		} else {
			s.Do(touchNo)
		}
		if i == 2 {
			s.Do(lead.Warn{Deadline: runningDeadline(s.State, lead.KindCadence), Fraction: 0.5, Due: t0})
		}
		if i == 5 {
			s.Do(pause)
			s.Do(resume)
		}
	}
	s.Do(lead.Warn{Deadline: runningDeadline(s.State, lead.KindQualify), Fraction: 0.9, Due: t0})
	s.Do(qualifySQL)
	for range 6 {
		s.Do(touchYes)
	}
	stallClock := runningDeadline(s.State, lead.KindStall)
	s.Do(lead.Warn{Deadline: stallClock, Fraction: 0.5, Due: t0})
	s.Do(lead.Breach{Deadline: stallClock, Action: lead.ActionStall, Due: t0})
	for range 4 {
		s.Do(touchYes)
	}
	for len(s.Events) < 49 {
		s.Do(touchYes)
	}
	s.Do(win)
	if len(s.Events) != 50 || s.State.Stage != lead.StageWon {
		tb.Fatalf("realistic history has %d events and ends in %s", len(s.Events), s.State.Stage)
	}
	return s.Events
}

func BenchmarkReplay50(b *testing.B) {
	events := realisticHistory(b)
	b.ReportAllocs()
	b.ResetTimer()
	var s lead.State
	for b.Loop() {
		s = lead.Replay(events)
	}
	b.StopTimer()
	if s.Stage != lead.StageWon {
		b.Fatal(s.Stage)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(events)), "ns/event")
}

// BenchmarkDecodeFold20 is what reading a 20-event lead costs the lead
// package: decode each stored event and fold it with the checks of
// Apply, as the Engine does after loading the records.
func BenchmarkDecodeFold20(b *testing.B) {
	events := realisticHistory(b)[:20]
	records := make([][]byte, len(events))
	for i, e := range events {
		data, err := lead.Encode(e)
		if err != nil {
			b.Fatal(err)
		}
		records[i] = data
	}
	b.ReportAllocs()
	var s lead.State
	for b.Loop() {
		f := lead.NewFold(lead.State{})
		for _, data := range records {
			e, err := lead.Decode(data)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
		var err error
		if s, err = f.State(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s.Version != uint64(len(events)) {
		b.Fatalf("folded to version %d", s.Version)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(events)), "ns/event")
}

func BenchmarkDecide(b *testing.B) {
	s := script(b, capture, qualifyMQL, handOff, accept, touchNo, touchNo)
	now := s.Now.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lead.Decide(s.State, touchNo, now); err != nil {
			b.Fatal(err)
		}
	}
}

var benchTouched = lead.Touched{
	Meta:    lead.Meta{Lead: "0192f6e4-7c1a-7b3e-9d2a-5f0c8e1b2a3d", Version: 17, At: time.Date(2026, time.March, 2, 10, 15, 0, 0, time.UTC), Actor: "rep:ana"},
	Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer, Content: "intro call", Campaign: "2026-q1-launch",
}

func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lead.Encode(benchTouched); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data, err := lead.Encode(benchTouched)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lead.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

var benchCaptured = lead.Captured{
	Meta:  lead.Meta{Lead: "0192f6e4-7c1a-7b3e-9d2a-5f0c8e1b2a3d", Version: 1, At: time.Date(2026, time.March, 2, 10, 15, 0, 0, time.UTC), Actor: "form"},
	Email: "ana.lima@example.com", FullName: "Ana Lima", Company: "Acme GmbH", Source: "webinar", Campaign: "2026-q1-launch",
}

// BenchmarkDecodeCaptured decodes the event that holds personal fields:
// in plaintext ("plain"), sealed and opened with the lead's key
// ("sealed"), sealed and read as erased ("erased").
func BenchmarkDecodeCaptured(b *testing.B) {
	key := make([]byte, lead.DataKeySize)
	k, err := lead.NewDataKey(key)
	if err != nil {
		b.Fatal(err)
	}
	plain, err := lead.Encode(benchCaptured)
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := lead.AppendEncodeSealed(nil, benchCaptured, k)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		key  lead.KeyFunc
	}{
		{"plain", plain, nil},
		{"sealed", sealed, func(lead.ID) (*lead.DataKey, error) { return k, nil }},
		{"erased", sealed, func(lead.ID) (*lead.DataKey, error) { return nil, nil }},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := lead.Decoder{Key: c.key}
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeCaptured encodes it in plaintext and sealed.
func BenchmarkEncodeCaptured(b *testing.B) {
	k, err := lead.NewDataKey(make([]byte, lead.DataKeySize))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		key  *lead.DataKey
	}{{"plain", nil}, {"sealed", k}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := lead.AppendEncodeSealed(buf[:0], benchCaptured, c.key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeWithUpcasters is BenchmarkDecode through a Decoder with
// upcasters registered for older shapes: a current event does not meet
// them.
func BenchmarkDecodeWithUpcasters(b *testing.B) {
	u := lead.NewUpcasters()
	if err := u.Add("Contacted", 1, func(r *lead.Raw) error { r.Type, r.Schema = "Touched", 1; return nil }); err != nil {
		b.Fatal(err)
	}
	d := lead.Decoder{Upcasters: u}
	data, err := lead.Encode(benchTouched)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewDataKey is what a reader pays per sealed event to turn the
// key store's bytes into a cipher.
func BenchmarkNewDataKey(b *testing.B) {
	key := make([]byte, lead.DataKeySize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lead.NewDataKey(key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLifecycleAdvance50 steps a Lifecycle through the 50-event
// lead, as a projection does for every lead it follows.
func BenchmarkLifecycleAdvance50(b *testing.B) {
	events := realisticHistory(b)
	b.ReportAllocs()
	var l lead.Lifecycle
	for b.Loop() {
		l = lead.Lifecycle{}
		for _, e := range events {
			l.Advance(e)
		}
	}
	b.StopTimer()
	if l.Stage() != lead.StageWon {
		b.Fatal(l.Stage())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(events)), "ns/event")
}

// BenchmarkEvolveTouched adds one touch to a lead with a dozen, as the
// Engine does after appending a touch: each State is evolved once, the
// way a lead's history grows. Every tenth touch starts again from the
// first State, which the first round has evolved already, so that touch
// is a second branch (and copies).
func BenchmarkEvolveTouched(b *testing.B) {
	events := realisticHistory(b)[:20]
	base := lead.Replay(events)
	touches := make([]lead.Event, 10)
	for i := range touches {
		touches[i] = lead.Touched{Meta: lead.Meta{Lead: base.ID, Version: base.Version + 1 + uint64(i), At: base.Entered.Add(time.Hour), Actor: "rep:ana"},
			Channel: lead.ChannelPhone, Outcome: lead.OutcomeNoAnswer}
	}
	b.ReportAllocs()
	s, i := base, 0
	for b.Loop() {
		if i == len(touches) {
			s, i = base, 0
		}
		s = lead.Evolve(s, touches[i])
		i++
	}
	b.StopTimer()
	if s.Touches <= base.Touches {
		b.Fatal(s.Touches)
	}
}
