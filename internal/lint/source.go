package lint

import (
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// source finds where things were written in the configuration, so a
// finding can point at the statement, list item or field at fault. The
// model keeps only the position of each permission set, assignment, role
// and user; the configuration's index knows the rest. Without a
// configuration every lookup returns its fallback.
type source struct {
	cfg         *config.Config
	assignments map[config.Pos]*config.Assignment
}

func newSource(cfg *config.Config) *source {
	s := &source{cfg: cfg}
	if cfg == nil || cfg.File == nil {
		return s
	}
	s.assignments = map[config.Pos]*config.Assignment{}
	for _, a := range cfg.File.Assignments {
		if a != nil {
			s.assignments[a.Pos] = a
		}
	}
	return s
}

// at is where *p was written, or fallback.
func at[T any](s *source, p *T, fallback config.Pos) config.Pos {
	if s.cfg == nil || p == nil {
		return fallback
	}
	if pos := config.PosOf(s.cfg.Index, p); pos.IsValid() {
		return pos
	}
	return fallback
}

func (s *source) permissionSet(name string) *config.PermissionSet {
	if s.cfg == nil || s.cfg.File == nil {
		return nil
	}
	return s.cfg.File.PermissionSets[name]
}

func (s *source) machineRole(name string) *config.MachineRole {
	if s.cfg == nil || s.cfg.File == nil {
		return nil
	}
	return s.cfg.File.MachineRoles[name]
}

func (s *source) user(name string) *config.User {
	if s.cfg == nil || s.cfg.File == nil {
		return nil
	}
	return s.cfg.File.Users[name]
}

// assignmentSet is where an expanded assignment's permission set is named
// in its assignment entry.
func (s *source) assignmentSet(a org.Assignment) config.Pos {
	ca := s.assignments[a.Pos]
	if ca == nil {
		return a.Pos
	}
	for i := range ca.PermissionSets {
		if ca.PermissionSets[i] == a.PermissionSet {
			return at(s, &ca.PermissionSets[i], a.Pos)
		}
	}
	return a.Pos
}

// statement is where statement i of a compiled policy was written: the
// YAML statement, or the file: line of a JSON policy file.
func (s *source) statement(p *config.Policy, i int, fallback config.Pos) config.Pos {
	if p == nil {
		return fallback
	}
	if p.File != "" {
		return at(s, &p.File, p.Pos)
	}
	// Compilation skips empty (null) statements; count the others.
	n := 0
	for _, st := range p.Statements {
		if st == nil {
			continue
		}
		if n == i {
			if st.Pos.IsValid() {
				return st.Pos
			}
			return p.Pos
		}
		n++
	}
	return fallback
}

// managedPolicy is where a managed policy of a list was written; arn is
// the resolved ARN, matched against short names and ARNs as written.
func (s *source) managedPolicy(list []string, arn string, fallback config.Pos) config.Pos {
	for i := range list {
		if list[i] == arn || managedName(arn) == list[i] {
			return at(s, &list[i], fallback)
		}
	}
	return fallback
}
