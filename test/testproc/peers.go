package testproc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Where the peers are. CI installs the Debian ones (.ci/run); the AWS CLI
// v1 comes with the machine image's pyenv. Each can be overridden.
const (
	AWSCLIv2Default = "/usr/bin/aws"      // Debian awscli 2.9.19
	ChromiumDefault = "/usr/bin/chromium" // Debian chromium
	PyenvPython     = "3.11.7"            // the pyenv version whose bin/aws is the v1 CLI
)

// PeerVersion runs `bin --version` and returns the first line of its
// output that starts with prefix (Debian's chromium wrapper, for one, may
// print a shell warning first).
func PeerVersion(bin, prefix string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(line), err
		}
	}
	return "", fmt.Errorf("%s --version: no line starting %q in %q (%v)", bin, prefix, out, err)
}

// FindAWSCLIv1 finds the pyenv AWS CLI v1, never Debian's v2 at
// /usr/bin/aws: $SESAME_AWSCLI_V1, then <pyenv root>/versions/3.11.7/bin/aws,
// then any other pyenv version's bin/aws, then what `pyenv which aws`
// resolves the shim to, then aws on PATH. Each candidate must report
// aws-cli/1. The error lists what was tried.
func FindAWSCLIv1() (bin, version string, err error) {
	var cands []string
	if p := os.Getenv("SESAME_AWSCLI_V1"); p != "" {
		cands = append(cands, p)
	}
	for _, root := range pyenvRoots() {
		cands = append(cands, filepath.Join(root, "versions", PyenvPython, "bin", "aws"))
		others, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "aws"))
		slices.Sort(others)
		slices.Reverse(others) // newest Python first
		cands = append(cands, others...)
	}
	if pyenv, err := exec.LookPath("pyenv"); err == nil {
		if out, err := exec.Command(pyenv, "which", "aws").Output(); err == nil {
			cands = append(cands, strings.TrimSpace(string(out)))
		}
	}
	if p, err := exec.LookPath("aws"); err == nil {
		cands = append(cands, p) // a pyenv shim or a pip install; never taken if it is v2
	}
	var tried []string
	for _, c := range cands {
		if c == "" || slices.Contains(tried, c) {
			continue
		}
		tried = append(tried, c)
		if real, err := filepath.EvalSymlinks(c); err != nil || real == AWSCLIv2Default {
			continue
		}
		if v, err := PeerVersion(c, "aws-cli/1."); err == nil {
			return c, v, nil
		}
	}
	return "", "", fmt.Errorf("AWS CLI v1 not found (tried %s); it comes with the image's pyenv (Python %s), or set SESAME_AWSCLI_V1",
		strings.Join(tried, ", "), PyenvPython)
}

// pyenvRoots are the places pyenv may live: `pyenv root`, $PYENV_ROOT,
// ~/.pyenv.
func pyenvRoots() []string {
	var roots []string
	if pyenv, err := exec.LookPath("pyenv"); err == nil {
		if out, err := exec.Command(pyenv, "root").Output(); err == nil {
			roots = append(roots, strings.TrimSpace(string(out)))
		}
	}
	if r := os.Getenv("PYENV_ROOT"); r != "" {
		roots = append(roots, r)
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, ".pyenv"))
	}
	return slices.Compact(roots)
}

// Python finds the image's pyenv Python (PyenvPython), which carries moto
// and the AWS CLI v1.
func Python() (string, error) {
	var tried []string
	for _, root := range pyenvRoots() {
		p := filepath.Join(root, "versions", PyenvPython, "bin", "python")
		tried = append(tried, p)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("pyenv Python %s not found (tried %s)", PyenvPython, strings.Join(tried, ", "))
}
