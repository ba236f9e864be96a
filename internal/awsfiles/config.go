// Package awsfiles keeps sesame's profiles in the AWS shared config file
// (~/.aws/config): one block between marker lines that sesame owns and
// rewrites whole (so identities that are gone are pruned), while every
// byte outside the block stays as the user wrote it. A profile the user
// defined outside the block is never shadowed: AWS tools reject or
// silently merge duplicate sections, so such names are left out and
// reported.
package awsfiles

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The marker lines around sesame's block.
const (
	BeginMarker = "# BEGIN sesame: profiles managed by `sesame aws-config`; edits between these lines are overwritten"
	EndMarker   = "# END sesame"
)

// Profile is one [profile NAME] section.
type Profile struct {
	Name string
	// Settings in the order they are written (credential_process, region, ...).
	Settings [][2]string
}

// Block renders profiles (sorted by name) between the markers.
func Block(profiles []Profile) []byte {
	ps := append([]Profile(nil), profiles...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	var b bytes.Buffer
	b.WriteString(BeginMarker + "\n")
	for i, p := range ps {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[profile %s]\n", p.Name)
		for _, kv := range p.Settings {
			fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
		}
	}
	b.WriteString(EndMarker + "\n")
	return b.Bytes()
}

// Result says what Merge did.
type Result struct {
	Content  []byte
	Added    []string // profiles new in the block
	Removed  []string // profiles that were in the old block and are gone
	Kept     []string // profiles in both
	Shadowed []string // wanted, but defined outside the block: left out
}

// Changed reports whether the content differs from the input.
func (r *Result) Changed(old []byte) bool { return !bytes.Equal(r.Content, old) }

// Merge puts profiles into the config file content old: it replaces the
// existing block, or appends one (after a blank line) when there is none.
// An unterminated or repeated block is an error naming the line: the
// file is then left alone rather than guessed at.
func Merge(old []byte, profiles []Profile) (*Result, error) {
	lines := splitLines(old)
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimRight(l, "\r\n") {
		case BeginMarker:
			if begin >= 0 {
				return nil, fmt.Errorf("line %d: a second sesame block begins here (the first at line %d); remove one", i+1, begin+1)
			}
			begin = i
		case EndMarker:
			if begin < 0 || end >= 0 {
				return nil, fmt.Errorf("line %d: %q without the line that begins the block", i+1, EndMarker)
			}
			end = i
		}
	}
	if begin >= 0 && end < 0 {
		return nil, fmt.Errorf("line %d: the sesame block never ends (no %q line); fix or remove it", begin+1, EndMarker)
	}
	var before, inside, after []string
	if begin >= 0 {
		before, inside, after = lines[:begin], lines[begin+1:end], lines[end+1:]
	} else {
		before = lines
	}
	outside := sectionNames(append(append([]string(nil), before...), after...))
	oldNames := map[string]bool{}
	for n := range sectionNames(inside) {
		oldNames[n] = true
	}
	res := &Result{}
	var keep []Profile
	for _, p := range profiles {
		if line, ok := outside[p.Name]; ok {
			res.Shadowed = append(res.Shadowed, fmt.Sprintf("%s (line %d)", p.Name, line))
			continue
		}
		keep = append(keep, p)
		if oldNames[p.Name] {
			res.Kept = append(res.Kept, p.Name)
			delete(oldNames, p.Name)
		} else {
			res.Added = append(res.Added, p.Name)
		}
	}
	for n := range oldNames {
		res.Removed = append(res.Removed, n)
	}
	sort.Strings(res.Added)
	sort.Strings(res.Removed)
	sort.Strings(res.Kept)
	sort.Strings(res.Shadowed)

	var b bytes.Buffer
	for _, l := range before {
		b.WriteString(l)
	}
	if begin < 0 && b.Len() > 0 {
		if !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
			b.WriteString("\n")
		}
		if !bytes.HasSuffix(b.Bytes(), []byte("\n\n")) {
			b.WriteString("\n")
		}
	}
	b.Write(Block(keep))
	for _, l := range after {
		b.WriteString(l)
	}
	res.Content = b.Bytes()
	return res, nil
}

// splitLines splits keeping line endings, so unchanged lines are written
// back byte for byte.
func splitLines(data []byte) []string {
	var out []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, string(data))
			break
		}
		out = append(out, string(data[:i+1]))
		data = data[i+1:]
	}
	return out
}

// sectionNames maps the profile names defined in lines to their line
// number (1-based within lines): [profile NAME] and, for the default
// profile, [default].
func sectionNames(lines []string) map[string]int {
	out := map[string]int{}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "[") || !strings.HasSuffix(t, "]") {
			continue
		}
		t = strings.TrimSpace(t[1 : len(t)-1])
		name, ok := strings.CutPrefix(t, "profile ")
		if !ok && t != "default" {
			continue // sso-session, services and other sections
		}
		if !ok {
			name = t
		}
		if _, seen := out[strings.TrimSpace(name)]; !seen {
			out[strings.TrimSpace(name)] = i + 1
		}
	}
	return out
}

// ConfigPath is the shared config file: AWS_CONFIG_FILE, else
// ~/.aws/config.
func ConfigPath(getenv func(string) string) (string, error) {
	if p := getenv("AWS_CONFIG_FILE"); p != "" {
		return p, nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for ~/.aws/config: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".aws", "config"), nil
}

// ReadConfig reads the file; a missing file is empty.
func ReadConfig(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	return data, err
}
