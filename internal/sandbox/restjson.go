package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// decodeBody reads a REST-JSON request body strictly: one JSON object,
// members named exactly as AWS names them, each once, nothing after it.
// Every failure is an InvalidRequestException, never a 500.
func decodeBody(r *http.Request, dst any) *apiError {
	// Generic OAuth clients send form-encoded token requests; SSO OIDC
	// takes JSON only. A missing Content-Type is accepted (curl, old SDKs).
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(strings.Contains(mt, "json") || mt == "text/plain") {
			return errBadRequest(protoOIDC, fmt.Sprintf("Content-Type %q: the body must be JSON (application/json)", ct))
		}
	}
	data, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		e := errBadRequest(protoOIDC, fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit))
		e.Status = http.StatusRequestEntityTooLarge
		return e
	case err != nil:
		return errBadRequest(protoOIDC, "the request body could not be read")
	case len(bytes.TrimSpace(data)) == 0:
		return errBadRequest(protoOIDC, "the request body is empty; expected a JSON object")
	}
	if e := checkMembers(data, dst); e != nil {
		return e
	}
	if err := json.Unmarshal(data, dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errBadRequest(protoOIDC, fmt.Sprintf("member %s must be %s, not a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value))
		}
		return errBadRequest(protoOIDC, "invalid request body: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// checkMembers makes sure data is a single JSON object whose member names
// are dst's JSON names. encoding/json matches names case-insensitively and
// lets a repeated member win silently; AWS does neither.
func checkMembers(data []byte, dst any) *apiError {
	invalid := func(err error) *apiError {
		return errBadRequest(protoOIDC, "the request body is not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return invalid(err)
	}
	if tok != json.Delim('{') {
		return errBadRequest(protoOIDC, "the request body must be a JSON object")
	}
	known, seen := memberNames(dst), map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return invalid(err)
		}
		name, _ := tok.(string)
		switch {
		case !known[name]:
			return errBadRequest(protoOIDC, fmt.Sprintf("unknown member %q", name))
		case seen[name]:
			return errBadRequest(protoOIDC, fmt.Sprintf("member %q appears twice", name))
		}
		seen[name] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return invalid(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadRequest(protoOIDC, "the request body has data after the JSON object")
	}
	return nil
}

// memberNames are the JSON names of the struct dst points to.
func memberNames(dst any) map[string]bool {
	t := reflect.TypeOf(dst).Elem()
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// required names every missing member of name/value pairs.
func required(p protocol, pairs ...string) *apiError {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			missing = append(missing, pairs[i])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return errBadRequest(p, "missing required member: "+strings.Join(missing, ", "))
}
