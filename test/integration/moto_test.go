package integration

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/test/testproc"
)

// sesame's own STS client (internal/awsapi) against moto, an emulator
// written independently of both sesame and its sandbox from the AWS
// models: GetCallerIdentity, AssumeRole with every parameter sesame sends
// (SourceIdentity, ExternalId, DurationSeconds, session tags), a chained
// AssumeRole with the credentials it returned, and the unsigned
// AssumeRoleWithWebIdentity.
func TestAWSAPIAgainstMoto(t *testing.T) {
	requireIntegration(t)
	base := startMoto(t)
	c := &awsapi.Client{Region: "us-east-1", Endpoint: base, MaxAttempts: 1}
	ctx := t.Context()
	root := aws.Credentials{AccessKeyID: "AKIAFAKEFAKEFAKE0001", SecretAccessKey: "fake"}

	who, err := c.GetCallerIdentity(ctx, root)
	if err != nil || who.Account == "" || !strings.HasPrefix(who.Arn, "arn:aws:") {
		t.Fatalf("GetCallerIdentity: %+v, %v", who, err)
	}
	role := "arn:aws:iam::" + who.Account + ":role/deploy"
	out, err := c.AssumeRole(ctx, root, &awsapi.AssumeRoleInput{RoleARN: role, RoleSessionName: "alice", SourceIdentity: "alice",
		ExternalID: "partner-1234", Duration: 15 * time.Minute, Tags: map[string]string{"team": "platform", "change": "manual"}})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	if !strings.HasPrefix(out.Credentials.AccessKeyID, "ASIA") || out.Credentials.SessionToken == "" ||
		!strings.HasSuffix(out.AssumedRoleUser.Arn, "assumed-role/deploy/alice") {
		t.Errorf("AssumeRole: %+v", out.AssumedRoleUser)
	}
	if left := time.Until(out.Credentials.Expiration); left < 10*time.Minute || left > 16*time.Minute {
		t.Errorf("AssumeRole for 15m: credentials valid for %s", left)
	}
	chained := aws.Credentials{AccessKeyID: out.Credentials.AccessKeyID, SecretAccessKey: out.Credentials.SecretAccessKey, SessionToken: out.Credentials.SessionToken}
	me, err := c.GetCallerIdentity(ctx, chained)
	if err != nil || !strings.HasSuffix(me.Arn, "assumed-role/deploy/alice") {
		t.Errorf("GetCallerIdentity with the assumed role: %+v, %v", me, err)
	}
	next, err := c.AssumeRole(ctx, chained, &awsapi.AssumeRoleInput{RoleARN: "arn:aws:iam::" + who.Account + ":role/terraform", RoleSessionName: "alice"})
	if err != nil || !strings.HasSuffix(next.AssumedRoleUser.Arn, "assumed-role/terraform/alice") {
		t.Errorf("chained AssumeRole: %+v, %v", next, err)
	}
	wi, err := c.AssumeRoleWithWebIdentity(ctx, &awsapi.AssumeRoleWithWebIdentityInput{RoleARN: "arn:aws:iam::" + who.Account + ":role/ci",
		RoleSessionName: "gha-1-1", WebIdentityToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvaW5mcmEifQ.c2ln"})
	if err != nil || !strings.HasSuffix(wi.AssumedRoleUser.Arn, "assumed-role/ci/gha-1-1") {
		t.Errorf("AssumeRoleWithWebIdentity: %+v, %v", wi, err)
	}
}

// startMoto runs moto's server on a free loopback port until the test
// ends, with the image's pyenv Python.
func startMoto(t *testing.T) string {
	t.Helper()
	python, err := testproc.Python()
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(python, "-c", "import moto").Run(); err != nil {
		t.Fatalf("moto is not importable with %s (%v); it comes with the machine image (pip moto 5.2.1)", python, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := http.Get(base + "/moto-api/"); err == nil {
			resp.Body.Close()
			return base
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("moto did not answer within 30 s")
	return ""
}
