// Package console turns temporary credentials into a federated AWS
// Management Console sign-in URL: the federation endpoint's
// getSigninToken, then its login action with a destination
// (docs/console.md). The URL is as good as the credentials for 15
// minutes; it is returned to the caller, never logged.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Credentials are temporary credentials (a session token is required:
// the federation endpoint refuses long-term keys).
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Options shape the sign-in.
type Options struct {
	// Endpoint is the federation endpoint; default per partition
	// (FederationEndpoint).
	Endpoint string
	// Destination is the console page to land on; default the console
	// home of Partition and Region (Destination).
	Destination string
	Partition   string
	Region      string
	// Issuer names the tool in the console's sign-out page; default sesame.
	Issuer string
	// Duration is the console session length (900 s – 12 h). Zero omits it:
	// the endpoint then uses its default, and it must be omitted for
	// role-chained credentials, which the endpoint refuses it for.
	Duration time.Duration
	HTTP     *http.Client
}

// FederationEndpoint is the partition's federation endpoint.
func FederationEndpoint(partition string) string {
	switch partition {
	case "aws-cn":
		return "https://signin.amazonaws.cn/federation"
	case "aws-us-gov":
		return "https://signin.amazonaws-us-gov.com/federation"
	}
	return "https://signin.aws.amazon.com/federation"
}

// Destination is the console URL of service ("" for the console home) in
// region, for the partition.
func Destination(partition, region, service string) string {
	host := "console.aws.amazon.com"
	switch partition {
	case "aws-cn":
		host = "console.amazonaws.cn"
	case "aws-us-gov":
		host = "console.amazonaws-us-gov.com"
	}
	if region != "" && partition != "aws-cn" && partition != "aws-us-gov" {
		host = region + "." + host
	}
	path := "/console/home"
	if service != "" {
		path = "/" + url.PathEscape(strings.ToLower(service)) + "/home"
	}
	u := "https://" + host + path
	if region != "" {
		u += "?region=" + url.QueryEscape(region)
	}
	return u
}

// SigninURL gets a sign-in token for c and returns the login URL.
func SigninURL(ctx context.Context, c Credentials, o Options) (string, error) {
	if c.SessionToken == "" {
		return "", errors.New("console sign-in needs temporary credentials (a session token); long-term keys cannot sign in")
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = FederationEndpoint(o.Partition)
	}
	session, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		return "", err
	}
	form := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if o.Duration > 0 {
		form.Set("SessionDuration", strconv.Itoa(int(o.Duration/time.Second)))
	}
	// GET, as the endpoint documents; the request goes over TLS to AWS.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+form.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("federation endpoint %q is not a URL", endpoint)
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		// url.Error quotes the URL, which carries the credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("getSigninToken at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("getSigninToken: %w", err)
	}
	var out struct {
		SigninToken string `json:"SigninToken"`
		Message     string `json:"message"`
	}
	_ = json.Unmarshal(body, &out)
	if resp.StatusCode != http.StatusOK || out.SigninToken == "" {
		msg := out.Message
		if t := strings.TrimSpace(string(body)); msg == "" && len(t) < 300 && !strings.ContainsAny(t, "<{") {
			msg = t
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return "", fmt.Errorf("getSigninToken: the federation endpoint refused the credentials (HTTP %d): %s", resp.StatusCode, msg)
	}
	dest := o.Destination
	if dest == "" {
		dest = Destination(o.Partition, o.Region, "")
	}
	issuer := o.Issuer
	if issuer == "" {
		issuer = "sesame"
	}
	q := url.Values{"Action": {"login"}, "Issuer": {issuer}, "Destination": {dest}, "SigninToken": {out.SigninToken}}
	return endpoint + "?" + q.Encode(), nil
}
