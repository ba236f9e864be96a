package awsapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// HTTPClientWithCABundle returns an HTTP client that also trusts the PEM
// certificates in path, as AWS tools do with AWS_CA_BUNDLE (a company
// proxy that re-signs TLS, a private endpoint). The system's roots stay
// trusted. Like defaultHTTP it follows no redirects.
func HTTPClientWithCABundle(path string) (*http.Client, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %s holds no PEM certificate", path)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: defaultHTTP.Timeout, CheckRedirect: defaultHTTP.CheckRedirect}, nil
}
