package lead

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// decodeFast reads an event in exactly the layout Encode writes: one object,
// no whitespace, keys the event type knows, strings without escapes, no
// nulls. It returns ok false for anything else, and Decode then reads the
// bytes with encoding/json, which accepts every JSON spelling of an event.
// Whatever decodeFast accepts, encoding/json reads the same way; tests
// and a fuzz target hold it to that.
func decodeFast(data []byte) (ev Event, ok bool) {
	h, ok := quickHeader(data)
	if !ok || h.Schema != SchemaVersion {
		return nil, false
	}
	p := parser{data: data}
	var m Meta
	var e eventFields
	keys := 0
	ok = p.object(func(key []byte) bool {
		keys++
		switch string(key) {
		case "type", "schema":
			// Only where Encode puts them: a repeated key is read
			// differently by encoding/json (the last one wins).
			return keys <= 2 && p.skipScalar()
		case "lead":
			s, ok := p.str()
			m.Lead = ID(s)
			return ok
		case "version":
			v, ok := p.uint()
			m.Version = v
			return ok
		case "at":
			t, ok := p.time()
			m.At = t
			return ok
		case "actor":
			s, ok := p.str()
			m.Actor = s
			return ok
		case "command":
			s, ok := p.str()
			m.Command = s
			return ok
		case "correlation":
			s, ok := p.str()
			m.Correlation = s
			return ok
		}
		return e.field(&p, h.Type, key)
	})
	if !ok || p.i != len(data) {
		return nil, false
	}
	return e.event(h.Type, m)
}

// eventFields holds every field any event type has.
type eventFields struct {
	email, fullName, company, source, campaign, rep, team, reason  string
	channel, outcome, content, currency, action, manager, from, to string
	fit, intent, total, policyVersion, step                        int64
	amount, probability, fraction                                  float64
	closeDate, due, until                                          time.Time
	disqualify                                                     bool
	deadline                                                       DeadlineID
	stage                                                          Stage
	attrs                                                          map[string]string
	haveAttrs                                                      bool
}

func (e *eventFields) strField(key []byte) *string {
	switch string(key) {
	case "email":
		return &e.email
	case "full_name":
		return &e.fullName
	case "company":
		return &e.company
	case "source":
		return &e.source
	case "campaign":
		return &e.campaign
	case "rep":
		return &e.rep
	case "team":
		return &e.team
	case "reason":
		return &e.reason
	case "channel":
		return &e.channel
	case "outcome":
		return &e.outcome
	case "content":
		return &e.content
	case "currency":
		return &e.currency
	case "action":
		return &e.action
	case "manager":
		return &e.manager
	case "from":
		return &e.from
	case "to":
		return &e.to
	}
	return nil
}

func (e *eventFields) intField(key []byte) *int64 {
	switch string(key) {
	case "fit":
		return &e.fit
	case "intent":
		return &e.intent
	case "total":
		return &e.total
	case "policy_version":
		return &e.policyVersion
	case "step":
		return &e.step
	}
	return nil
}

func (e *eventFields) floatField(key []byte) *float64 {
	switch string(key) {
	case "amount":
		return &e.amount
	case "probability":
		return &e.probability
	case "fraction":
		return &e.fraction
	}
	return nil
}

func (e *eventFields) timeField(key []byte) *time.Time {
	switch string(key) {
	case "close_date":
		return &e.closeDate
	case "due":
		return &e.due
	case "until":
		return &e.until
	}
	return nil
}

// fieldKinds says, per type, which keys it has and how to read them.
var fieldKinds = map[string]map[string]byte{
	"Captured":           {"email": 's', "full_name": 's', "company": 's', "source": 's', "campaign": 's', "attributes": 'm'},
	"Scored":             {"fit": 'i', "intent": 'i', "total": 'i'},
	"MarketingQualified": {"source": 's'},
	"HandedOff":          {"rep": 's', "team": 's', "policy_version": 'i'},
	"Accepted":           {},
	"Rejected":           {"reason": 's', "disqualify": 'b'},
	"Touched":            {"channel": 's', "outcome": 's', "content": 's', "campaign": 's'},
	"SalesQualified":     {"amount": 'f', "currency": 's', "close_date": 't', "probability": 'f'},
	"Stalled":            {"from": 'g', "reason": 's'},
	"Recycled":           {"from": 'g', "reason": 's', "deadline": 'd'},
	"Disqualified":       {"reason": 's'},
	"Won":                {"amount": 'f', "currency": 's'},
	"Lost":               {"reason": 's'},
	"DeadlineWarned":     {"deadline": 'd', "fraction": 'f', "due": 't'},
	"DeadlineBreached":   {"deadline": 'd', "step": 'i', "action": 's', "due": 't', "rep": 's'},
	"Escalated":          {"deadline": 'd', "rep": 's', "manager": 's'},
	"Reassigned":         {"deadline": 'd', "from": 's', "to": 's', "team": 's', "policy_version": 'i'},
	"Paused":             {"reason": 's', "until": 't'},
	"Resumed":            {},
}

func (e *eventFields) field(p *parser, typ string, key []byte) bool {
	switch fieldKinds[typ][string(key)] {
	case 's':
		v, ok := p.str()
		*e.strField(key) = v
		return ok
	case 'i':
		v, ok := p.int()
		*e.intField(key) = v
		return ok
	case 'f':
		v, ok := p.float()
		*e.floatField(key) = v
		return ok
	case 't':
		v, ok := p.time()
		*e.timeField(key) = v
		return ok
	case 'b':
		v, ok := p.bool()
		e.disqualify = v
		return ok
	case 'g':
		s, ok := p.str()
		if !ok {
			return false
		}
		st, err := ParseStage(s)
		e.stage = st
		return err == nil
	case 'd':
		var d DeadlineID
		ok := p.object(func(k []byte) bool {
			switch string(k) {
			case "kind":
				s, ok := p.str()
				d.Kind = DeadlineKind(s)
				return ok
			case "since":
				v, ok := p.uint()
				d.Since = v
				return ok
			}
			return false
		})
		e.deadline = d
		return ok
	case 'm':
		if e.haveAttrs {
			return false // a repeated object merges in encoding/json; leave it to that
		}
		e.haveAttrs = true
		attrs := map[string]string{}
		ok := p.object(func(k []byte) bool {
			key, ok := p.checkedString(k)
			if !ok {
				return false
			}
			v, ok := p.str()
			attrs[key] = v
			return ok
		})
		if len(attrs) > 0 {
			e.attrs = attrs
		}
		return ok
	}
	return false
}

func (e *eventFields) event(typ string, m Meta) (Event, bool) {
	switch typ {
	case "Captured":
		return Captured{Meta: m, Email: e.email, FullName: e.fullName, Company: e.company, Source: e.source, Campaign: e.campaign, Attributes: e.attrs}, true
	case "Scored":
		return Scored{Meta: m, Fit: int(e.fit), Intent: int(e.intent), Total: int(e.total)}, true
	case "MarketingQualified":
		return MarketingQualified{Meta: m, Source: MQLSource(e.source)}, true
	case "HandedOff":
		return HandedOff{Meta: m, Rep: e.rep, Team: e.team, PolicyVersion: int(e.policyVersion)}, true
	case "Accepted":
		return Accepted{Meta: m}, true
	case "Rejected":
		return Rejected{Meta: m, Reason: e.reason, Disqualify: e.disqualify}, true
	case "Touched":
		return Touched{Meta: m, Channel: Channel(e.channel), Outcome: Outcome(e.outcome), Content: e.content, Campaign: e.campaign}, true
	case "SalesQualified":
		return SalesQualified{Meta: m, Amount: e.amount, Currency: e.currency, CloseDate: e.closeDate, Probability: e.probability}, true
	case "Stalled":
		return Stalled{Meta: m, From: e.stage, Reason: e.reason}, true
	case "Recycled":
		return Recycled{Meta: m, From: e.stage, Reason: e.reason, Deadline: e.deadline}, true
	case "Disqualified":
		return Disqualified{Meta: m, Reason: e.reason}, true
	case "Won":
		return Won{Meta: m, Amount: e.amount, Currency: e.currency}, true
	case "Lost":
		return Lost{Meta: m, Reason: e.reason}, true
	case "DeadlineWarned":
		return DeadlineWarned{Meta: m, Deadline: e.deadline, Fraction: e.fraction, Due: e.due}, true
	case "DeadlineBreached":
		return DeadlineBreached{Meta: m, Deadline: e.deadline, Step: int(e.step), Action: Action(e.action), Due: e.due, Rep: e.rep}, true
	case "Escalated":
		return Escalated{Meta: m, Deadline: e.deadline, Rep: e.rep, Manager: e.manager}, true
	case "Reassigned":
		return Reassigned{Meta: m, Deadline: e.deadline, From: e.from, To: e.to, Team: e.team, PolicyVersion: int(e.policyVersion)}, true
	case "Paused":
		return Paused{Meta: m, Reason: e.reason, Until: e.until}, true
	case "Resumed":
		return Resumed{Meta: m}, true
	}
	return nil, false
}

// parser reads the compact JSON Encode writes. Every method returns false
// on anything outside that layout.
type parser struct {
	data []byte
	i    int
}

// object reads {"key":value,...}, calling field with each key when the
// parser stands at the value; field must read the value.
func (p *parser) object(field func(key []byte) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.peek() == '}' {
		p.i++
		return true
	}
	for {
		key, ok := p.rawString()
		if !ok || !p.byte(':') || !field(key) {
			return false
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

func (p *parser) peek() byte {
	if p.i < len(p.data) {
		return p.data[p.i]
	}
	return 0
}

func (p *parser) byte(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// rawString reads a string without escapes or control bytes and returns
// its bytes.
func (p *parser) rawString() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			s := p.data[start:p.i]
			p.i++
			return s, true
		}
		if c == '\\' || c < 0x20 {
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// checkedString turns raw string bytes into a string when encoding/json
// would read them unchanged: valid UTF-8 (it replaces invalid bytes).
func (p *parser) checkedString(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

func (p *parser) str() (string, bool) {
	b, ok := p.rawString()
	if !ok {
		return "", false
	}
	return p.checkedString(b)
}

// number returns the bytes of a JSON number.
func (p *parser) number() ([]byte, bool) {
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	n := p.data[start:p.i]
	return n, len(n) > 0 && validNumber(n)
}

// validNumber checks the JSON number grammar, which strconv is more
// lenient than (it takes "+1", "01", ".5").
func validNumber(n []byte) bool {
	i := 0
	if n[i] == '-' {
		i++
	}
	if i == len(n) {
		return false
	}
	if n[i] == '0' {
		i++
	} else if n[i] >= '1' && n[i] <= '9' {
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		d := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		d := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(n)
}

func (p *parser) int() (int64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(n), 10, strconv.IntSize)
	return v, err == nil
}

func (p *parser) uint() (uint64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	return v, err == nil
}

func (p *parser) float() (float64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(n), 64)
	return v, err == nil
}

func (p *parser) bool() (bool, bool) {
	rest := p.data[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

func (p *parser) time() (time.Time, bool) {
	b, ok := p.rawString()
	if !ok {
		return time.Time{}, false
	}
	var t time.Time
	return t, t.UnmarshalText(b) == nil
}

// skipScalar passes over a string or a number.
func (p *parser) skipScalar() bool {
	if p.peek() == '"' {
		_, ok := p.rawString()
		return ok
	}
	_, ok := p.number()
	return ok
}
