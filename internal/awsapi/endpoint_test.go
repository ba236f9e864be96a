package awsapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// env is a fake environment: never os.Setenv in tests that run in parallel.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestURL(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		c    awsapi.Client
		s    awsapi.Service
		want string
	}{
		"oidc us-east-1":     {awsapi.Client{Region: "us-east-1"}, awsapi.OIDC, "https://oidc.us-east-1.amazonaws.com"},
		"portal eu-west-1":   {awsapi.Client{Region: "eu-west-1"}, awsapi.Portal, "https://portal.sso.eu-west-1.amazonaws.com"},
		"sts us-east-1":      {awsapi.Client{Region: "us-east-1"}, awsapi.STS, "https://sts.us-east-1.amazonaws.com"},
		"sts cn-north-1":     {awsapi.Client{Region: "cn-north-1"}, awsapi.STS, "https://sts.cn-north-1.amazonaws.com.cn"},
		"portal cn-north-1":  {awsapi.Client{Region: "cn-northwest-1"}, awsapi.Portal, "https://portal.sso.cn-northwest-1.amazonaws.com.cn"},
		"sts us-gov-west-1":  {awsapi.Client{Region: "us-gov-west-1"}, awsapi.STS, "https://sts.us-gov-west-1.amazonaws.com"},
		"oidc us-gov-east-1": {awsapi.Client{Region: "us-gov-east-1"}, awsapi.OIDC, "https://oidc.us-gov-east-1.amazonaws.com"},
		"sts us-iso-east-1":  {awsapi.Client{Region: "us-iso-east-1"}, awsapi.STS, "https://sts.us-iso-east-1.c2s.ic.gov"},
		"sts us-isob":        {awsapi.Client{Region: "us-isob-east-1"}, awsapi.STS, "https://sts.us-isob-east-1.sc2s.sgov.gov"},
		"sts us-isof":        {awsapi.Client{Region: "us-isof-south-1"}, awsapi.STS, "https://sts.us-isof-south-1.csp.hci.ic.gov"},
		"sts eu-isoe":        {awsapi.Client{Region: "eu-isoe-west-1"}, awsapi.STS, "https://sts.eu-isoe-west-1.cloud.adc-e.uk"},
		"sts eusc":           {awsapi.Client{Region: "eusc-de-east-1"}, awsapi.STS, "https://sts.eusc-de-east-1.amazonaws.eu"},

		"endpoint override": {awsapi.Client{Region: "eu-west-1", Endpoint: "http://localhost:4566"}, awsapi.Portal, "http://localhost:4566"},
		"endpoint slashes":  {awsapi.Client{Region: "eu-west-1", Endpoint: "http://localhost:4566//"}, awsapi.OIDC, "http://localhost:4566"},
		"endpoint with path": {awsapi.Client{Region: "eu-west-1", Endpoint: "https://proxy.example/aws/"}, awsapi.STS,
			"https://proxy.example/aws"},
		"endpoint beats env": {awsapi.Client{Region: "us-east-1", Endpoint: "http://sandbox:8080/",
			Getenv: env("AWS_ENDPOINT_URL_STS", "http://sts.env", "AWS_ENDPOINT_URL", "http://all.env")}, awsapi.STS, "http://sandbox:8080"},
		"endpoint beats ignore": {awsapi.Client{Region: "us-east-1", Endpoint: "http://sandbox:8080",
			Getenv: env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")}, awsapi.STS, "http://sandbox:8080"},

		"service env beats global": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_ENDPOINT_URL_STS", "http://sts.env/", "AWS_ENDPOINT_URL", "http://all.env")}, awsapi.STS, "http://sts.env"},
		"global env": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_ENDPOINT_URL_STS", "http://sts.env", "AWS_ENDPOINT_URL", "http://all.env/")}, awsapi.Portal, "http://all.env"},
		"oidc env": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc.env", "AWS_ENDPOINT_URL_SSO", "http://portal.env")}, awsapi.OIDC, "http://oidc.env"},
		"portal env": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc.env", "AWS_ENDPOINT_URL_SSO", "http://portal.env")}, awsapi.Portal, "http://portal.env"},
		"portal env is not oidc": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_ENDPOINT_URL_SSO", "http://portal.env")}, awsapi.OIDC, "https://oidc.us-east-1.amazonaws.com"},
		"other service env": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_ENDPOINT_URL_S3", "http://s3.env")}, awsapi.STS, "https://sts.us-east-1.amazonaws.com"},
		"ignore both": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", "AWS_ENDPOINT_URL_STS", "http://sts.env", "AWS_ENDPOINT_URL", "http://all.env")},
			awsapi.STS, "https://sts.us-east-1.amazonaws.com"},
		"ignore is case-insensitive": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", "AWS_ENDPOINT_URL", "http://all.env")}, awsapi.OIDC, "https://oidc.us-east-1.amazonaws.com"},
		"ignore false": {awsapi.Client{Region: "us-east-1",
			Getenv: env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", "AWS_ENDPOINT_URL", "http://all.env")}, awsapi.OIDC, "http://all.env"},
		"nil getenv": {awsapi.Client{Region: "us-east-1"}, awsapi.OIDC, "https://oidc.us-east-1.amazonaws.com"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.c.URL(tc.s); got != tc.want {
				t.Errorf("URL(%s) = %q, want %q", tc.s, got, tc.want)
			}
		})
	}
}

func TestDNSSuffix(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"us-east-1": "amazonaws.com", "eu-central-2": "amazonaws.com", "ap-southeast-4": "amazonaws.com", "us-gov-west-1": "amazonaws.com",
		"cn-north-1": "amazonaws.com.cn", "cn-northwest-1": "amazonaws.com.cn",
		"us-iso-east-1": "c2s.ic.gov", "us-isob-east-1": "sc2s.sgov.gov", "us-isof-south-1": "csp.hci.ic.gov",
		"eu-isoe-west-1": "cloud.adc-e.uk", "eusc-de-east-1": "amazonaws.eu", "": "amazonaws.com",
	} {
		if got := awsapi.DNSSuffix(region); got != want {
			t.Errorf("DNSSuffix(%q) = %q, want %q", region, got, want)
		}
	}
}

// Calls go where the environment says.
func TestEnvironmentEndpointIsUsed(t *testing.T) {
	t.Parallel()
	hit := func() (string, *atomic.Int32) {
		n := new(atomic.Int32)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			callerOK(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/", n
	}
	stsURL, stsHits := hit()
	allURL, allHits := hit()
	c := &awsapi.Client{Region: "us-east-1", MaxAttempts: 1, Getenv: env("AWS_ENDPOINT_URL_STS", stsURL, "AWS_ENDPOINT_URL", allURL)}
	if _, err := c.GetCallerIdentity(t.Context(), testCreds); err != nil {
		t.Fatal(err)
	}
	if stsHits.Load() != 1 || allHits.Load() != 0 {
		t.Errorf("STS endpoint hit %d times, global %d", stsHits.Load(), allHits.Load())
	}
}

func TestNoRegion(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	for op, call := range calls {
		for _, c := range []*awsapi.Client{{}, {Endpoint: srv.URL, HTTP: srv.Client()}, {Getenv: env("AWS_ENDPOINT_URL", srv.URL)}} {
			err := call(t.Context(), c)
			if err == nil || !strings.Contains(err.Error(), "no AWS region") || !strings.HasPrefix(err.Error(), op+": ") {
				t.Errorf("%s without a region: %v", op, err)
			}
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d requests without a region", n.Load())
	}
}
