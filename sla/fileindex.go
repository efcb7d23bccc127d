package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// index walks a policy file against the schema of the file types before
// it is decoded: it reports syntax errors, unknown and duplicate fields
// and values of the wrong kind with their path and line, and remembers
// the line of every field for the errors found after decoding.
type index struct {
	data  []byte
	dec   *json.Decoder
	lines map[string]int
	nl    []int // offsets of the newlines in data
}

func newIndex(data []byte) *index {
	ix := &index{data: data, lines: map[string]int{}}
	for i, c := range data {
		if c == '\n' {
			ix.nl = append(ix.nl, i)
		}
	}
	return ix
}

// line returns the 1-based line of byte offset off.
func (ix *index) line(off int64) int {
	return sort.SearchInts(ix.nl, int(off)) + 1
}

// next returns the offset of the next token: the decoder's offset is the
// end of the last token, before any separator.
func (ix *index) next() int64 {
	off := ix.dec.InputOffset()
	for off < int64(len(ix.data)) {
		switch ix.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

// fail returns the *FileError for field, with the line of the field or,
// when the file leaves the field out, of its nearest parent that is there.
func (ix *index) fail(field string, err error) *FileError {
	for p := field; p != ""; {
		if l, ok := ix.lines[p]; ok {
			return &FileError{Line: l, Field: field, Err: err}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return &FileError{Line: ix.lines[""], Field: field, Err: err}
}

// jsonError converts an error of encoding/json to a *FileError with the
// line of its offset.
func (ix *index) jsonError(err error) *FileError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FileError{Line: ix.line(se.Offset), Err: err}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &FileError{Line: ix.line(te.Offset), Field: te.Field, Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &FileError{Line: ix.line(int64(len(ix.data))), Err: errors.New("the file ends inside a value")}
	}
	return &FileError{Err: err}
}

func (ix *index) walk(t reflect.Type) error {
	ix.dec = json.NewDecoder(bytes.NewReader(ix.data))
	ix.dec.UseNumber()
	if err := ix.value(t, ""); err != nil {
		return err
	}
	if _, err := ix.dec.Token(); err != io.EOF {
		return &FileError{Line: ix.line(ix.next()), Err: errors.New("data after the end of the JSON object")}
	}
	return nil
}

// value reads the value at path, which has the Go type t.
func (ix *index) value(t reflect.Type, path string) error {
	off := ix.next()
	if _, ok := ix.lines[path]; !ok {
		ix.lines[path] = ix.line(off)
	}
	tok, err := ix.dec.Token()
	if err != nil {
		if err == io.EOF && path == "" {
			return &FileError{Line: ix.line(off), Err: errors.New("the file is empty")}
		}
		return ix.jsonError(err)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if tok == nil {
		return nil // null leaves a field out
	}
	wrong := func(want string) error {
		return &FileError{Line: ix.line(off), Field: path, Err: fmt.Errorf("must be %s, not %s", want, kindOf(tok))}
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return wrong("an object")
		}
		fields := jsonFields(t)
		seen := map[string]bool{}
		for ix.dec.More() {
			koff := ix.next()
			k, err := ix.dec.Token()
			if err != nil {
				return ix.jsonError(err)
			}
			name, _ := k.(string)
			field := joinPath(path, name)
			ft, ok := fields[name]
			if !ok {
				return &FileError{Line: ix.line(koff), Field: field, Err: fmt.Errorf("unknown field (known here: %s)", strings.Join(sortedKeys(fields), ", "))}
			}
			if seen[name] {
				return &FileError{Line: ix.line(koff), Field: field, Err: errors.New("given twice")}
			}
			seen[name] = true
			ix.lines[field] = ix.line(koff)
			if err := ix.value(ft, field); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if tok != json.Delim('[') {
			return wrong("an array")
		}
		for i := 0; ix.dec.More(); i++ {
			if err := ix.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if tok != json.Delim('{') {
			return wrong("an object")
		}
		seen := map[string]bool{}
		for ix.dec.More() {
			koff := ix.next()
			k, err := ix.dec.Token()
			if err != nil {
				return ix.jsonError(err)
			}
			name, _ := k.(string)
			field := joinPath(path, name)
			if seen[name] {
				return &FileError{Line: ix.line(koff), Field: field, Err: errors.New("given twice")}
			}
			seen[name] = true
			ix.lines[field] = ix.line(koff)
			if err := ix.value(t.Elem(), field); err != nil {
				return err
			}
		}
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return wrong("a string")
		}
		return nil
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return wrong("true or false")
		}
		return nil
	case reflect.Int:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("a whole number")
		}
		if _, err := strconv.ParseInt(string(n), 10, strconv.IntSize); err != nil {
			return &FileError{Line: ix.line(off), Field: path, Err: fmt.Errorf("must be a whole number in range, not %s", n)}
		}
		return nil
	case reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong("a number")
		}
		if _, err := strconv.ParseFloat(string(n), 64); err != nil {
			return &FileError{Line: ix.line(off), Field: path, Err: fmt.Errorf("must be a number in range, not %s", n)}
		}
		return nil
	default:
		return &FileError{Line: ix.line(off), Field: path, Err: fmt.Errorf("no file form for %v", t)}
	}
	// The closing delimiter of an object or array.
	if _, err := ix.dec.Token(); err != nil {
		return ix.jsonError(err)
	}
	return nil
}

func kindOf(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('{') {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case json.Number:
		return "a number"
	}
	return "null"
}

// jsonFields returns the fields of struct type t by their JSON names.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		m[name] = f.Type
	}
	return m
}

func sortedKeys(m map[string]reflect.Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
