// Package eventstore is the contract leadline's Engine keeps events with,
// and the in-memory store that is its embedded default.
//
// A store holds streams of opaque records. Appending takes the version the
// writer expects the stream to have (optimistic concurrency): a stale
// expectation is refused with ErrConflict and nothing is written. Every
// record also has a position in one global order across all streams, which
// projections read and subscribe to.
//
// The package knows nothing about leads: the lead package turns events into
// the bytes a Record carries. Every Store implementation runs the
// conformance suite in eventstore/storetest.
package eventstore

import (
	"context"
	"errors"
	"fmt"
)

// Record is one stored event.
//
// A store may also hold records it did not write: another application's
// messages on the store's subjects, or bytes published by hand. Load, Read
// and Subscribe deliver those as they are, with what the store can tell of
// them (Position, and Stream and Type where it can read them); a record
// without a version has Version 0 and may have no ID. They never end a
// read: telling a foreign or broken record from a good one is the reader's
// job (the Engine quarantines them).
type Record struct {
	// ID identifies the event across retries: appending a record whose ID
	// the stream already holds is a no-op (see Store.Append). Required: 1
	// to MaxIDLen bytes of printable ASCII without spaces, kept verbatim.
	ID string
	// Stream is the stream the record belongs to. Set by the store.
	Stream string
	// Version is the record's 1-based position in its stream. Set by the store.
	Version uint64
	// Position is the record's 1-based position in the global order. Set by
	// the store; positions increase with every append but need not be
	// contiguous.
	Position uint64
	// Type names the payload's type, for routing and filtering. Required.
	Type string
	// Data is the payload, at most MaxDataLen bytes.
	Data []byte
}

// Store keeps streams of records. Implementations are safe for concurrent
// use.
type Store interface {
	// Append adds recs to the end of stream, all or none, if the stream's
	// current version is expected (0 for a stream that does not exist). It
	// returns the stream's version after the append. A different current
	// version returns an error matching ErrConflict and writes nothing.
	//
	// Append is idempotent by record ID: when the stream already holds
	// recs[0].ID, the call is taken as a retry of an append that
	// succeeded, writes nothing and returns the version of the last of
	// those records, whatever expected says.
	//
	// An append that ends without the store knowing whether it took
	// effect (a timeout, a connection lost after sending) returns an error
	// matching ErrUnknownOutcome: all of recs or none may be stored.
	// Retrying it with the same records is safe; nothing else is.
	Append(ctx context.Context, stream string, expected uint64, recs ...Record) (uint64, error)

	// Load returns the records of stream with Version >= from, in order.
	// A stream that does not exist has no records: Load returns none and
	// no error.
	Load(ctx context.Context, stream string, from uint64) ([]Record, error)

	// Read returns up to limit records of the global order with Position >=
	// from, in order. limit <= 0 means no limit.
	Read(ctx context.Context, from uint64, limit int) ([]Record, error)

	// Subscribe calls fn for every record with Position >= from, in global
	// order: first those already stored, then each new one as it is
	// appended, with no gap and no duplicate. It blocks until ctx ends
	// (returning ctx.Err()), fn returns an error (returning it), or the
	// store fails. fn runs on one goroutine at a time.
	Subscribe(ctx context.Context, from uint64, fn func(Record) error) error
}

// ErrConflict is matched by the error Append returns when the stream's
// version is not the one expected.
var ErrConflict = errors.New("eventstore: version conflict")

// ErrInvalid is matched by errors for input a store refuses: a bad stream
// name, a record without ID or Type, an ID the store could not keep
// verbatim, an empty append, a record or append over the size limits.
var ErrInvalid = errors.New("eventstore: invalid input")

// ErrTooLarge is matched by the error for a record over MaxDataLen bytes
// or an append of more than MaxAppendRecords records. It matches
// ErrInvalid too.
var ErrTooLarge = fmt.Errorf("%w: too large", ErrInvalid)

// ErrUnknownOutcome is matched by the error of an append whose outcome the
// store cannot know: no acknowledgement came, so all of its records or
// none may be stored. Retry the same append with the same record IDs (for
// the Engine: the same command with the same ID); the store keeps them
// once.
var ErrUnknownOutcome = errors.New("eventstore: outcome unknown; retry with the same IDs")

// ErrPermanent is matched by store errors that retrying cannot fix: the
// store's backing stream was deleted or no longer fits the store, its
// connection was closed for good. Every other error of a read or an append
// may be transient (a server restarting, a leader election, a timeout).
var ErrPermanent = errors.New("eventstore: permanent failure")

// ConflictError is the ErrConflict a store returns when it knows the
// stream's actual version.
type ConflictError struct {
	Stream   string
	Expected uint64
	Actual   uint64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("eventstore: version conflict on stream %q: expected %d, stream is at %d", e.Stream, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Size limits every store keeps to: it accepts everything within them and
// refuses, with ErrInvalid (ErrTooLarge for sizes), everything beyond.
const (
	MaxStreamLen     = 128
	MaxTypeLen       = 128
	MaxIDLen         = 128
	MaxDataLen       = 256 << 10 // bytes of one record's Data
	MaxAppendRecords = 1000      // records in one append (nats-server's atomic batch limit)
)

// ValidateStream checks that name can name a stream in every store: 1 to
// MaxStreamLen bytes of ASCII letters, digits, '-' and '_' (NATS subject
// tokens cannot hold '.', '*', '>' or spaces).
func ValidateStream(name string) error {
	if name == "" || len(name) > MaxStreamLen {
		return fmt.Errorf("%w: stream name must be 1..%d bytes, got %d", ErrInvalid, MaxStreamLen, len(name))
	}
	if !token(name) {
		return fmt.Errorf("%w: stream name %q may hold only letters, digits, '-' and '_'", ErrInvalid, name)
	}
	return nil
}

// ValidateAppend checks an append's arguments the way every store must:
// a valid stream name, 1 to MaxAppendRecords records, each with a valid
// ID (ValidateID), a Type that is a valid token, and at most MaxDataLen
// bytes of Data, with no ID twice.
func ValidateAppend(stream string, recs []Record) error {
	if err := ValidateStream(stream); err != nil {
		return err
	}
	return validateRecords(stream, recs)
}

// validateRecords is ValidateAppend without the check of the stream's
// name, for a store that checks it once per stream; stream only names it
// in errors.
func validateRecords(stream string, recs []Record) error {
	if len(recs) == 0 {
		return fmt.Errorf("%w: append to %q with no records", ErrInvalid, stream)
	}
	if len(recs) > MaxAppendRecords {
		return fmt.Errorf("%w: append of %d records to %q, over the limit of %d", ErrTooLarge, len(recs), stream, MaxAppendRecords)
	}
	for i, r := range recs {
		if err := ValidateID(r.ID); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		if r.Type == "" || len(r.Type) > MaxTypeLen || !token(r.Type) {
			return fmt.Errorf("%w: record %d: Type %q must be 1..%d letters, digits, '-' or '_'", ErrInvalid, i, r.Type, MaxTypeLen)
		}
		if len(r.Data) > MaxDataLen {
			return fmt.Errorf("%w: record %d: Data is %d bytes, over the limit of %d", ErrTooLarge, i, len(r.Data), MaxDataLen)
		}
		for _, o := range recs[:i] {
			if o.ID == r.ID {
				return fmt.Errorf("%w: record ID %q appears twice in one append", ErrInvalid, r.ID)
			}
		}
	}
	return nil
}

// ValidateID checks that id can be kept verbatim by every store: 1 to
// MaxIDLen bytes of printable ASCII, no spaces or control characters (a
// NATS header would trim or rewrite them, and a retry would then carry
// another ID).
func ValidateID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%w: record ID must be 1..%d bytes, got %d", ErrInvalid, MaxIDLen, len(id))
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: record ID %q holds byte %#02x; IDs are printable ASCII without spaces", ErrInvalid, id, c)
		}
	}
	return nil
}

func token(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Append is one append of an AppendBatch call: what Store.Append takes.
type Append struct {
	Stream   string
	Expected uint64
	Records  []Record
}

// AppendResult is the outcome of one Append of an AppendBatch call: what
// Store.Append would have returned for it.
type AppendResult struct {
	Version uint64
	Err     error
}

// BatchAppender is an optional interface a Store may implement: many
// appends to different streams in one call, for throughput (the Engine
// uses it when one tick records steps for many leads). Each append keeps
// every guarantee of Store.Append (expected version, all or none, retry by
// record ID, ErrUnknownOutcome); the appends are independent of each
// other: one failing does not stop the rest, and their relative order in
// the global order is not defined. Results come in the order of appends.
type BatchAppender interface {
	AppendBatch(ctx context.Context, appends []Append) []AppendResult
}

// PageReader is an optional interface a Store may implement: Read into a
// buffer the caller owns and reuses, so that reading a long global order
// page by page allocates no records (the Engine's Rebuild uses it when
// the store has it). ReadInto sets recs[:n] to the records from position
// from on, as Read(ctx, from, len(recs)) returns them for a non-empty
// recs, and returns n: 0 past the end. The records' strings and Data are
// what Read would return: the caller may keep them after it reuses recs.
//
// Streams returns how many streams hold records, for a caller sizing an
// index of them.
//
// A type that embeds a PageReader to change what Read returns (a wrapper
// that filters or injects faults) must change ReadInto alike, or hide it:
// callers that find ReadInto use it instead of Read.
type PageReader interface {
	ReadInto(ctx context.Context, from uint64, recs []Record) (int, error)
	Streams() int
}
