package awsapi_test

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// AWS_CA_BUNDLE: a private certificate authority (a company's TLS proxy)
// is trusted on top of the system's, for every AWS call.
func TestCABundle(t *testing.T) {
	sb := newSandbox(t, sandbox.Options{})
	srv := httptest.NewTLSServer(sb)
	defer srv.Close()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(bundle, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	hc, err := awsapi.HTTPClientWithCABundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	c := &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: hc, MaxAttempts: 1}
	if _, err := c.RegisterClient(t.Context(), &awsapi.RegisterClientInput{ClientName: "t", ClientType: "public"}); err != nil {
		t.Fatalf("with the bundle: %v", err)
	}
	plain := &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: &http.Client{}, MaxAttempts: 1}
	if _, err := plain.RegisterClient(t.Context(), &awsapi.RegisterClientInput{ClientName: "t", ClientType: "public"}); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the bundle: %v; want a certificate error", err)
	}
	if _, err := awsapi.HTTPClientWithCABundle(filepath.Join(dir, "missing.pem")); err == nil || !strings.Contains(err.Error(), "AWS_CA_BUNDLE") {
		t.Errorf("missing file: %v", err)
	}
	junk := filepath.Join(dir, "junk.pem")
	_ = os.WriteFile(junk, []byte("not a certificate"), 0o600)
	if _, err := awsapi.HTTPClientWithCABundle(junk); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("junk file: %v", err)
	}
}
