package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// AccountID is a 12-digit AWS account id. It must be written as a quoted
// string: YAML reads 012345678901 as a number and drops the leading zero.
type AccountID string

func (a *AccountID) decodeNode(d *decoder, n ast.Node) {
	switch t := n.(type) {
	case *ast.StringNode:
		// goccy/go-yaml keeps an unquoted 012345678901 as a string, but
		// YAML 1.2 tools (and the schema) read it as a number without the
		// leading zero: require quotes for every id.
		if tk := t.GetToken(); tk != nil && tk.Type == token.StringType && isDigits(t.Value) {
			d.errorf(n, "account id %s is written as a number; quote it (id: \"%s\") so leading zeros are kept", t.Value, padID(t.Value))
			return
		}
		*a = AccountID(t.Value)
	case *ast.IntegerNode, *ast.FloatNode:
		raw := t.GetToken().Value
		d.errorf(n, "account id %s is written as a number; quote it (id: \"%s\") so leading zeros are kept", raw, padID(raw))
	case *ast.NullNode:
	default:
		d.errorf(n, "account id must be a quoted 12-digit string, got %s", kindOf(n))
	}
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// padID suggests the 12-digit form of a number the user meant as an id.
func padID(raw string) string {
	if _, err := strconv.ParseUint(raw, 10, 64); err == nil && len(raw) < 12 {
		return strings.Repeat("0", 12-len(raw)) + raw
	}
	return raw
}

// Duration is a length of time written as a Go duration (4h, 90m) or an
// ISO-8601 duration (PT4H, PT1H30M).
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string {
	if d == 0 {
		return ""
	}
	return FormatDuration(time.Duration(d))
}

// FormatDuration prints whole hours and minutes compactly (4h, 1h30m, 45m).
func FormatDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}

// MarshalText makes durations print as "4h" in JSON and YAML output.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// isoDuration is compiled on first use: package initialisation runs on
// every start of sesame, including credential-process.
var isoDuration = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)
})

// ParseDuration reads a Go or ISO-8601 duration.
func ParseDuration(s string) (time.Duration, error) {
	if m := isoDuration().FindStringSubmatch(s); m != nil && s != "P" && s != "PT" {
		var total time.Duration
		units := []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second}
		for i, u := range units {
			if m[i+1] == "" {
				continue
			}
			n, err := strconv.ParseInt(m[i+1], 10, 32)
			if err != nil {
				return 0, fmt.Errorf("duration %q is out of range", s)
			}
			total += time.Duration(n) * u
		}
		return total, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 4h, 90m or PT4H", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return d, nil
}

func (d *Duration) decodeNode(dec *decoder, n ast.Node) {
	if isNull(n) {
		return
	}
	s, ok := scalarText(n)
	if !ok {
		dec.errorf(n, "expected a duration such as 4h or PT4H, got %s", kindOf(n))
		return
	}
	if _, isInt := n.(*ast.IntegerNode); isInt {
		dec.errorf(n, "duration %s has no unit; write it like %ss, %sm or %sh", s, s, s, s)
		return
	}
	v, err := ParseDuration(s)
	if err != nil {
		dec.errorf(n, "%v", err)
		return
	}
	*d = Duration(v)
}

// StringList is a list of strings that may be written as a single string.
type StringList []string

func (l *StringList) decodeNode(d *decoder, n ast.Node) {
	if isNull(n) {
		return
	}
	if s, ok := scalarText(n); ok {
		*l = StringList{s}
		Set(d.ix, &(*l)[0], d.pos(n))
		return
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "expected a string or a list of strings, got %s", kindOf(n))
		return
	}
	out := make(StringList, 0, len(seq.Values))
	var pos []Pos
	for _, e := range seq.Values {
		e, ok := d.resolve(e)
		if !ok {
			continue
		}
		s, ok := scalarText(e)
		if !ok {
			d.errorf(e, "expected a string, got %s", kindOf(e))
			continue
		}
		out = append(out, s)
		pos = append(pos, d.pos(e))
	}
	*l = out
	for i := range out {
		Set(d.ix, &out[i], pos[i])
	}
}

func (s *Selector) decodeNode(d *decoder, n ast.Node) {
	s.Pos = d.pos(n)
	switch t := n.(type) {
	case *ast.NullNode:
	case *ast.StringNode:
		if t.Value == "all" || t.Value == "*" {
			s.All = true
		} else {
			s.Names = []string{t.Value}
			Set(d.ix, &s.Names[0], d.pos(n))
		}
	case *ast.SequenceNode:
		d.decodeSlice(n, fieldOf(s, &s.Names))
	case *ast.MappingNode, *ast.MappingValueNode:
		d.decodeStruct(n, fieldOf(s, s))
	default:
		d.errorf(n, "accounts expects all, a list of account names, or a selector mapping; got %s", kindOf(n))
	}
}

func (v *Via) decodeNode(d *decoder, n ast.Node) {
	v.Pos = d.pos(n)
	switch n.(type) {
	case *ast.NullNode:
	case *ast.StringNode:
		v.Name, _ = scalarText(n)
	case *ast.MappingNode, *ast.MappingValueNode:
		d.decodeStruct(n, fieldOf(v, v))
	default:
		d.errorf(n, "via expects an identity or provider name, or {identity: NAME} / {provider: NAME}; got %s", kindOf(n))
	}
}
