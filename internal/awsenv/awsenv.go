// Package awsenv turns credentials into what other programs read: the
// standard AWS environment variables (for exec, env and shell) in several
// shell syntaxes, and the credential_process JSON document.
package awsenv

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Values are what sesame hands to a child process or prints for eval.
type Values struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time // zero for long-term keys
	Region          string
	Identity        string
	AccountID       string
	// ContainerURI and ContainerToken, when set, replace the keys: the
	// child fetches (and renews) credentials from sesame's local
	// endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI).
	ContainerURI   string
	ContainerToken string
}

// Cleared are the variables sesame removes from a child's environment so
// nothing inherited (another profile, stale keys, a web identity, a
// container endpoint) takes precedence over or mixes with the credentials
// it sets.
var Cleared = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_FILE",
	"AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_SDK_LOAD_CONFIG",
}

// Vars returns the variables to set, in a stable order.
func (v Values) Vars() [][2]string {
	var out [][2]string
	if v.ContainerURI != "" {
		out = append(out, [2]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", v.ContainerURI},
			[2]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN", v.ContainerToken})
	} else {
		out = append(out, [2]string{"AWS_ACCESS_KEY_ID", v.AccessKeyID}, [2]string{"AWS_SECRET_ACCESS_KEY", v.SecretAccessKey})
		if v.SessionToken != "" {
			out = append(out, [2]string{"AWS_SESSION_TOKEN", v.SessionToken})
		}
		if !v.Expiration.IsZero() {
			out = append(out, [2]string{"AWS_CREDENTIAL_EXPIRATION", v.Expiration.UTC().Format(time.RFC3339)})
		}
	}
	if v.Region != "" {
		out = append(out, [2]string{"AWS_REGION", v.Region}, [2]string{"AWS_DEFAULT_REGION", v.Region})
	}
	if v.Identity != "" {
		out = append(out, [2]string{"SESAME_IDENTITY", v.Identity})
	}
	return out
}

// Environ returns base without the cleared variables, plus v's.
func (v Values) Environ(base []string) []string {
	drop := map[string]bool{}
	for _, k := range Cleared {
		drop[k] = true
	}
	vars := v.Vars()
	for _, kv := range vars {
		drop[kv[0]] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, e := range base {
		k, _, _ := strings.Cut(e, "=")
		if !drop[k] {
			out = append(out, e)
		}
	}
	for _, kv := range vars {
		out = append(out, kv[0]+"="+kv[1])
	}
	return out
}

// Formats lists the output formats of Format.
var Formats = []string{"bash", "zsh", "fish", "powershell", "dotenv", "json", "github-actions"}

// shell is how one shell unsets and exports a variable.
type shell struct {
	unset, set string // formats taking the name, and the name and quoted value
	quote      func(string) string
}

var shells = map[string]shell{
	"bash":       {"unset %s", "export %s=%s", shQuote},
	"zsh":        {"unset %s", "export %s=%s", shQuote},
	"sh":         {"unset %s", "export %s=%s", shQuote},
	"fish":       {"set -e %s", "set -gx %s %s", shQuote},
	"powershell": {"Remove-Item Env:%s -ErrorAction SilentlyContinue", "$Env:%s = %s", psQuote},
}

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Format renders v for a shell or tool. The unset lines come first so an
// eval in a shell that had other credentials leaves none of them behind.
func Format(v Values, format string) (string, error) {
	var b strings.Builder
	vars := v.Vars()
	switch format {
	case "bash", "zsh", "sh", "fish", "powershell":
		sh := shells[format]
		for _, k := range Cleared {
			if !has(vars, k) {
				fmt.Fprintf(&b, sh.unset+"\n", k)
			}
		}
		for _, kv := range vars {
			fmt.Fprintf(&b, sh.set+"\n", kv[0], sh.quote(kv[1]))
		}
	case "dotenv":
		for _, kv := range vars {
			fmt.Fprintf(&b, "%s=%s\n", kv[0], dotenvQuote(kv[1]))
		}
	case "json":
		m := map[string]string{}
		for _, kv := range vars {
			m[kv[0]] = kv[1]
		}
		data, _ := json.MarshalIndent(m, "", "  ") // a map of strings always marshals
		b.Write(data)
		b.WriteByte('\n')
	case "github-actions":
		// Mask the secrets in the job log, then hand the variables to
		// later steps through $GITHUB_ENV (the caller appends this output
		// there; the mask commands go to stdout of the step itself).
		for _, kv := range vars {
			if kv[0] == "AWS_SECRET_ACCESS_KEY" || kv[0] == "AWS_SESSION_TOKEN" || kv[0] == "AWS_ACCESS_KEY_ID" {
				fmt.Fprintf(&b, "::add-mask::%s\n", kv[1])
			}
		}
	default:
		return "", fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
	}
	return b.String(), nil
}

// GitHubEnv renders the lines to append to $GITHUB_ENV.
func GitHubEnv(v Values) string {
	var b strings.Builder
	for _, kv := range v.Vars() {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	return b.String()
}

func has(vars [][2]string, k string) bool {
	for _, kv := range vars {
		if kv[0] == k {
			return true
		}
	}
	return false
}

// shQuote quotes s for POSIX shells and fish.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func dotenvQuote(s string) string {
	if strings.ContainsAny(s, " #\"'\\\n$") {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "$", `\$`).Replace(s) + `"`
	}
	return s
}

// ProcessOutput is the credential_process document (Version 1), for
// readers of it.
type ProcessOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
}

// Process renders v as credential_process JSON (one line), with the keys
// of ProcessOutput in its order. It is written member by member: the first
// reflective encoding of a struct costs a fresh process about 50 µs, a
// noticeable share of the credential-process hot path.
func Process(v Values) []byte {
	b := make([]byte, 0, 1024)
	b = append(b, `{"Version":1`...)
	member := func(name, value string, omitEmpty bool) {
		if value == "" && omitEmpty {
			return
		}
		q, _ := json.Marshal(value) // a string always marshals
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = append(b, q...)
	}
	member("AccessKeyId", v.AccessKeyID, false)
	member("SecretAccessKey", v.SecretAccessKey, false)
	member("SessionToken", v.SessionToken, true)
	if !v.Expiration.IsZero() {
		member("Expiration", v.Expiration.UTC().Format(time.RFC3339), false)
	}
	member("AccountId", v.AccountID, true)
	return append(b, '}', '\n')
}
