package lead

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// Personal fields (the schema table marks them with contact; EVENTS.md
// lists them) are what crypto-shredding protects. With a lead's data key,
// AppendEncodeSealed writes them not as fields of their own but as one
// "sealed" field: the JSON object of their values, encrypted with
// AES-256-GCM under the key, a random nonce per event, and the lead ID,
// event type and version as additional data, so that sealed bytes moved
// to another event or lead do not open. Deleting the key (erasure) makes
// every copy of those bytes unreadable; the rest of the event stays
// plaintext.

// DataKeySize is the length in bytes of a data key (AES-256).
const DataKeySize = 32

// ErasedField is what a personal field of an erased lead reads as: its
// data key is gone, so the sealed values cannot be opened, and an empty
// optional field cannot be told from a filled one.
const ErasedField = "[erased]"

// sealedKey is the wire name of the sealed personal fields.
const sealedKey = "sealed"

// ErrNoKey is matched by the error Decode returns for an event with sealed
// personal fields when the Decoder has no Key function.
var ErrNoKey = errors.New("lead: sealed personal fields and no data key to open them")

// DataKey is one lead's key for its personal fields. It is safe for
// concurrent use.
type DataKey struct {
	aead cipher.AEAD
}

// NewDataKey returns the data key made of key, DataKeySize random bytes
// (a key store keeps them).
func NewDataKey(key []byte) (*DataKey, error) {
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("lead: a data key has %d bytes, got %d", DataKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("lead: data key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("lead: data key: %w", err)
	}
	return &DataKey{aead: aead}, nil
}

// KeyFunc returns the data key of lead id, for a Decoder that meets its
// sealed personal fields: nil and no error when the lead was erased (the
// fields then read as ErasedField), an error when the key cannot be had
// (Decode returns it, wrapped; it never falls back to anything).
type KeyFunc func(id ID) (*DataKey, error)

// AppendEncodeSealed appends the encoding of e to b as AppendEncode does,
// with e's personal fields sealed under k. A nil k, or an event type
// without personal fields, writes what AppendEncode writes.
func AppendEncodeSealed(b []byte, e Event, k *DataKey) ([]byte, error) {
	if e == nil {
		return b, fmt.Errorf("%w: nil event", ErrMalformed)
	}
	s, ok := schemaByName[e.Type()]
	if !ok {
		return b, fmt.Errorf("%w: %T", ErrUnknownEvent, e)
	}
	out, err := s.encode(b, e, k)
	if err != nil {
		return b, err
	}
	return out, nil
}

// HasPersonal reports whether events of e's type have personal fields,
// which a data key seals.
func HasPersonal(e Event) bool {
	if e == nil {
		return false
	}
	s, ok := schemaByName[e.Type()]
	return ok && len(s.personal) > 0
}

// PersonalFields returns the wire names of the personal fields of event
// type typ (none for a type without any, or one the codec does not know).
func PersonalFields(typ string) []string {
	s, ok := schemaByName[typ]
	if !ok {
		return nil
	}
	names := make([]string, 0, len(s.personal))
	for _, i := range s.personal {
		names = append(names, s.plan[i].name)
	}
	return names
}

// additional is the additional data a sealed field is bound to: the
// event's lead, type and version.
func (s *typeSchema) additional(ev unsafe.Pointer) []byte {
	m := (*Meta)(unsafe.Add(ev, s.metaOff))
	ad := make([]byte, 0, len(m.Lead)+len(s.typ)+24)
	ad = append(ad, m.Lead...)
	ad = append(ad, 0)
	ad = append(ad, s.typ...)
	ad = append(ad, 0)
	return strconv.AppendUint(ad, m.Version, 10)
}

// seal writes the personal fields of the event at ev as one sealed field.
func (w *encoder) seal(s *typeSchema, ev unsafe.Pointer, k *DataKey) {
	plain := encoder{b: make([]byte, 0, 128)}
	for _, i := range s.personal {
		plain.field(&s.plan[i], unsafe.Add(ev, s.plan[i].off))
	}
	if plain.err != nil {
		w.fail(plain.err)
		return
	}
	if len(plain.b) == 0 {
		plain.b = append(plain.b, '{')
	} else {
		plain.b[0] = '{' // the first field's leading comma
	}
	plain.b = append(plain.b, '}')
	ct := k.aead.Seal(nil, nil, plain.b, s.additional(ev))
	w.b = append(w.b, `,"`+sealedKey+`":"`...)
	w.b = base64.StdEncoding.AppendEncode(w.b, ct)
	w.b = append(w.b, '"')
}

// open fills the personal fields of the event at ev from sealed, the text
// of its sealed field, with the key of its lead.
func (s *typeSchema) open(ev unsafe.Pointer, sealed []byte, key KeyFunc) error {
	m := (*Meta)(unsafe.Add(ev, s.metaOff))
	if key == nil {
		return fmt.Errorf("%w: %s of lead %s at version %d", ErrNoKey, s.typ, m.Lead, m.Version)
	}
	k, err := key(m.Lead)
	if err != nil {
		return fmt.Errorf("lead: data key of lead %s: %w", m.Lead, err)
	}
	if k == nil {
		for _, i := range s.personal {
			*(*string)(unsafe.Add(ev, s.plan[i].off)) = ErasedField
		}
		return nil
	}
	ct, err := base64.StdEncoding.AppendDecode(nil, sealed)
	if err != nil {
		return fmt.Errorf("%w: %s: sealed fields: %v", ErrMalformed, s.typ, err)
	}
	plain, err := k.aead.Open(ct[:0], nil, ct, s.additional(ev))
	if err != nil {
		return fmt.Errorf("%w: %s of lead %s at version %d: the sealed fields do not open with the lead's key", ErrMalformed, s.typ, m.Lead, m.Version)
	}
	if s.openFast(ev, plain) {
		return nil
	}
	return s.openJSON(ev, plain)
}

// personalIndex returns the index in s.plan of the personal field named
// key, or -1.
func (s *typeSchema) personalIndex(key string) int {
	for _, i := range s.personal {
		if s.plan[i].name == key {
			return i
		}
	}
	return -1
}

// openFast reads the sealed object as seal writes it.
func (s *typeSchema) openFast(ev unsafe.Pointer, plain []byte) bool {
	p := parser{data: plain}
	var seen uint64
	ok := p.object(func(key []byte) bool {
		i := s.personalIndex(string(key))
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		return p.field(&s.plan[i], unsafe.Add(ev, s.plan[i].off))
	})
	return ok && p.i == len(plain)
}

// openJSON reads the sealed object with encoding/json: strings with
// escapes, which openFast leaves to it.
func (s *typeSchema) openJSON(ev unsafe.Pointer, plain []byte) error {
	var values map[string]string
	if err := json.Unmarshal(plain, &values); err != nil {
		return fmt.Errorf("%w: %s: sealed fields: %v", ErrMalformed, s.typ, err)
	}
	for k, v := range values {
		i := s.personalIndex(k)
		if i < 0 {
			return fmt.Errorf("%w: %s: sealed field %q is not a personal field of the type", ErrMalformed, s.typ, k)
		}
		*(*string)(unsafe.Add(ev, s.plan[i].off)) = v
	}
	return nil
}

// knownKeys checks that every key of the JSON object data is a field of
// the type (as encoding/json matches keys: case-insensitively), and
// returns the text of its sealed field, if it has one: a field the type
// does not have is not ignored, because a renamed field that no upcaster
// renamed back must not read as an empty one.
func (s *typeSchema) knownKeys(data []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, s.typ, err)
	}
	var sealed []byte
	personal := false
	for k, v := range fields {
		switch {
		case strings.EqualFold(k, "type") || strings.EqualFold(k, "schema"):
			continue
		case len(s.personal) > 0 && strings.EqualFold(k, sealedKey):
			var text string
			if sealed != nil || json.Unmarshal(v, &text) != nil {
				return nil, fmt.Errorf("%w: %s: sealed must be one string", ErrMalformed, s.typ)
			}
			sealed = []byte(text)
			continue
		}
		i := s.fieldIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("%w: %s has no field %q (a renamed or removed field needs an upcaster)", ErrMalformed, s.typ, k)
		}
		personal = personal || s.plan[i].personal
	}
	if sealed != nil && personal {
		return nil, fmt.Errorf("%w: %s has personal fields both sealed and in plaintext", ErrMalformed, s.typ)
	}
	return sealed, nil
}

// fieldIndex returns the index in s.plan of the field encoding/json
// matches key to, or -1.
func (s *typeSchema) fieldIndex(key string) int {
	for i := range s.plan {
		if strings.EqualFold(s.plan[i].name, key) {
			return i
		}
	}
	return -1
}
