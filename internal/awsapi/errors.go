package awsapi

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// APIError is an error answer from AWS. It satisfies smithy.APIError and
// the interfaces the SDK's retry policy inspects (ErrorCode,
// HTTPStatusCode), so throttling and 5xx answers are retried as the SDK
// would.
type APIError struct {
	Operation string
	Status    int
	// Code is the exception name, e.g. AuthorizationPendingException,
	// UnauthorizedException, AccessDenied.
	Code    string
	Message string
	// OAuth is SSO OIDC's OAuth error ("authorization_pending"); Reason
	// its optional detail (e.g. KMS_AccessDeniedException).
	OAuth     string
	Reason    string
	RequestID string

	serverTime time.Time // the answer's Date header, for clock-skew correction
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%s: %s (HTTP %d): %s", e.Operation, e.Code, e.Status, msg)
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

func (e *APIError) ErrorCode() string    { return e.Code }
func (e *APIError) ErrorMessage() string { return e.Message }
func (e *APIError) HTTPStatusCode() int  { return e.Status }

// ErrorFault says whose fault the error is, as smithy.APIError does.
func (e *APIError) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// Code returns the AWS error code inside err, or "".
func Code(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// OpError is a call that got no answer from AWS (network, TLS, timeout).
type OpError struct {
	Operation string
	Err       error
}

func (e *OpError) Error() string { return e.Operation + ": " + e.Err.Error() }
func (e *OpError) Unwrap() error { return e.Err }

// oauthCodes names the exception behind each OAuth error of SSO OIDC, for
// answers without an x-amzn-ErrorType header.
var oauthCodes = map[string]string{
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
}

// restJSONError reads the REST-JSON error of SSO OIDC and the SSO portal:
// the code from the x-amzn-ErrorType header, else the body's __type or
// code (without a namespace before '#' or a detail after ':'), else the
// OAuth error.
func restJSONError(status int, h http.Header, body []byte) *APIError {
	var b struct {
		Type        string `json:"__type"`
		Code        string `json:"code"`
		Message     string `json:"message"`
		MessageUC   string `json:"Message"`
		OAuth       string `json:"error"`
		Description string `json:"error_description"`
		Reason      string `json:"reason"`
	}
	_ = json.Unmarshal(body, &b) // a body that is not JSON leaves only the status
	e := &APIError{OAuth: b.OAuth, Reason: b.Reason}
	for _, m := range []string{b.Message, b.MessageUC, b.Description} {
		if m != "" {
			e.Message = m
			break
		}
	}
	for _, c := range []string{h.Get("x-amzn-ErrorType"), b.Type, b.Code, oauthCodes[b.OAuth]} {
		if c = sanitizeCode(c); c != "" {
			e.Code = c
			break
		}
	}
	if e.Code == "" {
		e.Code = statusCode(status)
	}
	return e
}

func sanitizeCode(c string) string {
	if i := strings.IndexByte(c, ':'); i >= 0 {
		c = c[:i]
	}
	if i := strings.LastIndexByte(c, '#'); i >= 0 {
		c = c[i+1:]
	}
	return strings.TrimSpace(c)
}

// queryError reads STS's XML error document.
func queryError(status int, _ http.Header, body []byte) *APIError {
	var doc struct {
		Error struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(body, &doc)
	e := &APIError{Code: doc.Error.Code, Message: doc.Error.Message, RequestID: doc.RequestID}
	if e.Code == "" {
		e.Code = statusCode(status)
	}
	return e
}

// statusCode names an answer that carried no error code.
func statusCode(status int) string {
	if status == http.StatusTooManyRequests {
		return "TooManyRequestsException"
	}
	return fmt.Sprintf("HTTP%d", status)
}
