package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// maxFileSize bounds a single configuration file; anything larger is almost
// certainly not a hand-written organization.
const maxFileSize = 64 << 20

// ErrNoConfig means discovery found no configuration.
var ErrNoConfig = errors.New("no sesame configuration found")

// LoadOptions say where to look for the configuration.
type LoadOptions struct {
	// Path is a YAML file or a directory. Empty means discovery.
	Path string
	// WorkDir is where discovery starts; default the current directory.
	WorkDir string
	// UserConfigDir is the per-user configuration directory (XDG); default
	// os.UserConfigDir()/sesame.
	UserConfigDir string
}

// Config is a loaded configuration tree: the merged file, where each value
// came from, and what went wrong while reading it.
type Config struct {
	File    *File
	Index   *Index
	Root    string   // the file or directory that was loaded
	Sources []string // every file read, in order
	Diags   Diagnostics
	// Incomplete is set when a file could not be read or parsed: what it
	// defines is missing, and reports of missing things would mislead.
	Incomplete bool
}

// Discover returns the configuration path that Load would use.
func Discover(opts LoadOptions) (string, error) {
	if opts.Path != "" {
		if _, err := os.Stat(opts.Path); err != nil {
			return "", fmt.Errorf("config %s: %w", opts.Path, errors.Unwrap(err))
		}
		return opts.Path, nil
	}
	wd := opts.WorkDir
	if wd == "" {
		wd = "."
	}
	candidates := []string{
		filepath.Join(wd, "sesame.yaml"),
		filepath.Join(wd, "sesame.yml"),
		filepath.Join(wd, "sesame"),
	}
	ucd := opts.UserConfigDir
	if ucd == "" {
		if d, err := os.UserConfigDir(); err == nil {
			ucd = filepath.Join(d, "sesame")
		}
	}
	if ucd != "" {
		candidates = append(candidates, ucd)
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && (st.Mode().IsRegular() || st.IsDir()) {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: looked for %s", ErrNoConfig, strings.Join(candidates, ", "))
}

// Load reads the configuration. The error is only for a configuration that
// cannot be found or read at all; mistakes inside files are in Config.Diags.
func Load(opts LoadOptions) (*Config, error) {
	root, err := Discover(opts)
	if err != nil {
		return nil, err
	}
	cfg := &Config{File: &File{}, Index: NewIndex(), Root: root}
	st, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		cfg.readFile(root, false)
		return cfg, nil
	}
	files, profileFiles, err := listDir(root)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 && len(profileFiles) == 0 {
		return nil, fmt.Errorf("%w: directory %s has no .yaml or .yml files", ErrNoConfig, root)
	}
	for _, f := range files {
		cfg.readFile(f, false)
	}
	for _, f := range profileFiles {
		cfg.readFile(f, true)
	}
	return cfg, nil
}

// LoadBytes reads one in-memory file (tests, fuzzing). name is used in
// positions.
func LoadBytes(name string, data []byte) *Config {
	cfg := &Config{File: &File{}, Index: NewIndex(), Root: name}
	cfg.readData(name, data, false)
	return cfg
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// listDir returns the YAML files under root in lexical order, with the files
// of root/profiles (one profile a file) apart.
func listDir(root string) (files, profiles []string, err error) {
	profDir := filepath.Join(root, "profiles")
	err = filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && strings.HasPrefix(de.Name(), ".") {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if de.IsDir() || !isYAML(p) {
			return nil
		}
		if filepath.Dir(p) == profDir {
			profiles = append(profiles, p)
		} else {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	sort.Strings(profiles)
	return files, profiles, err
}

func (c *Config) readFile(path string, isProfile bool) {
	st, err := os.Stat(path)
	if err != nil {
		c.Incomplete = true
		c.Diags.Errorf(Pos{File: path}, "cannot read: %v", errors.Unwrap(err))
		return
	}
	if st.Size() > maxFileSize {
		c.Incomplete = true
		c.Diags.Errorf(Pos{File: path}, "file is %d bytes; the limit is %d", st.Size(), maxFileSize)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		c.Incomplete = true
		c.Diags.Errorf(Pos{File: path}, "cannot read: %v", err)
		return
	}
	c.readData(path, data, isProfile)
}

func (c *Config) readData(path string, data []byte, isProfile bool) {
	c.Sources = append(c.Sources, path)
	body, ok := c.parse(path, data)
	if !ok || isNull(body) {
		return
	}
	d := &decoder{file: path, diags: &c.Diags, ix: c.Index, anchors: map[string]ast.Node{}}
	collectAnchors(body, d.anchors)
	if isProfile {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		p := &Profile{}
		Set(c.Index, p, Pos{File: path, Line: 1, Col: 1})
		d.decode(body, reflectValue(p))
		c.mergeProfile(name, p)
		return
	}
	if _, ok := d.resolve(body); ok {
		if _, isMap := d.mappingEntries(body); !isMap {
			d.errorf(body, "a sesame configuration file is a mapping of top-level keys (organization, accounts, ...), got %s", kindOf(body))
			return
		}
	}
	f := &File{}
	d.decode(body, reflectValue(f))
	c.merge(f)
}

// parse returns the body of the single YAML document in data.
func (c *Config) parse(path string, data []byte) (ast.Node, bool) {
	// The parser recurses once per level: refuse absurd nesting before it
	// spends seconds and gigabytes on it.
	if tk := tooDeep(data); tk != nil {
		c.Incomplete = true
		c.Diags.Errorf(Pos{File: path, Line: tk.Position.Line, Col: tk.Position.Column},
			"YAML nests more than %d levels deep", maxParseDepth)
		return nil, false
	}
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		pos := Pos{File: path}
		msg := err.Error()
		var ye yaml.Error
		if errors.As(err, &ye) {
			msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				pos.Line, pos.Col = tk.Position.Line, tk.Position.Column
				if open, what := unclosedBefore(tk); open != nil {
					// The parser fails where the runaway text ends; the
					// mistake is where it began.
					msg += fmt.Sprintf(" (the %s opened here runs on to line %d: is its closing character missing?)", what, tk.Position.Line)
					pos.Line, pos.Col = open.Position.Line, open.Position.Column
				}
			}
		}
		c.Incomplete = true
		c.Diags.Errorf(pos, "YAML syntax error: %s", msg)
		return nil, false
	}
	var docs []*ast.DocumentNode
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		return nil, true
	}
	if len(docs) > 1 {
		d := &decoder{file: path, diags: &c.Diags}
		d.errorf(docs[1].Body, "a file holds one YAML document; split the others (---) into their own files")
	}
	return docs[0].Body, true
}

// maxParseDepth bounds the nesting of flow collections ([ and {) and of
// compact block sequences (- - - on one line): the two ways a short file
// can nest deeply. Configurations need about ten levels.
const maxParseDepth = 256

// tooDeep returns the first token nested deeper than maxParseDepth.
func tooDeep(data []byte) *token.Token {
	flow, compact, line := 0, 0, 0
	for _, tk := range lexer.Tokenize(string(data)) {
		if tk.Position == nil {
			continue
		}
		if tk.Position.Line != line {
			line, compact = tk.Position.Line, 0
		}
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType:
			compact++
		}
		if flow+compact > maxParseDepth {
			return tk
		}
	}
	return nil
}

// unclosedBefore finds a quoted string or flow collection that was opened
// on an earlier line than the error token tk and swallowed the lines up to
// it: the usual cause of a confusing syntax error further down. A flow
// collection counts only when the error is back at (or left of) the
// indentation of the line that opened it, where block structure resumed.
func unclosedBefore(tk *token.Token) (*token.Token, string) {
	if p := tk.Prev; p != nil && p.Position != nil && p.Position.Line < tk.Position.Line &&
		(p.Type == token.DoubleQuoteType || p.Type == token.SingleQuoteType) && strings.Contains(p.Origin, "\n") {
		return p, "quoted string"
	}
	depth := 0
	for p, n := tk.Prev, 0; p != nil && n < 10000; p, n = p.Prev, n+1 {
		switch p.Type {
		case token.SequenceEndType, token.MappingEndType:
			depth++
		case token.SequenceStartType, token.MappingStartType:
			if depth > 0 {
				depth--
				continue
			}
			if p.Position == nil || p.Position.Line >= tk.Position.Line || tk.Position.Column > lineIndent(p) {
				return nil, ""
			}
			if p.Type == token.SequenceStartType {
				return p, "flow list [ ... ]"
			}
			return p, "flow mapping { ... }"
		}
	}
	return nil, ""
}

// lineIndent is the column of the first token on tk's line.
func lineIndent(tk *token.Token) int {
	col := tk.Position.Column
	for p := tk.Prev; p != nil && p.Position != nil && p.Position.Line == tk.Position.Line; p = p.Prev {
		col = min(col, p.Position.Column)
	}
	return col
}

func (c *Config) mergeProfile(name string, p *Profile) {
	if c.File.Profiles == nil {
		c.File.Profiles = map[string]*Profile{}
	}
	if prev, ok := c.File.Profiles[name]; ok {
		c.dup("profile", name, PosOf(c.Index, p), PosOf(c.Index, prev))
		return
	}
	c.File.Profiles[name] = p
}

func (c *Config) dup(kind, name string, here, first Pos) {
	d := c.Diags.Errorf(here, "%s %q is defined twice (first at %s)", kind, name, first)
	d.Related = []Pos{first}
}

// merge folds one file into the tree: named things merge by name (a name
// defined twice is an error citing both places), lists are concatenated,
// and single objects may be defined in one file only.
func (c *Config) merge(f *File) {
	dst := c.File
	single := func(kind string, dstp, srcp any, dstPos, srcPos Pos) bool {
		if dstp == nil {
			return true
		}
		d := c.Diags.Errorf(srcPos, "%s is defined twice (first at %s); define it in one file", kind, dstPos)
		d.Related = []Pos{dstPos}
		return false
	}
	if f.Organization != nil {
		if dst.Organization == nil || single("organization", dst.Organization, f.Organization, dst.Organization.Pos, f.Organization.Pos) {
			dst.Organization = f.Organization
		}
	}
	if f.Defaults != nil {
		if dst.Defaults == nil {
			dst.Defaults = f.Defaults
		} else {
			single("defaults", dst.Defaults, f.Defaults, PosOf(c.Index, dst.Defaults), PosOf(c.Index, f.Defaults))
		}
	}
	if f.Sandbox != nil {
		if dst.Sandbox == nil {
			dst.Sandbox = f.Sandbox
		} else {
			mergeNamed(c, "sandbox user", &dst.Sandbox.Users, f.Sandbox.Users)
		}
	}
	mergeNamed(c, "account", &dst.Accounts, f.Accounts)
	mergeNamed(c, "group", &dst.Groups, f.Groups)
	mergeNamed(c, "user", &dst.Users, f.Users)
	mergeNamed(c, "permission set", &dst.PermissionSets, f.PermissionSets)
	mergeNamed(c, "machine role", &dst.MachineRoles, f.MachineRoles)
	mergeNamed(c, "provider", &dst.Providers, f.Providers)
	mergeNamed(c, "identity", &dst.Identities, f.Identities)
	mergeNamed(c, "profile", &dst.Profiles, f.Profiles)
	dst.Assignments = append(dst.Assignments, f.Assignments...)
}

func mergeNamed[T any](c *Config, kind string, dst *map[string]*T, src map[string]*T) {
	if len(src) == 0 {
		return
	}
	if *dst == nil {
		*dst = make(map[string]*T, len(src))
	}
	names := make([]string, 0, len(src))
	for k := range src {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		v := src[name]
		if prev, ok := (*dst)[name]; ok {
			c.dup(kind, name, PosOf(c.Index, v), PosOf(c.Index, prev))
			continue
		}
		(*dst)[name] = v
	}
}
