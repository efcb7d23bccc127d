package natsjs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Headers leadline sets on every message, besides Nats-Msg-Id (the record
// ID, which the server deduplicates on). See README.md for the format.
const (
	// HeaderStream holds the record's stream (the lead ID for lead events).
	HeaderStream = "Leadline-Stream"
	// HeaderVersion holds the record's 1-based version in its stream, in
	// decimal.
	HeaderVersion = "Leadline-Version"
	// HeaderType holds the record's Type, also the subject's last token.
	HeaderType = "Leadline-Type"
)

// Server error codes the store interprets.
const (
	codeWrongLastSeq       = 10071 // wrong last sequence: {seq}
	codeWrongLastSeqBusy   = 10164 // wrong last sequence (subject busy in a batch)
	codeDuplicateInProcess = 10158 // duplicate message id is in process
	codeBatchDuplicate     = 10201 // atomic publish batch contains duplicate message id
)

// message builds the NATS message for rec at version v of stream.
func (s *Store) message(stream string, v uint64, rec eventstore.Record) *nats.Msg {
	h := make(nats.Header, 8)
	h[jetstream.MsgIDHeader] = []string{rec.ID}
	h[HeaderStream] = []string{stream}
	h[HeaderVersion] = []string{strconv.FormatUint(v, 10)}
	h[HeaderType] = []string{rec.Type}
	return &nats.Msg{Subject: s.Subject(stream, rec.Type), Header: h, Data: rec.Data}
}

// expect adds the server-side expected-version check to m: the last
// message on any of stream's subjects must have sequence seq.
func (s *Store) expect(m *nats.Msg, stream string, seq uint64) {
	m.Header[jetstream.ExpectedLastSubjSeqHeader] = []string{strconv.FormatUint(seq, 10)}
	m.Header[jetstream.ExpectedLastSubjSeqSubjHeader] = []string{s.streamSubjects(stream)}
}

// errNotLeadline is returned for a message on leadline's subjects that
// leadline did not write.
var errNotLeadline = errors.New("natsjs: message lacks leadline headers")

// record decodes a stored message. subject and seq come from the delivery
// (direct get headers or consumer metadata).
func (s *Store) record(subject string, seq uint64, h nats.Header, data []byte) (eventstore.Record, error) {
	v, err := strconv.ParseUint(first(h, HeaderVersion), 10, 64)
	id := first(h, jetstream.MsgIDHeader)
	if err != nil || id == "" {
		return eventstore.Record{}, fmt.Errorf("%w: sequence %d on %q", errNotLeadline, seq, subject)
	}
	stream, typ := first(h, HeaderStream), first(h, HeaderType)
	if stream == "" || typ == "" {
		rest := strings.TrimPrefix(subject, s.prefix+".")
		stream, typ, _ = strings.Cut(rest, ".")
	}
	return eventstore.Record{
		ID:       id,
		Stream:   stream,
		Version:  v,
		Position: seq,
		Type:     typ,
		Data:     data,
	}, nil
}

func first(h nats.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// apiCode returns the JetStream error code in err, or 0.
func apiCode(err error) jetstream.ErrorCode {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode
	}
	return 0
}
