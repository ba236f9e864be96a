package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// apiError is an AWS error in the shape of one protocol. Handlers return
// it; the dispatcher writes it, so every failure is AWS-shaped and none is
// a bare 500.
type apiError struct {
	Status int
	Code   string // the error type, e.g. AuthorizationPendingException
	// OAuth is the OAuth error string SSO OIDC puts in "error"
	// (authorization_pending); empty for other protocols.
	OAuth   string
	Message string
	Reason  string // SSO OIDC AccessDenied/InvalidRequest "reason"
	// Sender marks query-protocol errors caused by the caller.
	Sender bool
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// protocol says how to write errors.
type protocol int

const (
	protoRESTJSON protocol = iota // SSO OIDC and SSO portal
	protoQuery                    // STS (XML)
	protoJSON11                   // SSO Admin, Identity Store, Organizations
	protoOIDC                     // SSO OIDC flavour of REST-JSON
	protoHTML                     // sign-in pages and federation
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, p protocol, requestID string, e *apiError) {
	w.Header().Set("x-amzn-RequestId", requestID)
	switch p {
	case protoOIDC:
		w.Header().Set("x-amzn-ErrorType", e.Code)
		body := map[string]string{"error": e.OAuth, "error_description": e.Message}
		if e.OAuth == "" {
			body["error"] = e.Code
		}
		if e.Reason != "" {
			body["reason"] = e.Reason
		}
		writeJSON(w, e.Status, body)
	case protoRESTJSON:
		w.Header().Set("x-amzn-ErrorType", e.Code)
		writeJSON(w, e.Status, map[string]string{"__type": e.Code, "message": e.Message})
	case protoJSON11:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "Message": e.Message})
	case protoQuery:
		typ := "Receiver"
		if e.Sender || e.Status < 500 {
			typ = "Sender"
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.Status)
		_ = xml.NewEncoder(w).Encode(queryErrorResponse{
			Error:     queryError{Type: typ, Code: e.Code, Message: e.Message},
			RequestID: requestID,
		})
	default:
		http.Error(w, e.Code+": "+e.Message, e.Status)
	}
}

type queryErrorResponse struct {
	XMLName   xml.Name   `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error     queryError `xml:"Error"`
	RequestID string     `xml:"RequestId"`
}

type queryError struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// Errors used by more than one handler.
func errBadRequest(p protocol, msg string) *apiError {
	switch p {
	case protoQuery:
		return &apiError{Status: 400, Code: "InvalidParameterValue", Message: msg, Sender: true}
	case protoOIDC:
		return &apiError{Status: 400, Code: "InvalidRequestException", OAuth: "invalid_request", Message: msg}
	case protoJSON11:
		return &apiError{Status: 400, Code: "ValidationException", Message: msg}
	}
	return &apiError{Status: 400, Code: "InvalidRequestException", Message: msg}
}

func errThrottled(p protocol) *apiError {
	switch p {
	case protoQuery:
		return &apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded", Sender: true}
	case protoJSON11:
		return &apiError{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
	case protoOIDC:
		return &apiError{Status: 400, Code: "SlowDownException", OAuth: "slow_down", Message: "Rate exceeded"}
	}
	return &apiError{Status: 429, Code: "TooManyRequestsException", Message: "Rate exceeded"}
}

// errNamed builds an error of a given code for fault injection, choosing
// the status AWS uses for it.
func errNamed(p protocol, code string) *apiError {
	status := 400
	switch code {
	case "InternalServerException", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException":
		status = 500
	case "UnauthorizedException", "InvalidClientException":
		status = 401
	case "ForbiddenException":
		status = 403
	case "ResourceNotFoundException":
		status = 404
	case "TooManyRequestsException":
		status = 429
	}
	return &apiError{Status: status, Code: code, OAuth: oauthName(code), Message: "injected fault", Sender: status < 500}
}

func oauthName(code string) string {
	switch code {
	case "AuthorizationPendingException":
		return "authorization_pending"
	case "SlowDownException":
		return "slow_down"
	case "ExpiredTokenException":
		return "expired_token"
	case "InvalidGrantException":
		return "invalid_grant"
	case "InvalidClientException":
		return "invalid_client"
	case "AccessDeniedException":
		return "access_denied"
	case "UnsupportedGrantTypeException":
		return "unsupported_grant_type"
	case "InvalidScopeException":
		return "invalid_scope"
	case "InvalidRequestException":
		return "invalid_request"
	case "InternalServerException":
		return "server_error"
	}
	return ""
}
