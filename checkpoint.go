package leadline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// Checkpoints is where an Engine keeps its checkpoint (WithCheckpoints):
// the bytes of the last one saved. CheckpointFile keeps it in a file;
// package eventstore/natsjs has one in a JetStream key-value bucket.
//
// A checkpoint is what the Engine needs to resume enforcing without
// reading the whole store: the deadline schedule (when each lead's next
// warning or breach step comes due, and from which version of the lead
// that was planned), the rep holding each lead in sales, the leads known
// to be corrupt, and the position in the store's global order it covers.
// It holds no event payloads: lead IDs, versions, instants, rep names,
// and for a corrupt lead the reason its record was quarantined.
// The store stays the truth: every warning and breach step is still
// recorded with the expected version from the lead's stored history, so
// a stale checkpoint costs reading more records, never a duplicate.
type Checkpoints interface {
	// Load returns the checkpoint saved last, or nil and no error when
	// none has been saved.
	Load(ctx context.Context) ([]byte, error)
	// Save replaces the saved checkpoint with data, whole or not at all:
	// a Load during or after a failed Save returns the old checkpoint or
	// the new one, never a mix.
	Save(ctx context.Context, data []byte) error
}

// CheckpointFile is Checkpoints in the file at Path. Save writes a
// temporary file beside it, syncs it and renames it over Path, so a crash
// leaves the old checkpoint or the new one. Its directory must exist.
type CheckpointFile struct {
	Path string
}

// Load returns the file's bytes, or nil when the file does not exist.
func (f CheckpointFile) Load(ctx context.Context) ([]byte, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("leadline: load checkpoint: %w", err)
	}
	return data, nil
}

// Save writes data to a temporary file in Path's directory and renames it
// to Path.
func (f CheckpointFile) Save(ctx context.Context, data []byte) (err error) {
	if f.Path == "" {
		return errors.New("leadline: save checkpoint: CheckpointFile has no Path")
	}
	dir := filepath.Dir(f.Path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("leadline: save checkpoint: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("leadline: save checkpoint: %w", err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), f.Path); err != nil {
		return err
	}
	// The rename is durable once the directory is synced; not every
	// platform can sync a directory, and the file is whole either way.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ErrNotRebuilt is returned by Checkpoint on an Engine that has not read
// the store yet (Run or Rebuild): its schedule would cover only the leads
// it happened to command, and a restart from it would miss the others.
var ErrNotRebuilt = errors.New("leadline: the Engine has not rebuilt from the store; nothing to checkpoint")

// ErrCheckpoint is matched by the reasons a saved checkpoint is not used
// (a *CheckpointError), which the Engine logs before reading the whole
// store instead.
var ErrCheckpoint = errors.New("leadline: checkpoint not usable")

// CheckpointError says why a saved checkpoint was not used: none is
// saved, it could not be loaded, it is damaged or in a format this
// version does not read, it was written under other SLA policies, or it
// belongs to another store.
type CheckpointError struct {
	Reason string
	Err    error // the underlying error, if any
}

func (e *CheckpointError) Error() string {
	if e.Err != nil {
		return "leadline: checkpoint not usable: " + e.Reason + ": " + e.Err.Error()
	}
	return "leadline: checkpoint not usable: " + e.Reason
}

// Is makes errors.Is(err, ErrCheckpoint) true.
func (e *CheckpointError) Is(target error) bool { return target == ErrCheckpoint }

// Unwrap returns the underlying error.
func (e *CheckpointError) Unwrap() error { return e.Err }

// checkpointing is the Engine's part in checkpoints: where they go, how
// often Run saves one, and how far into the store's global order the
// Engine's schedule reaches.
type checkpointing struct {
	checkpoints Checkpoints // nil without WithCheckpoints
	every       time.Duration
	// rebuilt is set once a Rebuild has read the store: from then on the
	// book covers every record up to pos, which only grows.
	rebuilt atomic.Bool
	pos     atomic.Uint64
}

// covered records that the book reflects every record up to position p.
func (c *checkpointing) covered(p uint64) {
	for {
		old := c.pos.Load()
		if p <= old || c.pos.CompareAndSwap(old, p) {
			return
		}
	}
}

// Checkpoint saves the Engine's schedule and the position in the store's
// global order it covers to the Checkpoints of WithCheckpoints, so that
// the next Run or Rebuild of an Engine with the same policies reads only
// the records after it. Run saves one every period given to
// WithCheckpoints and one when it stops; call Checkpoint for others.
//
// It waits for a Tick in progress to end, and holds the Engine's commands
// for as long as it takes to copy the schedule (tens of milliseconds for
// a million leads). It returns an error matching ErrNotRebuilt before the
// Engine has read the store, and one matching ErrInvalidOption without
// WithCheckpoints.
func (e *Engine) Checkpoint(ctx context.Context) error {
	if e.checkpoints == nil {
		return fmt.Errorf("%w: Checkpoint: the Engine has no WithCheckpoints", ErrInvalidOption)
	}
	data, err := e.snapshot(ctx)
	if err != nil {
		return err
	}
	if err := e.checkpoints.Save(ctx, data); err != nil {
		return fmt.Errorf("leadline: checkpoint: %w", err)
	}
	return nil
}

// saveEvery saves a checkpoint every period of real time (whatever the
// Engine's clock: saving is about restart cost, not about the SLA) until
// ctx ends.
func (e *Engine) saveEvery(ctx context.Context) {
	t := time.NewTicker(e.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("leadline: saving a checkpoint failed", "err", err)
		}
	}
}

// saveAtStop saves a checkpoint when Run stops, on a context of its own
// since Run's has ended.
func (e *Engine) saveAtStop(ctx context.Context) {
	if !e.rebuilt.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopSaveTimeout)
	defer cancel()
	if err := e.Checkpoint(ctx); err != nil {
		e.log.Warn("leadline: saving a checkpoint at stop failed", "err", err)
	}
}

// stopSaveTimeout bounds the checkpoint Run saves as it stops.
const stopSaveTimeout = 30 * time.Second

// snapshot encodes a checkpoint of the Engine's schedule.
func (e *Engine) snapshot(ctx context.Context) ([]byte, error) {
	if !e.rebuilt.Load() {
		return nil, ErrNotRebuilt
	}
	// A Tick holds the leads it is recording for out of the queue; a
	// snapshot taken then would lose them.
	select {
	case e.ticking <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Every record up to pos is in the book before pos moves past it, so
	// the book read after covers pos (and maybe more, which a resumed
	// Engine reads again).
	pos := e.pos.Load()
	body := e.book.encode(make([]byte, 0, 64))
	<-e.ticking
	cp := checkpoint{position: pos, policies: policyFingerprint(e.env.Policies)}
	if pos > 0 {
		recs, err := e.store.Read(ctx, pos, 1)
		if err != nil {
			return nil, fmt.Errorf("leadline: checkpoint: %w", err)
		}
		if len(recs) == 0 || recs[0].Position != pos {
			return nil, fmt.Errorf("leadline: checkpoint: the store has no record at position %d", pos)
		}
		cp.stream, cp.version = recs[0].Stream, recs[0].Version
	}
	return cp.marshal(body), nil
}

// resume loads the saved checkpoint into the book and returns the
// position it covers. A checkpoint it cannot use is logged at Warn with
// the reason, and resume returns 0: the caller reads the whole store.
// Only a store error is returned.
func (e *Engine) resume(ctx context.Context) (uint64, error) {
	t0 := time.Now()
	cp, cerr := e.loadCheckpoint(ctx)
	if cerr == nil && cp.position > 0 {
		recs, err := e.store.Read(ctx, cp.position, 1)
		if err != nil {
			return 0, fmt.Errorf("leadline: rebuild: checking the checkpoint against the store: %w", err)
		}
		if len(recs) == 0 || recs[0].Position != cp.position || recs[0].Stream != cp.stream || recs[0].Version != cp.version {
			cerr = &CheckpointError{Reason: fmt.Sprintf("it belongs to another store: position %d does not hold version %d of %q", cp.position, cp.version, cp.stream)}
		}
	}
	if cerr != nil {
		e.log.Warn("leadline: not resuming from the checkpoint; reading the whole store", "reason", cerr.Reason, "err", cerr)
		return 0, nil
	}
	e.book.restore(cp.entries)
	e.log.Info("leadline: resuming from a checkpoint", "position", cp.position, "leads", len(cp.entries), "took", time.Since(t0))
	return cp.position, nil
}

// loadCheckpoint loads and decodes the saved checkpoint, or says why it
// cannot be used.
func (e *Engine) loadCheckpoint(ctx context.Context) (checkpoint, *CheckpointError) {
	data, err := e.checkpoints.Load(ctx)
	switch {
	case err != nil:
		return checkpoint{}, &CheckpointError{Reason: "it could not be loaded", Err: err}
	case data == nil:
		return checkpoint{}, &CheckpointError{Reason: "none is saved"}
	}
	cp, err := unmarshalCheckpoint(data)
	if err != nil {
		return checkpoint{}, &CheckpointError{Reason: "it is damaged or in a format this version does not read", Err: err}
	}
	if cp.policies != policyFingerprint(e.env.Policies) {
		return checkpoint{}, &CheckpointError{Reason: "it was written under other SLA policies"}
	}
	return cp, nil
}

// The checkpoint format, version 1. Integers are unsigned LEB128 varints
// (encoding/binary's Uvarint) unless a width is given; a string is its
// length as a varint, then its bytes.
//
//	magic       4 bytes "LLCK"
//	format      1 byte, 1
//	policies    32 bytes: SHA-256 of the Engine's policy set (fingerprint)
//	position    the global position the checkpoint covers, 0 for none
//	stream      string: the stream of the record at position
//	version     that record's version
//	reps        count, then that many strings: the rep names entries use
//	base        8 bytes big endian: the earliest due instant, Unix ns
//	entries     count, then that many entries; the queued ones first, in
//	            the order of a binary min-heap on their due instants:
//	  id        string: the lead
//	  seen      the lead version its schedule was planned from
//	  flags     1 byte: 1 queued, 2 held by a rep, 4 corrupt
//	  due       if queued: Unix ns minus base
//	  rep       if held: index into reps
//	  corrupt   if corrupt: position, version, kind (1 byte: 0 other,
//	            1 foreign, 2 malformed, 3 unknown event, 4 history), then
//	            for kind 4 the record's type and the reason (strings),
//	            for the others the message (string)
//	crc         4 bytes big endian: CRC-32C (Castagnoli) of all before
const (
	checkpointMagic  = "LLCK"
	checkpointFormat = 1
)

// checkpoint is a decoded checkpoint.
type checkpoint struct {
	policies [32]byte
	position uint64
	stream   string
	version  uint64
	entries  []*entry // pos >= 0 for the queued ones, in heap order
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	flagQueued  = 1
	flagRep     = 2
	flagCorrupt = 4
)

const (
	kindOther byte = iota
	kindForeign
	kindMalformed
	kindUnknown
	kindHistory
)

// marshal returns the checkpoint's bytes around body, the reps, base and
// entries book.encode wrote.
func (cp checkpoint) marshal(body []byte) []byte {
	b := make([]byte, 0, len(body)+64+len(cp.stream))
	b = append(b, checkpointMagic...)
	b = append(b, checkpointFormat)
	b = append(b, cp.policies[:]...)
	b = binary.AppendUvarint(b, cp.position)
	b = appendString(b, cp.stream)
	b = binary.AppendUvarint(b, cp.version)
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// encode appends the book's reps, base and entries (see the format) to b.
func (b *book) encode(out []byte) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	reps := make(map[string]uint64, len(b.load))
	out = binary.AppendUvarint(out, uint64(len(b.load)))
	for rep := range b.load {
		reps[rep] = uint64(len(reps))
		out = appendString(out, rep)
	}
	var base int64
	if len(b.heap) > 0 {
		base = b.heap[0].due
	}
	out = binary.BigEndian.AppendUint64(out, uint64(base))
	n := 0
	for _, en := range b.leads {
		if en.pos >= 0 || en.rep != "" || en.corrupt != nil {
			n++
		}
	}
	out = binary.AppendUvarint(out, uint64(n))
	add := func(en *entry) {
		out = appendString(out, string(en.id))
		out = binary.AppendUvarint(out, en.seen)
		var flags byte
		if en.pos >= 0 {
			flags |= flagQueued
		}
		if en.rep != "" {
			flags |= flagRep
		}
		if en.corrupt != nil {
			flags |= flagCorrupt
		}
		out = append(out, flags)
		if en.pos >= 0 {
			out = binary.AppendUvarint(out, uint64(en.due-base))
		}
		if en.rep != "" {
			out = binary.AppendUvarint(out, reps[en.rep])
		}
		if ce := en.corrupt; ce != nil {
			out = binary.AppendUvarint(out, ce.Position)
			out = binary.AppendUvarint(out, ce.Version)
			var he *lead.HistoryError
			switch {
			case errors.As(ce.Err, &he):
				out = append(out, kindHistory)
				out = appendString(out, he.Type)
				out = appendString(out, he.Reason)
			default:
				out = append(out, errorKind(ce.Err))
				out = appendString(out, ce.Err.Error())
			}
		}
	}
	for _, en := range b.heap {
		add(en)
	}
	for _, en := range b.leads {
		if en.pos < 0 && (en.rep != "" || en.corrupt != nil) {
			add(en)
		}
	}
	return out
}

func errorKind(err error) byte {
	switch {
	case errors.Is(err, ErrForeign):
		return kindForeign
	case errors.Is(err, lead.ErrMalformed):
		return kindMalformed
	case errors.Is(err, lead.ErrUnknownEvent):
		return kindUnknown
	}
	return kindOther
}

// savedError is the cause of a corruption found before a checkpoint: its
// message, and the sentinel it matched.
type savedError struct {
	msg string
	is  error
}

func (e *savedError) Error() string { return e.msg }
func (e *savedError) Unwrap() error { return e.is }

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader reads the format; the first failure sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("truncated or invalid %s", what)
	}
	r.b = nil
}

func (r *reader) uvarint(what string) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n int, what string) []byte {
	if len(r.b) < n {
		r.fail(what)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// substring reads a string as string does, as a substring of all, the
// whole input r reads as a string: no allocation.
func (r *reader) substring(all string, what string) string {
	n := r.uvarint(what)
	if n > uint64(len(r.b)) {
		r.fail(what)
		return ""
	}
	off := len(all) - len(r.b)
	r.b = r.b[n:]
	return all[off : off+int(n)]
}

func (r *reader) string(what string) string {
	n := r.uvarint(what)
	if n > uint64(len(r.b)) {
		r.fail(what)
		return ""
	}
	return string(r.bytes(int(n), what))
}

// unmarshalCheckpoint decodes a checkpoint, checking its checksum and
// every length; it never panics on bad input.
func unmarshalCheckpoint(data []byte) (checkpoint, error) {
	var cp checkpoint
	if len(data) < len(checkpointMagic)+1+4 || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return cp, errors.New("not a leadline checkpoint")
	}
	if f := data[len(checkpointMagic)]; f != checkpointFormat {
		return cp, fmt.Errorf("format %d; this version reads format %d", f, checkpointFormat)
	}
	sum := binary.BigEndian.Uint32(data[len(data)-4:])
	data = data[:len(data)-4]
	if crc32.Checksum(data, castagnoli) != sum {
		return cp, errors.New("checksum mismatch")
	}
	// The lead IDs are substrings of one copy of the whole checkpoint,
	// which is a few bytes per lead more than copies of each, and a
	// million allocations fewer.
	all := string(data)
	r := &reader{b: data[len(checkpointMagic)+1:]}
	copy(cp.policies[:], r.bytes(32, "policies"))
	cp.position = r.uvarint("position")
	cp.stream = r.string("stream")
	cp.version = r.uvarint("version")
	nreps := r.uvarint("reps")
	if nreps > uint64(len(r.b)) {
		r.fail("reps")
		nreps = 0
	}
	reps := make([]string, 0, nreps)
	for range nreps {
		reps = append(reps, r.string("rep"))
	}
	var base int64
	if b := r.bytes(8, "base"); b != nil {
		base = int64(binary.BigEndian.Uint64(b))
	}
	n := r.uvarint("entries")
	// Each entry takes at least 3 bytes.
	if n > uint64(len(r.b))/3 {
		r.fail("entries")
		n = 0
	}
	if r.err != nil {
		return checkpoint{}, r.err
	}
	cp.entries = make([]*entry, n)
	// Entries are allocated in blocks, far fewer allocations than one
	// each; a block is freed once the book has dropped all of its.
	var block []entry
	queued := 0
	for i := range cp.entries {
		if len(block) == 0 {
			block = make([]entry, min(n-uint64(i), 1024))
		}
		en := &block[0]
		block = block[1:]
		cp.entries[i] = en
		en.id = lead.ID(r.substring(all, "lead ID"))
		en.seen = r.uvarint("version")
		flags := r.bytes(1, "flags")
		if r.err != nil {
			return checkpoint{}, r.err
		}
		if err := eventstore.ValidateStream(string(en.id)); err != nil {
			return checkpoint{}, err
		}
		en.slot, en.pos = -1, -1
		if flags[0]&flagQueued != 0 {
			if queued != i {
				return checkpoint{}, errors.New("a queued entry after an unqueued one")
			}
			en.due, en.pos = base+int64(r.uvarint("due")), int32(i)
			if p := (i - 1) / 2; i > 0 && cp.entries[p].due > en.due {
				return checkpoint{}, errors.New("queued entries out of heap order")
			}
			queued++
		}
		if flags[0]&flagRep != 0 {
			if k := r.uvarint("rep"); k < uint64(len(reps)) {
				en.rep = reps[k]
			} else {
				r.fail("rep index")
			}
		}
		if flags[0]&flagCorrupt != 0 {
			ce := &CorruptError{Lead: en.id, Position: r.uvarint("corrupt position"), Version: r.uvarint("corrupt version")}
			kind := r.bytes(1, "corrupt kind")
			if r.err != nil {
				return checkpoint{}, r.err
			}
			switch kind[0] {
			case kindHistory:
				ce.Err = &lead.HistoryError{Lead: en.id, Version: ce.Version, Type: r.string("type"), Reason: r.string("reason")}
			case kindOther, kindForeign, kindMalformed, kindUnknown:
				ce.Err = &savedError{msg: r.string("message"), is: [...]error{nil, ErrForeign, lead.ErrMalformed, lead.ErrUnknownEvent}[kind[0]]}
			default:
				r.fail("corrupt kind")
			}
			en.corrupt = ce
			if en.pos >= 0 || en.rep != "" {
				return checkpoint{}, errors.New("a corrupt lead with a schedule")
			}
		}
		if r.err != nil {
			return checkpoint{}, r.err
		}
	}
	if len(r.b) != 0 {
		return checkpoint{}, fmt.Errorf("%d bytes after the entries", len(r.b))
	}
	return cp, nil
}

// policyFingerprint hashes what the Engine's deadlines are planned from:
// every policy of every segment (in its file form), each segment's
// current version, and the selector when it is data (sla.Rules); another
// selector counts by its type only.
func policyFingerprint(set sla.Set) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "leadline policies 1\n")
	for _, name := range set.Segments() {
		for _, v := range set.Versions(name) {
			p, _ := set.Policy(name, v)
			b, err := json.Marshal(p)
			if err != nil {
				// A zone without a portable name: hash the policy as Go
				// prints it, with the zone by name.
				loc := p.Calendar.Location
				p.Calendar.Location = nil
				b = fmt.Appendf(nil, "%+v zone %v", p, loc)
			}
			fmt.Fprintf(h, "policy %q %d %d\n", name, v, len(b))
			h.Write(b)
		}
		cur, _ := set.Current(name)
		fmt.Fprintf(h, "current %q %d\n", name, cur.Version)
	}
	switch sel := set.Selector.(type) {
	case nil:
		fmt.Fprintf(h, "selector none\n")
	case sla.Rules:
		b, _ := json.Marshal(sel)
		fmt.Fprintf(h, "selector rules %s\n", bytes.TrimSpace(b))
	default:
		fmt.Fprintf(h, "selector %T\n", sel)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
