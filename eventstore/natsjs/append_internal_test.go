package natsjs

import (
	"bytes"
	"net/http"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Messages come from a pool: one used in an atomic batch must carry only
// the headers of a single append when it is used for one next.
func TestPooledMessagesCarryTheHeadersOfTheirAppendOnly(t *testing.T) {
	s := &Store{prefix: "leadline"}
	rec := func(id string) eventstore.Record { return eventstore.Record{ID: id, Type: "Touched", Data: []byte(id)} }
	keys := func(m *pooled) []string {
		var ks []string
		for k, vs := range m.Header {
			if len(vs) != 1 {
				t.Fatalf("header %s has %d values", k, len(vs))
			}
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	single := []string{HeaderVersion, jetstream.ExpectedLastSubjSeqHeader, jetstream.ExpectedLastSubjSeqSubjHeader, jetstream.MsgIDHeader}
	slices.Sort(single)
	for range 3 {
		batch := s.messages("lead-1", 4, 17, []eventstore.Record{rec("a"), rec("b"), rec("c")})
		if got := batch.m[2].Header.Get(headerBatchCommit); got != "1" {
			t.Fatalf("last message of a batch has commit %q", got)
		}
		if got := batch.m[1].Header.Get(headerBatchSeq); got != "2" || batch.m[1].Header.Get(jetstream.ExpectedLastSubjSeqHeader) != "" {
			t.Fatalf("second message of a batch: %v", batch.m[1].Header)
		}
		batch.release()
		one := s.messages("lead-2", 0, 0, []eventstore.Record{rec("d")})
		m := one.m[0]
		if got := keys(m); !slices.Equal(got, single) {
			t.Fatalf("a single append's message has headers %v, want %v", got, single)
		}
		if m.Subject != "leadline.lead-2.Touched" || m.Header.Get(jetstream.MsgIDHeader) != "d" || m.Header.Get(HeaderVersion) != "1" ||
			m.Header.Get(jetstream.ExpectedLastSubjSeqSubjHeader) != "leadline.lead-2.*" || string(m.Data) != "d" {
			t.Fatalf("a single append's message is %s %v %q", m.Subject, m.Header, m.Data)
		}
		one.release()
	}
}

// The size checked against the server's max payload is the size of the
// message nats.go sends: its encoded header block and its data.
func TestMessageSizeIsTheEncodedSize(t *testing.T) {
	s := &Store{prefix: "leadline"}
	recs := []eventstore.Record{
		{ID: "a", Type: "Touched", Data: []byte("{}")},
		{ID: "bb", Type: "Scored", Data: make([]byte, 300)},
		{ID: "ccc", Type: "Won", Data: nil},
	}
	for n := 1; n <= len(recs); n++ {
		msgs := s.messages("lead-1", 41, 12345, recs[:n])
		for i, p := range msgs.m {
			var b bytes.Buffer
			b.WriteString("NATS/1.0\r\n")
			if err := http.Header(p.Header).Write(&b); err != nil {
				t.Fatal(err)
			}
			b.WriteString("\r\n")
			if want := b.Len() + len(p.Data); p.size() != want {
				t.Errorf("message %d of %d: size %d, encoded %d", i, n, p.size(), want)
			}
		}
		msgs.release()
	}
}
