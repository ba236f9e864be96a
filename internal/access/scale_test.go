package access

import (
	"reflect"
	"sort"
	"testing"

	"github.com/sesame-cli/sesame/bench/gen"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// The generated organization of 2,000 accounts (bench/gen): the matrix
// holds a grant per expanded assignment plus the chained roles, stays
// sorted, and folds into lines for the table.
func TestMatrixAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 2,000-account organization")
	}
	dir := t.TempDir()
	if err := gen.WriteDir(dir, gen.Generate(gen.Scale(2000))); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	o, d := org.Resolve(cfg, org.Options{})
	if d.HasErrors() {
		t.Fatal(d.Errors())
	}
	m, err := NewMatrix(o, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Accounts) != 2000 {
		t.Errorf("%d accounts", len(m.Accounts))
	}
	sets := 0
	for _, g := range m.Grants {
		if g.AccessType == AccessPermissionSet {
			sets++
		}
	}
	if sets != len(o.Assignments) || len(m.Grants) <= sets {
		t.Errorf("%d permission-set grants for %d assignments, %d grants in all", sets, len(o.Assignments), len(m.Grants))
	}
	if !sort.SliceIsSorted(m.Grants, func(i, j int) bool { return Less(m.Grants[i], m.Grants[j]) }) {
		t.Error("grants are not sorted")
	}
	lines := m.Lines()
	n := 0
	for _, l := range lines {
		n += len(l.Accounts)
	}
	if n != len(m.Grants) {
		t.Errorf("lines cover %d grants of %d", n, len(m.Grants))
	}
	m2, _ := NewMatrix(o, Filter{})
	if !reflect.DeepEqual(m, m2) {
		t.Error("not deterministic")
	}
}
