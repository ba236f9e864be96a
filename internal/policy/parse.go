package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ParseError is a mistake in a JSON policy with its place in the text.
type ParseError struct {
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Parse reads a JSON policy document strictly: unknown fields are errors,
// and Statement may be one object or a list, as AWS accepts.
func Parse(data []byte) (*Document, error) {
	var raw struct {
		Version   string          `json:"Version"`
		Id        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := strictDecode(data, &raw); err != nil {
		return nil, located(data, err)
	}
	doc := &Document{Version: raw.Version, Id: raw.Id}
	st := bytes.TrimSpace(raw.Statement)
	switch {
	case len(st) == 0:
		return nil, &ParseError{Line: 1, Col: 1, Msg: "policy has no Statement"}
	case st[0] == '{':
		var s Statement
		if err := strictDecode(st, &s); err != nil {
			return nil, located(data, err)
		}
		doc.Statement = []Statement{s}
	default:
		if err := strictDecode(st, &doc.Statement); err != nil {
			return nil, located(data, err)
		}
	}
	return doc, nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected text after the policy document")
	}
	return nil
}

// located turns a json error into a ParseError with line and column when
// the error carries an offset.
func located(data []byte, err error) error {
	var off int64 = -1
	msg := err.Error()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read, including the offending one.
		off = max(se.Offset-1, 0)
	case errors.As(err, &te):
		off = te.Offset
		msg = fmt.Sprintf("field %s: expected %s, got %s", te.Field, te.Type, te.Value)
	case strings.HasPrefix(msg, "json: unknown field "):
		field := strings.TrimPrefix(msg, "json: unknown field ")
		msg = "unknown policy field " + field
		if i := bytes.Index(data, []byte(strings.Trim(field, `"`))); i >= 0 {
			off = int64(i)
		}
	}
	msg = strings.TrimPrefix(msg, "json: ")
	if off < 0 {
		return &ParseError{Line: 1, Col: 1, Msg: msg}
	}
	line, col := 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &ParseError{Line: line, Col: col, Msg: msg}
}
