// Package awsapi calls the few AWS operations sesame needs to turn an
// Identity Center sign-in into role credentials: SSO OIDC (RegisterClient,
// StartDeviceAuthorization, CreateToken), the SSO portal
// (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout) and STS
// (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity).
//
// Why not the AWS SDK's service clients: every Go binary that links one
// pays for its package initialisation (endpoint tables compiled from
// regular expressions, protocol schemas) on every start, about 0.2 ms per
// service on our machines, whether or not a call is made. AWS tools start
// sesame once per credential refresh and Terraform once per provider, so
// start-up is the latency users feel (docs/benchmarks.md). These three
// wire protocols are small and documented (docs/architecture.md); the
// parts that are hard to get right still come from the SDK: SigV4 signing
// (aws/signer/v4) and the standard retry policy (aws/retry). The sandbox
// tests check these calls against the same sandbox the SDK clients and the
// AWS CLI are checked against.
package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Service names an AWS API: its endpoint prefix and the suffix of its
// AWS_ENDPOINT_URL_<SERVICE> variable.
type Service string

const (
	OIDC   Service = "SSO_OIDC" // sso-oidc: oidc.<region>.<domain>
	Portal Service = "SSO"      // sso portal: portal.sso.<region>.<domain>
	STS    Service = "STS"      // sts.<region>.<domain>
)

// maxBody bounds what is read of any response: the largest real answer
// (an AssumeRole result) is a few KB.
const maxBody = 1 << 20

// Client calls AWS for one region. The zero value is not usable: Region is
// required. A Client is safe for concurrent use.
type Client struct {
	// Region is the AWS region of every endpoint.
	Region string
	// Endpoint, when set, replaces the URL of every service (a sandbox,
	// a provider's endpoint_url).
	Endpoint string
	// Getenv reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (and
	// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) when Endpoint is empty; nil
	// reads nothing.
	Getenv func(string) string
	// HTTP sends the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
	// MaxAttempts bounds tries per call under the SDK's standard retry
	// policy (throttling, 5xx, broken connections); 0 means 3.
	MaxAttempts int
	// UserAgent is sent as User-Agent.
	UserAgent string
	// Now is the clock for SigV4; nil means time.Now.
	Now func() time.Time
}

// defaultHTTP follows no redirect: none of these APIs redirects, and Go
// would carry the portal's bearer-token header to whatever host a
// redirect names.
var defaultHTTP = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// URL is the base URL of service s.
func (c *Client) URL(s Service) string {
	if c.Endpoint != "" {
		return strings.TrimRight(c.Endpoint, "/")
	}
	if c.Getenv != nil && !strings.EqualFold(c.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		if u := c.Getenv("AWS_ENDPOINT_URL_" + string(s)); u != "" {
			return strings.TrimRight(u, "/")
		}
		if u := c.Getenv("AWS_ENDPOINT_URL"); u != "" {
			return strings.TrimRight(u, "/")
		}
	}
	host := map[Service]string{OIDC: "oidc.", Portal: "portal.sso.", STS: "sts."}[s]
	return "https://" + host + c.Region + "." + DNSSuffix(c.Region)
}

// DNSSuffix is the domain of a region's partition.
func DNSSuffix(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-isob-"):
		return "sc2s.sgov.gov"
	case strings.HasPrefix(region, "us-isof-"):
		return "csp.hci.ic.gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "c2s.ic.gov"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "cloud.adc-e.uk"
	case strings.HasPrefix(region, "eusc-"):
		return "amazonaws.eu"
	}
	return "amazonaws.com"
}

// request is one call, rebuilt for every attempt.
type request struct {
	service   Service
	operation string
	method    string
	path      string // with the query string
	body      []byte
	header    map[string]string
	sign      *aws.Credentials // SigV4 with these; nil: unsigned
	signName  string
	parseErr  func(status int, h http.Header, body []byte) *APIError
}

// do sends r under the retry policy and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, r *request) ([]byte, error) {
	if c.Region == "" {
		return nil, fmt.Errorf("%s: no AWS region", r.operation)
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 3
	}
	retryer := retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = attempts })
	var skew time.Duration // the server's clock minus ours, once known
	for attempt := 1; ; attempt++ {
		body, err := c.once(ctx, r, skew)
		if skew == 0 && r.sign != nil {
			if d, ok := clockSkew(err, c.now()); ok {
				// Signed with a clock that is off: sign again with the
				// server's time, at once (the SDK does the same).
				skew = d
				attempt--
				continue
			}
		}
		if err == nil || attempt >= attempts || ctx.Err() != nil || !retryer.IsErrorRetryable(err) {
			return body, err
		}
		delay, derr := retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (gave up retrying: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// skewCodes are the answers AWS gives a request signed at the wrong time.
var skewCodes = map[string]bool{
	"RequestTimeTooSkewed": true, "RequestExpired": true, "RequestInTheFuture": true,
	"InvalidSignatureException": true, "SignatureDoesNotMatch": true, "AuthFailure": true,
}

// clockSkew says whether err is a signing-time error from a server whose
// clock (its Date header) is more than a minute from ours, and by how much.
func clockSkew(err error, now time.Time) (time.Duration, bool) {
	var e *APIError
	if !errors.As(err, &e) || !skewCodes[e.Code] || e.serverTime.IsZero() {
		return 0, false
	}
	d := e.serverTime.Sub(now)
	return d, d > time.Minute || d < -time.Minute
}

func (c *Client) once(ctx context.Context, r *request, skew time.Duration) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, r.method, c.URL(r.service)+r.path, bytes.NewReader(r.body))
	if err != nil {
		return nil, &OpError{Operation: r.operation, Err: err}
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if r.sign != nil {
		sum := sha256.Sum256(r.body)
		if err := v4.NewSigner().SignHTTP(ctx, *r.sign, req, hex.EncodeToString(sum[:]), r.signName, c.Region, c.now().Add(skew).UTC()); err != nil {
			return nil, &OpError{Operation: r.operation, Err: err}
		}
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &OpError{Operation: r.operation, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &OpError{Operation: r.operation, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		e := r.parseErr(resp.StatusCode, resp.Header, body)
		e.Operation, e.Status = r.operation, resp.StatusCode
		if e.RequestID == "" {
			e.RequestID = resp.Header.Get("x-amzn-RequestId")
		}
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			e.serverTime = t
		}
		return nil, e
	}
	return body, nil
}
