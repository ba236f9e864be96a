package sandboxcmd

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/iostreams"
	"github.com/sesame-cli/sesame/internal/org"
)

func acmeOrg() (*org.Org, error) {
	cfg, err := config.Load(config.LoadOptions{Path: "../../../examples/acme"})
	if err != nil {
		return nil, err
	}
	o, d := org.Resolve(cfg, org.Options{})
	return o, d.Err()
}

// start runs the sandbox command until the returned stop is called.
func start(t *testing.T, stateDir string) (url string, out *strings.Builder, stop func()) {
	t.Helper()
	io, _, stdout, stderr := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, &Options{IO: io, Org: acmeOrg, Addr: "127.0.0.1:0", StateDir: stateDir, Format: "env",
			Ready: func(u string) { ready <- u }})
	}()
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("sandbox did not start: %v\n%s", err, stderr)
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not start within 10s")
	}
	out = &strings.Builder{}
	out.WriteString(stdout.String())
	return url, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stop: %v", err)
		}
		if !strings.Contains(stderr.String(), "sandbox stopped") {
			t.Errorf("no clean stop message: %s", stderr)
		}
	}
}

func TestSandboxServesAndStopsCleanly(t *testing.T) {
	url, out, stop := start(t, "")
	defer stop()
	for _, want := range []string{"export AWS_ENDPOINT_URL=" + url, "export AWS_REGION=us-east-1", "export SESAME_SANDBOX_START_URL=https://acme.awsapps.com/start"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Get(url + "/_sandbox/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestStateDirSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	url, _, stop := start(t, dir)
	resp, err := http.Post(url+"/_sandbox/iam-user-keys?account=core-auto&user=deployer", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var key struct{ AccessKeyId, SecretAccessKey string }
	if err := json.NewDecoder(resp.Body).Decode(&key); err != nil || key.AccessKeyId == "" {
		t.Fatalf("keys: %v %+v", err, key)
	}
	resp.Body.Close()
	stop()
	st, err := os.Stat(filepath.Join(dir, "sandbox-state.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v", d.Mode().Perm())
	}

	url, _, stop = start(t, dir)
	defer stop()
	client := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(key.AccessKeyId, key.SecretAccessKey, "")})
	who, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::333333333333:user/deployer" {
		t.Fatalf("after restart: %v %v", who, err)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	err := Run(context.Background(), &Options{IO: io, Org: acmeOrg, Addr: "0.0.0.0:0", Format: "env"})
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("got %v", err)
	}
}
