package lead

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unsafe"
)

// The wire format of every event type is described once, in schemas
// below: its fields in the order Encode writes them, each with its wire
// name, the struct field it holds, whether a zero value is left out, and
// what it means; the field's kind follows from the struct field's Go type.
// That one table drives Encode, the fast path of Decode, the JSON
// fallback's normalisation and the wire-format page EVENTS.md. The event
// structs keep JSON tags for the encoding/json fallback; a test holds them
// to the table.
//
// The codec reaches a field through its offset in the struct, found here
// once by reflection and checked against the kind: indirect accessors
// would make every decoded event escape to the heap a second time.

// kind is how a field is written.
type kind uint8

const (
	kindString   kind = iota + 1 // a JSON string (Go string types)
	kindInt                      // a JSON integer (Go int)
	kindUint                     // a JSON integer (Go uint64)
	kindFloat                    // a JSON number, finite (Go float64)
	kindBool                     // true or false
	kindTime                     // RFC 3339 with nanoseconds, as time.Time writes it
	kindStage                    // a stage name (Stage)
	kindDeadline                 // {"kind":…,"since":…} (DeadlineID)
	kindAttrs                    // an object of strings, keys sorted (map[string]string)
)

// presence says whether a field is written when zero.
type presence bool

const (
	required presence = false // always written
	optional presence = true  // left out when zero
)

// field is one field of a wire object.
type field struct {
	name   string // on the wire
	goName string // in the struct
	// optional fields are left out when zero: "", 0, false, an empty map,
	// the zero time or deadline (the encoding/json omitempty and omitzero
	// rules, as the struct tags say).
	optional bool
	doc      string
	lines    bool // a string that may hold tabs and line breaks (prose)
	personal bool // personal data: sealed with the lead's data key (seal.go)
	// values are the values a string field mostly or always holds: the
	// decoder shares these strings instead of copying each event's.
	values []string

	// Filled in by resolve.
	kind kind
	off  uintptr // of the struct field, from the start of the event
	key  string  // `,"name":`, as the encoder writes it
	// quoted is `"name":`, as the decoder expects it
	quoted string
}

// wire describes a field: its wire name, the struct field that holds it,
// whether it is left out when zero, and what it means. A string field
// holds one line of at most MaxFieldLen bytes.
func wire(name, goName string, p presence, doc string) field {
	return field{name: name, goName: goName, optional: bool(p), doc: doc}
}

// prose describes a string field that may run over several lines, up to
// MaxTextLen bytes: a reason, a content description.
func prose(name, goName string, p presence, doc string) field {
	f := wire(name, goName, p, doc)
	f.lines = true
	return f
}

// contact describes a string field that holds personal data about the
// lead's contact: with a data key it is sealed (seal.go), and once the
// lead is erased it reads as ErasedField.
func contact(name, goName string, p presence, doc string) field {
	f := wire(name, goName, p, doc)
	f.personal = true
	return f
}

// sharing returns f with values, the values its string field mostly
// holds, besides those of its type's enum (enums).
func (f field) sharing(values ...string) field {
	f.values = values
	return f
}

// enums lists the values of the string types that have a fixed set of
// them; the decoder shares these strings (field.values).
var enums = map[reflect.Type][]string{
	reflect.TypeFor[MQLSource](): {string(SourceScore), string(SourceManual), string(SourceAQL), string(SourceTPQ)},
	reflect.TypeFor[Channel]():   {string(ChannelEmail), string(ChannelPhone), string(ChannelSocial), string(ChannelMeeting), string(ChannelOther)},
	reflect.TypeFor[Outcome]():   {string(OutcomeNoAnswer), string(OutcomeVoicemail), string(OutcomeBounced), string(OutcomeConnected), string(OutcomeReplied)},
	reflect.TypeFor[Action]():    {string(ActionNotify), string(ActionEscalate), string(ActionReassign), string(ActionRoute), string(ActionReturn), string(ActionStall)},
}

// deadlineKinds are the values of a DeadlineID's Kind, shared the same way.
var deadlineKinds = func() []string {
	var values []string
	for _, k := range Kinds() {
		values = append(values, string(k))
	}
	return values
}()

// kinds maps the Go types the codec writes to their kinds; a string type
// (ID, Channel, Action, ...) is kindString.
var kinds = map[reflect.Type]kind{
	reflect.TypeFor[int]():               kindInt,
	reflect.TypeFor[uint64]():            kindUint,
	reflect.TypeFor[float64]():           kindFloat,
	reflect.TypeFor[bool]():              kindBool,
	reflect.TypeFor[time.Time]():         kindTime,
	reflect.TypeFor[Stage]():             kindStage,
	reflect.TypeFor[DeadlineID]():        kindDeadline,
	reflect.TypeFor[map[string]string](): kindAttrs,
}

// resolve fills in the kind, offset and key of each of fs, the fields of
// struct type t (named what in panics). A field the struct lacks, or of a
// type the codec cannot write, is a mistake in the table below, caught by
// any test run.
func resolve(t reflect.Type, what string, fs []field) []field {
	for i := range fs {
		f := &fs[i]
		sf, ok := t.FieldByName(f.goName)
		if !ok || len(sf.Index) != 1 {
			panic(fmt.Sprintf("lead: schema of %s: %s is not a field of %s", what, f.goName, t))
		}
		k, ok := kinds[sf.Type]
		if !ok && sf.Type.Kind() == reflect.String {
			k, ok = kindString, true
		}
		if !ok {
			panic(fmt.Sprintf("lead: schema of %s: %s.%s has type %s, which the codec cannot write", what, t.Name(), f.goName, sf.Type))
		}
		if f.personal && k != kindString {
			panic(fmt.Sprintf("lead: schema of %s: personal field %s is not a string", what, f.goName))
		}
		f.kind, f.off, f.key = k, sf.Offset, `,"`+f.name+`":`
		f.quoted = f.key[1:]
		f.values = append(slices.Clip(f.values), enums[sf.Type]...)
	}
	return fs
}

// metaFields are the fields every event carries, written after "type" and
// "schema" and before the event's own.
var metaFields = resolve(reflect.TypeFor[Meta](), "Meta", []field{
	wire("lead", "Lead", required, "the lead's ID"),
	wire("version", "Version", required, "the event's position in the lead's stream, 1 for the first"),
	wire("at", "At", required, "when it happened"),
	// "sla" is package sla's Actor, which records every warning and breach.
	wire("actor", "Actor", optional, "who did it: a rep, a marketer, `sla` for the SLA's own steps").sharing("sla"),
	wire("command", "Command", optional, "the ID of the command that added the event, when it carried one; a retry of that command is recognised by it"),
	wire("correlation", "Correlation", optional, "the caller's correlation ID, when the command carried one"),
})

// schemas describes every event type, in the order a lead meets them.
var schemas = []*typeSchema{
	schema[Captured](1, "a new inquiry: who it is and where it came from",
		contact("email", "Email", required, "the contact's email address"),
		contact("full_name", "FullName", optional, "the contact's name"),
		wire("company", "Company", optional, "the contact's company: the account, which revenue per account is counted by; a business, not a person, so not sealed"),
		wire("source", "Source", optional, "where the inquiry came from, e.g. `webinar`"),
		wire("campaign", "Campaign", optional, "the marketing campaign it answered"),
		wire("attributes", "Attributes", optional, "free-form facts used by routing (territory, segment)"),
	),
	schema[Scored](1, "a new lead score",
		wire("fit", "Fit", required, "how well the lead fits the ideal customer, 0..100"),
		wire("intent", "Intent", required, "how strongly it shows buying intent, 0..100"),
		wire("total", "Total", required, "fit + intent"),
	),
	schema[MarketingQualified](1, "marketing declared the lead sales-ready (MQL)",
		wire("source", "Source", required, "why: `score`, `manual`, `aql` (automation qualified) or `tpq` (teleprospecting qualified); `score` follows the `Scored` that crossed the sales-ready threshold, in the same append; the hand-off clock starts"),
	),
	schema[HandedOff](1, "the lead was routed to a rep, by a hand-off or by the hand-off clock's `route` step (right after its `DeadlineBreached`); the accept clock runs",
		wire("rep", "Rep", required, "the rep who owns the lead now"),
		wire("team", "Team", optional, "the rep's team"),
		wire("policy_version", "PolicyVersion", optional, "the SLA policy version in force; the lead's clocks run under it"),
		wire("policy", "Policy", optional, "the SLA policy's name (its segment, e.g. `enterprise`); absent for the default segment. Reassignments and breach steps keep it"),
	),
	schema[Accepted](1, "sales accepted the lead (SAL)"),
	schema[Rejected](1, "sales rejected the lead",
		prose("reason", "Reason", required, "why"),
		wire("disqualify", "Disqualify", optional, "true: the lead is closed as disqualified; absent: it returns to marketing's nurture"),
	),
	schema[Touched](1, "a sales attempt to reach the prospect",
		wire("channel", "Channel", required, "how: `email`, `phone`, `social`, `meeting` or `other`"),
		wire("outcome", "Outcome", required, "what came of it: `no_answer`, `voicemail`, `bounced`, `connected` or `replied`; only the last two count as an answer"),
		prose("content", "Content", optional, "what was sent or said, e.g. `intro call`"),
		wire("campaign", "Campaign", optional, "the campaign the touch belongs to"),
	),
	schema[SalesQualified](1, "sales qualified the lead as an opportunity (SQL)",
		wire("amount", "Amount", required, "the expected deal size"),
		wire("currency", "Currency", required, "its ISO 4217 code, e.g. `EUR`"),
		wire("close_date", "CloseDate", optional, "the expected close date"),
		wire("probability", "Probability", required, "the win probability, 0..1"),
	),
	schema[Stalled](1, "the lead made no progress within its stall window",
		wire("from", "From", required, "the stage it left; a touch brings it back there"),
		prose("reason", "Reason", optional, "why"),
	),
	schema[Recycled](1, "the lead went back to marketing's nurture",
		wire("from", "From", required, "the stage it left"),
		prose("reason", "Reason", required, "why"),
		wire("deadline", "Deadline", optional, "the SLA deadline whose breach returned it, if one did"),
	),
	schema[Disqualified](1, "the lead is not a fit; final",
		prose("reason", "Reason", required, "why"),
	),
	schema[Won](1, "the lead became a customer",
		wire("amount", "Amount", required, "the deal's value"),
		wire("currency", "Currency", optional, "its ISO 4217 code"),
	),
	schema[Lost](1, "the opportunity closed without a deal",
		prose("reason", "Reason", required, "why"),
	),
	schema[DeadlineWarned](1, "an SLA deadline reached one of its warning fractions",
		wire("deadline", "Deadline", required, "the SLA clock"),
		wire("fraction", "Fraction", required, "how much of the allowed time has passed, in (0, 1)"),
		wire("due", "Due", required, "when the deadline falls due"),
	),
	schema[DeadlineBreached](1, "an SLA deadline passed unmet, and which step of its breach ladder is carried out",
		wire("deadline", "Deadline", required, "the SLA clock; a step is recorded at most once per deadline"),
		wire("step", "Step", required, "the ladder step, 0 for the breach itself"),
		wire("action", "Action", required, "what the step does: `notify`, `escalate`, `reassign`, `route`, `return` or `stall`; the event that carries it out is stored with it"),
		wire("due", "Due", required, "when the deadline fell due"),
		wire("rep", "Rep", optional, "the rep who owned the lead"),
		wire("policy", "Policy", optional, "the segment of the lead's SLA policy, for routing breaches by segment; absent for the default segment"),
	),
	schema[Escalated](1, "a breach was escalated to the rep's manager",
		wire("deadline", "Deadline", required, "the breached SLA clock"),
		wire("rep", "Rep", required, "the rep who owns the lead"),
		wire("manager", "Manager", required, "the manager it went to"),
	),
	schema[Reassigned](1, "the lead moved from one rep to another",
		wire("deadline", "Deadline", optional, "set when a breach ladder step moved it; for the accept deadline the running accept clock passes to the new rep, otherwise a fresh accept clock starts"),
		wire("from", "From", required, "the previous rep"),
		wire("to", "To", required, "the new rep"),
		wire("team", "Team", optional, "the new rep's team"),
		wire("policy_version", "PolicyVersion", optional, "the SLA policy version in force for the new owner"),
	),
	schema[Paused](1, "the lead's SLA clocks stopped",
		prose("reason", "Reason", required, "why, e.g. the prospect asked to be called after a date"),
		wire("until", "Until", optional, "when the pause ends; absent when open-ended"),
	),
	schema[Resumed](1, "the lead's SLA clocks run again"),
	schema[Erased](1, "the lead's personal data was erased: its data key is deleted, and its personal fields read as `"+ErasedField+"` from then on; stages, times, amounts and SLA records stay",
		prose("reason", "Reason", required, "why, e.g. the erasure request it answers; it must not hold personal data itself"),
	),
}

// schemaByName finds a type's schema by its name.
var schemaByName = func() map[string]*typeSchema {
	m := make(map[string]*typeSchema, len(schemas))
	for _, s := range schemas {
		m[s.typ] = s
	}
	return m
}()

// EventTypes returns the type names the codec knows, sorted.
func EventTypes() []string {
	names := make([]string, 0, len(schemas))
	for _, s := range schemas {
		names = append(names, s.typ)
	}
	slices.Sort(names)
	return names
}

// typeSchema is the wire format of one event type.
type typeSchema struct {
	typ    string
	ver    int
	doc    string
	fields []field // the event's own
	plan   []field // metaFields, then fields, with offsets from the event's start
	texts  []field // those of plan whose text checkAt checks
	header string  // {"type":"Name","schema":N
	// personal lists the indexes in plan of the personal fields, which a
	// data key seals into one "sealed" field (seal.go).
	personal    []int
	personalSet uint64  // the same, as a set of bits
	metaOff     uintptr // of the embedded Meta

	// Generic over the event's type, from schema.
	encode     func(b []byte, e Event, k *DataKey) ([]byte, error)
	decodeFast func(data []byte, key KeyFunc) (Event, bool, error)
	decodeJSON func(data []byte, key KeyFunc) (Event, error)
	check      func(e Event) error
}

// schema describes event type E at schema version ver: what it records
// (doc) and its own fields, in the order Encode writes them.
func schema[E Event](ver int, doc string, fields ...field) *typeSchema {
	var zero E
	t := reflect.TypeFor[E]()
	s := &typeSchema{typ: zero.Type(), ver: ver, doc: doc, fields: resolve(t, zero.Type(), fields)}
	m, ok := t.FieldByName("Meta")
	if !ok || !m.Anonymous || m.Type != reflect.TypeFor[Meta]() {
		panic(fmt.Sprintf("lead: schema of %s: the struct does not embed Meta", s.typ))
	}
	for _, f := range metaFields {
		f.off += m.Offset
		s.plan = append(s.plan, f)
	}
	s.plan = append(s.plan, s.fields...)
	s.texts = texts(s.plan)
	for i, f := range s.plan {
		if f.personal {
			s.personal = append(s.personal, i)
			s.personalSet |= 1 << i
		}
	}
	s.metaOff = m.Offset
	if len(s.plan) > 64 {
		panic(fmt.Sprintf("lead: schema of %s: more than 64 fields", s.typ)) // decodeFast's seen set
	}
	s.header = `{"type":"` + s.typ + `","schema":` + strconv.Itoa(ver)
	s.encode = func(b []byte, e Event, k *DataKey) ([]byte, error) {
		v, ok := e.(E)
		if !ok {
			return b, fmt.Errorf("%w: %T", ErrUnknownEvent, e)
		}
		return s.encodeAt(b, unsafe.Pointer(&v), k)
	}
	s.decodeFast = func(data []byte, key KeyFunc) (Event, bool, error) {
		var e E
		sealed, ok := s.decodeAt(data, unsafe.Pointer(&e))
		if !ok {
			return nil, false, nil
		}
		if sealed != nil {
			if err := s.open(unsafe.Pointer(&e), sealed, key); err != nil {
				return nil, true, err
			}
		}
		if m := (*Meta)(unsafe.Add(unsafe.Pointer(&e), s.metaOff)); m.Lead == "" || m.Version == 0 {
			return nil, true, errNoLead(s.typ)
		}
		return e, true, nil
	}
	s.check = func(e Event) error {
		v, ok := e.(E)
		if !ok {
			return fmt.Errorf("%w: %T", ErrUnknownEvent, e)
		}
		return s.checkAt(unsafe.Pointer(&v))
	}
	s.decodeJSON = func(data []byte, key KeyFunc) (Event, error) {
		sealed, err := s.knownKeys(data)
		if err != nil {
			return nil, err
		}
		var e E
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, s.typ, err)
		}
		s.normalise(unsafe.Pointer(&e))
		if sealed != nil {
			if err := s.open(unsafe.Pointer(&e), sealed, key); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
	return s
}

// checkAt checks the text of the event at ev as Validate checks a
// command's: each string field (the lead ID and origin aside, which have
// their own rules) one line of at most MaxFieldLen bytes, or prose of at
// most MaxTextLen, with no control characters or bidirectional overrides;
// attribute keys and values one line each. Stored events are read with
// the limits their commands were written with.
func (s *typeSchema) checkAt(ev unsafe.Pointer) error {
	// Nearly all text is printable ASCII within its limit, which passes
	// every rule: one quick pass over it, and only other text goes through
	// the checker, which says what is wrong with it.
	for _, f := range s.texts {
		v := unsafe.Add(ev, f.off)
		if f.kind == kindAttrs {
			for k, val := range *(*map[string]string)(v) {
				if !printable(k, MaxFieldLen) || !printable(val, MaxFieldLen) {
					return s.checkSlow(ev)
				}
			}
		} else if !printable(*(*string)(v), textLimit(f)) {
			return s.checkSlow(ev)
		}
	}
	return nil
}

// checkSlow is checkAt for text that is not all printable ASCII.
func (s *typeSchema) checkSlow(ev unsafe.Pointer) error {
	c := checker{cmd: s.typ}
	for _, f := range s.texts {
		switch {
		case f.kind == kindString && f.lines:
			c.prose(f.name, *(*string)(unsafe.Add(ev, f.off)), false)
		case f.kind == kindString:
			c.text(f.name, *(*string)(unsafe.Add(ev, f.off)), MaxFieldLen, false)
		case f.kind == kindAttrs:
			for k, v := range *(*map[string]string)(unsafe.Add(ev, f.off)) {
				c.text(f.name+" key", k, MaxFieldLen, false)
				c.text(f.name+"["+k+"]", v, MaxFieldLen, false)
			}
		}
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// texts returns the fields of plan whose text checkAt checks: the string
// fields but the lead ID and origin, which have their own rules, and the
// attributes.
func texts(plan []field) []field {
	var fs []field
	for _, f := range plan {
		switch {
		case f.kind == kindString && (f.name == "lead" || f.name == "command" || f.name == "correlation"):
		case f.kind == kindString, f.kind == kindAttrs:
			fs = append(fs, f)
		}
	}
	return fs
}

// textLimit is the most bytes string field f may hold.
func textLimit(f field) int {
	if f.lines {
		return MaxTextLen
	}
	return MaxFieldLen
}

// printable reports whether v is at most max bytes of printable ASCII
// (0x20 to 0x7e): text that passes every rule of the checker.
func printable(v string, max int) bool {
	if len(v) > max {
		return false
	}
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := uint64(v[i]) | uint64(v[i+1])<<8 | uint64(v[i+2])<<16 | uint64(v[i+3])<<24 |
			uint64(v[i+4])<<32 | uint64(v[i+5])<<40 | uint64(v[i+6])<<48 | uint64(v[i+7])<<56
		// A byte below 0x20 borrows into its high bit, 0x7f carries into
		// it, and one from 0x80 up has it set.
		if ((x-0x20*lowBits)|(x+lowBits)|x)&highBits != 0 {
			return false
		}
	}
	for ; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
