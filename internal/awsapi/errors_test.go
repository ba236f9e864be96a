package awsapi_test

// Error shapes the sandbox does not produce, malformed answers and bounded
// reads, against net/http/httptest servers.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/sesame-cli/sesame/internal/awsapi"
)

// serve runs h on a loopback server and returns a client for it that
// tries once.
func serve(t testing.TB, h http.HandlerFunc) *awsapi.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: srv.Client(), MaxAttempts: 1}
}

// answer replies with status, headers (name, value pairs) and body.
func answer(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

var testCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"}

// calls are one call of every operation, for tests that run them all.
var calls = map[string]func(context.Context, *awsapi.Client) error{
	"RegisterClient": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.RegisterClient(ctx, &awsapi.RegisterClientInput{ClientName: "n", ClientType: "public"})
		return err
	},
	"StartDeviceAuthorization": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: "id", ClientSecret: "client-secret-value", StartURL: "https://x.awsapps.com/start"})
		return err
	},
	"CreateToken": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: "id", ClientSecret: "client-secret-value", GrantType: "refresh_token", RefreshToken: "refresh-token-value"})
		return err
	},
	"GetRoleCredentials": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.GetRoleCredentials(ctx, "access-token-value", "123456789012", "Admin")
		return err
	},
	"ListAccounts": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.ListAccounts(ctx, "access-token-value")
		return err
	},
	"ListAccountRoles": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.ListAccountRoles(ctx, "access-token-value", "123456789012")
		return err
	},
	"Logout": func(ctx context.Context, c *awsapi.Client) error { return c.Logout(ctx, "access-token-value") },
	"GetCallerIdentity": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.GetCallerIdentity(ctx, testCreds)
		return err
	},
	"AssumeRole": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.AssumeRole(ctx, testCreds, &awsapi.AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s"})
		return err
	},
	"AssumeRoleWithWebIdentity": func(ctx context.Context, c *awsapi.Client) error {
		_, err := c.AssumeRoleWithWebIdentity(ctx, &awsapi.AssumeRoleWithWebIdentityInput{RoleARN: "arn:aws:iam::123456789012:role/r", RoleSessionName: "s", WebIdentityToken: "web-identity-token-value"})
		return err
	},
}

// stsOps are the operations of the query protocol (XML errors).
var stsOps = map[string]bool{"GetCallerIdentity": true, "AssumeRole": true, "AssumeRoleWithWebIdentity": true}

func TestRESTJSONErrorShapes(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status  int
		header  []string
		body    string
		code    string
		message string
		oauth   string
		reason  string
		reqID   string
	}{
		"header with detail suffix": {401, []string{"x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"},
			`{"message":"Session token not found or invalid"}`, "UnauthorizedException", "Session token not found or invalid", "", "", ""},
		"header with namespace": {404, []string{"X-Amzn-Errortype", "com.amazonaws.sso#ResourceNotFoundException"},
			`{"message":"gone"}`, "ResourceNotFoundException", "gone", "", "", ""},
		"header with namespace and suffix": {400, []string{"x-amzn-ErrorType", "aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"},
			``, "FooError", "", "", "", ""},
		"header with spaces": {400, []string{"x-amzn-ErrorType", " InvalidRequestException "}, `{}`, "InvalidRequestException", "", "", "", ""},
		"header wins over body": {400, []string{"x-amzn-ErrorType", "InvalidRequestException"},
			`{"__type":"com.amazonaws#OtherException","error":"invalid_grant","message":"m"}`, "InvalidRequestException", "m", "invalid_grant", "", ""},
		"body __type": {401, nil, `{"__type":"com.amazonaws.switchboard.portal#UnauthorizedException","message":"no session"}`,
			"UnauthorizedException", "no session", "", "", ""},
		"body __type with suffix": {400, nil, `{"__type":"ns#TooManyRequestsException:http://x/","Message":"slow"}`, "TooManyRequestsException", "slow", "", "", ""},
		"body code":               {400, nil, `{"code":"InvalidRequestException","Message":"capitalised message"}`, "InvalidRequestException", "capitalised message", "", "", ""},
		"oauth only": {400, nil, `{"error":"authorization_pending","error_description":"not yet"}`,
			"AuthorizationPendingException", "not yet", "authorization_pending", "", ""},
		"oauth null description": {400, nil, `{"error":"slow_down","error_description":null}`, "SlowDownException", "", "slow_down", "", ""},
		"oauth with reason": {400, nil, `{"error":"access_denied","error_description":"kms","reason":"KMS_AccessDeniedException"}`,
			"AccessDeniedException", "kms", "access_denied", "KMS_AccessDeniedException", ""},
		"oauth unknown": {400, nil, `{"error":"invalid_client_metadata"}`, "HTTP400", "", "invalid_client_metadata", "", ""},
		"message beats description": {400, nil, `{"error":"invalid_grant","message":"first","error_description":"second"}`,
			"InvalidGrantException", "first", "invalid_grant", "", ""},
		"wrong member types": {400, nil, `{"message":42,"__type":"ns#ConflictException"}`, "ConflictException", "", "", "", ""},
		"html 502":           {502, []string{"Content-Type", "text/html"}, `<html><body><h1>502 Bad Gateway</h1></body></html>`, "HTTP502", "", "", "", ""},
		"empty 429":          {429, nil, ``, "TooManyRequestsException", "", "", "", ""},
		"empty 404":          {404, nil, ``, "HTTP404", "", "", "", ""},
		"json array":         {500, nil, `[1,2,3]`, "HTTP500", "", "", "", ""},
		"json null":          {503, nil, `null`, "HTTP503", "", "", "", ""},
		"truncated json":     {400, nil, `{"__type":"ns#X`, "HTTP400", "", "", "", ""},
		"request id header": {400, []string{"x-amzn-RequestId", "11111111-2222-3333-4444-555555555555", "x-amzn-ErrorType", "InvalidRequestException"},
			`{}`, "InvalidRequestException", "", "", "", "11111111-2222-3333-4444-555555555555"},
		"3xx is an error": {304, nil, ``, "HTTP304", "", "", "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := serve(t, answer(tc.status, tc.body, tc.header...))
			for _, op := range []string{"CreateToken", "GetRoleCredentials", "Logout"} {
				err := calls[op](t.Context(), c)
				var ae *awsapi.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("%s: %v (%T), want *awsapi.APIError", op, err, err)
				}
				got := [...]any{ae.Operation, ae.Status, ae.Code, ae.Message, ae.OAuth, ae.Reason, ae.RequestID}
				want := [...]any{op, tc.status, tc.code, tc.message, tc.oauth, tc.reason, tc.reqID}
				if got != want {
					t.Errorf("%s: got %v\nwant %v", op, got, want)
				}
				if awsapi.Code(err) != tc.code {
					t.Errorf("Code = %q", awsapi.Code(err))
				}
				msg := tc.message
				if msg == "" {
					msg = http.StatusText(tc.status)
				}
				wantText := fmt.Sprintf("%s: %s (HTTP %d): %s", op, tc.code, tc.status, msg)
				if tc.reqID != "" {
					wantText += " (request id " + tc.reqID + ")"
				}
				if err.Error() != wantText {
					t.Errorf("Error() = %q, want %q", err, wantText)
				}
			}
		})
	}
}

func TestOAuthErrorNames(t *testing.T) {
	t.Parallel()
	for oauth, code := range map[string]string{
		"authorization_pending":  "AuthorizationPendingException",
		"slow_down":              "SlowDownException",
		"expired_token":          "ExpiredTokenException",
		"invalid_grant":          "InvalidGrantException",
		"access_denied":          "AccessDeniedException",
		"invalid_client":         "InvalidClientException",
		"unauthorized_client":    "UnauthorizedClientException",
		"invalid_request":        "InvalidRequestException",
		"invalid_scope":          "InvalidScopeException",
		"unsupported_grant_type": "UnsupportedGrantTypeException",
		"server_error":           "InternalServerException",
	} {
		t.Run(oauth, func(t *testing.T) {
			t.Parallel()
			status := 400
			if oauth == "invalid_client" {
				status = 401
			}
			c := serve(t, answer(status, `{"error":"`+oauth+`","error_description":"d"}`))
			_, err := c.CreateToken(t.Context(), &awsapi.CreateTokenInput{ClientID: "id", ClientSecret: "s", GrantType: "x"})
			var ae *awsapi.APIError
			if !errors.As(err, &ae) || ae.Code != code || ae.OAuth != oauth || ae.Message != "d" {
				t.Errorf("%v: %+v", err, ae)
			}
		})
	}
}

func TestQueryErrorShapes(t *testing.T) {
	t.Parallel()
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:sts::123456789012:assumed-role/a/b is not authorized to perform: sts:AssumeRole</Message>
  </Error>
  <RequestId>4f1a6b8c-0000-1111-2222-333344445555</RequestId>
</ErrorResponse>`
	for name, tc := range map[string]struct {
		status           int
		header           []string
		body             string
		code, msg, reqID string
	}{
		"error response": {403, []string{"Content-Type", "text/xml"}, doc, "AccessDenied",
			"User: arn:aws:sts::123456789012:assumed-role/a/b is not authorized to perform: sts:AssumeRole", "4f1a6b8c-0000-1111-2222-333344445555"},
		"body request id beats header": {403, []string{"x-amzn-RequestId", "from-header"}, doc, "AccessDenied",
			"User: arn:aws:sts::123456789012:assumed-role/a/b is not authorized to perform: sts:AssumeRole", "4f1a6b8c-0000-1111-2222-333344445555"},
		"request id from header": {400, []string{"x-amzn-RequestId", "from-header"},
			`<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>`, "Throttling", "Rate exceeded", "from-header"},
		"no namespace": {400, nil, `<ErrorResponse><Error><Code>ValidationError</Code><Message>bad</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
			"ValidationError", "bad", "r1"},
		"expired token": {400, nil, `<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>r2</RequestId></ErrorResponse>`,
			"ExpiredToken", "The security token included in the request is expired", "r2"},
		"html 503":                          {503, []string{"Content-Type", "text/html"}, `<html><head><title>503</title></head><body>down</body></html>`, "HTTP503", "", ""},
		"json body":                         {400, nil, `{"__type":"InvalidAction"}`, "HTTP400", "", ""},
		"empty 429":                         {429, nil, ``, "TooManyRequestsException", "", ""},
		"empty 500":                         {500, nil, ``, "HTTP500", "", ""},
		"truncated xml keeps what was read": {403, nil, `<ErrorResponse><Error><Code>AccessDenied</Code>`, "AccessDenied", "", ""},
		"broken xml":                        {403, nil, `<ErrorResponse><Error><Code>AccessDenied</Co`, "HTTP403", "", ""},
		"no code":                           {400, nil, `<ErrorResponse><Error><Message>what</Message></Error></ErrorResponse>`, "HTTP400", "what", ""},
		"binary junk":                       {500, nil, "\x00\x01\x02\xff\xfe", "HTTP500", "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := serve(t, answer(tc.status, tc.body, tc.header...))
			for _, op := range []string{"GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity"} {
				err := calls[op](t.Context(), c)
				var ae *awsapi.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("%s: %v (%T)", op, err, err)
				}
				if ae.Operation != op || ae.Status != tc.status || ae.Code != tc.code || ae.Message != tc.msg || ae.RequestID != tc.reqID || ae.OAuth != "" {
					t.Errorf("%s: got %+v", op, ae)
				}
				if tc.reqID != "" && !strings.HasSuffix(err.Error(), " (request id "+tc.reqID+")") {
					t.Errorf("Error() = %q", err)
				}
			}
		})
	}
}

func TestAPIErrorInterfaces(t *testing.T) {
	t.Parallel()
	c := serve(t, answer(503, `{"message":"busy"}`, "x-amzn-ErrorType", "ServiceUnavailableException"))
	err := calls["ListAccounts"](t.Context(), c)
	wrapped := fmt.Errorf("listing: %w", err)
	if awsapi.Code(wrapped) != "ServiceUnavailableException" {
		t.Errorf("Code(wrapped) = %q", awsapi.Code(wrapped))
	}
	var se smithy.APIError
	if !errors.As(wrapped, &se) || se.ErrorCode() != "ServiceUnavailableException" || se.ErrorMessage() != "busy" || se.ErrorFault() != smithy.FaultServer {
		t.Errorf("smithy view: %v", se)
	}
	var sc interface{ HTTPStatusCode() int }
	if !errors.As(wrapped, &sc) || sc.HTTPStatusCode() != 503 {
		t.Errorf("HTTPStatusCode")
	}
	for _, e := range []error{nil, errors.New("plain"), &awsapi.OpError{Operation: "X", Err: io.EOF}} {
		if got := awsapi.Code(e); got != "" {
			t.Errorf("Code(%v) = %q", e, got)
		}
	}
	if f := (&awsapi.APIError{Status: 499}).ErrorFault(); f != smithy.FaultClient {
		t.Errorf("499 fault %v", f)
	}
	if f := (&awsapi.APIError{Status: 500}).ErrorFault(); f != smithy.FaultServer {
		t.Errorf("500 fault %v", f)
	}
	if got := (&awsapi.APIError{Operation: "Op", Code: "C", Status: 418}).Error(); got != "Op: C (HTTP 418): I'm a teapot" {
		t.Errorf("Error() = %q", got)
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			c := &awsapi.Client{Region: "us-east-1", Endpoint: url, MaxAttempts: 1, HTTP: &http.Client{Timeout: 5 * time.Second}}
			err := call(t.Context(), c)
			var oe *awsapi.OpError
			if !errors.As(err, &oe) || oe.Operation != op || !strings.HasPrefix(err.Error(), op+": ") || errors.Unwrap(oe) == nil {
				t.Fatalf("got %v (%T), want an *awsapi.OpError of %s", err, err, op)
			}
			if awsapi.Code(err) != "" {
				t.Errorf("Code(%v) = %q", err, awsapi.Code(err))
			}
			noSecrets(t, err, "client-secret-value", "refresh-token-value", "access-token-value", "web-identity-token-value", testCreds.SecretAccessKey, testCreds.SessionToken)
		})
	}
	t.Run("bad endpoint", func(t *testing.T) {
		c := &awsapi.Client{Region: "us-east-1", Endpoint: "http://[::1", MaxAttempts: 1}
		var oe *awsapi.OpError
		if err := calls["ListAccounts"](t.Context(), c); !errors.As(err, &oe) {
			t.Errorf("got %v", err)
		}
	})
}

// Successful status, body that is not the answer.
func TestMalformedAnswers(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		op, body, want string
	}{
		"RegisterClient not json":      {"RegisterClient", `<html>`, "RegisterClient: malformed answer"},
		"RegisterClient no secret":     {"RegisterClient", `{"clientId":"x"}`, "RegisterClient: the answer has no client id or secret"},
		"RegisterClient wrong type":    {"RegisterClient", `{"clientId":1,"clientSecret":"s"}`, "RegisterClient: malformed answer"},
		"StartDevice empty":            {"StartDeviceAuthorization", `{}`, "StartDeviceAuthorization: the answer has no device code"},
		"StartDevice not json":         {"StartDeviceAuthorization", ``, "StartDeviceAuthorization: malformed answer"},
		"StartDevice interval string":  {"StartDeviceAuthorization", `{"deviceCode":"d","interval":"5"}`, "StartDeviceAuthorization: malformed answer"},
		"CreateToken no access token":  {"CreateToken", `{"tokenType":"Bearer"}`, "CreateToken: the answer has no access token"},
		"CreateToken truncated":        {"CreateToken", `{"accessToken":"aoa`, "CreateToken: malformed answer"},
		"CreateToken null":             {"CreateToken", `null`, "CreateToken: the answer has no access token"},
		"GetRoleCredentials empty":     {"GetRoleCredentials", `{}`, "GetRoleCredentials: the answer has no credentials"},
		"GetRoleCredentials no secret": {"GetRoleCredentials", `{"roleCredentials":{"accessKeyId":"ASIA"}}`, "GetRoleCredentials: the answer has no credentials"},
		"GetRoleCredentials ms string": {"GetRoleCredentials", `{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","expiration":"soon"}}`, "GetRoleCredentials: malformed answer"},
		"GetRoleCredentials html":      {"GetRoleCredentials", `<html>ok</html>`, "GetRoleCredentials: malformed answer"},
		"ListAccounts html":            {"ListAccounts", `<html>`, "ListAccounts: malformed answer"},
		"ListAccounts list object":     {"ListAccounts", `{"accountList":{}}`, "ListAccounts: malformed answer"},
		"ListAccountRoles empty body":  {"ListAccountRoles", ``, "ListAccountRoles: malformed answer"},
		"GetCallerIdentity junk":       {"GetCallerIdentity", `junk`, "GetCallerIdentity: malformed answer"},
		"GetCallerIdentity empty":      {"GetCallerIdentity", ``, "GetCallerIdentity: malformed answer"},
		"GetCallerIdentity no arn":     {"GetCallerIdentity", `<GetCallerIdentityResponse><GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`, "GetCallerIdentity: the answer has no ARN"},
		"GetCallerIdentity json":       {"GetCallerIdentity", `{"Arn":"x"}`, "GetCallerIdentity: malformed answer"},
		"AssumeRole no credentials":    {"AssumeRole", `<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResult></AssumeRoleResponse>`, "AssumeRole: the answer has no credentials"},
		"AssumeRole no expiration": {"AssumeRole", `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
			"AssumeRole: the answer has no credentials"},
		"AssumeRole bad expiration": {"AssumeRole", `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><Expiration>tomorrow</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
			"AssumeRole: malformed answer"},
		"AssumeRole wrong result element": {"AssumeRole", `<AssumeRoleResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleResponse>`,
			"AssumeRole: the answer has no credentials"},
		"AssumeRoleWithWebIdentity truncated": {"AssumeRoleWithWebIdentity", `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>`, "AssumeRoleWithWebIdentity: malformed answer"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := serve(t, answer(200, tc.body))
			err := calls[tc.op](t.Context(), c)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if awsapi.Code(err) != "" {
				t.Errorf("a malformed answer has the AWS code %q", awsapi.Code(err))
			}
			noSecrets(t, err, "client-secret-value", "refresh-token-value", "access-token-value", "web-identity-token-value", testCreds.SecretAccessKey, testCreds.SessionToken)
		})
	}
	// Logout's answer has no body to read.
	c := serve(t, answer(200, `<html>anything</html>`))
	if err := c.Logout(t.Context(), "t"); err != nil {
		t.Errorf("Logout: %v", err)
	}
}

// endless is a response body that never ends; it counts what was read.
type endless struct {
	prefix string
	read   atomic.Int64
	closed atomic.Bool
}

func (e *endless) Read(p []byte) (int, error) {
	off := e.read.Load()
	for i := range p {
		if j := off + int64(i); j < int64(len(e.prefix)) {
			p[i] = e.prefix[j]
		} else {
			p[i] = 'a'
		}
	}
	e.read.Add(int64(len(p)))
	return len(p), nil
}

func (e *endless) Close() error { e.closed.Store(true); return nil }

type bodyTransport struct {
	status int
	body   io.ReadCloser
}

func (b bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: http.Header{}, Body: b.body, Request: req, ContentLength: -1}, nil
}

// Answers are read up to 1 MiB, never more, and closed.
func TestOversizedAnswersAreBounded(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	for name, tc := range map[string]struct {
		status int
		prefix string
		op     string
		want   string
	}{
		"success json":  {200, `{"accessToken":"`, "CreateToken", "CreateToken: malformed answer"},
		"success xml":   {200, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>`, "GetCallerIdentity", "GetCallerIdentity: malformed answer"},
		"error json":    {500, `{"message":"`, "ListAccounts", "ListAccounts: HTTP500 (HTTP 500): Internal Server Error"},
		"error xml":     {503, `<ErrorResponse><Error><Code>`, "AssumeRole", "AssumeRole: HTTP503 (HTTP 503): Service Unavailable"},
		"error unknown": {400, ``, "GetRoleCredentials", "GetRoleCredentials: HTTP400 (HTTP 400): Bad Request"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := &endless{prefix: tc.prefix}
			c := &awsapi.Client{Region: "us-east-1", Endpoint: "https://example.invalid", MaxAttempts: 1,
				HTTP: &http.Client{Transport: bodyTransport{tc.status, body}}}
			start := time.Now()
			err := calls[tc.op](t.Context(), c)
			if err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if n := body.read.Load(); n < limit || n > limit+64<<10 {
				t.Errorf("read %d bytes of an endless answer, want about %d", n, limit)
			}
			if !body.closed.Load() {
				t.Error("the body was not closed")
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	// A large but complete answer just under the bound is read whole.
	pad := strings.Repeat("x", limit-200)
	c := serve(t, answer(200, `{"accessToken":"aoa","pad":"`+pad+`"}`))
	tok, err := c.CreateToken(t.Context(), &awsapi.CreateTokenInput{})
	if err != nil || tok.AccessToken != "aoa" {
		t.Errorf("%v %v", tok, err)
	}
}
