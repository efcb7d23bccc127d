package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadline/leadline/lead"
)

// The policy file format is described in POLICY.md. The types below mirror
// it field for field; conversion to and from Policy happens in one place
// each (fromFile, toFile), and the schema walk (index) reads the JSON names
// and kinds from these types, so the format is written down once.

type fileSet struct {
	Policies []filePolicy `json:"policies"`
	Segments []fileMatch  `json:"segments,omitempty"`
	Review   *fileReview  `json:"review,omitempty"`
}

// fileReview is a Set's Review.
type fileReview struct {
	Effective string `json:"effective"`
	Months    int    `json:"months"`
}

// fileMatch is one rule of a Set's Rules selector.
type fileMatch struct {
	Segment    string            `json:"segment"`
	Source     string            `json:"source,omitempty"`
	Campaign   string            `json:"campaign,omitempty"`
	MQLSource  lead.MQLSource    `json:"mql_source,omitempty"`
	Team       string            `json:"team,omitempty"`
	MinScore   int               `json:"min_score,omitempty"`
	MaxScore   int               `json:"max_score,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

type filePolicy struct {
	Name          string            `json:"name,omitempty"`
	Version       int               `json:"version"`
	HandOff       *fileRule         `json:"hand_off,omitempty"`
	SalesReady    *fileThreshold    `json:"sales_ready,omitempty"`
	Accept        *fileRule         `json:"accept,omitempty"`
	FirstTouch    *fileRule         `json:"first_touch,omitempty"`
	Cadence       *fileCadence      `json:"cadence,omitempty"`
	Unresponsive  *fileUnresponsive `json:"unresponsive,omitempty"`
	Qualify       *fileRule         `json:"qualify,omitempty"`
	Stall         *fileStall        `json:"stall,omitempty"`
	RequiredAtSQL []Field           `json:"required_at_sql,omitempty"`
	Warnings      []float64         `json:"warnings,omitempty"`
	Calendar      *fileCalendar     `json:"calendar,omitempty"`
}

type fileRule struct {
	Within   string     `json:"within,omitempty"`
	Business bool       `json:"business,omitempty"`
	Ladder   []fileStep `json:"ladder,omitempty"`
}

// fileThreshold is a sales-ready threshold: minimums of fit, intent and
// their total.
type fileThreshold struct {
	Fit    int `json:"fit,omitempty"`
	Intent int `json:"intent,omitempty"`
	Total  int `json:"total,omitempty"`
}

type fileStep struct {
	After  string      `json:"after"`
	Action lead.Action `json:"action"`
}

type fileCadence struct {
	Touches  int        `json:"touches,omitempty"`
	Within   string     `json:"within,omitempty"`
	Gap      string     `json:"gap,omitempty"`
	Business bool       `json:"business,omitempty"`
	Ladder   []fileStep `json:"ladder,omitempty"`
}

type fileUnresponsive struct {
	Attempts int        `json:"attempts,omitempty"`
	Within   string     `json:"within,omitempty"`
	Business bool       `json:"business,omitempty"`
	Ladder   []fileStep `json:"ladder,omitempty"`
}

type fileStall struct {
	Accepted string     `json:"accepted,omitempty"`
	SQL      string     `json:"sql,omitempty"`
	Grace    string     `json:"grace,omitempty"`
	Business bool       `json:"business,omitempty"`
	Ladder   []fileStep `json:"ladder,omitempty"`
}

type fileCalendar struct {
	Zone     string   `json:"zone"`
	Week     fileWeek `json:"week,omitzero"`
	Holidays []string `json:"holidays,omitempty"`
}

// fileWeek holds the spans of each weekday; days[i] is the field of
// time.Weekday i.
type fileWeek struct {
	Mon []string `json:"mon,omitempty"`
	Tue []string `json:"tue,omitempty"`
	Wed []string `json:"wed,omitempty"`
	Thu []string `json:"thu,omitempty"`
	Fri []string `json:"fri,omitempty"`
	Sat []string `json:"sat,omitempty"`
	Sun []string `json:"sun,omitempty"`
}

func (w *fileWeek) days() [7]*[]string {
	return [7]*[]string{&w.Sun, &w.Mon, &w.Tue, &w.Wed, &w.Thu, &w.Fri, &w.Sat}
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// maxFileSize bounds what ParsePolicies reads; a policy set is a page or
// two, so anything near this is not a policy file.
const maxFileSize = 4 << 20

// FileError is the error ParsePolicies, LoadPolicies and WritePolicies
// return: which file, which line and which field of the policy file, and
// why. errors.Is(err, ErrPolicy) is true for every FileError; Err holds
// the underlying error (a *PolicyError, a *CalendarError, a
// *json.SyntaxError, the error of time.LoadLocation) where there is one.
type FileError struct {
	// Path is the file's name as given to LoadPolicies; empty for
	// ParsePolicies, WritePolicies and the JSON methods.
	Path string
	// Line is the 1-based line of the field in the file, 0 when unknown
	// (when writing, or for a field the file leaves out and whose parent
	// is not there either).
	Line int
	// Field is the field's path in the file's own names, as in
	// "policies[1].accept.ladder[2].after"; empty when the file as a
	// whole is wrong (a syntax error before any field, trailing data).
	Field string
	// Err is what is wrong.
	Err error
}

// Error returns "sla: policy file " followed by path:line: field: reason,
// leaving out the parts that are unknown.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString("sla: policy file")
	where := e.Path
	if e.Line > 0 {
		if where == "" {
			where = "line " + strconv.Itoa(e.Line)
		} else {
			where += ":" + strconv.Itoa(e.Line)
		}
	}
	if where != "" {
		b.WriteString(" " + where)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(reason(e.Err))
	return b.String()
}

// Unwrap returns Err.
func (e *FileError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPolicy) true.
func (e *FileError) Is(target error) bool { return target == ErrPolicy }

// reason is the text of err without the prefixes that repeat what a
// FileError already says (the Go field names of a PolicyError).
func reason(err error) string {
	var ce *CalendarError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	var pe *PolicyError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	if err == nil {
		return "invalid"
	}
	return err.Error()
}

// ParsePolicies reads a policy file, a JSON object {"policies": [...]}
// as POLICY.md describes, and returns its policies in file order. Every
// policy is checked with Policy.Validate; the versions of a segment (a
// name) must be distinct, and
// a file with no policies is an error. Unknown fields, duplicate fields,
// values of the wrong kind and trailing data are errors too. Every error
// is a *FileError naming the field and, where the file has it, the line.
// A leading UTF-8 byte order mark is skipped. A file with a "segments"
// list or a "review" cadence is refused, so that neither is lost: read it
// with ParseSet.
func ParsePolicies(r io.Reader) ([]Policy, error) {
	set, ix, out, err := parseFile(r)
	if err != nil {
		return nil, err
	}
	if len(set.Segments) > 0 {
		return nil, ix.fail("segments", errors.New("the file selects segments: read it with ParseSet or LoadSet"))
	}
	if set.Review != nil {
		return nil, ix.fail("review", errors.New("the file sets a review cadence: read it with ParseSet or LoadSet"))
	}
	return out, nil
}

// ParseSet reads a policy file as ParsePolicies does, with its optional
// "segments" list of rules that select a lead's segment and its optional
// "review" cadence (POLICY.md), and returns a Set of its policies (in
// file order, so the last version of a segment is current) whose Selector
// is those Rules and whose Review is that cadence. A rule must name a
// segment the file has policies for and bound scores with 0 <= min_score
// <= max_score when both are set. Errors are *FileError.
func ParseSet(r io.Reader) (Set, error) {
	file, ix, ps, err := parseFile(r)
	if err != nil {
		return Set{}, err
	}
	names := map[string]bool{}
	for _, p := range ps {
		names[p.Name] = true
	}
	var rules Rules
	for i, m := range file.Segments {
		at := fmt.Sprintf("segments[%d]", i)
		if !names[m.Segment] {
			return Set{}, ix.fail(at+".segment", fmt.Errorf("no policy in the file has the name %q", m.Segment))
		}
		if m.MinScore < 0 || m.MaxScore < 0 || m.MaxScore != 0 && m.MinScore > m.MaxScore {
			return Set{}, ix.fail(at, fmt.Errorf("min_score %d and max_score %d do not make a score band", m.MinScore, m.MaxScore))
		}
		rules = append(rules, Match{Segment: m.Segment, Source: m.Source, Campaign: m.Campaign, MQLSource: m.MQLSource,
			Team: m.Team, MinScore: m.MinScore, MaxScore: m.MaxScore, Attributes: m.Attributes})
	}
	var sel Selector
	if len(rules) > 0 {
		sel = rules
	}
	set, err := NewSet(sel, ps...)
	if err != nil {
		return Set{}, &FileError{Err: err}
	}
	if r := file.Review; r != nil {
		d, err := parseDate(r.Effective)
		if err != nil {
			return Set{}, ix.fail("review.effective", err)
		}
		set.Review = Review{Effective: d, Months: r.Months}
		if err := set.Review.Validate(); err != nil {
			field := "review.months"
			if pe := (*PolicyError)(nil); errors.As(err, &pe) && pe.Field == "Review.Effective" {
				field = "review.effective"
			}
			return Set{}, ix.fail(field, err)
		}
	}
	return set, nil
}

// WriteSet writes set to w as a policy file that ParseSet reads back
// into an equal Set: every version of every segment (segments by name,
// each segment's versions in increasing order with its current version
// last, so that it stays current), the segment rules when the Selector
// is Rules, and the review cadence. It checks what WritePolicies checks,
// and that the Selector is nil or Rules whose segments the set holds
// (a SelectorFunc is code, which a file cannot hold). Nothing is written
// when a check fails; errors are *FileError.
func WriteSet(w io.Writer, set Set) error {
	var ps []Policy
	for _, name := range set.Segments() {
		seg := set.segments[name]
		versions := slices.Sorted(maps.Keys(seg.versions))
		for _, v := range versions {
			if v != seg.current {
				ps = append(ps, seg.versions[v])
			}
		}
		ps = append(ps, seg.versions[seg.current])
	}
	file, err := policiesToFile(ps)
	if err != nil {
		return err
	}
	switch sel := set.Selector.(type) {
	case nil:
	case Rules:
		for i, m := range sel {
			at := fmt.Sprintf("segments[%d]", i)
			if _, ok := set.Current(m.Segment); !ok {
				return &FileError{Field: at + ".segment", Err: fmt.Errorf("the set has no policy with the name %q", m.Segment)}
			}
			if m.MinScore < 0 || m.MaxScore < 0 || m.MaxScore != 0 && m.MinScore > m.MaxScore {
				return &FileError{Field: at, Err: fmt.Errorf("min_score %d and max_score %d do not make a score band", m.MinScore, m.MaxScore)}
			}
			file.Segments = append(file.Segments, fileMatch{Segment: m.Segment, Source: m.Source, Campaign: m.Campaign,
				MQLSource: m.MQLSource, Team: m.Team, MinScore: m.MinScore, MaxScore: m.MaxScore, Attributes: m.Attributes})
		}
	default:
		return &FileError{Field: "segments", Err: fmt.Errorf("a %T selector cannot be written to a file: only sla.Rules can", sel)}
	}
	if !set.Review.IsZero() {
		if err := set.Review.Validate(); err != nil {
			return &FileError{Field: "review", Err: err}
		}
		file.Review = &fileReview{Effective: set.Review.Effective.String(), Months: set.Review.Months}
	}
	return writeFile(w, file)
}

// LoadSet reads the policy file name from fsys with ParseSet, as
// LoadPolicies does with ParsePolicies.
func LoadSet(fsys fs.FS, name string) (Set, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return Set{}, &FileError{Path: name, Err: err}
	}
	defer f.Close()
	set, err := ParseSet(f)
	var fe *FileError
	if errors.As(err, &fe) {
		fe.Path = name
	}
	return set, err
}

// parseFile reads and checks a policy file: its policies in file order.
func parseFile(r io.Reader) (fileSet, *index, []Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return fileSet{}, nil, nil, &FileError{Err: err}
	}
	if len(data) > maxFileSize {
		return fileSet{}, nil, nil, &FileError{Err: fmt.Errorf("larger than %d bytes", maxFileSize)}
	}
	// Editors on some systems start a UTF-8 file with a byte order mark,
	// which JSON does not allow; it holds no newline, so lines still count.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var set fileSet
	ix, err := decode(data, &set)
	if err != nil {
		return set, nil, nil, err
	}
	if len(set.Policies) == 0 {
		return set, ix, nil, ix.fail("policies", errors.New("the file has no policies"))
	}
	out := make([]Policy, len(set.Policies))
	seen := map[policyKey]int{}
	for i, fp := range set.Policies {
		at := fmt.Sprintf("policies[%d]", i)
		p, err := fp.policy(ix, at)
		if err != nil {
			return set, ix, nil, err
		}
		if j, dup := seen[keyOf(p)]; dup {
			return set, ix, nil, ix.fail(at+".version", duplicate(p, j))
		}
		seen[keyOf(p)] = i
		out[i] = p
	}
	return set, ix, out, nil
}

// LoadPolicies reads the policy file name from fsys with ParsePolicies:
// LoadPolicies(os.DirFS("."), "sla.json") for a file on disk, or an
// embed.FS for a file built into the program. Errors are *FileError with
// Path set to name.
//
// Calendars name IANA zones, so a program whose host may lack the zone
// database should import _ "time/tzdata".
func LoadPolicies(fsys fs.FS, name string) ([]Policy, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &FileError{Path: name, Err: err}
	}
	defer f.Close()
	ps, err := ParsePolicies(f)
	var fe *FileError
	if errors.As(err, &fe) {
		fe.Path = name
	}
	return ps, err
}

// WritePolicies writes policies to w as a policy file that ParsePolicies
// reads back into policies equal to these (Policy.Equal), indented for
// people to edit. It checks first what ParsePolicies would: each policy
// passes Validate, the versions of each segment are distinct, a calendar's zone is one
// time.LoadLocation finds by its name (not Local, not a FixedZone), and
// holiday years have four digits. Nothing is written when a check fails.
func WritePolicies(w io.Writer, policies ...Policy) error {
	file, err := policiesToFile(policies)
	if err != nil {
		return err
	}
	return writeFile(w, file)
}

// policiesToFile converts policies to a file's, with the checks
// WritePolicies documents.
func policiesToFile(policies []Policy) (fileSet, error) {
	if len(policies) == 0 {
		return fileSet{}, &FileError{Field: "policies", Err: errors.New("no policies to write")}
	}
	set := fileSet{Policies: make([]filePolicy, len(policies))}
	seen := map[policyKey]int{}
	for i, p := range policies {
		at := fmt.Sprintf("policies[%d]", i)
		fp, err := toFile(p, at)
		if err != nil {
			return fileSet{}, err
		}
		if j, dup := seen[keyOf(p)]; dup {
			return fileSet{}, &FileError{Field: at + ".version", Err: duplicate(p, j)}
		}
		seen[keyOf(p)] = i
		set.Policies[i] = fp
	}
	return set, nil
}

// writeFile writes set laid out for people to edit.
func writeFile(w io.Writer, set fileSet) error {
	raw, err := json.Marshal(set)
	if err != nil {
		return &FileError{Err: err}
	}
	var b bytes.Buffer
	if err := layout(&b, raw, "", 0, false); err != nil {
		return &FileError{Err: err}
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

// policyKey is what a policy file holds once: a segment's version.
type policyKey struct {
	name    string
	version int
}

func keyOf(p Policy) policyKey { return policyKey{p.Name, p.Version} }

func duplicate(p Policy, j int) error {
	if p.Name == "" {
		return fmt.Errorf("version %d is already the version of policies[%d]", p.Version, j)
	}
	return fmt.Errorf("version %d of %q is already the version of policies[%d]", p.Version, p.Name, j)
}

// lineWidth is the width up to which layout keeps an object or array on
// one line.
const lineWidth = 80

// layout writes the compact JSON value raw to b for people to read: an
// object or array that fits in what is left of a line of lineWidth (used
// is what the line already holds) stays on one line, others get one
// member per line, indented. inline forces one line.
func layout(b *bytes.Buffer, raw []byte, indent string, used int, inline bool) error {
	if raw[0] != '{' && raw[0] != '[' {
		b.Write(raw)
		return nil
	}
	// The one-line form is at least as long as the compact one, so a
	// value whose compact form does not fit is not tried.
	if !inline && used+len(raw) <= lineWidth {
		var one bytes.Buffer
		if err := layout(&one, raw, "", 0, true); err != nil {
			return err
		}
		if used+one.Len() <= lineWidth {
			b.Write(one.Bytes())
			return nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	open, err := dec.Token()
	if err != nil {
		return err
	}
	obj := open == json.Delim('{')
	inner := indent + "  "
	b.WriteByte(raw[0])
	for i := 0; dec.More(); i++ {
		switch {
		case inline && i > 0:
			b.WriteString(", ")
		case !inline:
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n" + inner)
		}
		start := b.Len()
		if obj {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := json.Marshal(k)
			b.Write(key)
			b.WriteString(": ")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if err := layout(b, v, inner, len(inner)+b.Len()-start, inline); err != nil {
			return err
		}
	}
	if !inline {
		b.WriteString("\n" + indent)
	}
	b.WriteByte(raw[len(raw)-1])
	return nil
}

// MarshalJSON encodes p as one policy of a policy file (POLICY.md), so
// json.Marshal writes durations as "8h" and a calendar by its zone name.
// It fails, with a *FileError, for a policy WritePolicies would refuse.
func (p Policy) MarshalJSON() ([]byte, error) {
	fp, err := toFile(p, "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(fp)
}

// UnmarshalJSON decodes one policy in the format of a policy file
// (POLICY.md) and validates it. Errors are *FileError with fields and
// lines counted from the start of the policy's own JSON object.
func (p *Policy) UnmarshalJSON(data []byte) error {
	var fp filePolicy
	ix, err := decode(data, &fp)
	if err != nil {
		return err
	}
	q, err := fp.policy(ix, "")
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// MarshalJSON encodes c as the calendar of a policy file (POLICY.md): its
// zone name, weekly spans and holidays. It fails, with a *FileError, for a
// calendar that fails Validate or whose zone cannot be loaded by name.
func (c Calendar) MarshalJSON() ([]byte, error) {
	fc, err := calendarToFile(c, "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(fc)
}

// UnmarshalJSON decodes a calendar in the format of a policy file
// (POLICY.md), loads its zone and validates it. Errors are *FileError.
func (c *Calendar) UnmarshalJSON(data []byte) error {
	var fc fileCalendar
	ix, err := decode(data, &fc)
	if err != nil {
		return err
	}
	d, err := fc.calendar(ix, "")
	if err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return ix.fail(calendarField("", err), err)
	}
	*c = d
	return nil
}

// decode checks data against the schema of dst (a pointer to one of the
// file types) and decodes it into dst. The index it returns gives the
// line of each field, for the errors of the checks that follow.
func decode(data []byte, dst any) (*index, error) {
	ix := newIndex(data)
	if err := ix.walk(reflect.TypeOf(dst).Elem()); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		// The walk has checked syntax, names and kinds; what is left is
		// a number out of range for its field.
		return nil, ix.jsonError(err)
	}
	return ix, nil
}

func (fp filePolicy) policy(ix *index, at string) (Policy, error) {
	c := converter{ix: ix, at: at}
	p := Policy{Name: fp.Name, Version: fp.Version, RequiredAtSQL: fp.RequiredAtSQL, Warnings: fp.Warnings}
	rule := func(name string, r *fileRule) Rule {
		if r == nil {
			return Rule{}
		}
		return Rule{Within: c.duration(name+".within", r.Within), Business: r.Business, Ladder: c.ladder(name+".ladder", r.Ladder)}
	}
	p.HandOff = rule("hand_off", fp.HandOff)
	if t := fp.SalesReady; t != nil {
		p.SalesReady = lead.Threshold{Fit: t.Fit, Intent: t.Intent, Total: t.Total}
	}
	p.Accept = rule("accept", fp.Accept)
	p.FirstTouch = rule("first_touch", fp.FirstTouch)
	p.Qualify = rule("qualify", fp.Qualify)
	if r := fp.Cadence; r != nil {
		p.Cadence = Cadence{Touches: r.Touches, Within: c.duration("cadence.within", r.Within), Gap: c.duration("cadence.gap", r.Gap),
			Business: r.Business, Ladder: c.ladder("cadence.ladder", r.Ladder)}
	}
	if r := fp.Unresponsive; r != nil {
		p.Unresponsive = Unresponsive{Attempts: r.Attempts, Within: c.duration("unresponsive.within", r.Within),
			Business: r.Business, Ladder: c.ladder("unresponsive.ladder", r.Ladder)}
	}
	if r := fp.Stall; r != nil {
		p.Stall = Stall{Accepted: c.duration("stall.accepted", r.Accepted), SQL: c.duration("stall.sql", r.SQL),
			Grace: c.duration("stall.grace", r.Grace), Business: r.Business, Ladder: c.ladder("stall.ladder", r.Ladder)}
	}
	if c.err != nil {
		return Policy{}, c.err
	}
	if fp.Calendar != nil {
		cal, err := fp.Calendar.calendar(ix, joinPath(at, "calendar"))
		if err != nil {
			return Policy{}, err
		}
		p.Calendar = cal
	}
	if err := p.Validate(); err != nil {
		return Policy{}, ix.fail(joinPath(at, policyField(err)), err)
	}
	return p, nil
}

// converter converts the fields of one policy, keeping the first error.
type converter struct {
	ix  *index
	at  string
	err error
}

func (c *converter) duration(field, s string) time.Duration {
	if c.err != nil || s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		c.err = c.ix.fail(joinPath(c.at, field), fmt.Errorf(`%q is not a Go duration such as "8h", "1h30m" or "96h" (there is no day unit)`, s))
	}
	return d
}

func (c *converter) ladder(field string, steps []fileStep) []Step {
	var l []Step
	for i, s := range steps {
		l = append(l, Step{After: c.duration(fmt.Sprintf("%s[%d].after", field, i), s.After), Action: s.Action})
	}
	return l
}

func (fc *fileCalendar) calendar(ix *index, at string) (Calendar, error) {
	var c Calendar
	switch fc.Zone {
	case "":
		return c, ix.fail(joinPath(at, "zone"), errors.New(`missing: name an IANA zone such as "UTC" or "Europe/Berlin"`))
	case "Local":
		return c, ix.fail(joinPath(at, "zone"), errors.New(`"Local" is each machine's own zone: name an IANA zone such as "Europe/Berlin"`))
	}
	loc, err := time.LoadLocation(fc.Zone)
	if err != nil {
		return c, ix.fail(joinPath(at, "zone"), err)
	}
	c.Location = loc
	for wd, spans := range fc.Week.days() {
		for i, s := range *spans {
			sp, err := parseSpan(s)
			if err != nil {
				return c, ix.fail(fmt.Sprintf("%s[%d]", joinPath(at, "week."+dayNames[wd]), i), err)
			}
			c.Week[wd] = append(c.Week[wd], sp)
		}
	}
	for i, h := range fc.Holidays {
		d, err := parseDate(h)
		if err != nil {
			return c, ix.fail(fmt.Sprintf("%s[%d]", joinPath(at, "holidays"), i), err)
		}
		c.Holidays = append(c.Holidays, d)
	}
	return c, nil
}

// toFile converts p to its file form after the checks WritePolicies
// documents; at is p's path in the file, for errors.
func toFile(p Policy, at string) (filePolicy, error) {
	if err := p.Validate(); err != nil {
		return filePolicy{}, &FileError{Field: joinPath(at, policyField(err)), Err: err}
	}
	fp := filePolicy{
		Name:          p.Name,
		Version:       p.Version,
		RequiredAtSQL: p.RequiredAtSQL,
		Warnings:      p.Warnings,
	}
	rule := func(r Rule) *fileRule {
		if r.Within == 0 && !r.Business && len(r.Ladder) == 0 {
			return nil
		}
		return &fileRule{Within: optDuration(r.Within), Business: r.Business, Ladder: ladderToFile(r.Ladder)}
	}
	fp.HandOff, fp.Accept, fp.FirstTouch, fp.Qualify = rule(p.HandOff), rule(p.Accept), rule(p.FirstTouch), rule(p.Qualify)
	if t := p.SalesReady; !t.IsZero() {
		fp.SalesReady = &fileThreshold{Fit: t.Fit, Intent: t.Intent, Total: t.Total}
	}
	if c := p.Cadence; c.Touches != 0 || c.Within != 0 || c.Gap != 0 || c.Business || len(c.Ladder) > 0 {
		fp.Cadence = &fileCadence{Touches: c.Touches, Within: optDuration(c.Within), Gap: optDuration(c.Gap), Business: c.Business, Ladder: ladderToFile(c.Ladder)}
	}
	if u := p.Unresponsive; u.Attempts != 0 || u.Within != 0 || u.Business || len(u.Ladder) > 0 {
		fp.Unresponsive = &fileUnresponsive{Attempts: u.Attempts, Within: optDuration(u.Within), Business: u.Business, Ladder: ladderToFile(u.Ladder)}
	}
	if s := p.Stall; s.Accepted != 0 || s.SQL != 0 || s.Grace != 0 || s.Business || len(s.Ladder) > 0 {
		fp.Stall = &fileStall{Accepted: optDuration(s.Accepted), SQL: optDuration(s.SQL), Grace: optDuration(s.Grace), Business: s.Business, Ladder: ladderToFile(s.Ladder)}
	}
	if !p.Calendar.always() || p.Calendar.location().String() != "UTC" {
		fc, err := calendarToFile(p.Calendar, joinPath(at, "calendar"))
		if err != nil {
			return filePolicy{}, err
		}
		fp.Calendar = &fc
	}
	return fp, nil
}

func calendarToFile(c Calendar, at string) (fileCalendar, error) {
	if err := c.Validate(); err != nil {
		return fileCalendar{}, &FileError{Field: calendarField(at, err), Err: err}
	}
	name := c.location().String()
	fail := func(err error) (fileCalendar, error) {
		return fileCalendar{}, &FileError{Field: joinPath(at, "zone"), Err: err}
	}
	if name == "Local" {
		return fail(errors.New(`time.Local has no portable name: load the zone with time.LoadLocation("Area/City")`))
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fail(fmt.Errorf("zone %q cannot be loaded by its name: %w", name, err))
	}
	fc := fileCalendar{Zone: name}
	for wd, spans := range fc.Week.days() {
		for _, s := range c.Week[wd] {
			*spans = append(*spans, s.String())
		}
	}
	for i, h := range c.Holidays {
		if h.Year < 0 || h.Year > 9999 {
			return fileCalendar{}, &FileError{Field: fmt.Sprintf("%s[%d]", joinPath(at, "holidays"), i), Err: fmt.Errorf("year %d does not have four digits", h.Year)}
		}
		fc.Holidays = append(fc.Holidays, h.String())
	}
	return fc, nil
}

func ladderToFile(l []Step) []fileStep {
	var out []fileStep
	for _, s := range l {
		out = append(out, fileStep{After: formatDuration(s.After), Action: s.Action})
	}
	return out
}

// formatDuration writes d as time.Duration.String does, without the zero
// minutes and seconds it ends with: "8h", "1h30m", "90s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func optDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return formatDuration(d)
}

// parseSpan reads "09:00-18:00"; the times as parseTimeOfDay reads them.
func parseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf(`%q is not a span such as "09:00-18:00"`, s)
	}
	start, err := parseTimeOfDay(a)
	if err != nil {
		return Span{}, fmt.Errorf("span %q: %w", s, err)
	}
	end, err := parseTimeOfDay(b)
	if err != nil {
		return Span{}, fmt.Errorf("span %q: %w", s, err)
	}
	return Span{Start: start, End: end}, nil
}

// parseTimeOfDay reads what TimeOfDay.String writes: "15:04", "15:04:05"
// or "15:04:05.000000001", from 00:00 to 24:00.
func parseTimeOfDay(s string) (TimeOfDay, error) {
	bad := fmt.Errorf(`%q is not a time of day from "00:00" to "24:00"`, s)
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	frac := ""
	if len(parts) == 3 {
		parts[2], frac, _ = strings.Cut(parts[2], ".")
		if len(frac) > 9 || strings.Contains(s, ".") && frac == "" {
			return 0, bad
		}
	}
	var n [3]int
	for i, p := range parts {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, bad
		}
		n[i] = int(p[0]-'0')*10 + int(p[1]-'0')
	}
	var ns int
	for i := range 9 {
		ns *= 10
		if i < len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return 0, bad
			}
			ns += int(frac[i] - '0')
		}
	}
	if n[0] > 24 || n[1] > 59 || n[2] > 59 || n[0] == 24 && (n[1] != 0 || n[2] != 0 || ns != 0) {
		return 0, bad
	}
	return TimeOfDay(time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute +
		time.Duration(n[2])*time.Second + time.Duration(ns)), nil
}

// parseDate reads "2026-12-25"; whether the day exists is Validate's
// question, so that the error names it the same way for Go and files.
func parseDate(s string) (Date, error) {
	bad := fmt.Errorf(`%q is not a date such as "2026-12-25"`, s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, bad
	}
	var n [3]int
	for i, p := range []string{s[:4], s[5:7], s[8:]} {
		for _, ch := range []byte(p) {
			if ch < '0' || ch > '9' {
				return Date{}, bad
			}
			n[i] = n[i]*10 + int(ch-'0')
		}
	}
	return Date{Year: n[0], Month: time.Month(n[1]), Day: n[2]}, nil
}

func joinPath(at, field string) string {
	switch {
	case at == "":
		return field
	case field == "":
		return at
	}
	return at + "." + field
}

// policyField turns the Go field path of a Validate error
// ("FirstTouch.Ladder[1].After", "Calendar" with a *CalendarError) into
// the file's ("first_touch.ladder[1].after", "calendar.week.mon[0]").
func policyField(err error) string {
	var pe *PolicyError
	if !errors.As(err, &pe) {
		return ""
	}
	if pe.Field == "Calendar" {
		return calendarField("calendar", err)
	}
	var parts []string
	for seg := range strings.SplitSeq(pe.Field, ".") {
		name, idx, _ := strings.Cut(seg, "[")
		if idx != "" {
			idx = "[" + idx
		}
		parts = append(parts, snake(name)+idx)
	}
	return strings.Join(parts, ".")
}

// calendarField turns the Field of a *CalendarError in err ("Week[Monday][1]",
// "Holidays[3]") into the file's ("week.mon[1]", "holidays[3]") under at.
func calendarField(at string, err error) string {
	var ce *CalendarError
	if !errors.As(err, &ce) {
		return at
	}
	if rest, ok := strings.CutPrefix(ce.Field, "Week["); ok {
		day, idx, _ := strings.Cut(rest, "]")
		for wd, name := range dayNames {
			if time.Weekday(wd).String() == day {
				return joinPath(at, "week."+name+idx)
			}
		}
	}
	if rest, ok := strings.CutPrefix(ce.Field, "Holidays"); ok {
		return joinPath(at, "holidays"+rest)
	}
	return at
}

// snake turns a Go field name into its file name: FirstTouch is
// first_touch, RequiredAtSQL is required_at_sql.
func snake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := s[i-1] >= 'a' && s[i-1] <= 'z'
			nextLower := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			if prevLower || nextLower && s[i-1] >= 'A' && s[i-1] <= 'Z' {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
