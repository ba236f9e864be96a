package awsapi

import (
	"net/http"
	"testing"
)

// Whatever an error answer holds, it is read without a panic into an
// error with a code.
func FuzzErrorParsers(f *testing.F) {
	f.Add(400, "AuthorizationPendingException:http://x", `{"error":"authorization_pending","error_description":"wait"}`)
	f.Add(403, "", `<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
	f.Add(502, "", `<html>bad gateway</html>`)
	f.Fuzz(func(t *testing.T, status int, typ, body string) {
		h := http.Header{}
		h.Set("x-amzn-ErrorType", typ)
		for _, parse := range []func(int, http.Header, []byte) *APIError{restJSONError, queryError} {
			e := parse(status, h, []byte(body))
			if e == nil || e.Code == "" {
				t.Fatalf("no code for status %d, type %q, body %q", status, typ, body)
			}
			_ = e.Error()
		}
	})
}
