package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/credstore"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// TestMain makes the test binary double as `sesame` inside scripts: the
// scripts run the real command tree, built into this binary, without a
// separate go build.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sesame":     func() { os.Exit(Main()) },
		"sdk-whoami": func() { os.Exit(sdkWhoami()) },
	})
}

// TestScript runs the CLI scripts in testdata/script. Every script gets
// its own in-process sandbox (examples/acme, alice auto-approved) that
// sesame reaches through AWS_ENDPOINT_URL, its own cache directory and an
// encrypted file credential store; the sandbox-* commands inspect and
// disturb that sandbox.
func TestScript(t *testing.T) {
	acme, err := filepath.Abs("../../examples/acme")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{Path: acme})
	if err != nil {
		t.Fatal(err)
	}
	o, diags := org.Resolve(cfg, org.Options{})
	if diags.HasErrors() {
		t.Fatalf("examples/acme: %v", diags)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Under -race every process sleeps 1s at exit waiting for late
			// race reports; each `exec sesame` would pay it.
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			env.Setenv("ACME", acme)
			// Discovery must not find the developer's own configuration.
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))

			sb, err := sandbox.New(o, sandbox.Options{AutoApprove: "alice"})
			if err != nil {
				return err
			}
			srv := httptest.NewServer(sb)
			env.Defer(srv.Close)
			env.Values[sandboxKey{}] = sb
			env.Setenv("SANDBOX_URL", srv.URL)
			env.Setenv("AWS_ENDPOINT_URL", srv.URL)
			env.Setenv("AWS_REGION", "us-east-1")
			env.Setenv("SESAME_CONFIG", acme)
			env.Setenv("SESAME_CACHE_DIR", filepath.Join(env.WorkDir, "cache"))
			env.Setenv("SESAME_CREDENTIAL_STORE", "file")
			// Park the file store key in the kernel keyring only briefly, so
			// test runs do not fill the user's key quota.
			env.Setenv("SESAME_KEYCACHE_TTL", "2m")
			env.Setenv("SESAME_FILE_PASSPHRASE", "test-passphrase")
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			return os.MkdirAll(filepath.Join(env.WorkDir, "home"), 0o700)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sandbox-stats":  cmdSandboxStats,
			"sandbox-faults": cmdSandboxFaults,
			"sandbox-reset":  cmdSandboxReset,
			"github-run":     cmdGitHubRun,
			"http-get":       cmdHTTPGet,
			"json-doc":       cmdJSONDoc,
			"store-secrets":  cmdStoreSecrets,
		},
	})
}

type sandboxKey struct{}

func scriptSandbox(ts *testscript.TestScript) *sandbox.Sandbox {
	return ts.Value(sandboxKey{}).(*sandbox.Sandbox)
}

// sandbox-stats OP N asserts that the sandbox served operation OP exactly
// N times since the script started (or the last sandbox-reset); with !,
// that it did not.
func cmdSandboxStats(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sandbox-stats OP N")
	}
	op := args[0]
	got := scriptSandbox(ts).Stats()[op]
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("sandbox-stats: bad count %q", args[1])
	}
	if (got == want) == neg {
		if neg {
			ts.Fatalf("sandbox served %s %d times; want anything else", op, got)
		}
		ts.Fatalf("sandbox served %s %d times; want %d (all: %v)", op, got, want, scriptSandbox(ts).Stats())
	}
	ts.Logf("%s: %d", op, got)
}

// sandbox-faults JSON replaces the sandbox's fault configuration (the
// body of PUT /_sandbox/faults, e.g. {"lifetimes":{"access_token":"1s"}}).
func cmdSandboxFaults(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sandbox-faults JSON")
	}
	var c sandbox.FaultConfig
	dec := json.NewDecoder(strings.NewReader(args[0]))
	dec.DisallowUnknownFields()
	ts.Check(dec.Decode(&c))
	ts.Check(scriptSandbox(ts).SetFaults(c))
}

// sandbox-reset makes the sandbox forget every client, token and
// credential it issued (so cached sessions stop working), its counters
// and its faults.
func cmdSandboxReset(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: sandbox-reset")
	}
	scriptSandbox(ts).Reset()
}

// github-run KEY=VALUE... starts a GitHub Actions workflow run in the
// sandbox (keys as the JSON fields of sandbox.GitHubRun: repository,
// repository_id, environment, event_name, ref, job_workflow_ref, run_id,
// ...) and sets what the Actions runner gives a job with
// `permissions: id-token: write`: ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, plus GITHUB_RUN_ID and
// GITHUB_RUN_ATTEMPT.
func cmdGitHubRun(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: github-run KEY=VALUE...")
	}
	fields := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("github-run: %q is not KEY=VALUE", a)
		}
		fields[k] = v
	}
	data, err := json.Marshal(fields)
	ts.Check(err)
	var run sandbox.GitHubRun
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	ts.Check(dec.Decode(&run))
	reqURL, reqToken, err := scriptSandbox(ts).GitHubRunAt(ts.Getenv("SANDBOX_URL"), run)
	ts.Check(err)
	ts.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", reqURL)
	ts.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", reqToken)
	ts.Setenv("GITHUB_RUN_ID", fields["run_id"])
	attempt := fields["run_attempt"]
	if attempt == "" {
		attempt = "1"
	}
	ts.Setenv("GITHUB_RUN_ATTEMPT", attempt)
}

// http-get URL|@FILE fetches URL, or the URL written in FILE (a sandbox
// page), and writes the status line and body to stdout.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: http-get URL|@FILE")
	}
	u := args[0]
	if f, ok := strings.CutPrefix(u, "@"); ok {
		u = ts.ReadFile(f)
	}
	resp, err := http.Get(strings.TrimSpace(u))
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%s\n%s", resp.Status, body)
}

// json-doc FILE asserts that FILE holds exactly one JSON object and
// nothing else but whitespace; with !, that it does not.
func cmdJSONDoc(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: json-doc FILE")
	}
	data := ts.ReadFile(args[0])
	err := oneJSONObject(data)
	switch {
	case err != nil && !neg:
		ts.Fatalf("%s: %v", args[0], err)
	case err == nil && neg:
		ts.Fatalf("%s is one JSON document", args[0])
	}
}

func oneJSONObject(data string) error {
	dec := json.NewDecoder(strings.NewReader(data))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON document")
	}
	if rest := strings.TrimSpace(data[dec.InputOffset():]); rest != "" {
		return fmt.Errorf("trailing data %q", rest)
	}
	return nil
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	io, _, _, errOut := iostreams.Test()
	// An invalid flag value fails; with a cancelled context the
	// failure is reported as an interruption.
	got := Run(ctx, []string{"version", "--format", "bogus"}, io, func(string) string { return "" })
	if got != cmdutil.ExitInterrupted || errOut.String() != "error: interrupted\n" {
		t.Errorf("code %d, stderr %q", got, errOut)
	}
}

func TestRunNoArgsPrintsHelp(t *testing.T) {
	io, _, out, errOut := iostreams.Test()
	if got := Run(context.Background(), nil, io, func(string) string { return "" }); got != 0 {
		t.Fatalf("code %d, stderr %q", got, errOut)
	}
	if out.Len() == 0 {
		t.Error("no help on stdout")
	}
}

// store-secrets FILE opens the script's file credential store
// ($SESAME_CACHE_DIR/store, $SESAME_FILE_PASSPHRASE) and writes every
// secret in it (string values under a key naming a token or a secret:
// access and refresh tokens, client secret, secret keys, session tokens)
// to the end of FILE, one a line, for grep -F -f.
func cmdStoreSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: store-secrets FILE")
	}
	pass := ts.Getenv("SESAME_FILE_PASSPHRASE")
	st, err := credstore.NewFile(filepath.Join(ts.Getenv("SESAME_CACHE_DIR"), "store"), func() (string, error) { return pass, nil })
	ts.Check(err)
	ctx := context.Background()
	keys, err := st.Keys(ctx, "")
	ts.Check(err)
	var secrets []string
	for _, k := range keys {
		data, err := st.Get(ctx, k)
		ts.Check(err)
		var v any
		if json.Unmarshal(data, &v) == nil {
			secrets = appendSecrets(secrets, "", v)
		}
	}
	if len(secrets) == 0 {
		ts.Fatalf("no secrets in the store (keys %v)", keys)
	}
	ts.Logf("%d secrets in %d entries", len(secrets), len(keys))
	fh, err := os.OpenFile(ts.MkAbs(args[0]), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	ts.Check(err)
	_, err = fh.WriteString(strings.Join(secrets, "\n") + "\n")
	ts.Check(err)
	ts.Check(fh.Close())
}

func appendSecrets(out []string, key string, v any) []string {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			out = appendSecrets(out, k, e)
		}
	case []any:
		for _, e := range v {
			out = appendSecrets(out, key, e)
		}
	case string:
		k := strings.ToLower(key)
		if v != "" && (strings.Contains(k, "token") || strings.Contains(k, "secret")) {
			out = append(out, v)
		}
	}
	return out
}
