package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
)

// MarshalJSON encodes v as JSON without escaping <, > and & as \u003c and
// friends: a board's text costs on the wire and on disk about what it
// weighs, not six times that. Every encoder of the project uses it.
func MarshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	// Encode ends with a newline; Marshal does not.
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// JSONProblem says in plain words what is wrong with JSON that failed to
// decode: never a Go type name, never a library's wording.
func JSONProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := plainType(te.Type)
		if te.Field != "" {
			return "field " + te.Field + " must be " + want
		}
		return "expected " + want
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "not valid JSON"
	}
	if errors.Is(err, io.EOF) {
		return "empty body"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON ends too early"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + f
	}
	return "not valid JSON"
}

// plainType names a Go type as a JSON user knows it.
func plainType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "text"
		}
		return "a list"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a different kind of value"
}

// TextProblem says what is wrong with s as text of at most max characters,
// or "" if nothing is.
func TextProblem(s string, max int) string {
	if !utf8Valid(s) {
		return "is not valid UTF-8 text"
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r == 0:
			return "must not contain NUL characters"
		case r == '\r':
			return "must not contain carriage returns (CR); use a newline"
		case r < 0x20 && r != '\n' && r != '\t':
			return "must not contain control characters"
		}
	}
	if n > max {
		return "must be at most " + itoa(max) + " characters"
	}
	return ""
}
