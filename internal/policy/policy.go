// Package policy models IAM policy documents: the JSON that AWS stores for
// permission-set inline policies, machine-role policies and trust policies.
// It validates the grammar and the AWS size limits offline, so a bad policy
// is caught when the configuration is read, not when Terraform applies it.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// DefaultVersion is the current policy language version.
const DefaultVersion = "2012-10-17"

// Limits that AWS enforces on inline policies of permission sets
// (sso-admin) and IAM roles.
const (
	MaxInlineBytes    = 32768
	MaxNonWhitespace  = 10240
	MaxTrustChars     = 2048 // default ACLSizePerRole quota
	MaxTrustCharsHard = 4096 // the quota can be raised to this
)

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Id        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement. List fields marshal as a string when they
// hold one value, as AWS prints them.
type Statement struct {
	Sid          string                       `json:"Sid,omitempty"`
	Effect       string                       `json:"Effect"`
	Principal    map[string]Values            `json:"Principal,omitempty"`
	NotPrincipal map[string]Values            `json:"NotPrincipal,omitempty"`
	Action       Values                       `json:"Action,omitempty"`
	NotAction    Values                       `json:"NotAction,omitempty"`
	Resource     Values                       `json:"Resource,omitempty"`
	NotResource  Values                       `json:"NotResource,omitempty"`
	Condition    map[string]map[string]Values `json:"Condition,omitempty"`
}

// Values is a string or a list of strings.
type Values []string

// MarshalJSON writes one value as a string and several as a list.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// UnmarshalJSON accepts a string or a list of strings.
func (v *Values) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings")
	}
	*v = many
	return nil
}

// JSON returns the compact JSON AWS would store, with map keys sorted so
// the output is stable.
func (d *Document) JSON() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(d) // only strings and maps of strings: cannot fail
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// Indented returns the document as indented JSON.
func (d *Document) Indented() string {
	var out bytes.Buffer
	_ = json.Indent(&out, d.JSON(), "", "  ")
	return out.String()
}

// Size returns the byte length of the compact JSON and its count of
// non-whitespace characters, the two numbers AWS limits.
func (d *Document) Size() (bytesLen, nonWhitespace int) {
	b := d.JSON()
	for _, r := range string(b) {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			nonWhitespace++
		}
	}
	return len(b), nonWhitespace
}

// Actions returns every action named in Allow statements, sorted.
func (d *Document) Actions() []string {
	seen := map[string]bool{}
	for _, s := range d.Statement {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Action {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// sizeBound is an upper bound on len(d.JSON()), computed without encoding:
// every string at its escaped length plus generous room for keys and
// punctuation.
func (d *Document) sizeBound() int {
	n := 40 + escapedLen(d.Version) + escapedLen(d.Id)
	vals := func(vs Values) {
		for _, v := range vs {
			n += escapedLen(v) + 3
		}
	}
	for _, s := range d.Statement {
		n += 140 + escapedLen(s.Sid) + escapedLen(s.Effect)
		for _, m := range []map[string]Values{s.Principal, s.NotPrincipal} {
			for k, vs := range m {
				n += escapedLen(k) + 6
				vals(vs)
			}
		}
		vals(s.Action)
		vals(s.NotAction)
		vals(s.Resource)
		vals(s.NotResource)
		for op, keys := range s.Condition {
			n += escapedLen(op) + 6
			for k, vs := range keys {
				n += escapedLen(k) + 6
				vals(vs)
			}
		}
	}
	return n
}

// escapedLen is the most bytes encoding/json can write for s (quotes
// excluded): six for anything it may escape as \uXXXX.
func escapedLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20 || c >= 0x80:
			n += 6
		default:
			n++
		}
	}
	return n
}
