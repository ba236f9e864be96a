package testproc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// SandboxInfo is what `sesame sandbox --format json` prints on stdout.
type SandboxInfo struct {
	Endpoint string   `json:"endpoint"`
	Region   string   `json:"region"`
	StartURL string   `json:"start_url"`
	Users    []string `json:"users"`
	Accounts []string `json:"accounts"`
}

// Sandbox is a running `sesame sandbox` subprocess.
type Sandbox struct {
	Info   SandboxInfo
	Stderr *SyncBuffer
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process was reaped
	err    error         // of Wait, valid after done
	once   sync.Once
	stop   error
}

// URL is the sandbox's endpoint, e.g. http://127.0.0.1:41234.
func (s *Sandbox) URL() string { return s.Info.Endpoint }

// StartSandbox runs `bin sandbox --addr 127.0.0.1:0 --format json` plus
// args with exactly env, and waits until its endpoint answers. The child
// dies with the test binary (Linux).
func StartSandbox(bin string, env []string, args ...string) (*Sandbox, error) {
	cmd := exec.Command(bin, append([]string{"sandbox", "--addr", "127.0.0.1:0", "--format", "json"}, args...)...)
	cmd.Env = env
	setProcAttr(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Sandbox{cmd: cmd, Stderr: &SyncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	decoded := make(chan error, 1)
	go func() {
		// The environment is one JSON object; keep draining stdout
		// afterwards so the sandbox never blocks on a write.
		dec := json.NewDecoder(stdout)
		decoded <- dec.Decode(&s.Info)
		_, _ = io.Copy(io.Discard, io.MultiReader(dec.Buffered(), stdout))
		s.err = cmd.Wait()
		close(s.done)
	}()
	select {
	case err = <-decoded:
	case <-time.After(30 * time.Second):
		err = errors.New("no endpoint on stdout within 30s")
	}
	if err == nil && !strings.HasPrefix(s.Info.Endpoint, "http://127.0.0.1:") {
		err = fmt.Errorf("unexpected endpoint %q", s.Info.Endpoint)
	}
	if err == nil {
		err = WaitHealthy(s.URL())
	}
	if err != nil {
		_ = cmd.Process.Kill()
		<-s.done
		return nil, fmt.Errorf("sesame sandbox: %v; stderr:\n%s", err, s.Stderr.String())
	}
	return s, nil
}

// Stop sends SIGTERM and checks that the sandbox exits 0 after printing
// "sandbox stopped". It is safe to call more than once.
func (s *Sandbox) Stop() error {
	s.once.Do(func() {
		select {
		case <-s.done:
			s.stop = fmt.Errorf("the sandbox had already exited (%v); stderr:\n%s", s.err, s.Stderr.String())
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.stop = err
			return
		}
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			s.stop = fmt.Errorf("no exit within 15s of SIGTERM; stderr:\n%s", s.Stderr.String())
			return
		}
		switch {
		case s.err != nil:
			s.stop = fmt.Errorf("exit after SIGTERM: %v; stderr:\n%s", s.err, s.Stderr.String())
		case !strings.Contains(s.Stderr.String(), "sandbox stopped"):
			s.stop = fmt.Errorf("exited 0 without printing \"sandbox stopped\"; stderr:\n%s", s.Stderr.String())
		}
	})
	return s.stop
}
