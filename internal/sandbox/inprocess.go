package sandbox

import (
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// InProcessURL is the endpoint of an in-process sandbox. Nothing listens
// there: the transport hands requests straight to the handler.
const InProcessURL = "http://sandbox.invalid"

// Transport serves requests with the sandbox in the same process, without
// a socket.
func (s *Sandbox) Transport() http.RoundTripper { return handlerTransport{s} }

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A server sees Host and RequestURI; a client request has neither set.
	r := req.Clone(req.Context())
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	r.RequestURI = r.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// API returns a sesame AWS client that talks to this sandbox in process.
func (s *Sandbox) API() *awsapi.Client {
	return &awsapi.Client{Region: s.seed.region, Endpoint: InProcessURL,
		HTTP: &http.Client{Transport: s.Transport()}, MaxAttempts: 1}
}

// AWSConfig returns an aws.Config whose clients talk to this sandbox in
// process. creds may be nil for the unsigned SSO and SSO OIDC APIs.
func (s *Sandbox) AWSConfig(creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:           s.seed.region,
		BaseEndpoint:     aws.String(InProcessURL),
		HTTPClient:       &http.Client{Transport: s.Transport()},
		Credentials:      creds,
		RetryMaxAttempts: 1,
	}
}
