package natsjs

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Headers leadline sets on every message, besides Nats-Msg-Id (the record
// ID, which the server deduplicates on). See README.md for the format.
const (
	// HeaderVersion holds the record's 1-based version in its stream, in
	// decimal.
	HeaderVersion = "Leadline-Version"
	// HeaderStream held the record's stream (the lead ID for lead
	// events), which the subject also names. Earlier releases wrote it;
	// leadline still reads their messages, and one whose HeaderStream
	// differs from its subject is foreign.
	HeaderStream = "Leadline-Stream"
	// HeaderType held the record's Type, the subject's last token. Like
	// HeaderStream, only messages of earlier releases carry it.
	HeaderType = "Leadline-Type"
)

// Server error codes the store interprets.
const (
	codeWrongLastSeq       = 10071 // wrong last sequence: {seq}
	codeWrongLastSeqBusy   = 10164 // wrong last sequence (subject busy in a batch)
	codeDuplicateInProcess = 10158 // duplicate message id is in process
	codeBatchDuplicate     = 10201 // atomic publish batch contains duplicate message id
)

// permanentCode reports whether a publish refused with code can never
// succeed against this stream as it is: retrying cannot fix it.
func permanentCode(code jetstream.ErrorCode) bool {
	switch code {
	case 10059, // stream not found
		10054, // message size exceeds the stream's maximum
		10109, // stream is sealed
		10174, // atomic publish is disabled
		10199, // atomic publish batch is too large
		10039: // JetStream not enabled for the account
		return true
	}
	return false
}

// record decodes a stored message. subject and seq come from the delivery
// (direct get headers or consumer metadata). A leadline record has a
// subject of leadline's shape, a valid Nats-Msg-Id and a version; one
// written by an earlier release also carries HeaderStream and HeaderType,
// which must match its subject. Any other message is a foreign record:
// Version 0, Stream and Type from the subject where it has leadline's
// shape, the Nats-Msg-Id as ID if it has one, and the payload as stored.
func (s *Store) record(subject string, seq uint64, h nats.Header, data []byte) eventstore.Record {
	stream, typ := s.subjectParts(subject)
	rec := eventstore.Record{
		ID:       first(h, jetstream.MsgIDHeader),
		Stream:   stream,
		Position: seq,
		Type:     typ,
		Data:     data,
	}
	v, err := strconv.ParseUint(first(h, HeaderVersion), 10, 64)
	if err == nil && v > 0 && stream != "" &&
		absentOr(h, HeaderStream, stream) && absentOr(h, HeaderType, typ) &&
		eventstore.ValidateID(rec.ID) == nil {
		rec.Version = v
	}
	return rec
}

// subjectParts returns the stream and type of a subject of shape
// <prefix>.<stream>.<type>; for another subject the stream is "" and the
// type its last token, when that is a valid type.
func (s *Store) subjectParts(subject string) (stream, typ string) {
	rest, ok := strings.CutPrefix(subject, s.prefix+".")
	if ok {
		if st, ty, ok := strings.Cut(rest, "."); ok && eventstore.ValidateStream(st) == nil && eventstore.ValidateStream(ty) == nil {
			return st, ty
		}
	}
	last := subject[strings.LastIndexByte(subject, '.')+1:]
	if eventstore.ValidateStream(last) != nil {
		last = ""
	}
	return "", last
}

// absentOr reports whether h has no value for key, or want as its first.
func absentOr(h nats.Header, key, want string) bool {
	v, ok := h[key]
	return !ok || len(v) > 0 && v[0] == want
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
