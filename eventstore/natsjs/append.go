package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Atomic batch headers (nats-server 2.12+).
const (
	headerBatchID     = "Nats-Batch-Id"
	headerBatchSeq    = "Nats-Batch-Sequence"
	headerBatchCommit = "Nats-Batch-Commit"
)

// maxConflictRetries bounds how often Append republishes after a refusal
// that turned out not to be a real conflict (the lead's subjects were busy
// with another writer's batch that then failed).
const maxConflictRetries = 3

// Append implements eventstore.Store.
//
// The server enforces expected: every append carries
// Nats-Expected-Last-Subject-Sequence for <prefix>.<stream>.*, the
// sequence of the last message on the stream's subjects when the stream
// is at version expected (0 for a new stream). The Store remembers it per
// stream from its own appends and loads; when it does not know it, it
// reads the stream's last message first. A stale memory cannot write
// anything wrong: the server refuses, and the Store then reads what is new
// on the stream to tell a retry from a conflict and to report the actual
// version.
//
// Several records are published as one atomic batch: all are stored or
// none. Each record's ID is its Nats-Msg-Id, kept byte for byte; on any
// refusal the Store looks for recs[0].ID in the stream before reporting a
// conflict, so a retry of an append that succeeded returns its version
// even after the server's duplicate window.
//
// A record whose message would exceed the server's max payload is refused
// before anything is sent, with an error matching eventstore.ErrTooLarge.
// An append sent without an acknowledgement coming back matches
// eventstore.ErrUnknownOutcome; one retrying cannot fix (the stream
// deleted or reconfigured, the connection closed) matches
// eventstore.ErrPermanent.
func (s *Store) Append(ctx context.Context, stream string, expected uint64, recs ...eventstore.Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := validate(stream, recs); err != nil {
		return 0, err
	}
	for attempt := 0; ; attempt++ {
		seq, ok := s.appendSeq(stream, expected)
		if !ok {
			last, found, err := s.lastOf(ctx, stream)
			if err != nil {
				return 0, err
			}
			if found && last.Version != 0 && last.Version == expected {
				seq, ok = last.Position, true
			}
		}
		if !ok {
			v, err := s.refused(ctx, stream, expected, recs, nil)
			if err != nil || v > 0 {
				return v, err
			}
			if attempt == maxConflictRetries {
				return 0, fmt.Errorf("natsjs: append to %s: the stream's state kept changing while it was read; nothing was stored, retry", stream)
			}
			continue // the stream is at expected after all: refused learned its tail
		}
		ack, sent, err := s.publish(ctx, stream, expected, seq, recs)
		if err == nil {
			return s.acknowledged(ctx, stream, expected, recs, ack)
		}
		if errors.Is(err, eventstore.ErrTooLarge) {
			return 0, err
		}
		if !refusal(err) {
			return 0, s.publishError(ctx, stream, sent, err)
		}
		v, rerr := s.refused(ctx, stream, expected, recs, err)
		if rerr != nil || v > 0 {
			return v, rerr
		}
		if attempt == maxConflictRetries {
			return 0, fmt.Errorf("natsjs: append to %s: the server refused the expected sequence %d times while the stream stayed at version %d (its subjects are busy with other publishers); nothing was stored, retry: %w", stream, attempt+1, expected, err)
		}
	}
}

// validate checks an append the way every store does.
func validate(stream string, recs []eventstore.Record) error {
	return eventstore.ValidateAppend(stream, recs)
}

// checkSize refuses an append with a message over the server's max
// payload, which nats.go would otherwise refuse with an untyped error,
// perhaps in the middle of a batch.
func (s *Store) checkSize(msgs *outgoing, recs []eventstore.Record) error {
	limit := s.nc.MaxPayload()
	if limit <= 0 {
		return nil
	}
	for i, m := range msgs.m {
		if n := int64(m.size()); n > limit {
			return fmt.Errorf("%w: record %d (%q, %d bytes of Data) makes a %d-byte message with its headers, over the server's max payload of %d bytes", eventstore.ErrTooLarge, i, recs[i].ID, len(recs[i].Data), n, limit)
		}
	}
	return nil
}

// publish sends recs as versions expected+1... of stream, the first
// carrying the expected-sequence check; several records go as one atomic
// batch whose commit message returns the acknowledgement. sent reports
// whether the last message (the one that stores the append) was handed to
// the connection: when it was not, nothing can have been stored.
func (s *Store) publish(ctx context.Context, stream string, expected, seq uint64, recs []eventstore.Record) (ack jetstream.PubAck, sent bool, err error) {
	if err := s.connected(); err != nil {
		return ack, false, err
	}
	msgs := s.messages(stream, expected, seq, recs)
	defer msgs.release()
	if err := s.checkSize(msgs, recs); err != nil {
		return ack, false, err
	}
	if err := msgs.sendBatch(s.nc); err != nil {
		return ack, false, err // no commit sent: the server drops the batch
	}
	if err := ctx.Err(); err != nil {
		return ack, false, err
	}
	return s.request(ctx, msgs.last())
}

// connected refuses to publish while the client is not connected: while
// it reconnects it buffers publishes and sends them once back, maybe long
// after the append gave up.
func (s *Store) connected() error {
	switch st := s.nc.Status(); st {
	case nats.CONNECTED:
		return nil
	case nats.CLOSED:
		return nats.ErrConnectionClosed
	default:
		return fmt.Errorf("%w (connection %v)", nats.ErrDisconnected, st)
	}
}

// outgoing is the messages of one append. It and they come from pools,
// and go back once sent: the connection copies what it sends.
type outgoing struct {
	m   []*pooled
	one [1]*pooled // backs m for a single record
}

var outgoingPool = sync.Pool{New: func() any { return new(outgoing) }}

// pooled is a message that keeps its header map and the values in it from
// one use to the next: an append of the usual shape sets the values in
// place, with no map operation.
type pooled struct {
	nats.Msg
	shape shape
	vals  [len(headerKeys)][1]string
}

// headerKeys are the headers an append's message may carry, in the order
// of pooled.vals. The stream and the type are not among them: the subject
// holds both.
var headerKeys = [...]string{
	jetstream.MsgIDHeader, HeaderVersion,
	jetstream.ExpectedLastSubjSeqHeader, jetstream.ExpectedLastSubjSeqSubjHeader,
	headerBatchID, headerBatchSeq, headerBatchCommit,
}

// Indexes of headerKeys.
const (
	hID = iota
	hVersion
	hExpectSeq
	hExpectSubject
	hBatchID
	hBatchSeq
	hCommit
)

// shape says which of the optional headers a message carries.
type shape uint8

const (
	shapeExpect shape = 1 << iota // the expected-sequence check: the first message of an append
	shapeBatch                    // a message of an atomic batch
	shapeCommit                   // the last message of an atomic batch
	shapeNone   shape = 1 << 7    // a message never used
)

var msgPool = sync.Pool{New: func() any { return &pooled{shape: shapeNone} }}

// carries reports whether a message of shape sh has header i.
func (sh shape) carries(i int) bool {
	switch i {
	case hExpectSeq, hExpectSubject:
		return sh&shapeExpect != 0
	case hBatchID, hBatchSeq:
		return sh&shapeBatch != 0
	case hCommit:
		return sh&shapeCommit != 0
	}
	return true
}

// reshape makes p's header map hold the headers of shape sh, each backed
// by p.vals.
func (p *pooled) reshape(sh shape) {
	if p.shape == sh {
		return
	}
	p.shape = sh
	p.Header = make(nats.Header, len(headerKeys))
	for i, k := range headerKeys {
		if sh.carries(i) {
			p.Header[k] = p.vals[i][:]
		}
	}
}

// size is the size nats.go checks against the server's max payload:
// header block and data, as nats.Msg encodes them.
func (p *pooled) size() int {
	n := len(p.Data) + len("NATS/1.0\r\n") + len("\r\n")
	for i, k := range headerKeys {
		if p.shape.carries(i) {
			n += len(k) + len(": ") + len(p.vals[i][0]) + len("\r\n")
		}
	}
	return n
}

// release returns the messages to the pool.
func (o *outgoing) release() {
	for i, p := range o.m {
		p.Reply, p.Data, p.Subject = "", nil, ""
		p.vals = [len(headerKeys)][1]string{}
		msgPool.Put(p)
		o.m[i] = nil
	}
	o.m = nil
	outgoingPool.Put(o)
}

// sendBatch publishes every message but the last, which stores the
// append and is sent as a request.
func (o *outgoing) sendBatch(nc *nats.Conn) error {
	for _, p := range o.m[:len(o.m)-1] {
		if err := nc.PublishMsg(&p.Msg); err != nil {
			return err
		}
	}
	return nil
}

func (o *outgoing) last() *nats.Msg { return &o.m[len(o.m)-1].Msg }

// messages builds the messages of one append; several records get the
// atomic batch headers, the last one the commit. The text a message
// needs beyond the record (subject, version, expected sequence and
// subjects) is one string, cut into its parts.
func (s *Store) messages(stream string, expected, seq uint64, recs []eventstore.Record) *outgoing {
	o := outgoingPool.Get().(*outgoing)
	if len(recs) == 1 {
		o.m = o.one[:1]
	} else {
		o.m = make([]*pooled, len(recs))
	}
	var batch string
	if len(recs) > 1 {
		batch = strings.TrimPrefix(nats.NewInbox(), nats.InboxPrefix)
	}
	var digits [20]byte
	for i, r := range recs {
		p := msgPool.Get().(*pooled)
		var sh shape
		if i == 0 {
			sh |= shapeExpect
		}
		if batch != "" {
			sh |= shapeBatch
			if i == len(recs)-1 {
				sh |= shapeCommit
			}
		}
		p.reshape(sh)

		var b strings.Builder
		n := len(s.prefix) + len(stream) + len(r.Type) + 2 + len(digits)
		if sh&shapeExpect != 0 {
			n += len(digits) + len(s.prefix) + len(stream) + 3
		}
		b.Grow(n)
		b.WriteString(s.prefix)
		b.WriteByte('.')
		b.WriteString(stream)
		b.WriteByte('.')
		b.WriteString(r.Type)
		subject := b.Len()
		b.Write(strconv.AppendUint(digits[:0], expected+uint64(i)+1, 10))
		version := b.Len()
		if sh&shapeExpect != 0 {
			b.Write(strconv.AppendUint(digits[:0], seq, 10))
		}
		expectSeq := b.Len()
		if sh&shapeExpect != 0 {
			b.WriteString(s.prefix)
			b.WriteByte('.')
			b.WriteString(stream)
			b.WriteString(".*")
		}
		text := b.String()

		p.Subject, p.Data = text[:subject], r.Data
		v := &p.vals
		v[hID][0], v[hVersion][0] = r.ID, text[subject:version]
		v[hExpectSeq][0], v[hExpectSubject][0] = text[version:expectSeq], text[expectSeq:]
		if sh&shapeBatch != 0 {
			v[hBatchID][0], v[hBatchSeq][0] = batch, strconv.Itoa(i+1)
		}
		v[hCommit][0] = "1"
		o.m[i] = p
	}
	return o
}

// acknowledged turns a publish acknowledgement into Append's result.
func (s *Store) acknowledged(ctx context.Context, stream string, expected uint64, recs []eventstore.Record, ack jetstream.PubAck) (uint64, error) {
	if !ack.Duplicate {
		v := expected + uint64(len(recs))
		s.learn(stream, ack.Sequence, place{v, ack.Sequence})
		return v, nil
	}
	// The server already holds recs[0].ID (within its duplicate window) at
	// ack.Sequence: a retry, if that sequence is leadline's record in this
	// stream.
	prev, err := s.at(ctx, ack.Sequence)
	if err != nil {
		return 0, err
	}
	if prev.Stream != stream || prev.Version == 0 {
		return 0, fmt.Errorf("%w: record ID %q is already used by sequence %d on another stream or by a message leadline did not write", eventstore.ErrInvalid, recs[0].ID, ack.Sequence)
	}
	return prev.Version + uint64(len(recs)) - 1, nil
}

// refusal reports whether err is the server refusing an append because of
// the expected sequence or a duplicate ID: cases Append resolves by
// reading the stream.
func refusal(err error) bool {
	switch apiCode(err) {
	case codeWrongLastSeq, codeWrongLastSeqBusy, codeDuplicateInProcess, codeBatchDuplicate:
		return true
	}
	return false
}

// refused resolves a refused append (cause nil: the Store did not know the
// stream's state) by reading the stream from the record at version
// expected when the Store knows where it is, else from its start:
// recs[0].ID stored means a retry of an append that succeeded (its version
// is returned); another version is a *eventstore.ConflictError with the
// actual version. When the stream is at expected after all, refused
// returns (0, nil) and has learned the sequence to expect.
func (s *Store) refused(ctx context.Context, stream string, expected uint64, recs []eventstore.Record, cause error) (uint64, error) {
	start, known := s.startOf(stream, expected)
	var found uint64
	actual := uint64(0)
	if known {
		actual = expected
	}
	base := place{}
	if known {
		base = place{expected, start}
	}
	err := s.scan(ctx, "append to "+stream, stream, base, func(r eventstore.Record) {
		if r.Version == 0 {
			return
		}
		if r.ID == recs[0].ID && found == 0 {
			found = r.Version
		}
		actual = r.Version
	})
	if err != nil {
		return 0, err
	}
	if found > 0 {
		return found + uint64(len(recs)) - 1, nil
	}
	if actual != expected {
		return 0, &eventstore.ConflictError{Stream: stream, Expected: expected, Actual: actual}
	}
	if known && expected > 0 {
		// The stream is at expected, yet the server refused: maybe a
		// retry of an append now older than expected (the README's one
		// window-bound case), so look for recs[0].ID before it too.
		if err := s.scan(ctx, "append to "+stream, stream, place{}, func(r eventstore.Record) {
			if r.Version > 0 && r.ID == recs[0].ID && found == 0 {
				found = r.Version
			}
		}); err != nil {
			return 0, err
		}
		if found > 0 {
			return found + uint64(len(recs)) - 1, nil
		}
	}
	if apiCode(cause) == codeBatchDuplicate {
		return 0, fmt.Errorf("%w: a record ID of this append is already used: %v", eventstore.ErrInvalid, cause)
	}
	return 0, nil
}

// publishError classifies a failed publish. sent reports whether the
// message that stores the append reached the connection.
func (s *Store) publishError(ctx context.Context, stream string, sent bool, err error) error {
	op := "append to " + stream
	code := apiCode(err)
	switch {
	case permanentCode(code):
		if gone := s.streamGone(ctx, op); gone != nil {
			return gone
		}
		return fmt.Errorf("natsjs: %s: the JetStream stream refuses it: %w: %w", op, eventstore.ErrPermanent, err)
	case code != 0:
		// The server answered and stored nothing.
		return fmt.Errorf("natsjs: %s: refused by the server, nothing was stored: %w", op, err)
	case errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders):
		if gone := s.streamGone(ctx, op); gone != nil {
			return gone
		}
	}
	closed := errors.Is(err, nats.ErrConnectionClosed) || s.nc.IsClosed()
	switch {
	case !sent && closed:
		return fmt.Errorf("natsjs: %s: nothing was stored: %w: %w", op, eventstore.ErrPermanent, err)
	case !sent:
		return fmt.Errorf("natsjs: %s: nothing was sent, so nothing was stored: %w", op, err)
	case closed:
		return fmt.Errorf("natsjs: %s: %w (retry with the same record IDs on a new connection): %w: %w", op, eventstore.ErrUnknownOutcome, eventstore.ErrPermanent, err)
	}
	return fmt.Errorf("natsjs: %s: no acknowledgement, the append may or may not be stored: %w; retry it with the same record IDs: %w", op, eventstore.ErrUnknownOutcome, err)
}
