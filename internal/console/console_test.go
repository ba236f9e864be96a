package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDestination(t *testing.T) {
	for _, tc := range []struct{ partition, region, service, want string }{
		{"aws", "", "", "https://console.aws.amazon.com/console/home"},
		{"aws", "eu-west-1", "", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"},
		{"aws", "us-east-1", "S3", "https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1"},
		{"aws-cn", "cn-north-1", "ec2", "https://console.amazonaws.cn/ec2/home?region=cn-north-1"},
		{"aws-us-gov", "us-gov-west-1", "", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"},
	} {
		if got := Destination(tc.partition, tc.region, tc.service); got != tc.want {
			t.Errorf("Destination(%q, %q, %q) = %s, want %s", tc.partition, tc.region, tc.service, got, tc.want)
		}
	}
	for p, want := range map[string]string{"aws": "https://signin.aws.amazon.com/federation", "": "https://signin.aws.amazon.com/federation",
		"aws-cn": "https://signin.amazonaws.cn/federation", "aws-us-gov": "https://signin.amazonaws-us-gov.com/federation"} {
		if got := FederationEndpoint(p); got != want {
			t.Errorf("FederationEndpoint(%q) = %s", p, got)
		}
	}
}

var creds = Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s3cr3t-key", SessionToken: "t0ken-value"}

func TestSigninURL(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		_, _ = w.Write([]byte(`{"SigninToken":"tok-123"}`))
	}))
	defer srv.Close()
	u, err := SigninURL(t.Context(), creds, Options{Endpoint: srv.URL + "/federation", Region: "us-east-1", Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("Action") != "getSigninToken" || got.Get("SessionDuration") != "3600" ||
		got.Get("Session") != `{"sessionId":"ASIAEXAMPLE","sessionKey":"s3cr3t-key","sessionToken":"t0ken-value"}` {
		t.Errorf("getSigninToken query: %v", got)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	if parsed.Path != "/federation" || q.Get("Action") != "login" || q.Get("SigninToken") != "tok-123" || q.Get("Issuer") != "sesame" ||
		q.Get("Destination") != "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1" {
		t.Errorf("login URL: %s", u)
	}
	// Without a duration the parameter is left out (role chaining).
	if _, err := SigninURL(t.Context(), creds, Options{Endpoint: srv.URL}); err != nil || got.Has("SessionDuration") {
		t.Errorf("no duration: %v %v", err, got)
	}
}

func TestSigninURLErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "InvalidRequest: the session credentials are invalid", http.StatusBadRequest)
	}))
	defer srv.Close()
	secretFree := func(err error) {
		t.Helper()
		for _, s := range []string{creds.SecretAccessKey, creds.SessionToken} {
			if err != nil && strings.Contains(err.Error(), s) {
				t.Errorf("error carries a secret: %v", err)
			}
		}
	}
	_, err := SigninURL(t.Context(), creds, Options{Endpoint: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "credentials are invalid") {
		t.Errorf("refused: %v", err)
	}
	secretFree(err)
	_, err = SigninURL(t.Context(), Credentials{AccessKeyID: "AKIA", SecretAccessKey: "x"}, Options{Endpoint: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "temporary credentials") {
		t.Errorf("long-term keys: %v", err)
	}
	_, err = SigninURL(t.Context(), creds, Options{Endpoint: "http://127.0.0.1:1/federation"})
	if err == nil {
		t.Error("dead endpoint: no error")
	}
	secretFree(err)
}
