package org_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// The corpus under testdata/bad holds one malformed configuration per
// archive. Every file of the archive except "want" is written into a
// temporary directory, which is loaded and validated like a real
// configuration directory. "want" lists the expected findings, one per
// line:
//
//	file:line:col: message substring
//	file:line:col: warning: message substring
//
// file is relative to the case directory ("." is the directory itself,
// where findings about the configuration as a whole go, at 0:0). Every
// listed finding must be
// reported at exactly that place; any error that is not listed fails the
// case (warnings that are not listed are allowed). Blank lines and lines
// starting with # are ignored. Several lines may name the same finding to
// check several parts of its message.

type want struct {
	file      string
	line, col int
	warning   bool
	substr    string
	text      string // the line as written, for messages
}

var wantRe = regexp.MustCompile(`^([^:\s]+):(\d+):(\d+): (.+)$`)

func parseWant(t *testing.T, data []byte) []want {
	t.Helper()
	var out []want
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := wantRe.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("want line %d: %q is not file:line:col: message", n, line)
		}
		w := want{file: m[1], substr: m[4], text: line}
		w.line, _ = strconv.Atoi(m[2])
		w.col, _ = strconv.Atoi(m[3])
		if rest, ok := strings.CutPrefix(w.substr, "warning: "); ok {
			w.warning, w.substr = true, rest
		}
		out = append(out, w)
	}
	return out
}

// loadArchive writes the files of a case into a fresh directory and loads
// it. It returns the directory, the diagnostics and the want section.
func loadArchive(t *testing.T, path string, needWant bool) (string, config.Diagnostics, []byte) {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var wantData []byte
	haveWant := false
	for _, f := range ar.Files {
		if f.Name == "want" {
			wantData, haveWant = f.Data, true
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if needWant && !haveWant {
		t.Fatalf("%s has no -- want -- section", path)
	}
	cfg, err := config.Load(config.LoadOptions{Path: dir})
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	return dir, org.Validate(cfg), wantData
}

// rel prints a finding with its file relative to dir.
func rel(dir string, d *config.Diagnostic) (string, string) {
	file := d.Pos.File
	if r, err := filepath.Rel(dir, file); err == nil {
		file = filepath.ToSlash(r)
	}
	sev := ""
	if d.Severity == config.SevWarning {
		sev = "warning: "
	}
	return file, fmt.Sprintf("%s:%d:%d: %s%s", file, d.Pos.Line, d.Pos.Col, sev, d.Msg)
}

func TestBadInput(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "bad", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases under testdata/bad")
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, diags, wantData := loadArchive(t, path, true)
			wants := parseWant(t, wantData)
			if len(wants) == 0 {
				t.Fatalf("the want section lists nothing")
			}
			var all []string
			for _, d := range diags {
				_, s := rel(dir, d)
				all = append(all, s)
				if !d.Pos.IsValid() {
					t.Errorf("finding without a file: %s", s)
				}
			}
			dump := func() { t.Logf("all findings:\n\t%s", strings.Join(all, "\n\t")) }
			matched := make([]bool, len(diags))
			failed := false
			for _, w := range wants {
				found := false
				for i, d := range diags {
					file, _ := rel(dir, d)
					if file == w.file && d.Pos.Line == w.line && d.Pos.Col == w.col &&
						(d.Severity == config.SevWarning) == w.warning && strings.Contains(d.Msg, w.substr) {
						matched[i], found = true, true
					}
				}
				if !found {
					t.Errorf("missing: %s", w.text)
					failed = true
				}
			}
			for i, d := range diags {
				if !matched[i] && d.Severity == config.SevError {
					_, s := rel(dir, d)
					t.Errorf("unexpected: %s", s)
					failed = true
				}
			}
			if failed {
				dump()
			}
		})
	}
}

// TestBadInputCorpusSize keeps the corpus from shrinking by accident.
func TestBadInputCorpusSize(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "bad", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 45 {
		t.Fatalf("found %d cases under testdata/bad; expected at least 45", len(cases))
	}
}

// TestGoodInput checks the valid archives under testdata/good (the base
// every bad case starts from, and shapes that must stay accepted) have no
// errors, so each bad case's findings come from its seeded mistakes only.
func TestGoodInput(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "good", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases under testdata/good")
	}
	for _, path := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			t.Parallel()
			dir, diags, _ := loadArchive(t, path, false)
			for _, d := range diags.Errors() {
				_, s := rel(dir, d)
				t.Errorf("unexpected: %s", s)
			}
		})
	}
}

// TestExampleIsValid keeps the acme example free of errors.
func TestExampleIsValid(t *testing.T) {
	cfg, err := config.Load(config.LoadOptions{Path: filepath.Join("..", "..", "examples", "acme")})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range org.Validate(cfg).Errors() {
		t.Errorf("%s", d.Error())
	}
}
