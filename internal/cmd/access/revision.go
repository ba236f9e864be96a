package access

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
)

// snapshot is the configuration at a git revision, copied into a
// temporary directory: Dir/<path in the repository>.
type snapshot struct {
	Rev     string // as the user wrote it
	Dir     string // the temporary directory
	RepoRel string // the configuration's path in the repository (slashes)
	Root    string // the copy of the configuration: Dir/RepoRel
}

// Remove deletes the copy.
func (s *snapshot) Remove() { os.RemoveAll(s.Dir) }

// Relabel turns a position inside the copy into REV:path/in/repo.
func (s *snapshot) Relabel(p config.Pos) config.Pos {
	if rel, err := filepath.Rel(s.Dir, p.File); err == nil && p.File != "" && !strings.HasPrefix(rel, "..") {
		p.File = s.Rev + ":" + filepath.ToSlash(rel)
	}
	return p
}

// git runs git commands for one repository.
type git struct {
	ctx context.Context
	bin string
}

func (g git) run(stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(g.ctx, g.bin, args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%s: %s", strings.Join(args[min(2, len(args)):], " "), msg)
		}
		return nil, err
	}
	return out, nil
}

// checkout copies the configuration at path (a file or a directory of
// the working tree) as of revision rev into a temporary directory. Policy
// files the copied configuration refers to outside the copied path (a
// sesame.yaml next to a policies/ directory) are copied too.
func checkout(ctx context.Context, gitBin, path, rev string) (*snapshot, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("%q is not a directory or a git revision", rev)
	}
	g := git{ctx: ctx, bin: gitBin}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	dir := abs
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		dir = filepath.Dir(abs)
	}
	out, err := g.run(nil, "-C", dir, "rev-parse", "--show-toplevel")
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("%q is not a directory, and git is not installed to read it as a revision", rev)
	}
	if err != nil {
		return nil, fmt.Errorf("%q is not a directory, and the configuration %s is not in a git repository to read it as a revision", rev, path)
	}
	top := strings.TrimSpace(string(out))
	if real, err := filepath.EvalSymlinks(top); err == nil {
		top = real
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("the configuration %s is outside the git repository %s", path, top)
	}
	rel = filepath.ToSlash(rel)
	out, err = g.run(nil, "-C", top, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("%q is not a directory or a revision of the git repository %s", rev, top)
	}
	commit := strings.TrimSpace(string(out))

	spec := []string{"-C", top, "--literal-pathspecs", "ls-tree", "-r", "-z", commit}
	if rel != "." {
		spec = append(spec, "--", rel)
	}
	out, err = g.run(nil, spec...)
	if err != nil {
		return nil, fmt.Errorf("reading %s at %s: %w", rel, rev, err)
	}
	var files []string
	for _, entry := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		if f := strings.Fields(meta); ok && len(f) == 3 && f[1] == "blob" && f[0] != "120000" {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s does not exist at revision %s", rel, rev)
	}
	tmp, err := os.MkdirTemp("", "sesame-access-diff-")
	if err != nil {
		return nil, err
	}
	s := &snapshot{Rev: rev, Dir: tmp, RepoRel: rel, Root: filepath.Join(tmp, filepath.FromSlash(rel))}
	if err := writeBlobs(g, top, commit, tmp, files); err != nil {
		s.Remove()
		return nil, err
	}
	if refs := policyRefs(s); len(refs) > 0 {
		if err := writeBlobs(g, top, commit, tmp, refs); err != nil {
			s.Remove()
			return nil, err
		}
	}
	return s, nil
}

// writeBlobs copies files (repository paths) at commit into dir, with one
// git cat-file process. Files missing at the commit are skipped: loading
// the configuration reports them.
func writeBlobs(g git, top, commit, dir string, files []string) error {
	var in bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&in, "%s:%s\n", commit, f)
	}
	out, err := g.run(&in, "-C", top, "cat-file", "--batch")
	if err != nil {
		return fmt.Errorf("reading the configuration at %s: %w", commit, err)
	}
	r := bufio.NewReader(bytes.NewReader(out))
	for _, f := range files {
		header, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("git cat-file: short output")
		}
		fields := strings.Fields(header)
		if len(fields) != 3 || fields[1] != "blob" {
			continue // "<object> missing", or not a file
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("git cat-file: bad header %q", header)
		}
		data := make([]byte, size+1) // the content and a newline
		if _, err := io.ReadFull(r, data); err != nil {
			return fmt.Errorf("git cat-file: %w", err)
		}
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, data[:size], 0o600); err != nil {
			return err
		}
	}
	return nil
}

// policyRefs lists the policy files the copied configuration names that
// are not in the copy yet, as repository paths.
func policyRefs(s *snapshot) []string {
	cfg, err := config.Load(config.LoadOptions{Path: s.Root})
	if err != nil || cfg.File == nil {
		return nil
	}
	var refs []string
	add := func(p *config.Policy) {
		if p == nil || p.File == "" || filepath.IsAbs(p.File) {
			return
		}
		pos := config.PosOf(cfg.Index, &p.File)
		if !pos.IsValid() {
			pos = p.Pos
		}
		full := filepath.Join(filepath.Dir(pos.File), p.File)
		if _, err := os.Stat(full); err == nil {
			return
		}
		if rel, err := filepath.Rel(s.Dir, full); err == nil && !strings.HasPrefix(rel, "..") {
			refs = append(refs, filepath.ToSlash(rel))
		}
	}
	for _, ps := range cfg.File.PermissionSets {
		if ps != nil {
			add(ps.InlinePolicy)
		}
	}
	for _, mr := range cfg.File.MachineRoles {
		if mr != nil {
			add(mr.InlinePolicy)
		}
	}
	return refs
}
