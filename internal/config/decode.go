package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/goccy/go-yaml/ast"
)

// maxDepth bounds nesting (and alias expansion) so hostile input cannot
// exhaust the stack.
const maxDepth = 64

// maxAliases bounds how often one file may follow aliases (merge keys
// included), so a few nested anchors cannot expand exponentially.
const maxAliases = 10000

// Index remembers where every decoded value came from. Values are looked up
// by address, so positions survive the merge of several files as long as
// the containers hold pointers (maps and lists of *T in this package).
type Index struct {
	m map[posKey]Pos
}

type posKey struct {
	p unsafe.Pointer
	t reflect.Type
}

// NewIndex returns an empty position index.
func NewIndex() *Index { return &Index{m: map[posKey]Pos{}} }

func (ix *Index) set(v reflect.Value, p Pos) {
	if ix == nil || !v.CanAddr() {
		return
	}
	ix.m[posKey{v.Addr().UnsafePointer(), v.Type()}] = p
}

// Set records the position of *p.
func Set[T any](ix *Index, p *T, pos Pos) {
	if ix == nil || p == nil {
		return
	}
	ix.m[posKey{unsafe.Pointer(p), reflect.TypeFor[T]()}] = pos
}

// PosOf returns where *p was read from, or the zero Pos.
func PosOf[T any](ix *Index, p *T) Pos {
	if ix == nil || p == nil {
		return Pos{}
	}
	return ix.m[posKey{unsafe.Pointer(p), reflect.TypeFor[T]()}]
}

// nodeDecoder lets a type read itself from a YAML node (one-of shapes,
// quoted account ids, durations).
type nodeDecoder interface {
	decodeNode(d *decoder, n ast.Node)
}

// decoder turns a goccy/go-yaml AST into Go values strictly: unknown keys,
// duplicate keys and wrong types are reported with their position, and
// decoding goes on so that one run reports every mistake in a file.
type decoder struct {
	file    string
	diags   *Diagnostics
	ix      *Index
	anchors map[string]ast.Node
	depth   int
	aliases int // aliases followed so far
}

func (d *decoder) pos(n ast.Node) Pos {
	// A block mapping's token is the ':' of its first entry; a reader
	// looks for the mapping where its first key starts.
	switch t := n.(type) {
	case *ast.MappingNode:
		if !t.IsFlowStyle && len(t.Values) > 0 && t.Values[0] != nil && t.Values[0].Key != nil {
			n = t.Values[0].Key
		}
	case *ast.MappingValueNode:
		if t.Key != nil {
			n = t.Key
		}
	}
	if n == nil {
		return Pos{File: d.file}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	d.diags.Errorf(d.pos(n), format, args...)
}

// resolve strips anchors, tags and aliases, returning the node that holds
// the value. ok is false when the node cannot be used (an error was
// reported).
func (d *decoder) resolve(n ast.Node) (ast.Node, bool) {
	for i := 0; i < maxDepth; i++ {
		switch t := n.(type) {
		case nil:
			return nil, true
		case *ast.AnchorNode:
			n = t.Value
		case *ast.AliasNode:
			if d.aliases++; d.aliases > maxAliases {
				if d.aliases == maxAliases+1 {
					d.errorf(n, "aliases are followed more than %d times in this file; expand them by hand", maxAliases)
				}
				return nil, false
			}
			name := ""
			if t.Value != nil {
				name = t.Value.GetToken().Value
			}
			target, found := d.anchors[name]
			if !found {
				d.errorf(n, "unknown alias *%s: no anchor &%s is defined before it", name, name)
				return nil, false
			}
			n = target
		case *ast.TagNode:
			tag := t.Start.Value
			switch tag {
			case "!!str", "!!map", "!!seq", "!!int", "!!bool", "!!float", "!!null":
				n = t.Value
			default:
				d.errorf(n, "unsupported YAML tag %s", tag)
				return nil, false
			}
		default:
			return n, true
		}
	}
	d.errorf(n, "aliases nest too deeply")
	return nil, false
}

func collectAnchors(n ast.Node, out map[string]ast.Node) {
	ast.Walk(anchorVisitor(out), n)
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

func kindOf(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "nothing (null)"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	}
	return "a " + n.Type().String()
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// scalarText returns the text of a scalar node as written.
func scalarText(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		if t.Value == nil {
			return "", true
		}
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// mappingEntries returns the key/value pairs of a mapping node, expanding
// merge keys (<<: *anchor). It reports and skips keys that are not scalars.
func (d *decoder) mappingEntries(n ast.Node) ([]entry, bool) {
	var values []*ast.MappingValueNode
	switch t := n.(type) {
	case *ast.MappingNode:
		values = t.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{t}
	default:
		return nil, false
	}
	// Explicit keys win over keys brought in by merge keys (<<: *anchor),
	// and an earlier merge wins over a later one, as YAML specifies.
	var explicit, merged []entry
	for _, mv := range values {
		if mv.Key == nil {
			continue
		}
		if mv.Key.IsMergeKey() {
			merged = append(merged, d.mergeEntries(mv)...)
			continue
		}
		keyNode, ok := d.resolve(mv.Key)
		if !ok {
			continue
		}
		key, ok := scalarText(keyNode)
		if !ok {
			d.errorf(mv.Key, "mapping keys must be plain names, got %s", kindOf(keyNode))
			continue
		}
		explicit = append(explicit, entry{key: key, keyNode: mv.Key, value: mv.Value})
	}
	if len(merged) == 0 {
		return explicit, true
	}
	have := map[string]bool{}
	for _, e := range explicit {
		have[e.key] = true
	}
	out := explicit
	for _, e := range merged {
		if !have[e.key] {
			have[e.key] = true
			out = append(out, e)
		}
	}
	return out, true
}

// mergeEntries returns the entries a merge key brings in: one mapping or
// a list of mappings.
func (d *decoder) mergeEntries(mv *ast.MappingValueNode) []entry {
	src, ok := d.resolve(mv.Value)
	if !ok {
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.errorf(mv.Value, "merge keys nest too deeply")
		return nil
	}
	var sources []ast.Node
	if seq, isSeq := src.(*ast.SequenceNode); isSeq {
		for _, v := range seq.Values {
			if r, ok := d.resolve(v); ok {
				sources = append(sources, r)
			}
		}
	} else {
		sources = []ast.Node{src}
	}
	var out []entry
	for _, s := range sources {
		entries, ok := d.mappingEntries(s)
		if !ok {
			d.errorf(mv.Value, "merge key << expects a mapping, got %s", kindOf(s))
			continue
		}
		out = append(out, entries...)
	}
	return out
}

type entry struct {
	key     string
	keyNode ast.Node
	value   ast.Node
}

// decode stores node n into v.
func (d *decoder) decode(n ast.Node, v reflect.Value) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.errorf(n, "configuration nests too deeply (more than %d levels)", maxDepth)
		return
	}
	n, ok := d.resolve(n)
	if !ok {
		return
	}
	if v.CanAddr() {
		if _, seen := d.ix.m[posKey{v.Addr().UnsafePointer(), v.Type()}]; !seen {
			d.ix.set(v, d.pos(n))
		}
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			nd.decodeNode(d, n)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.ix.set(v.Elem(), d.pos(n))
		d.decode(n, v.Elem())
	case reflect.Struct:
		d.decodeStruct(n, v)
	case reflect.Map:
		d.decodeMap(n, v)
	case reflect.Slice:
		d.decodeSlice(n, v)
	case reflect.String:
		if isNull(n) {
			return
		}
		s, ok := scalarText(n)
		if !ok {
			d.errorf(n, "expected a string, got %s", kindOf(n))
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.errorf(n, "expected true or false, got %s", kindOf(n))
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, ok := n.(*ast.IntegerNode)
		if !ok {
			d.errorf(n, "expected a whole number, got %s", kindOf(n))
			return
		}
		x, err := strconv.ParseInt(strings.ReplaceAll(i.GetToken().Value, "_", ""), 0, 64)
		if err != nil || v.OverflowInt(x) {
			d.errorf(n, "number %s is out of range", i.GetToken().Value)
			return
		}
		v.SetInt(x)
	case reflect.Float64:
		switch t := n.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
			f, err := strconv.ParseFloat(t.GetToken().Value, 64)
			if err != nil || math.IsInf(f, 0) {
				d.errorf(n, "number %s is out of range", t.GetToken().Value)
				return
			}
			v.SetFloat(f)
		default:
			d.errorf(n, "expected a number, got %s", kindOf(n))
		}
	case reflect.Interface:
		if x := d.generic(n); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.errorf(n, "internal: cannot decode into %s", v.Type())
	}
}

// generic converts a node into plain maps, lists and scalars.
func (d *decoder) generic(n ast.Node) any {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.errorf(n, "configuration nests too deeply (more than %d levels)", maxDepth)
		return nil
	}
	n, ok := d.resolve(n)
	if !ok {
		return nil
	}
	switch t := n.(type) {
	case nil, *ast.NullNode:
		return nil
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, _ := d.mappingEntries(t)
		m := make(map[string]any, len(entries))
		for _, e := range entries {
			m[e.key] = d.generic(e.value)
		}
		return m
	case *ast.SequenceNode:
		out := make([]any, 0, len(t.Values))
		for _, e := range t.Values {
			out = append(out, d.generic(e))
		}
		return out
	case *ast.BoolNode:
		return t.Value
	case *ast.IntegerNode:
		return t.GetValue()
	case *ast.FloatNode:
		return t.Value
	}
	s, _ := scalarText(n)
	return s
}

type fieldInfo struct {
	index []int
	name  string
}

func structFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if opts == "inline" {
			for _, sub := range structFields(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, fieldInfo{index: []int{i}, name: name})
	}
	return out
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value) {
	if isNull(n) {
		return
	}
	// Set the position first: a value of the wrong kind still leaves the
	// (empty) struct behind, and findings about it must point here.
	if pf := v.FieldByName("Pos"); pf.IsValid() && pf.Type() == reflect.TypeFor[Pos]() && pf.Interface().(Pos).File == "" {
		pf.Set(reflect.ValueOf(d.pos(n)))
	}
	entries, ok := d.mappingEntries(n)
	if !ok {
		d.errorf(n, "expected a mapping, got %s", kindOf(n))
		return
	}
	fields := structFields(v.Type())
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	seen := map[string]ast.Node{}
	for _, e := range entries {
		if first, dup := seen[e.key]; dup {
			d.diags.Errorf(d.pos(e.keyNode), "key %q is set twice in this mapping (first at line %d)", e.key, d.pos(first).Line)
			continue
		}
		seen[e.key] = e.keyNode
		var fi *fieldInfo
		for i := range fields {
			if fields[i].name == e.key {
				fi = &fields[i]
				break
			}
		}
		if fi == nil {
			msg := fmt.Sprintf("unknown key %q", e.key)
			if s := Suggest(e.key, names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; valid keys: " + strings.Join(names, ", ")
			}
			d.diags.Errorf(d.pos(e.keyNode), "%s", msg)
			continue
		}
		fv := v.FieldByIndex(fi.index)
		d.ix.set(fv, d.pos(e.value))
		d.decode(e.value, fv)
	}
}

func (d *decoder) decodeMap(n ast.Node, v reflect.Value) {
	if isNull(n) {
		return
	}
	entries, ok := d.mappingEntries(n)
	if !ok {
		d.errorf(n, "expected a mapping of names, got %s", kindOf(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(v.Type(), len(entries)))
	}
	seen := map[string]ast.Node{}
	et := v.Type().Elem()
	for _, e := range entries {
		if first, dup := seen[e.key]; dup {
			d.diags.Errorf(d.pos(e.keyNode), "%q is defined twice in this mapping (first at line %d)", e.key, d.pos(first).Line)
			continue
		}
		seen[e.key] = e.keyNode
		if et.Kind() == reflect.Pointer {
			// Pointer elements are addressable: their position is the key,
			// which is where a reader looks for "defined here".
			elem := reflect.New(et.Elem())
			d.ix.set(elem.Elem(), d.pos(e.keyNode))
			if et.Elem().Kind() == reflect.Struct {
				if pf := elem.Elem().FieldByName("Pos"); pf.IsValid() && pf.Type() == reflect.TypeFor[Pos]() {
					pf.Set(reflect.ValueOf(d.pos(e.keyNode)))
				}
			}
			if !isNull(e.value) {
				d.decode(e.value, elem.Elem())
			}
			v.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
			continue
		}
		elem := reflect.New(et).Elem()
		d.decode(e.value, elem)
		v.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
	}
}

func (d *decoder) decodeSlice(n ast.Node, v reflect.Value) {
	if isNull(n) {
		return
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "expected a list, got %s", kindOf(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	v.Set(s)
	for i, e := range seq.Values {
		d.decode(e, v.Index(i))
	}
}
