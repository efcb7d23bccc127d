package lead

import (
	"bytes"
	"fmt"
	"strings"
)

// EventsDoc renders EVENTS.md from the schema table, with examples[type]
// (an encoded event) under each type that has one.
var EventsDoc = eventsDoc

func eventsDoc(examples map[string][]byte) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Event wire format\n\n")
	p("<!-- Generated from lead/schema.go by `go test ./lead -run EVENTS -update`. Do not edit. -->\n\n")
	p("`lead.Encode` writes each event as one flat JSON object, without whitespace:\n")
	p("`type` and `schema` first, then the fields every event has, then the event's\n")
	p("own, in the order listed here. An *optional* field is left out when it is\n")
	p("zero (empty string, 0, false, no attributes, no time, no deadline); a\n")
	p("*required* one is always written. Strings are escaped as Go's encoding/json\n")
	p("escapes them (`<`, `>` and `&` as `\\u003c`, `\\u003e`, `\\u0026`).\n\n")
	p("**Versioning.** `schema` is the type's format version. Any change to a\n")
	p("type's fields (adding, renaming, removing one, or changing its meaning)\n")
	p("raises it, and so does renaming the type. A reader decodes the current\n")
	p("version of each type; it reads an older version (or an older type name)\n")
	p("through upcasters (`lead.Upcasters`), chained, that turn each old shape\n")
	p("into the next. A field the type does not have is an error, unless an\n")
	p("upcaster took it away, so a renamed field is never silently dropped; a\n")
	p("`schema` no upcaster reads is refused rather than guessed at.\n\n")
	p("**Personal fields.** Fields marked *personal* below hold personal data\n")
	p("about the lead's contact: %s. When the writer has a data key for the\n", personalList())
	p("lead (`leadline.WithKeys`), they are not written as fields of their own\n")
	p("but as one `sealed` field, in the place of the first of them: base64 of\n")
	p("the AES-256-GCM encryption (random 12-byte nonce first, 16-byte tag last)\n")
	p("of the JSON object of their values, with `<lead>\\x00<type>\\x00<version>` as\n")
	p("additional data. Erasing the lead deletes its key: from then on every\n")
	p("personal field of the lead reads as `%s`. Other fields are never\n", ErasedField)
	p("sealed and must not hold personal data: reasons, touch contents,\n")
	p("attributes; `company` names the account (a business, which revenue per\n")
	p("account is counted by) and stays readable. See [PRIVACY.md](PRIVACY.md).\n\n")

	p("## Every event\n\n")
	p("| field | type | presence | meaning |\n|---|---|---|---|\n")
	p("| `type` | string | required | the event type: one of the sections below |\n")
	p("| `schema` | integer | required | the type's schema version |\n")
	docFields(p, metaFields)

	p("\n## Types\n\n")
	for _, s := range schemas {
		p("- [%s](#%s): %s\n", s.typ, strings.ToLower(s.typ), s.doc)
	}
	for _, s := range schemas {
		p("\n## %s\n\n", s.typ)
		p("Schema %d. %s%s.\n\n", s.ver, strings.ToUpper(s.doc[:1]), s.doc[1:])
		if len(s.fields) == 0 {
			p("No fields beyond those every event has.\n")
		} else {
			p("| field | type | presence | meaning |\n|---|---|---|---|\n")
			docFields(p, s.fields)
		}
		if ex, ok := examples[s.typ]; ok {
			p("\n```json\n%s\n```\n", ex)
		}
	}
	return b.Bytes()
}

// personalList names the personal fields of every type, for the docs.
func personalList() string {
	var names []string
	for _, s := range schemas {
		for _, i := range s.personal {
			names = append(names, "`"+s.typ+"."+s.plan[i].name+"`")
		}
	}
	return strings.Join(names, ", ")
}

func docFields(p func(string, ...any), fs []field) {
	for _, f := range fs {
		presence := "required"
		if f.optional {
			presence = "optional"
		}
		if f.personal {
			presence += ", personal"
		}
		p("| `%s` | %s | %s | %s |\n", f.name, kindDoc(f.kind), presence, f.doc)
	}
}

func kindDoc(k kind) string {
	switch k {
	case kindString:
		return "string"
	case kindInt, kindUint:
		return "integer"
	case kindFloat:
		return "number"
	case kindBool:
		return "boolean"
	case kindTime:
		return "string: RFC 3339 time, fractional seconds only when not zero"
	case kindStage:
		return "string: a stage, `" + strings.Join(stageNames[1:], "`, `") + "`"
	case kindDeadline:
		kinds := make([]string, 0, len(Kinds()))
		for _, k := range Kinds() {
			kinds = append(kinds, string(k))
		}
		return "object: `kind` (`" + strings.Join(kinds, "`, `") + "`) and `since` (integer), the version of the event that started the clock"
	case kindAttrs:
		return "object of strings"
	}
	panic(fmt.Sprintf("lead: no documentation for kind %d", k))
}
