package leadline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

// ErrDuplicateRow is matched by the error of an import row that is for
// the same lead as an earlier row of the same Import call (the same key,
// or the same lead ID): the earlier row captures the lead, this one
// captures nothing.
var ErrDuplicateRow = errors.New("leadline: row is for the same lead as an earlier row")

// ImportError is the error of one row of an Import: the row is named by
// its index and its key, and Err says what went wrong (a
// *lead.ValidationError, a *lead.TransitionError for a lead that exists
// already, ErrDuplicateRow, ErrCommandIDReused, a store error such as one
// matching eventstore.ErrUnknownOutcome, or the context's error for a row
// the import did not reach). errors.Is and errors.As see through it to
// Err.
type ImportError struct {
	Row  int     // the row's index in the rows given to Import
	Key  string  // the row's key (see ImportKey), "" when it has none
	Lead lead.ID // the lead the row is for, "" when it has none yet
	Err  error
}

func (e *ImportError) Error() string {
	msg := "leadline: import row " + strconv.Itoa(e.Row)
	if e.Key != "" {
		msg += " (key " + strconv.Quote(e.Key) + ")"
	}
	if e.Lead != "" {
		msg += " lead " + string(e.Lead)
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns Err, for errors.Is and errors.As.
func (e *ImportError) Unwrap() error { return e.Err }

// ImportResult is the outcome of one row of an Import, at the row's index.
type ImportResult struct {
	// Lead is the ID of the lead the row captured, or found captured by
	// an earlier attempt of the import; with an error it is the lead the
	// row was for, when one was known.
	Lead lead.ID
	// Retried is set when an earlier attempt of the import (or a Capture
	// with the same command ID) captured the lead: this call appended
	// nothing for the row.
	Retried bool
	// Err is nil when the lead is captured, and an *ImportError otherwise.
	Err error
}

// ImportOption configures one Import call.
type ImportOption func(*importConfig)

type importConfig struct {
	id  string
	key func(lead.Capture) string
	set bool // id was given
}

// ImportID names an import, such as the ID of the CRM export a service
// loads: with the rows' keys (ImportKey), it makes a retried import the
// same write. Give a retry of an import the same ID and the same rows.
// The ID is 1 to lead.MaxOriginLen bytes of printable ASCII without
// spaces; the command IDs made of it and the keys must fit the same
// limit, or their rows fail with a *lead.ValidationError.
func ImportID(id string) ImportOption {
	return func(c *importConfig) { c.id, c.set = id, true }
}

// ImportKey sets how a row's key is found: key returns a row's own
// identity in the data being imported, such as its CRM ID (often kept in
// an attribute), unique within the import. Without ImportKey, a row's key
// is its lead ID when the row has one, and otherwise, when the import has
// an ImportID, the row's index in rows (so a retry must then give the
// rows in the same order). A key of "" falls back the same way.
func ImportKey(key func(lead.Capture) string) ImportOption {
	return func(c *importConfig) { c.key = key }
}

// importBatchSize bounds how many rows an Import appends in one call of
// a BatchAppender.
const importBatchSize = 512

// Import captures one lead per row, as a service does when it loads a CRM
// export: each row is what Capture would take, decided the same way (the
// SLA completes it, lead.DecideWith validates it) and appended all or
// none with expected version 0. It returns one result per row, in the
// order of rows. On a store that implements eventstore.BatchAppender the
// rows go to the store many at a time, each row's lead read first
// (several at once) as Capture reads it; on any other store, each row is
// a Capture of its own.
//
// A row with a key (see ImportKey) is captured as Capture(ctx, row,
// CommandID(cmd)) would capture it, where cmd is "import/" + the
// ImportID + "/" + the key, or "import/" + the key without an ImportID:
// when the row has no lead ID, the lead's ID is derived from cmd, and so
// are its events' IDs. That makes an import safe to retry after a
// timeout or a restart, also when the first attempt stored only some
// rows: a retry with the same ImportID and the same rows captures no lead
// twice and reports the same lead IDs (ImportResult.Retried for the leads
// the first attempt stored). Without an ImportID the key alone names the
// row, so a record exported again in a later import finds its lead too.
// A lead recognised this way remembers its last lead.MaxRemembered
// identified commands (see CommandID); once it has had more, its row
// fails with a *lead.TransitionError instead, and is still not captured
// twice. A row without a key (no ImportID, no ImportKey and no lead ID)
// gets a new UUID v7 and is not safe to retry, like a Capture without a
// CommandID.
//
// A row that fails (bad input, a lead that exists already, the same lead
// as an earlier row, a failed append) gets its *ImportError in its
// result and does not stop the other rows; after an error matching
// eventstore.ErrUnknownOutcome, retry the import. The error Import
// itself returns is for what stops the whole import: ctx ended (the
// rows it did not reach get the context's error in their results too),
// or an ImportID that cannot be used (ErrInvalidOption, with no results).
//
// Each lead captured is counted in the metrics, cached and scheduled
// under its SLA policy, as after Capture.
func (e *Engine) Import(ctx context.Context, rows []lead.Capture, opts ...ImportOption) ([]ImportResult, error) {
	var cfg importConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.set {
		if err := importIDError(cfg.id); err != nil {
			return nil, err
		}
	}
	results := make([]ImportResult, len(rows))
	pend := e.importRows(rows, cfg, results)
	batch, _ := e.store.(eventstore.BatchAppender)
	var prep []prepared // one batch's, reused by the next
	for i := 0; i < len(pend); {
		if err := ctx.Err(); err != nil {
			for _, r := range pend[i:] {
				results[r.row] = r.failed(err)
			}
			return results, err
		}
		end := i + 1
		if batch != nil {
			end = min(i+importBatchSize, len(pend))
		}
		if end-i == 1 {
			results[pend[i].row] = e.importOne(ctx, &pend[i])
		} else {
			if prep == nil {
				prep = make([]prepared, importBatchSize)
			}
			e.importBatch(ctx, batch, pend[i:end], prep[:end-i], results)
		}
		i = end
	}
	if err := ctx.Err(); err != nil {
		return results, err
	}
	return results, nil
}

// importIDError checks an ImportID: a command ID is made of it, so it
// must be what lead.Origin takes.
func importIDError(id string) error {
	if id == "" {
		return optionError("ImportID", "empty import ID")
	}
	if len(id) > lead.MaxOriginLen {
		return optionError("ImportID", "%d bytes, over the limit of %d", len(id), lead.MaxOriginLen)
	}
	for i := 0; i < len(id); i++ {
		if b := id[i]; b <= ' ' || b > '~' {
			return optionError("ImportID", "%q holds byte %#02x; it must be printable ASCII without spaces", id, b)
		}
	}
	return nil
}

// importRow is one row of an Import on its way to the store.
type importRow struct {
	row int
	key string
	c   lead.Capture
	o   lead.Origin
}

func (r *importRow) failed(err error) ImportResult {
	return ImportResult{Lead: r.c.ID, Err: &ImportError{Row: r.row, Key: r.key, Lead: r.c.ID, Err: err}}
}

// importRows gives each row its key, command ID and lead ID, and returns
// those to capture; a row for the same lead as an earlier one gets its
// error in results.
func (e *Engine) importRows(rows []lead.Capture, cfg importConfig, results []ImportResult) []importRow {
	pend := make([]importRow, 0, len(rows))
	seen := make(map[lead.ID]int, len(rows))
	for i, c := range rows {
		r := importRow{row: i, c: c}
		if cfg.key != nil {
			r.key = cfg.key(c)
		}
		if r.key == "" {
			r.key = string(c.ID)
		}
		if r.key == "" && cfg.set {
			r.key = strconv.Itoa(i)
		}
		switch {
		case r.key != "" && cfg.set:
			r.o.Command = "import/" + cfg.id + "/" + r.key
		case r.key != "":
			r.o.Command = "import/" + r.key
		}
		if r.c.ID == "" {
			if r.o.Command != "" {
				r.c.ID = leadIDFor(r.o.Command)
			} else {
				r.c.ID = lead.ID(e.ids.next().String())
			}
		}
		if first, dup := seen[r.c.ID]; dup {
			results[i] = r.failed(fmt.Errorf("%w (row %d)", ErrDuplicateRow, first))
			continue
		}
		seen[r.c.ID] = i
		pend = append(pend, r)
	}
	return pend
}

// importOne captures one row on Capture's own path.
func (e *Engine) importOne(ctx context.Context, r *importRow) ImportResult {
	events, _, retried, err := e.run(ctx, r.c.ID, r.c, r.o, nil, true)
	e.counted(r.c, events, retried, err)
	if err != nil {
		return r.failed(err)
	}
	return ImportResult{Lead: r.c.ID, Retried: retried}
}

// importBatch captures rows with one AppendBatch call, each row decided
// as execute decides a Capture on the lead's state from the store. A row
// recognised as captured already is a retry; a row whose append met a
// concurrent write goes the way of one Capture (importOne), which decides
// it again.
func (e *Engine) importBatch(ctx context.Context, batch eventstore.BatchAppender, rows []importRow, prep []prepared, results []ImportResult) {
	clear(prep)
	// Rows are independent until the append: read and decide several at
	// once (a read is a round trip on a networked store; deciding is CPU).
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(importWorkers, len(rows)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(rows) {
					return
				}
				e.importPrepare(ctx, &rows[i], &prep[i], results)
			}
		})
	}
	wg.Wait()
	pend := make([]int, 0, len(rows))
	appends := make([]eventstore.Append, 0, len(rows))
	for i := range prep {
		if p := &prep[i]; !p.done {
			pend = append(pend, i)
			appends = append(appends, eventstore.Append{Stream: string(rows[i].c.ID), Expected: p.s.Version, Records: p.recs})
		}
	}
	if len(appends) == 0 {
		return
	}
	var again []*importRow
	start := time.Now()
	for j, res := range batch.AppendBatch(ctx, appends) {
		r, p := &rows[pend[j]], &prep[pend[j]]
		e.metrics.appendDone(start, res.Err)
		switch {
		case errors.Is(res.Err, eventstore.ErrConflict):
			again = append(again, r)
		case res.Err != nil:
			err := e.appendError(r.c, r.c.ID, r.o, res.Err)
			e.counted(r.c, nil, false, err)
			results[r.row] = r.failed(err)
		case res.Version != p.s.Version+uint64(len(p.events)):
			// The store held these record IDs already: an append that
			// landed after the read. Capture's path reads the lead and
			// finds it.
			again = append(again, r)
		default:
			s := e.evolve(p.s, p.events)
			e.book.put(s)
			e.counted(r.c, p.events, false, nil)
			e.observe(s)
			results[r.row] = ImportResult{Lead: r.c.ID}
		}
	}
	for _, r := range again {
		results[r.row] = e.importOne(ctx, r)
	}
}

// importWorkers bounds how many rows of a batch an Import reads and
// decides at once.
const importWorkers = 32

// prepared is a row of an import batch read and decided, ready to append;
// done when the row's result is set instead.
type prepared struct {
	s      lead.State
	events []lead.Event
	recs   []eventstore.Record
	done   bool
}

// importPrepare reads row r's lead as execute does and decides r on it
// into p, or sets r's result: a retry of a capture the lead's history
// holds, or the row's error.
func (e *Engine) importPrepare(ctx context.Context, r *importRow, p *prepared, results []ImportResult) {
	s, err := e.state(ctx, r.c.ID)
	if err == nil {
		if a, ok := s.Applied(r.o.Command); ok {
			results[r.row], p.done = e.importApplied(r, s, a), true
			return
		}
		p.s = s
		p.events, p.recs, err = e.importDecide(ctx, s, r)
	}
	if err != nil {
		e.counted(r.c, nil, false, err)
		results[r.row], p.done = r.failed(err), true
	}
}

// importDecide decides row r on lead state s as execute decides a
// Capture, and encodes its events.
func (e *Engine) importDecide(ctx context.Context, s lead.State, r *importRow) ([]lead.Event, []eventstore.Record, error) {
	c, err := sla.Complete(s, r.c, e.env)
	if err != nil {
		return nil, nil, err
	}
	events, err := lead.DecideWith(s, c, e.clock.Now(), r.o)
	if err != nil {
		return nil, nil, err
	}
	recs, err := e.encodeRecords(ctx, r.c.ID, recordKey(c, r.o), events)
	if err != nil {
		return nil, nil, err
	}
	return events, recs, nil
}

// importApplied is the result of row r, found applied as a of lead state
// s: an earlier attempt captured the lead.
func (e *Engine) importApplied(r *importRow, s lead.State, a lead.Applied) ImportResult {
	if err := reused(r.c.ID, r.c, a); err != nil {
		e.counted(r.c, nil, false, err)
		return r.failed(err)
	}
	e.counted(r.c, nil, true, nil)
	e.observe(s)
	return ImportResult{Lead: r.c.ID, Retried: true}
}
