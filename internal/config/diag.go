package config

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a configuration file. Line and Col are 1-based; a zero
// Line means "the file as a whole" (or no file at all when File is empty).
type Pos struct {
	File string `json:"file,omitempty" yaml:"file,omitempty"`
	Line int    `json:"line,omitempty" yaml:"line,omitempty"`
	Col  int    `json:"col,omitempty" yaml:"col,omitempty"`
}

// IsValid reports whether p names a file.
func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	switch {
	case p.File == "":
		return "<config>"
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Severity tells errors (the config is unusable) from warnings.
type Severity int

const (
	SevError Severity = iota
	SevWarning
)

func (s Severity) String() string {
	if s == SevWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one finding about the configuration, anchored at a position.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Msg      string
	// Related points at other places involved (the first definition of a
	// duplicate, the members of a cycle).
	Related []Pos
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == SevWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	return b.String()
}

// Diagnostics is an ordered list of findings. As an error it prints every
// finding on its own line, sorted by file and position.
type Diagnostics []*Diagnostic

// Errorf appends an error at pos.
func (ds *Diagnostics) Errorf(pos Pos, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	*ds = append(*ds, d)
	return d
}

// Warnf appends a warning at pos.
func (ds *Diagnostics) Warnf(pos Pos, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Pos: pos, Severity: SevWarning, Msg: fmt.Sprintf(format, args...)}
	*ds = append(*ds, d)
	return d
}

// HasErrors reports whether any finding is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(SevError) }

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(SevWarning) }

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders findings by file, line, column and message, and drops exact
// duplicates (the same message at the same place).
func (ds *Diagnostics) Sort() {
	s := *ds
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i].Pos, s[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return s[i].Msg < s[j].Msg
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && d.Pos == s[i-1].Pos && d.Msg == s[i-1].Msg && d.Severity == s[i-1].Severity {
			continue
		}
		out = append(out, d)
	}
	*ds = out
}

// Err returns the diagnostics as an error when at least one is an error,
// otherwise nil.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return ds.Errors()
}

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}
