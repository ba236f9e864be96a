package lock

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash and cross-process tests re-execute this test binary as a helper
// process: TestMain runs the helper named by helperEnv instead of the tests.
const (
	helperEnv = "SESAME_LOCK_TEST_HELPER"
	targetEnv = "SESAME_LOCK_TEST_TARGET"
	argEnv    = "SESAME_LOCK_TEST_ARG"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := runHelper(mode, os.Getenv(targetEnv), os.Getenv(argEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runHelper(mode, target, arg string) error {
	switch mode {
	case "write-loop": // say "ready", then write until killed
		bodies := [][]byte{payload(arg, 0, 4<<20), payload(arg, 1, 3<<20)}
		fmt.Println("ready")
		for seq := 0; ; seq++ {
			if err := WriteFileAtomic(target, bodies[seq%2], 0o600); err != nil {
				return err
			}
		}
	case "write-n": // write arg payloads, then exit
		for seq := range 20 {
			if err := WriteFileAtomic(target, payload(arg, seq, 256<<10+seq*4096), 0o600); err != nil {
				return err
			}
		}
		return nil
	case "hold": // take the lock, say so, and sleep until killed
		release, err := (&Lock{}).Acquire(context.Background(), target)
		if err != nil {
			return err
		}
		defer release()
		fmt.Println("locked")
		time.Sleep(time.Hour)
		return nil
	case "flight":
		return flightHelper(target, arg)
	}
	return fmt.Errorf("unknown helper %q", mode)
}

// helper starts this test binary as the named helper.
func helper(t *testing.T, mode, target, arg string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, targetEnv+"="+target, argEnv+"="+arg)
	return cmd
}

// payload is a self-checking file body: a header line with the writer's id,
// a sequence number, the body's length and SHA-256, then the body. A torn or
// truncated file fails checkPayload.
func payload(id string, seq, size int) []byte {
	var seed [32]byte
	copy(seed[:], fmt.Sprintf("%s/%d", id, seq))
	body := make([]byte, size)
	rand.NewChaCha8(seed).Read(body)
	sum := sha256.Sum256(body)
	header := fmt.Sprintf("PAYLOAD %s %d %d %s\n", id, seq, size, hex.EncodeToString(sum[:]))
	return append([]byte(header), body...)
}

// checkPayload returns the writer id of a complete payload, or an error.
func checkPayload(data []byte) (string, error) {
	header, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return "", fmt.Errorf("no header in %d bytes", len(data))
	}
	f := strings.Fields(string(header))
	if len(f) != 5 || f[0] != "PAYLOAD" {
		return "", fmt.Errorf("bad header %q", header)
	}
	size, err := strconv.Atoi(f[3])
	if err != nil || size != len(body) {
		return "", fmt.Errorf("body is %d bytes, header says %s", len(body), f[3])
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != f[4] {
		return "", fmt.Errorf("checksum mismatch for writer %s seq %s", f[1], f[2])
	}
	return f[1], nil
}

// readLine reads one line from the helper's stdout, failing after d.
func readLine(t *testing.T, r *bufio.Reader, d time.Duration) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		line, _ := r.ReadString('\n')
		ch <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ch:
		return line
	case <-time.After(d):
		t.Fatalf("helper said nothing within %v", d)
		return ""
	}
}
